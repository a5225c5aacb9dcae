/**
 * A pull buffer over a chunk stream for the pure-JS decoders: they `fill` a bounded look-ahead
 * asynchronously, then decode synchronously from it. Consumed chunks are released as soon as they are
 * passed, so memory is the look-ahead, never the whole input.
 */

/** Input ended in the middle of a structure. */
export class TruncatedInputError extends Error {
  override readonly name = 'TruncatedInputError';
}

export class ByteQueue {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunks: Uint8Array[] = [];
  /** Read position inside `chunks[0]`. */
  private offset = 0;
  private ended = false;
  /** Bytes buffered and not yet consumed. */
  available = 0;
  /** Bytes consumed since the start of the stream. */
  consumed = 0;

  constructor(input: AsyncIterable<Uint8Array>) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  /** True once the underlying stream has ended (buffered bytes may remain). */
  get inputEnded(): boolean {
    return this.ended;
  }

  /** Buffers until `n` bytes are available or the input ends; true when `n` bytes are there. */
  async fill(n: number): Promise<boolean> {
    while (this.available < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else if (next.value.length > 0) {
        this.chunks.push(next.value);
        this.available += next.value.length;
      }
    }
    return this.available >= n;
  }

  /** Next byte; the caller made sure it is buffered (or accepts a truncation error). */
  readByte(): number {
    const chunk = this.chunks[0];
    if (chunk === undefined) throw new TruncatedInputError('compressed data ends unexpectedly');
    const byte = chunk[this.offset++]!;
    this.available--;
    this.consumed++;
    if (this.offset === chunk.length) {
      this.chunks.shift();
      this.offset = 0;
    }
    return byte;
  }

  /** Copies the next `n` buffered bytes out (n ≤ available). */
  take(n: number): Uint8Array {
    if (n > this.available) throw new TruncatedInputError(`wanted ${n} bytes, ${this.available} left`);
    if (n === 0) return new Uint8Array(0); // nothing may be buffered at all (a header's empty extra field)
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.advance(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(n - filled, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + part), filled);
      filled += part;
      this.advance(part);
    }
    return out;
  }

  /** A copy of the next `n` buffered bytes (n ≤ available), left in the queue. */
  peek(n: number): Uint8Array {
    const bytes = this.take(n).slice();
    this.unread(bytes);
    return bytes;
  }

  /** Up to `max` bytes as they are buffered (at least 1 unless the input ended): for pass-through. */
  async takeUpTo(max: number): Promise<Uint8Array> {
    if (!(await this.fill(1))) return new Uint8Array(0);
    return this.take(Math.min(max, this.chunks[0]!.length - this.offset));
  }

  /** Puts bytes back in front (a decoder that was given more than it used). */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.offset > 0) {
      this.chunks[0] = this.chunks[0]!.subarray(this.offset);
      this.offset = 0;
    }
    this.chunks.unshift(bytes);
    this.available += bytes.length;
    this.consumed -= bytes.length;
  }

  /** Discards `n` bytes, pulling from the input as needed; false when the input ended first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.available === 0 && !(await this.fill(1))) return false;
      const part = Math.min(left, this.available, this.chunks[0]!.length - this.offset);
      this.advance(part);
      left -= part;
    }
    return true;
  }

  private advance(n: number): void {
    this.offset += n;
    this.available -= n;
    this.consumed += n;
    while (this.chunks.length > 0 && this.offset >= this.chunks[0]!.length) {
      this.offset -= this.chunks[0]!.length;
      this.chunks.shift();
    }
  }
}
