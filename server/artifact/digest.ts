/**
 * Digest checks for bytes the resolver reads in full: inline descriptor data, and the uncompressed diff ID
 * of streamed (compressed) layers once the stream has been consumed (oci-model-formats.md §8.3). The
 * compressed blob itself is verified by the registry client at the end of a full `stream()`; Range-read
 * layers cannot be verified and are not.
 */
import { createHash, type Hash } from 'node:crypto';
import { ContentDigestMismatchError } from '../errors/artifact-errors.js';

/** A hasher for the digest's algorithm; undefined for algorithms Node has no name for (left unverified). */
function hasherFor(digest: string): Hash | undefined {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  return algorithm === 'sha256' || algorithm === 'sha512' ? createHash(algorithm) : undefined;
}

/** Throw {@link ContentDigestMismatchError} unless `bytes` hash to `digest`. */
export function verifyBytes(bytes: Uint8Array, digest: string, what: string): void {
  const hash = hasherFor(digest);
  if (!hash) return;
  const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.update(bytes).digest('hex')}`;
  if (actual !== digest) throw new ContentDigestMismatchError(what, digest, actual);
}

/**
 * A pass-through over a chunk stream that hashes what flows and checks the digest at the end. Consumers
 * that stop early (a tar reader at its end marker, a decompressor at the end of its stream) do not close
 * the underlying stream: {@link drain} reads the rest so the check can run, {@link close} abandons it.
 * A failure is sticky: every later read rethrows it.
 */
export class HashingTap implements AsyncIterable<Uint8Array> {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly hash: Hash | undefined;
  private ended = false;
  private failure: unknown;

  constructor(
    chunks: AsyncIterable<Uint8Array>,
    private readonly expected: string | undefined,
    private readonly what: string,
  ) {
    this.iterator = chunks[Symbol.asyncIterator]();
    this.hash = expected === undefined ? undefined : hasherFor(expected);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.next(),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  /** Read to the end of the stream, verifying the digest there. */
  async drain(): Promise<void> {
    while (!(await this.next()).done);
  }

  /** Abandon the stream (error paths, consumers that stop early). */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.iterator.return?.();
  }

  private async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.failure !== undefined) throw this.failure;
    if (this.ended) return { done: true, value: undefined };
    try {
      const result = await this.iterator.next();
      if (!result.done) {
        this.hash?.update(result.value);
        return result;
      }
      this.ended = true;
      this.verify();
      return result;
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  private verify(): void {
    if (!this.hash || this.expected === undefined) return;
    const actual = `${this.expected.slice(0, this.expected.indexOf(':'))}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) throw new ContentDigestMismatchError(this.what, this.expected, actual);
  }
}
