/**
 * Random access to a registry blob over HTTP Range (RFC 9110 §14), so analyzers fetch headers, zip
 * central directories and pickle streams without downloading tensors (ARCHITECTURE.md "Bytes you don't
 * need, you don't fetch").
 *
 * - Small reads are widened to a read-ahead block and the last few blocks are kept, so a parser's many
 *   small header reads cost one round trip, not one each.
 * - A `200` to a Range request means the server ignored Range (Harbor proxy-cache misses,
 *   oci-model-formats.md §5.4): the body is streamed, skipped up to the offset and dropped after the
 *   wanted bytes, never buffered whole.
 * - A `416` body is never read: distribution 2.8 sends it with a wrong Content-Length
 *   (test-environment.md §2.5).
 * - Partial reads cannot be digest-verified; a full `stream()` is, at its end. With `verifyServed`
 *   (SCANNER_VERIFY_BLOBS) each range served is remembered by its hash and checked against one full,
 *   digest-verified stream of the blob once its files are analysed (README "What the scanner verifies").
 */
import {
  BlobSizeMismatchError,
  DigestMismatchError,
  RegistryProtocolError,
  type RegistryTarget,
} from '../errors/registry-errors.js';
import type { ByteSource } from '../../analyzers/source.js';
import { abandonBody, bodyChunks, type ByteCounter } from './body.js';
import { DigestVerifier, parseDigest } from './digest.js';
import { headerValue, type HttpResponse } from './http-transport.js';
import { TransientError, withRetries, type RetryBudget } from './retry.js';
import type { Descriptor, RegistryLogger, VerifiableSource } from './types.js';
import { createHash } from 'node:crypto';

/** What a blob source needs from the client: authenticated GETs of one blob and a retry budget. */
export interface BlobEndpoint {
  readonly target: RegistryTarget;
  readonly counter: ByteCounter;
  readonly logger?: RegistryLogger;
  /** GET the blob, with `Range: bytes=start-end` (inclusive) when given. Resolves for 200, 206 and 416 only. */
  get(range?: { readonly start: number; readonly end: number }): Promise<HttpResponse>;
  /** A fresh retry budget for one logical read. */
  newRetryBudget(): RetryBudget;
}

export interface BlobSourceTuning {
  /** Smallest range fetched for a read; the surplus is cached for the next reads. */
  readonly readAheadBytes: number;
  /** Read-ahead once the server is known to ignore Range (each miss then restreams from byte 0). */
  readonly rangeIgnoredReadAheadBytes: number;
  /** Blocks kept (least recently used dropped). */
  readonly cachedBlocks: number;
  /** Blocks larger than this are returned but not cached, so the cache stays small. */
  readonly maxCachedBlockBytes: number;
}

export const DEFAULT_BLOB_SOURCE_TUNING: BlobSourceTuning = Object.freeze({
  readAheadBytes: 64 * 1024,
  rangeIgnoredReadAheadBytes: 4 * 1024 * 1024,
  cachedBlocks: 4,
  maxCachedBlockBytes: 4 * 1024 * 1024,
});

const DRAIN_LIMIT = 64 * 1024;

interface CachedBlock {
  readonly start: number;
  readonly bytes: Uint8Array;
}

interface ContentRange {
  readonly start: number;
  readonly end: number;
  readonly total: number | undefined;
}

/** A range served to an analyzer, by the sha256 of its bytes: [start, end). */
interface ServedRange {
  readonly start: number;
  readonly end: number;
  readonly sha256: string;
}

export class RegistryBlobSource implements ByteSource, Partial<VerifiableSource> {
  readonly seekable = true;
  readonly size: number;
  #blocks: CachedBlock[] = [];
  #rangeIgnored = false;
  /** Set in verifying mode: every range fetched, keyed `start-end-hash` (a re-fetch of the same bytes counts once). */
  readonly #served: Map<string, ServedRange> | undefined;

  constructor(
    private readonly descriptor: Descriptor,
    private readonly endpoint: BlobEndpoint,
    private readonly tuning: BlobSourceTuning = DEFAULT_BLOB_SOURCE_TUNING,
    verify = false,
  ) {
    this.size = descriptor.size;
    this.#served = verify ? new Map() : undefined;
    if (!verify) this.verifyServed = undefined;
  }

  /** VerifiableSource (./types.ts); undefined unless the client verifies blobs. */
  verifyServed: (() => Promise<void>) | undefined = async () => {
    const served = [...(this.#served?.values() ?? [])].sort((a, b) => a.start - b.start);
    this.#served?.clear();
    const open: Array<ServedRange & { readonly hash: ReturnType<typeof createHash> }> = [];
    let next = 0;
    let position = 0;
    // stream() checks the blob's digest at its end; the ranges are checked against the same bytes.
    for await (const chunk of this.stream(0, this.size)) {
      const chunkEnd = position + chunk.length;
      while (next < served.length && served[next]!.start < chunkEnd) open.push({ ...served[next++]!, hash: createHash('sha256') });
      for (let i = open.length - 1; i >= 0; i--) {
        const range = open[i]!;
        range.hash.update(chunk.subarray(Math.max(0, range.start - position), Math.min(chunk.length, range.end - position)));
        if (range.end > chunkEnd) continue;
        open.splice(i, 1);
        const actual = range.hash.digest('hex');
        if (actual !== range.sha256)
          throw new DigestMismatchError(
            this.endpoint.target,
            `sha256:${range.sha256}`,
            `sha256:${actual}`,
            `bytes ${range.start}-${range.end - 1} of blob ${this.descriptor.digest} as served by Range (SCANNER_VERIFY_BLOBS compared them with the whole blob)`,
          );
      }
      position = chunkEnd;
    }
  };

  #remember(start: number, bytes: Uint8Array): void {
    if (this.#served === undefined || bytes.length === 0) return;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.#served.set(`${start}-${start + bytes.length}-${sha256}`, { start, end: start + bytes.length, sha256 });
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkPosition('read', offset, length);
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    const cached = this.#cachedSlice(offset, end);
    if (cached !== undefined) return cached;
    const readAhead = this.#rangeIgnored ? this.tuning.rangeIgnoredReadAheadBytes : this.tuning.readAheadBytes;
    const blockEnd = Math.min(this.size, Math.max(end, offset + readAhead));
    const block = await this.#fetchBlock(offset, blockEnd);
    this.#remember(offset, block);
    if (block.length <= this.tuning.maxCachedBlockBytes) {
      this.#blocks = [{ start: offset, bytes: block }, ...this.#blocks].slice(0, this.tuning.cachedBlocks);
    }
    return block.subarray(0, end - offset);
  }

  async *stream(offset = 0, end: number = this.size): AsyncIterable<Uint8Array> {
    // `end` may be Infinity ("to the end"), as other sources accept; only the start must be a position.
    checkPosition('stream', offset, 0);
    const stop = Math.min(end, this.size);
    if (stop <= offset) return;
    // Only a read of the whole blob can be checked against its digest.
    const verifier = offset === 0 && stop === this.size ? new DigestVerifier(parseDigest(this.descriptor.digest)) : undefined;
    // A partial stream is remembered like a Range read (verifying mode), as far as it was consumed.
    const partial = verifier === undefined && this.#served !== undefined ? createHash('sha256') : undefined;
    const budget = this.endpoint.newRetryBudget();
    let position = offset;
    try {
      yield* this.#streamFrom(position, stop, budget, (piece) => {
        verifier?.update(piece);
        partial?.update(piece);
        position += piece.length;
      });
    } finally {
      if (partial !== undefined && position > offset) {
        const sha256 = partial.digest('hex');
        this.#served?.set(`${offset}-${position}-${sha256}`, { start: offset, end: position, sha256 });
      }
    }
    if (verifier !== undefined) {
      const actual = verifier.actual();
      if (actual !== this.descriptor.digest) {
        throw new DigestMismatchError(this.endpoint.target, this.descriptor.digest, actual, `blob ${this.descriptor.digest}`);
      }
    }
  }

  /** The bytes [start, stop), resuming with a new Range request where a transfer broke; `seen` is told of each piece first. */
  async *#streamFrom(start: number, stop: number, budget: RetryBudget, seen: (piece: Uint8Array) => void): AsyncGenerator<Uint8Array> {
    let position = start;
    while (position < stop) {
      const whole = position === 0 && stop === this.size;
      const from = position;
      const response = await withRetries(budget, () => this.endpoint.get(whole ? undefined : { start: from, end: stop - 1 }));
      const skip = this.#bodyOffset(response, from, stop, whole);
      const chunks = bodyChunks(response.body, this.endpoint.counter, this.endpoint.target);
      try {
        for await (const piece of window(chunks, skip, stop - position)) {
          seen(piece);
          position += piece.length;
          yield piece;
        }
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        // Resume from where the transfer broke, with a new Range request.
        await budget.beforeRetry(error);
        continue;
      }
      // A body that ends early without progress means the blob is shorter than declared; with progress,
      // the server sent a shorter range than asked and the rest is requested next.
      if (position === from) throw this.#shortBody(position);
    }
  }

  #cachedSlice(offset: number, end: number): Uint8Array | undefined {
    const index = this.#blocks.findIndex((b) => b.start <= offset && end <= b.start + b.bytes.length);
    const block = this.#blocks[index];
    if (block === undefined) return undefined;
    if (index > 0) this.#blocks = [block, ...this.#blocks.filter((_, i) => i !== index)];
    return block.bytes.subarray(offset - block.start, end - block.start);
  }

  /** Bytes [start, end) exactly, in as many Range requests as the server needs. */
  async #fetchBlock(start: number, end: number): Promise<Uint8Array> {
    const out = new Uint8Array(end - start);
    let filled = 0;
    while (filled < out.length) {
      const at = filled;
      filled += await withRetries(this.endpoint.newRetryBudget(), () => this.#fetchInto(out, at, start + at, end));
    }
    return out;
  }

  /** One Range GET for [from, end) copied into `out` at `at`; returns the bytes copied (> 0). */
  async #fetchInto(out: Uint8Array, at: number, from: number, end: number): Promise<number> {
    const response = await this.endpoint.get({ start: from, end: end - 1 });
    const skip = this.#bodyOffset(response, from, end, false);
    let copied = 0;
    for await (const piece of window(bodyChunks(response.body, this.endpoint.counter, this.endpoint.target), skip, end - from)) {
      out.set(piece, at + copied);
      copied += piece.length;
    }
    if (copied === 0) throw this.#shortBody(from);
    return copied;
  }

  /**
   * Checks a 200/206/416 answer to a request for [from, end) and returns how many body bytes precede
   * `from` (0 for a 206, `from` when the server ignored Range). 416 bodies are dropped unread.
   */
  #bodyOffset(response: HttpResponse, from: number, end: number, whole: boolean): number {
    const contentRange = headerValue(response.headers, 'content-range');
    if (response.status === 416) {
      abandonBody(response.body);
      const total = /^bytes \*\/(\d+)$/.exec(contentRange ?? '')?.[1];
      throw new BlobSizeMismatchError(
        this.endpoint.target,
        this.descriptor.digest,
        `the registry answered 416 to bytes ${from}-${end - 1}${total === undefined ? '' : ` (it has ${total} bytes)`}, ` +
          `but the descriptor declares ${this.size} bytes`,
      );
    }
    if (response.status === 206) {
      const range = parseContentRange(contentRange);
      if (range === undefined || range.start !== from || range.end < from) {
        abandonBody(response.body);
        throw new RegistryProtocolError(this.endpoint.target, `asked for bytes ${from}-${end - 1} of ${this.descriptor.digest}, got Content-Range ${JSON.stringify(contentRange ?? '')}`);
      }
      this.#checkTotal(response, range.total);
      return 0;
    }
    const length = headerValue(response.headers, 'content-length');
    this.#checkTotal(response, length === undefined ? undefined : Number(length));
    if (!whole) this.#noteRangeIgnored();
    return from;
  }

  #checkTotal(response: HttpResponse, total: number | undefined): void {
    if (total === undefined || total === this.size) return;
    abandonBody(response.body);
    throw new BlobSizeMismatchError(this.endpoint.target, this.descriptor.digest, `the registry serves ${total} bytes, the descriptor declares ${this.size}`);
  }

  #shortBody(position: number): Error {
    return new BlobSizeMismatchError(this.endpoint.target, this.descriptor.digest, `the body ended at byte ${position}, the descriptor declares ${this.size} bytes`);
  }

  #noteRangeIgnored(): void {
    if (this.#rangeIgnored) return;
    this.#rangeIgnored = true;
    this.endpoint.logger?.warn(
      { registry: this.endpoint.target.registry, repository: this.endpoint.target.repository, digest: this.descriptor.digest },
      'registry ignored the Range header; reads of this blob stream it from the start',
    );
  }
}

function checkPosition(what: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`invalid blob ${what}: offset ${offset}, length ${length}`);
  }
}

/**
 * The bytes of `chunks` after the first `skip`, at most `limit` of them. A short tail past the limit is
 * read and dropped so the connection stays reusable; a long one (a server that ignored Range) is cut off.
 */
async function* window(chunks: AsyncIterable<Uint8Array>, skip: number, limit: number): AsyncGenerator<Uint8Array> {
  let toSkip = skip;
  let left = limit;
  let dropped = 0;
  for await (const chunk of chunks) {
    if (left === 0) {
      dropped += chunk.length;
      if (dropped > DRAIN_LIMIT) return;
      continue;
    }
    if (chunk.length <= toSkip) {
      toSkip -= chunk.length;
      continue;
    }
    const piece = chunk.subarray(toSkip, toSkip + left);
    toSkip = 0;
    left -= piece.length;
    yield piece;
  }
}

function parseContentRange(value: string | undefined): ContentRange | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (match === null) return undefined;
  const [, start, end, total] = match;
  return { start: Number(start), end: Number(end), total: total === '*' ? undefined : Number(total) };
}
