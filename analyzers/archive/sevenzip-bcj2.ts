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
    const emit = (byte: number): Uint8Array | undefined => {
      out[filled++] = byte;
      written++;
      if (filled < out.length) return undefined;
      const full = out;
      out = new Uint8Array(Math.min(OUT_CHUNK, outSize - written));
      filled = 0;
      return full;
    };

    while (written < outSize) {
      if (!(await main!.fill(1))) throw new TruncatedInputError('BCJ2 main stream ends unexpectedly');
      const byte = main!.readByte();
      const full = emit(byte);
      if (full) yield full;
      const candidate = (byte & 0xfe) === 0xe8 || (previous === 0x0f && (byte & 0xf0) === 0x80);
      if (!candidate || written === outSize) {
        previous = byte;
        continue;
      }
      const p = byte === 0xe8 ? previous : byte === 0xe9 ? 256 : 257;
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
        if (!(await rc!.fill(1))) throw new TruncatedInputError('BCJ2 range coder stream ends unexpectedly');
        range = (range << 8) >>> 0;
        code = ((code << 8) | rc!.readByte()) >>> 0;
      }
      if (!converted) {
        previous = byte;
        continue;
      }
      const targets = byte === 0xe8 ? call! : jump!;
      if (!(await targets.fill(4))) throw new TruncatedInputError(`BCJ2 ${byte === 0xe8 ? 'call' : 'jump'} stream ends unexpectedly`);
      const target = targets.take(4);
      const absolute = ((target[0]! << 24) | (target[1]! << 16) | (target[2]! << 8) | target[3]!) >>> 0;
      const relative = (absolute - (written + 4)) >>> 0;
      for (let k = 0; k < 4 && written < outSize; k++) {
        const part = emit((relative >>> (8 * k)) & 0xff);
        if (part) yield part;
      }
      previous = relative >>> 24;
    }
    if (filled > 0) yield out.subarray(0, filled);
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}
