/**
 * 7-Zip's BCJ2 (method 0303011B): x86 code split into four streams — the code with call/jump operands
 * taken out (main), the absolute targets of converted E8 calls (call) and of E9/Jcc jumps (jump), both
 * big-endian, and a range-coded bit per candidate opcode saying whether it was converted. Decoding walks
 * the main stream; after each E8, E9 or 0F 8x byte one bit (probability by the previous byte for E8,
 * shared for E9 and for Jcc; 11-bit probabilities, shift 5, as LZMA's range coder) says whether a 4-byte
 * target follows in its stream, which is written back as little-endian relative to the next instruction.
 * Layout after the LZMA SDK's description of `Bcj2.c`. Memory: the four inputs' look-ahead and one
 * output buffer; output stops at the folder's declared size.
 */
import { ByteQueue, TruncatedInputError } from './byte-queue.js';

const OUT_CHUNK = 64 * 1024;
const TOP = 1 << 24;
const PROB_INIT = 1024;

/** Decodes BCJ2's four input streams (main, call, jump, range coder) into `outSize` bytes. */
export async function* decodeBcj2(inputs: readonly [AsyncIterable<Uint8Array>, AsyncIterable<Uint8Array>, AsyncIterable<Uint8Array>, AsyncIterable<Uint8Array>], outSize: number): AsyncGenerator<Uint8Array> {
  const iterators = inputs.map((input) => input[Symbol.asyncIterator]());
  const [main, call, jump, rc] = iterators.map((it) => new ByteQueue({ [Symbol.asyncIterator]: () => it }));
  try {
    // prob[0..255]: E8 after each previous byte; 256: E9; 257: Jcc.
    const probs = new Uint16Array(258).fill(PROB_INIT);
    if (!(await rc!.fill(5))) throw new TruncatedInputError('BCJ2 range coder stream ends unexpectedly');
    let range = 0xffffffff;
    let code = 0;
    for (let i = 0; i < 5; i++) code = ((code << 8) | rc!.readByte()) >>> 0;

    let out = new Uint8Array(Math.min(OUT_CHUNK, outSize));
    let filled = 0;
    let written = 0;
    let previous = 0;
    // The main stream is decoded from what is buffered, awaiting only when that runs out: an await per
    // byte would cost more than the decoding.
    let block: Uint8Array = new Uint8Array(0);
    let next = 0;
    while (written < outSize) {
      if (next === block.length) {
        if (main!.available === 0 && !(await main!.fill(1))) throw new TruncatedInputError('BCJ2 main stream ends unexpectedly');
        block = main!.take(main!.available);
        next = 0;
      }
      const limit = Math.min(block.length - next, out.length - filled, outSize - written);
      const run = copyRun(block, next, out, filled, limit, previous);
      const copied = Math.abs(run);
      next += copied;
      filled += copied;
      written += copied;
      const byte = block[next - 1]!;
      const candidate = run < 0;
      // The byte before a candidate picks an E8's probability.
      const prior = copied >= 2 ? block[next - 2]! : previous;
      if (copied > 0) previous = byte;
      if (filled === out.length) {
        yield out;
        out = new Uint8Array(Math.min(OUT_CHUNK, outSize - written));
        filled = 0;
      }
      if (!candidate || written === outSize) continue;
      const p = byte === 0xe8 ? prior : byte === 0xe9 ? 256 : 257;
      const prob = probs[p]!;
      const bound = (range >>> 11) * prob;
      let converted: boolean;
      if (code < bound) {
        range = bound;
        probs[p] = prob + ((2048 - prob) >>> 5);
        converted = false;
      } else {
        range = (range - bound) >>> 0;
        code = (code - bound) >>> 0;
        probs[p] = prob - (prob >>> 5);
        converted = true;
      }
      if (range < TOP) {
        if (rc!.available === 0 && !(await rc!.fill(1))) throw new TruncatedInputError('BCJ2 range coder stream ends unexpectedly');
        range = (range << 8) >>> 0;
        code = ((code << 8) | rc!.readByte()) >>> 0;
      }
      if (!converted) continue;
      const targets = byte === 0xe8 ? call! : jump!;
      if (targets.available < 4 && !(await targets.fill(4))) throw new TruncatedInputError(`BCJ2 ${byte === 0xe8 ? 'call' : 'jump'} stream ends unexpectedly`);
      const target = targets.take(4);
      const absolute = ((target[0]! << 24) | (target[1]! << 16) | (target[2]! << 8) | target[3]!) >>> 0;
      const relative = (absolute - (written + 4)) >>> 0;
      for (let k = 0; k < 4 && written < outSize; k++) {
        out[filled++] = (relative >>> (8 * k)) & 0xff;
        written++;
        if (filled === out.length) {
          yield out;
          out = new Uint8Array(Math.min(OUT_CHUNK, outSize - written));
          filled = 0;
        }
      }
      previous = relative >>> 24;
    }
    if (filled > 0) yield out.subarray(0, filled);
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}

/**
 * Copies main-stream bytes from `block[from…]` to `out[at…]`, at most `limit`, up to and including the
 * next E8, E9 or 0F 8x opcode: the count copied, negated when the last one is such an opcode. A plain
 * function, so the hot loop keeps its variables in registers rather than in the generator's frame.
 */
function copyRun(block: Uint8Array, from: number, out: Uint8Array, at: number, limit: number, previous: number): number {
  let prev = previous;
  for (let i = 0; i < limit; i++) {
    const b = block[from + i]!;
    out[at + i] = b;
    if ((b & 0xfe) === 0xe8 || (prev === 0x0f && (b & 0xf0) === 0x80)) return -(i + 1);
    prev = b;
  }
  return limit;
}
