/**
 * ByteSource: the seam between transport and analysis. An analyzer asks for the bytes it needs; the
 * source decides how to get them cheaply (a Range request, a file read, a slice of a tar layer, or the
 * next bytes of a decompression stream).
 */
import { closeSync, openSync, readSync } from 'node:fs';

export class SeekError extends Error {
  override readonly name = 'SeekError';
  readonly code = 'E_NOT_SEEKABLE';
}

export interface ByteSource {
  /** Total size when known (registry blobs, files, tar members); undefined for decompressed streams. */
  readonly size: number | undefined;
  /**
   * True when `read` at any offset is cheap. Forward-only sources (decompression streams) serve reads at
   * or after the last position and throw {@link SeekError} for anything earlier.
   */
  readonly seekable: boolean;
  /** Bytes [offset, offset+length); fewer only at end of data. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Chunks from `offset` (default 0) to `end` (exclusive, default end of data). */
  stream(offset?: number, end?: number): AsyncIterable<Uint8Array>;
  /** Releases what the source holds (a file descriptor) once its file is analysed; reads after it reopen. */
  close?(): Promise<void>;
}

export class BufferSource implements ByteSource {
  readonly seekable = true;
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.bytes.subarray(offset, Math.min(this.bytes.length, offset + length));
  }
  async *stream(offset = 0, end = this.bytes.length): AsyncIterable<Uint8Array> {
    const CHUNK = 1 << 20;
    for (let at = offset; at < end; at += CHUNK) yield this.bytes.subarray(at, Math.min(end, at + CHUNK));
  }
}

const FILE_STREAM_CHUNK = 1 << 20;

/**
 * A local file. The descriptor is opened on the first read and kept until `close()`, so the dozens of
 * small reads an analysis makes cost no open/close each; a scan holds one per file in flight. Reads are
 * synchronous: a local read of model-file headers takes microseconds, far less than a round trip
 * through libuv's thread pool and a promise (the CLI scans 10,000 small files 3× faster so). Streams
 * are such reads in 1 MiB chunks (a ReadStream on a shared descriptor closes it when a reader stops early).
 */
export class FileSource implements ByteSource {
  readonly seekable = true;
  #fd: number | undefined;
  constructor(
    readonly path: string,
    readonly size: number,
    /** A descriptor already open on `path` (the directory walk's), owned from now on. */
    fd?: number,
  ) {
    this.#fd = fd;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const want = Math.max(0, Math.min(length, this.size - offset));
    if (want === 0) return new Uint8Array(0);
    const fd = this.#open();
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const bytesRead = readSync(fd, buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  }
  async *stream(offset = 0, end = this.size): AsyncIterable<Uint8Array> {
    for (let at = offset; at < end; ) {
      const chunk = await this.read(at, Math.min(FILE_STREAM_CHUNK, end - at));
      if (chunk.length === 0) return;
      at += chunk.length;
      yield chunk;
    }
  }
  async close(): Promise<void> {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
  #open(): number {
    this.#fd ??= openSync(this.path, 'r');
    return this.#fd;
  }
}

/**
 * A region of another source: a member stored uncompressed inside a tar or zip. `head` holds its first
 * bytes when they came with the read of its header (zip), so sniffing the member costs no second read.
 */
export class SliceSource implements ByteSource {
  constructor(
    private readonly parent: ByteSource,
    private readonly start: number,
    readonly size: number,
    private readonly head: Uint8Array = new Uint8Array(0),
  ) {}
  get seekable(): boolean {
    return this.parent.seekable;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    const len = Math.max(0, Math.min(length, this.size - offset));
    if (offset + len <= this.head.length) return Promise.resolve(this.head.subarray(offset, offset + len));
    return this.parent.read(this.start + offset, len);
  }
  async *stream(offset = 0, end = this.size): AsyncIterable<Uint8Array> {
    const stop = Math.min(end, this.size);
    let at = offset;
    if (at < this.head.length && at < stop) {
      const cached = this.head.subarray(at, Math.min(this.head.length, stop));
      at += cached.length;
      yield cached;
    }
    if (at < stop) yield* this.parent.stream(this.start + at, this.start + stop);
  }
}

/**
 * A forward-only view of a chunk stream (a decompressing layer, a gzip member). Reads must not go
 * backwards past bytes already consumed, except within the small look-behind window kept for sniffing.
 */
export class ForwardSource implements ByteSource {
  readonly seekable = false;
  private readonly iterator: AsyncIterator<Uint8Array>;
  /** Buffered bytes starting at absolute offset `base`. */
  private buffered: Uint8Array = new Uint8Array(0);
  private base = 0;
  private done = false;
  private streaming = false;

  constructor(
    chunks: AsyncIterable<Uint8Array>,
    readonly size: number | undefined = undefined,
    /** Bytes kept behind the read position so a sniff of the head can be re-read. */
    private readonly lookBehind = 64 * 1024,
  ) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < this.base) throw new SeekError(`cannot read offset ${offset}: stream is already at ${this.base}`);
    const end = offset + length;
    // Bytes before `offset` minus the look-behind window are never needed again: drop them as they
    // arrive, so skipping far ahead costs no memory. Chunks are joined once, not per pull.
    const keepFrom = Math.max(this.base, offset - this.lookBehind);
    this.dropBefore(keepFrom);
    const pending: Uint8Array[] = [this.buffered];
    let have = this.base + this.buffered.length;
    while (!this.done && have < end) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = next.value;
      if (have + chunk.length <= keepFrom) this.base += chunk.length;
      else if (have < keepFrom) {
        pending.length = 0;
        pending.push(chunk.subarray(keepFrom - have));
        this.base = keepFrom;
      } else pending.push(chunk);
      have += chunk.length;
    }
    this.buffered = pending.length === 1 ? pending[0]! : concatAll(pending);
    const out = this.buffered.slice(Math.max(0, offset - this.base), Math.max(0, Math.min(this.buffered.length, end - this.base)));
    this.dropBefore(Math.max(this.base, end - this.lookBehind));
    return out;
  }

  /** Forgets buffered bytes before absolute offset `from`. */
  private dropBefore(from: number): void {
    const cut = Math.min(this.buffered.length, from - this.base);
    if (cut <= 0) return;
    this.buffered = this.buffered.subarray(cut);
    this.base += cut;
  }

  async *stream(offset = 0, end = Number.POSITIVE_INFINITY): AsyncIterable<Uint8Array> {
    if (this.streaming) throw new SeekError('stream already being consumed');
    this.streaming = true;
    if (offset < this.base) throw new SeekError(`cannot stream from ${offset}: stream is already at ${this.base}`);
    let pos = offset;
    // Pull up to `offset` when it lies ahead; then serve what is buffered from it (a pull overshoots
    // `offset` by the rest of its last chunk), then pull from the underlying iterator.
    if (pos > this.base + this.buffered.length) await this.read(pos, 0);
    if (pos < this.base + this.buffered.length) {
      const chunk = this.buffered.subarray(pos - this.base, Math.max(0, Math.min(this.buffered.length, end - this.base)));
      pos += chunk.length;
      if (chunk.length > 0) yield chunk;
    }
    this.base = pos;
    this.buffered = new Uint8Array(0);
    while (!this.done && pos < end) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = next.value.subarray(0, Math.min(next.value.length, end - pos));
      pos += chunk.length;
      this.base = pos;
      if (chunk.length > 0) yield chunk;
    }
  }
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * A forward-only source of at most `size` bytes made seekable by keeping what has been read, so that
 * several analyzers can each read it from the start — and it is decompressed only as far as the
 * furthest of them reads (a raw tensor member none of them parses is not inflated whole; issue 15 §1).
 */
export class ReplaySource implements ByteSource {
  readonly seekable = true;
  private readonly chunks: AsyncIterator<Uint8Array>;
  private held = new Uint8Array(0);
  private have = 0;
  private done = false;

  constructor(
    source: ByteSource,
    readonly size: number,
  ) {
    this.chunks = source.stream(0, size)[Symbol.asyncIterator]();
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    await this.fill(end);
    return this.held.subarray(Math.min(offset, this.have), Math.min(end, this.have));
  }

  async *stream(offset = 0, end = this.size): AsyncIterable<Uint8Array> {
    for (let at = offset; at < Math.min(end, this.size); ) {
      const chunk = await this.read(at, Math.min(end, this.size) - at > REPLAY_CHUNK ? REPLAY_CHUNK : Math.min(end, this.size) - at);
      if (chunk.length === 0) return;
      at += chunk.length;
      yield chunk;
    }
  }

  /** Pulls chunks until `end` bytes are held (or the data ends); the buffer doubles, never past `size`. */
  private async fill(end: number): Promise<void> {
    while (!this.done && this.have < end) {
      const next = await this.chunks.next();
      if (next.done) {
        this.done = true;
        return;
      }
      const chunk = next.value.subarray(0, this.size - this.have);
      if (this.have + chunk.length > this.held.length) {
        const grown = new Uint8Array(Math.min(this.size, Math.max(this.have + chunk.length, 2 * this.held.length, 64 * 1024)));
        grown.set(this.held.subarray(0, this.have));
        this.held = grown;
      }
      this.held.set(chunk, this.have);
      this.have += chunk.length;
    }
  }
}

const REPLAY_CHUNK = 1 << 20;

/** The first `size` bytes of a (forward-only) source, held in memory as a seekable one. */
export async function bufferedSource(source: ByteSource, size: number): Promise<ByteSource> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source.stream(0, size)) chunks.push(chunk);
  return new BufferSource(Buffer.concat(chunks));
}

/** Reads exactly `length` bytes or throws: for headers whose truncation is itself the finding. */
export async function readExactly(source: ByteSource, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await source.read(offset, length);
  if (bytes.length !== length) throw new TruncatedError(offset, length, bytes.length);
  return bytes;
}

export class TruncatedError extends Error {
  override readonly name = 'TruncatedError';
  readonly code = 'E_TRUNCATED';
  constructor(
    readonly offset: number,
    readonly wanted: number,
    readonly got: number,
  ) {
    super(`wanted ${wanted} bytes at offset ${offset}, got ${got}`);
  }
}
