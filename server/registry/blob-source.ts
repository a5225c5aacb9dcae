/**
 * Random access to a registry blob over HTTP Range (RFC 9110 §14), so analyzers fetch headers, zip
 * central directories and pickle streams without downloading tensors (ARCHITECTURE.md "Bytes you don't
 * need, you don't fetch").
 *
 * - Small reads are widened to a read-ahead block and the last few blocks are kept, so a parser's many
 *   small header reads cost one round trip, not one each. The block grows while reads go forward (each
 *   read that continues where the last block ended doubles it, up to 8 MiB) and falls back to 64 KiB after
 *   a jump: a plain tar layer of small files is read in a handful of windows, while a large member that
 *   is only sniffed costs its head, not its bytes. A forward block starts where the last one ended, so
 *   the bytes between (a member's tail) come with it instead of costing a request of their own; small
 *   streams (a member read whole) go through the same blocks. Reads that need a block already on its way
 *   share its request, and at most a few block requests are in flight.
 * - Bytes fetched contiguously from the start are hashed as they arrive: a blob read (mostly) front to back
 *   is digest-verified when the last block arrives, whichever reads fetched it.
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
import { ConcurrencyLimiter } from '../harbor/limiter.js';
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
  /** Smallest range fetched for a read, and the block after a jump; the surplus is cached for the next reads. */
  readonly readAheadBytes: number;
  /** Largest block: a read that continues where the last block ended doubles the block, up to this. */
  readonly maxReadAheadBytes: number;
  /** Read-ahead once the server is known to ignore Range (each miss then restreams from byte 0). */
  readonly rangeIgnoredReadAheadBytes: number;
  /** Blocks kept (least recently used dropped). */
  readonly cachedBlocks: number;
  /** Blocks larger than this are returned but not cached, so the cache stays small. */
  readonly maxCachedBlockBytes: number;
  /** Block requests in flight at once. */
  readonly maxRequestsInFlight: number;
}

export const DEFAULT_BLOB_SOURCE_TUNING: BlobSourceTuning = Object.freeze({
  readAheadBytes: 64 * 1024,
  maxReadAheadBytes: 8 * 1024 * 1024,
  rangeIgnoredReadAheadBytes: 4 * 1024 * 1024,
  cachedBlocks: 4,
  maxCachedBlockBytes: 8 * 1024 * 1024,
  maxRequestsInFlight: 4,
});

const DRAIN_LIMIT = 64 * 1024;

interface CachedBlock {
  readonly start: number;
  readonly bytes: Uint8Array;
}

interface PendingBlock {
  readonly start: number;
  readonly end: number;
  readonly bytes: Promise<Uint8Array>;
}

/** Where the next block of a read at some offset starts and how long it is. */
interface BlockPlan {
  /** The read continues where the last block ended (or close to it). */
  readonly forward: boolean;
  readonly window: number;
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
  readonly #pending = new Set<PendingBlock>();
  readonly #requests: ConcurrencyLimiter;
  #rangeIgnored = false;
  #window: number;
  /** End of the last block fetched (undefined before the first): a read near it goes forward. */
  #frontier: number | undefined;
  /** Bytes [0, end) fetched so far, hashed; undefined once they reached the end and matched the digest. */
  #chain: { readonly verifier: DigestVerifier; end: number } | undefined;
  /** Bytes were fetched outside the chain (after a gap, or again): only verifyServed can vouch for them. */
  #offChain = false;
  /** Set in verifying mode: every range fetched, keyed `start-end-hash` (a re-fetch of the same bytes counts once). */
  readonly #served: Map<string, ServedRange> | undefined;

  constructor(
    private readonly descriptor: Descriptor,
    private readonly endpoint: BlobEndpoint,
    private readonly tuning: BlobSourceTuning = DEFAULT_BLOB_SOURCE_TUNING,
    verify = false,
  ) {
    this.size = descriptor.size;
    this.#window = tuning.readAheadBytes;
    this.#requests = new ConcurrencyLimiter(tuning.maxRequestsInFlight);
    this.#chain = { verifier: new DigestVerifier(parseDigest(descriptor.digest)), end: 0 };
    this.#served = verify ? new Map() : undefined;
    if (!verify) this.verifyServed = undefined;
  }

  /** VerifiableSource (./types.ts); undefined unless the client verifies blobs. */
  verifyServed: (() => Promise<void>) | undefined = async () => {
    const served = [...(this.#served?.values() ?? [])].sort((a, b) => a.start - b.start);
    this.#served?.clear();
    // Every byte served was hashed into the chain, and the chain matched the digest: nothing to compare.
    if (this.wholeVerified) return;
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
    const pending = [...this.#pending].find((p) => p.start <= offset && end <= p.end);
    if (pending !== undefined) return (await pending.bytes).subarray(offset - pending.start, end - pending.start);
    const plan = this.#plan(offset);
    this.#window = plan.window;
    const frontier = this.#frontier ?? 0;
    // A forward read fetches from where the last block ended when the bytes before it are held (or are
    // only a gap), so the blocks stay adjacent: one request each, and an unbroken chain for the digest.
    const head = plan.forward && offset < frontier ? this.#cachedSlice(offset, frontier) : undefined;
    const start = plan.forward && (offset >= frontier || head !== undefined) ? frontier : offset;
    const readAhead = this.#rangeIgnored ? Math.max(this.tuning.rangeIgnoredReadAheadBytes, plan.window) : plan.window;
    const blockEnd = Math.min(this.size, Math.max(end, start + readAhead));
    this.#frontier = blockEnd;
    const block = await this.#fetchShared(start, blockEnd);
    return head === undefined ? block.subarray(offset - start, end - start) : Buffer.concat([head, block.subarray(0, end - start)]);
  }

  /** A read at `offset` near the end of the last block goes forward and doubles the block; any other starts small again. */
  #plan(offset: number): BlockPlan {
    const frontier = this.#frontier;
    const forward = frontier !== undefined && offset >= frontier - this.#window && offset <= frontier + this.#window;
    return { forward, window: forward ? Math.min(this.tuning.maxReadAheadBytes, this.#window * 2) : this.tuning.readAheadBytes };
  }

  /** Bytes [start, end) in one block request (at most `maxRequestsInFlight` at once), kept for the reads after. */
  #fetchShared(start: number, end: number): Promise<Uint8Array> {
    const pending: PendingBlock = {
      start,
      end,
      bytes: this.#requests
        .run(() => this.#fetchBlock(start, end))
        .then((block) => {
          this.#fetched(start, block);
          return block;
        })
        .finally(() => this.#pending.delete(pending)),
    };
    this.#pending.add(pending);
    return pending.bytes;
  }

  #fetched(start: number, block: Uint8Array): void {
    this.#remember(start, block);
    this.#extendChain(start, block);
    if (block.length <= this.tuning.maxCachedBlockBytes) {
      this.#blocks = [{ start, bytes: block }, ...this.#blocks].slice(0, this.tuning.cachedBlocks);
    }
  }

  /**
   * Hashes bytes fetched at `start` that continue the chain; once it reaches the blob's end the digest is
   * checked, and a mismatch fails the read that completed it (the bytes served are not the blob).
   */
  #extendChain(start: number, bytes: Uint8Array): void {
    const chain = this.#chain;
    if (chain === undefined || start !== chain.end) {
      this.#offChain = true;
      return;
    }
    chain.verifier.update(bytes);
    chain.end += bytes.length;
    if (chain.end < this.size) return;
    this.#chain = undefined;
    const actual = chain.verifier.actual();
    if (actual !== this.descriptor.digest) {
      this.#offChain = true;
      throw new DigestMismatchError(this.endpoint.target, this.descriptor.digest, actual, `blob ${this.descriptor.digest} as served by Range (read front to back)`);
    }
  }

  /** Every byte fetched so far is part of the chain, which matched the blob's digest. */
  get wholeVerified(): boolean {
    return this.#chain === undefined && !this.#offChain;
  }

  async *stream(offset = 0, end: number = this.size): AsyncIterable<Uint8Array> {
    // `end` may be Infinity ("to the end"), as other sources accept; only the start must be a position.
    checkPosition('stream', offset, 0);
    const stop = Math.min(end, this.size);
    if (stop <= offset) return;
    const whole = offset === 0 && stop === this.size;
    // Bytes held, or a range no larger than the next block, come through the blocks (a small member read
    // whole costs no request of its own); the whole blob so only once its digest has been checked.
    if (!whole || this.wholeVerified) {
      const held = this.#cachedSlice(offset, stop);
      if (held !== undefined) return yield held;
      if (!whole && stop - offset <= this.#plan(offset).window) return yield await this.read(offset, stop - offset);
    }
    // Only a read of the whole blob can be checked against its digest.
    const verifier = whole ? new DigestVerifier(parseDigest(this.descriptor.digest)) : undefined;
    // A partial stream is remembered like a Range read (verifying mode), as far as it was consumed.
    const partial = verifier === undefined && this.#served !== undefined ? createHash('sha256') : undefined;
    const budget = this.endpoint.newRetryBudget();
    let position = offset;
    try {
      yield* this.#streamFrom(position, stop, budget, (piece) => {
        verifier?.update(piece);
        partial?.update(piece);
        if (verifier === undefined) this.#extendChain(position, piece);
        if (this.#frontier === position) this.#frontier += piece.length;
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

  /** Bytes [offset, end) from the cached blocks, joined when they span adjacent ones; undefined unless all are held. */
  #cachedSlice(offset: number, end: number): Uint8Array | undefined {
    const first = this.#blockAt(offset);
    if (first === undefined) return undefined;
    if (end <= first.start + first.bytes.length) return first.bytes.subarray(offset - first.start, end - first.start);
    const parts: Uint8Array[] = [];
    for (let at = offset; at < end; ) {
      const block = this.#blockAt(at);
      if (block === undefined) return undefined;
      const part = block.bytes.subarray(at - block.start, Math.min(block.bytes.length, end - block.start));
      parts.push(part);
      at += part.length;
    }
    return Buffer.concat(parts);
  }

  /** The cached block holding byte `offset`, made the most recently used. */
  #blockAt(offset: number): CachedBlock | undefined {
    const index = this.#blocks.findIndex((b) => b.start <= offset && offset < b.start + b.bytes.length);
    const block = this.#blocks[index];
    if (block === undefined) return undefined;
    if (index > 0) this.#blocks = [block, ...this.#blocks.filter((_, i) => i !== index)];
    return block;
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
