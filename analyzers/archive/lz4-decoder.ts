/**
 * Streaming LZ4 frame decoder (lz4/lz4 `doc/lz4_Frame_format.md`, `doc/lz4_Block_format.md`), as written
 * by Python's `lz4.frame` (joblib `compress='lz4'`, linked blocks by default).
 *
 * Our own because lz4js sizes its output buffer from the frame's content-size field (a hostile u64) and
 * its block decoder does not bounds-check offsets or lengths. Here one block at a time is decoded into a
 * buffer of the frame's declared maximum block size, behind a 64 KiB history window.
 */
import { ByteQueue, TruncatedInputError } from './byte-queue.js';

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames: magic 0x184D2A50–0x184D2A5F, then a u32 length. */
const isSkippableMagic = (magic: number): boolean => (magic & 0xfffffff0) === 0x184d2a50;
const BLOCK_MAX: Readonly<Record<number, number>> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };
/** Linked blocks may reference up to 64 KiB back into earlier output. */
const HISTORY = 64 * 1024;
const MIN_MATCH = 4;

const u32 = (bytes: Uint8Array, at = 0): number =>
  (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

export async function* decompressLz4Frames(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const queue = new ByteQueue(input);
  let frames = 0;
  while (frames === 0 || (await queue.fill(1))) {
    const magic = await readU32(queue);
    if (isSkippableMagic(magic)) {
      if (!(await queue.skip(await readU32(queue)))) throw new TruncatedInputError('lz4 skippable frame truncated');
    } else if (magic === FRAME_MAGIC) yield* decodeFrame(queue);
    else throw new Error(frames === 0 ? 'not an lz4 frame (bad magic)' : 'data after the end of the lz4 frame');
    frames++;
  }
}

async function* decodeFrame(queue: ByteQueue): AsyncGenerator<Uint8Array> {
  const descriptor = await readBytes(queue, 2);
  const flags = descriptor[0]!;
  if (flags >> 6 !== 1) throw new Error(`unsupported lz4 frame version ${flags >> 6}`);
  const blockMax = BLOCK_MAX[(descriptor[1]! >> 4) & 7];
  if (blockMax === undefined) throw new Error('corrupt lz4 frame (invalid block size)');
  const blockChecksum = (flags & 0x10) !== 0;
  const contentSize = (flags & 0x08) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const dictionaryId = (flags & 0x01) !== 0;
  // Content size and dictionary id are informative; the header checksum byte is not verified.
  await readBytes(queue, (contentSize ? 8 : 0) + (dictionaryId ? 4 : 0) + 1);

  const buffer = new Uint8Array(HISTORY + blockMax);
  let history = 0;
  for (;;) {
    const word = await readU32(queue);
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw new Error(`corrupt lz4 frame (block of ${size} bytes, maximum ${blockMax})`);
    const block = await readBytes(queue, size);
    let end: number;
    if (word & 0x80000000) {
      buffer.set(block, history);
      end = history + size;
    } else end = decodeBlock(block, buffer, history);
    if (blockChecksum) await readBytes(queue, 4);
    yield buffer.slice(history, end);
    // Keep the last 64 KiB as history for the next (possibly linked) block.
    const keep = Math.min(HISTORY, end);
    buffer.copyWithin(0, end - keep, end);
    history = keep;
  }
  if (contentChecksum) await readBytes(queue, 4);
}

/** Decodes one LZ4 block into `out` from `start`; returns the end offset. Every read and copy is checked. */
function decodeBlock(src: Uint8Array, out: Uint8Array, start: number): number {
  let s = 0;
  let d = start;
  const corrupt = (why: string): Error => new Error(`corrupt lz4 block (${why})`);
  const readLength = (base: number): number => {
    let length = base;
    if (base === 15) {
      let byte: number;
      do {
        if (s >= src.length) throw corrupt('length runs past the block');
        byte = src[s++]!;
        length += byte;
      } while (byte === 255);
    }
    return length;
  };
  while (s < src.length) {
    const token = src[s++]!;
    const literals = readLength(token >> 4);
    if (s + literals > src.length) throw corrupt('literals run past the block');
    if (d + literals > out.length) throw corrupt('output larger than the block maximum');
    out.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === src.length) break; // the last sequence has literals only
    if (s + 2 > src.length) throw corrupt('truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw corrupt(`match offset ${offset} outside the output`);
    const length = readLength(token & 15) + MIN_MATCH;
    if (d + length > out.length) throw corrupt('output larger than the block maximum');
    for (let from = d - offset, i = 0; i < length; i++) out[d++] = out[from + i]!;
  }
  return d;
}

async function readBytes(queue: ByteQueue, n: number): Promise<Uint8Array> {
  if (!(await queue.fill(n))) throw new TruncatedInputError('lz4 data ends unexpectedly');
  return queue.take(n);
}

async function readU32(queue: ByteQueue): Promise<number> {
  return u32(await readBytes(queue, 4));
}
