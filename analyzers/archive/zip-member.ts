/**
 * Compressed zip members as forward-only byte sources. Shared by the central-directory reader (input is
 * a ranged stream of the member's data) and the stream reader (input is the archive stream itself, which
 * must be left exactly at the end of the member's data).
 */
import { ForwardSource, type ByteSource } from '../source.js';
import { ByteQueue } from './byte-queue.js';
import { decompress, type CompressionFormat } from './decompress.js';
import { inflateRawFrom } from './inflate-raw.js';
import type { ZipEntry } from './zip-reader.js';
import { METHOD_BZIP2, METHOD_DEFLATED, METHOD_LZMA, METHOD_XZ, METHOD_ZSTD, u16 } from './zip-format.js';

const BY_METHOD: Readonly<Record<number, CompressionFormat>> = {
  [METHOD_BZIP2]: 'bzip2',
  [METHOD_ZSTD]: 'zstd',
  [METHOD_XZ]: 'xz',
};
/** Zip's LZMA flag bit 1: the stream ends with an end marker instead of relying on the size. */
const FLAG_LZMA_EOS = 0x0002;

/**
 * The member's decompressed bytes, at most `limit` of them: loaders read the declared uncompressed size
 * and stop, so bytes past it are not part of what gets loaded.
 */
export function openCompressedMember(entry: ZipEntry, queue: ByteQueue, limit: number, meter: ChunkMeter = (c) => c): ByteSource {
  return new ForwardSource(meter(upTo(memberChunks(entry, queue, limit), limit)), entry.uncompressedSize);
}

/** Sees every decompressed chunk (the analyzers charge them to an expansion budget). */
export type ChunkMeter = (chunks: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

/** Decompressed chunks of a member; for deflate the queue is left right after the deflate stream. */
export function memberChunks(entry: ZipEntry, queue: ByteQueue, limit: number): AsyncIterable<Uint8Array> {
  if (entry.method === METHOD_DEFLATED) return inflateRawFrom(queue);
  if (entry.method === METHOD_LZMA) return lzmaMember(entry, queue, limit);
  const format = BY_METHOD[entry.method];
  if (format === undefined) throw new Error(`unsupported zip compression method ${entry.method}`);
  return decompress(format, queueChunks(queue), { maxOutputBytes: limit + 1 });
}

/**
 * Zip's LZMA (APPNOTE §5.8.8): version (2 bytes), properties size (2), properties (5), raw LZMA. Given
 * an LZMA-alone header (properties + size) it is an ordinary `.lzma` stream.
 */
async function* lzmaMember(entry: ZipEntry, queue: ByteQueue, limit: number): AsyncGenerator<Uint8Array> {
  if (!(await queue.fill(4))) throw new Error('lzma: zip member header truncated');
  const head = queue.take(4);
  const propsSize = u16(head, 2);
  if (propsSize !== 5 || !(await queue.fill(5))) throw new Error('lzma: unsupported zip lzma properties');
  const alone = new Uint8Array(13);
  alone.set(queue.take(5));
  const view = new DataView(alone.buffer);
  if (entry.flags & FLAG_LZMA_EOS) view.setBigUint64(5, 0xffffffffffffffffn, true);
  else view.setBigUint64(5, BigInt(entry.uncompressedSize), true);
  yield* decompress('lzma', prepend(alone, queueChunks(queue)), { maxOutputBytes: Math.max(limit + 1, entry.uncompressedSize) });
}

async function* prepend(first: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield first;
  yield* rest;
}

/** Everything left in the queue, as chunks. */
export async function* queueChunks(queue: ByteQueue): AsyncGenerator<Uint8Array> {
  for (;;) {
    const piece = await queue.takeUpTo(64 * 1024);
    if (piece.length === 0) return;
    yield piece;
  }
}

/** Stops after `limit` bytes without pulling more from the source. */
export async function* upTo(chunks: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let left = limit;
  if (left <= 0) return;
  for await (const chunk of chunks) {
    if (chunk.length >= left) {
      yield chunk.subarray(0, left);
      return;
    }
    left -= chunk.length;
    yield chunk;
  }
}
