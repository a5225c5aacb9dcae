/**
 * A forward, buffered reader over a ByteSource for the GGUF header. It reads in windows that start small
 * (a typical header fits in the first one) and double up to a cap, so a tens-of-megabytes tokenizer
 * costs a handful of reads and a small header costs one. Every read is bounded by the file size and by
 * the header limit *before* anything is requested or allocated: a hostile length never sizes a buffer.
 */
import { LimitExceededError } from '../engine-rules.js';
import type { FindingInput, Rule } from '../finding.js';
import { TruncatedError, type ByteSource } from '../source.js';

/** A structural problem that makes the rest of the file unreadable; the parser reports it and stops. */
export class GgufStructureError extends Error {
  override readonly name = 'GgufStructureError';
  constructor(
    readonly rule: Rule,
    readonly input: FindingInput,
  ) {
    super(input.message);
  }
}

const FIRST_WINDOW = 16 * 1024;
const MAX_WINDOW = 4 * 1024 * 1024;
const EMPTY = new Uint8Array(0);

export class GgufReader {
  /** Absolute offset of the next byte to read. */
  pos = 0;
  littleEndian = true;
  /** GGUF v1 stores counts and lengths as u32; later versions as u64. */
  narrowSizes = false;
  private window = EMPTY;
  private view = new DataView(EMPTY.buffer);
  private windowStart = 0;
  private nextWindow = FIRST_WINDOW;

  constructor(
    private readonly source: ByteSource,
    /** File size when known. */
    readonly size: number | undefined,
    /** No header structure may extend past this offset (the header-bytes limit). */
    readonly maxEnd: number,
  ) {}

  /** Offset just past the last byte fetched from the source (reads are forward-only). */
  get fetchedEnd(): number {
    return this.windowStart + this.window.length;
  }

  /**
   * Checks that `bytes` more bytes can exist from here: beyond the file is the given rule's finding
   * (parsing stops), beyond the header limit is a {@link LimitExceededError}.
   */
  requireAvailable(bytes: bigint, rule: Rule, input: FindingInput): void {
    if (this.size !== undefined && BigInt(this.pos) + bytes > BigInt(this.size)) throw new GgufStructureError(rule, input);
    if (BigInt(this.pos) + bytes > BigInt(this.maxEnd))
      throw new LimitExceededError('gguf header bytes', Number(BigInt(this.pos) + bytes), this.maxEnd);
  }

  async u8(): Promise<number> {
    const at = await this.take(1);
    return this.view.getUint8(at);
  }
  async u16(): Promise<number> {
    const at = await this.take(2);
    return this.view.getUint16(at, this.littleEndian);
  }
  async i16(): Promise<number> {
    const at = await this.take(2);
    return this.view.getInt16(at, this.littleEndian);
  }
  async u32(): Promise<number> {
    const at = await this.take(4);
    return this.view.getUint32(at, this.littleEndian);
  }
  async i32(): Promise<number> {
    const at = await this.take(4);
    return this.view.getInt32(at, this.littleEndian);
  }
  async i8(): Promise<number> {
    const at = await this.take(1);
    return this.view.getInt8(at);
  }
  async u64(): Promise<bigint> {
    const at = await this.take(8);
    return this.view.getBigUint64(at, this.littleEndian);
  }
  async i64(): Promise<bigint> {
    const at = await this.take(8);
    return this.view.getBigInt64(at, this.littleEndian);
  }
  async f32(): Promise<number> {
    const at = await this.take(4);
    return this.view.getFloat32(at, this.littleEndian);
  }
  async f64(): Promise<number> {
    const at = await this.take(8);
    return this.view.getFloat64(at, this.littleEndian);
  }

  /** A count or length field: u32 in GGUF v1, u64 since v2. */
  async count(): Promise<bigint> {
    return this.narrowSizes ? BigInt(await this.u32()) : this.u64();
  }

  /** Width of a count or length field in bytes. */
  get countBytes(): number {
    return this.narrowSizes ? 4 : 8;
  }

  /** Reads a count field without awaiting when it is already buffered; undefined when it is not. */
  countIfBuffered(): bigint | undefined {
    const at = this.pos - this.windowStart;
    const width = this.countBytes;
    if (at < 0 || at + width > this.window.length) return undefined;
    this.pos += width;
    return this.narrowSizes ? BigInt(this.view.getUint32(at, this.littleEndian)) : this.view.getBigUint64(at, this.littleEndian);
  }

  /** `length` bytes; callers have validated `length` with {@link requireAvailable}. */
  async bytes(length: number): Promise<Uint8Array> {
    const at = await this.take(length);
    return this.window.subarray(at, at + length);
  }

  /** Moves past `length` bytes without reading them. */
  skip(length: number): void {
    this.checkBounds(length);
    this.pos += length;
  }

  /** Hands the next `length` bytes to `visit` window by window, without holding them all at once. */
  async scan(length: number, visit: (chunk: Uint8Array, offset: number) => void): Promise<void> {
    this.checkBounds(length);
    let left = length;
    while (left > 0) {
      const at = await this.need(1);
      const count = Math.min(left, this.window.length - at);
      visit(this.window.subarray(at, at + count), this.pos);
      this.pos += count;
      left -= count;
    }
  }

  /** Like {@link need}, and moves past the `n` bytes. */
  private async take(n: number): Promise<number> {
    const at = await this.need(n);
    this.pos += n;
    return at;
  }

  /** Index in the window where `n` bytes from `pos` start, fetching them first if needed. */
  private async need(n: number): Promise<number> {
    const at = this.pos - this.windowStart;
    if (at >= 0 && at + n <= this.window.length) return at;
    await this.fill(n);
    return 0;
  }

  private async fill(n: number): Promise<void> {
    this.checkBounds(n);
    const at = this.pos - this.windowStart;
    const tail = at >= 0 && at < this.window.length ? this.window.subarray(at) : EMPTY;
    let want = Math.min(Math.max(n, this.nextWindow), this.maxEnd - this.pos);
    if (this.size !== undefined) want = Math.min(want, this.size - this.pos);
    const fresh = await this.source.read(this.pos + tail.length, want - tail.length);
    const next = new Uint8Array(tail.length + fresh.length);
    next.set(tail, 0);
    next.set(fresh, tail.length);
    this.window = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.windowStart = this.pos;
    this.nextWindow = Math.min(this.nextWindow * 2, MAX_WINDOW);
    if (next.length < n) throw new TruncatedError(this.pos, n, next.length);
  }

  private checkBounds(n: number): void {
    if (this.size !== undefined && this.pos + n > this.size) throw new TruncatedError(this.pos, n, this.size - this.pos);
    if (this.pos + n > this.maxEnd) throw new LimitExceededError('gguf header bytes', this.pos + n, this.maxEnd);
  }
}
