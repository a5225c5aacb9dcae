/**
 * The CRC-32 of a zip member as its analysis reads it. Loaders check no CRC of what they only map
 * (PyTorch's tensor storages), so no member is read again for its CRC (issue 15 §1); when the analysis
 * read every byte anyway (a pickle, a small file), those bytes' CRC is compared with the recorded one.
 */
import type { ByteSource } from '../source.js';
import { crc32 } from './crc32.js';

export class CrcTap implements ByteSource {
  #crc = 0;
  /** Bytes [0, covered) have gone into the CRC, whatever order and overlap the reads came in. */
  #covered = 0;
  constructor(private readonly inner: ByteSource) {}
  get size(): number | undefined {
    return this.inner.size;
  }
  get seekable(): boolean {
    return this.inner.seekable;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const bytes = await this.inner.read(offset, length);
    this.#see(offset, bytes);
    return bytes;
  }
  async *stream(offset = 0, end?: number): AsyncIterable<Uint8Array> {
    let at = offset;
    for await (const chunk of this.inner.stream(offset, end)) {
      this.#see(at, chunk);
      at += chunk.length;
      yield chunk;
    }
  }
  /** The CRC-32 of the whole member when every byte of it was read; undefined otherwise. */
  crcOfWhole(): number | undefined {
    const size = this.inner.size;
    return size !== undefined && this.#covered >= size ? this.#crc : undefined;
  }
  #see(at: number, bytes: Uint8Array): void {
    const end = at + bytes.length;
    if (at > this.#covered || end <= this.#covered) return;
    this.#crc = crc32(bytes.subarray(this.#covered - at), this.#crc);
    this.#covered = end;
  }
}
