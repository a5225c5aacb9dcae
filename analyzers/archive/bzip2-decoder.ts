/**
 * Streaming bzip2 over unbzip2-stream's block decoder. We drive it ourselves instead of using its
 * `through` stream because that one collects each block's output as a JS array of numbers and cannot be
 * stopped mid-block; here a block's output goes into fixed 64 KiB buffers and the output budget is
 * checked per byte, so a bomb stops at the limit.
 */
import bzip2 from 'unbzip2-stream/lib/bzip2.js';
import { LimitExceededError } from '../engine-rules.js';
import { ByteQueue, TruncatedInputError } from './byte-queue.js';

const OUTPUT_CHUNK = 64 * 1024;
/**
 * Upper bound of one compressed block: at most ~2 symbols per block byte (run symbols interleaved
 * with literals), each at most 20 bits (bzip2's MAX_HUFCODE_BITS), plus tables. Buffering this much
 * before a block means the synchronous block decoder never runs out of input on a valid stream.
 */
const blockInputBound = (level: number): number => (100_000 * level * 2 * 20) / 8 + 64 * 1024;

export async function* decompressBzip2(
  input: AsyncIterable<Uint8Array>,
  maxOutputBytes: number,
): AsyncGenerator<Uint8Array> {
  const queue = new ByteQueue(input);
  let bitBuffer = 0;
  let bitCount = 0;
  const bits = (n: number | null): number => {
    if (n === null) {
      bitCount = 0; // byte-align after the end-of-stream marker
      return 0;
    }
    let result = 0;
    for (let want = n; want > 0; ) {
      if (bitCount === 0) {
        if (queue.available === 0) {
          throw queue.inputEnded
            ? new TruncatedInputError('bzip2 data ends unexpectedly')
            : new Error('bzip2 block is larger than any valid block');
        }
        bitBuffer = queue.readByte();
        bitCount = 8;
      }
      const take = Math.min(want, bitCount);
      result = (result << take) | ((bitBuffer >>> (bitCount - take)) & ((1 << take) - 1));
      bitCount -= take;
      want -= take;
    }
    return result;
  };

  let produced = 0;
  let pending: Uint8Array[] = [];
  let current = new Uint8Array(OUTPUT_CHUNK);
  let used = 0;
  const emit = (byte: number): void => {
    if (++produced > maxOutputBytes) throw new LimitExceededError('decompressed bytes', produced, maxOutputBytes);
    current[used++] = byte;
    if (used === OUTPUT_CHUNK) {
      pending.push(current);
      current = new Uint8Array(OUTPUT_CHUNK);
      used = 0;
    }
  };

  let streams = 0;
  // One iteration per bzip2 stream; concatenated streams (pbzip2, Python's bz2 multi-stream) follow on.
  while (streams === 0 || bitCount > 0 || (await queue.fill(1))) {
    await queue.fill(4);
    const level = withBzip2Errors(() => bzip2.header(bits), streams > 0);
    const blockBuffer = new Int32Array(100_000 * level);
    let crc: number | null = 0;
    while (crc !== null) {
      await queue.fill(blockInputBound(level));
      let failure: unknown;
      try {
        crc = withBzip2Errors(() => bzip2.decompress(bits, emit, blockBuffer, blockBuffer.length, crc), false);
      } catch (error) {
        failure = error;
      }
      // Deliver what the block produced before failing, so a limit stops exactly at the limit.
      pending.push(current.slice(0, used));
      used = 0;
      for (const chunk of pending) if (chunk.length > 0) yield chunk;
      pending = [];
      if (failure !== undefined) throw failure;
    }
    streams++;
  }
}

/** The block decoder throws whimsical messages; give callers a clear one and keep our own errors. */
function withBzip2Errors<T>(decode: () => T, trailing: boolean): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof LimitExceededError || error instanceof TruncatedInputError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(trailing ? `data after the end of the bzip2 stream (${detail})` : `corrupt bzip2 data (${detail})`);
  }
}
