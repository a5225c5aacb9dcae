/**
 * Digest checks for bytes the resolver reads in full: inline descriptor data, and the uncompressed diff ID
 * of streamed (compressed) layers once the stream has been consumed (oci-model-formats.md §8.3). The
 * compressed blob itself is verified by the registry client at the end of a full `stream()`; Range-read
 * layers cannot be verified and are not.
 */
import { ContentDigestMismatchError } from '../errors/artifact-errors.js';
import { DigestVerifier, digestOf, isDigest, parseDigest } from '../registry/digest.js';

/** A verifier for the digest's algorithm; undefined for algorithms we cannot compute (left unverified). */
function verifierFor(digest: string): DigestVerifier | undefined {
  return isDigest(digest) ? new DigestVerifier(parseDigest(digest)) : undefined;
}

/** Throw {@link ContentDigestMismatchError} unless `bytes` hash to `digest`. */
export function verifyBytes(bytes: Uint8Array, digest: string, what: string): void {
  if (!isDigest(digest)) return;
  const actual = digestOf(bytes, parseDigest(digest).algorithm);
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
  private readonly verifier: DigestVerifier | undefined;
  private ended = false;
  private failure: unknown;
  /** Bytes that have flowed through so far. */
  bytesSeen = 0;

  constructor(
    chunks: AsyncIterable<Uint8Array>,
    private readonly expected: string | undefined,
    private readonly what: string,
  ) {
    this.iterator = chunks[Symbol.asyncIterator]();
    this.verifier = expected === undefined ? undefined : verifierFor(expected);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.next(),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  /**
   * The error the stream failed with, if it did. Readers above may not pass it on (an async generator
   * that met it ends, and its next read sees a plain end of data): the layer's failure is this one.
   */
  get failed(): unknown {
    return this.failure;
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
        this.bytesSeen += result.value.length;
        this.verifier?.update(result.value);
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
    if (!this.verifier || this.expected === undefined) return;
    const actual = this.verifier.actual();
    if (actual !== this.expected) throw new ContentDigestMismatchError(this.what, this.expected, actual);
  }
}
