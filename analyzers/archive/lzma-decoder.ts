/**
 * Streaming decoder for "LZMA alone" (`.lzma`, Python's `lzma.FORMAT_ALONE`, what joblib writes for
 * `compress='lzma'`), following Igor Pavlov's lzma-specification.txt.
 *
 * Our own because the `lzma` npm package decodes whole buffers into JS arrays and, on a truncated stream
 * with an unknown size, grows its output until V8 aborts the process — an uncatchable crash. Here the
 * dictionary grows with the output up to {@link MAX_LZMA_DICTIONARY}, input is read with a bounded
 * look-ahead and output leaves in 64 KiB chunks.
 */
import { LimitExceededError } from '../engine-rules.js';
import { ByteQueue, TruncatedInputError } from './byte-queue.js';

/** Largest dictionary we keep in memory (xz's preset 9 uses 64 MiB; Python allows up to 1.5 GiB). */
export const MAX_LZMA_DICTIONARY = 256 * 1024 * 1024;
const HEADER_BYTES = 13;
/** Bytes one symbol can consume at most (≈60 bit decodes, one normalising byte each), with margin. */
const SYMBOL_LOOKAHEAD = 128;
const OUTPUT_CHUNK = 64 * 1024;
const PROB_INIT = 1024;
const MATCH_MIN_LEN = 2;
const END_MARKER = 0xffffffff;

class RangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  constructor(private readonly queue: ByteQueue) {}

  init(): void {
    if (this.queue.readByte() !== 0) throw new Error('corrupt lzma data (range coder must start with 0)');
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.queue.readByte()) >>> 0;
    if (this.code === this.range) throw new Error('corrupt lzma data (range coder start)');
  }

  get finishedOk(): boolean {
    return this.code === 0;
  }

  private normalize(): void {
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.queue.readByte()) >>> 0;
    }
  }

  bit(probs: Uint16Array, index: number): number {
    const prob = probs[index]!;
    const bound = (this.range >>> 11) * prob;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[index] = prob + ((2048 - prob) >>> 5);
      bit = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[index] = prob - (prob >>> 5);
      bit = 1;
    }
    this.normalize();
    return bit;
  }

  direct(count: number): number {
    let result = 0;
    for (let i = 0; i < count; i++) {
      this.range >>>= 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      result = ((result << 1) | bit) >>> 0;
      this.normalize();
    }
    return result;
  }

  tree(probs: Uint16Array, offset: number, numBits: number): number {
    let m = 1;
    for (let i = 0; i < numBits; i++) m = (m << 1) | this.bit(probs, offset + m);
    return m - (1 << numBits);
  }

  reverseTree(probs: Uint16Array, offset: number, numBits: number): number {
    let m = 1;
    let symbol = 0;
    for (let i = 0; i < numBits; i++) {
      const bit = this.bit(probs, offset + m);
      m = (m << 1) | bit;
      symbol |= bit << i;
    }
    return symbol;
  }
}

/** Choice bits, then low (3 bits) / mid (3 bits) per position state, or high (8 bits). */
class LengthDecoder {
  private readonly probs = new Uint16Array(2 + 16 * 8 * 2 + 256).fill(PROB_INIT);
  decode(rc: RangeDecoder, posState: number): number {
    if (rc.bit(this.probs, 0) === 0) return rc.tree(this.probs, 2 + posState * 8, 3);
    if (rc.bit(this.probs, 1) === 0) return 8 + rc.tree(this.probs, 2 + 128 + posState * 8, 3);
    return 16 + rc.tree(this.probs, 2 + 256, 8);
  }
}

/** The sliding dictionary: grows with the output (so a huge declared size costs nothing up front). */
class OutWindow {
  private buffer = new Uint8Array(64 * 1024);
  private pos = 0;
  total = 0;
  constructor(private readonly capacity: number) {}

  put(byte: number): void {
    if (this.pos === this.buffer.length) {
      if (this.buffer.length < this.capacity) {
        const grown = new Uint8Array(Math.min(this.capacity, this.buffer.length * 2));
        grown.set(this.buffer);
        this.buffer = grown;
      } else this.pos = 0;
    }
    this.buffer[this.pos++] = byte;
    this.total++;
  }

  /** Byte `distance + 1` positions back. */
  back(distance: number): number {
    let at = this.pos - distance - 1;
    if (at < 0) at += this.buffer.length;
    return this.buffer[at]!;
  }

  has(distance: number): boolean {
    return distance < this.total && distance < this.buffer.length;
  }
}

/**
 * Decodes an LZMA-alone stream. `maxOutputBytes` only rejects a header that declares more; the caller
 * counts what is actually produced (output leaves in 64 KiB chunks).
 */
export async function* decompressLzmaAlone(
  input: AsyncIterable<Uint8Array>,
  maxOutputBytes: number,
): AsyncGenerator<Uint8Array> {
  const queue = new ByteQueue(input);
  if (!(await queue.fill(HEADER_BYTES + 5))) throw new TruncatedInputError('lzma header truncated');
  const header = queue.take(HEADER_BYTES);
  let props = header[0]!;
  if (props >= 9 * 5 * 5) throw new Error(`not an lzma stream (properties byte ${props})`);
  const lc = props % 9;
  props = (props / 9) | 0;
  const lp = props % 5;
  const pb = (props / 5) | 0;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const dictionarySize = Math.max(4096, view.getUint32(1, true));
  const declared = view.getBigUint64(5, true);
  // The range coder's first byte is always 0: checked before the declared size, so junk is "corrupt".
  const rc = new RangeDecoder(queue);
  rc.init();
  const sizeKnown = declared !== 0xffffffffffffffffn;
  if (sizeKnown && declared > BigInt(maxOutputBytes))
    throw new LimitExceededError('declared decompressed bytes', Number(declared), maxOutputBytes);
  let remaining = sizeKnown ? Number(declared) : Number.POSITIVE_INFINITY;

  const window = new OutWindow(Math.min(dictionarySize, MAX_LZMA_DICTIONARY));
  const literalProbs = new Uint16Array(0x300 << (lc + lp)).fill(PROB_INIT);
  // isMatch, isRep, isRepG0, isRepG1, isRepG2, isRep0Long, posSlot (4×64), posDecoders, align.
  const isMatch = new Uint16Array(12 << 4).fill(PROB_INIT);
  const isRep = new Uint16Array(12).fill(PROB_INIT);
  const isRepG0 = new Uint16Array(12).fill(PROB_INIT);
  const isRepG1 = new Uint16Array(12).fill(PROB_INIT);
  const isRepG2 = new Uint16Array(12).fill(PROB_INIT);
  const isRep0Long = new Uint16Array(12 << 4).fill(PROB_INIT);
  const posSlot = new Uint16Array(4 << 6).fill(PROB_INIT);
  const posDecoders = new Uint16Array(1 + 128 - 14).fill(PROB_INIT);
  const align = new Uint16Array(16).fill(PROB_INIT);
  const lenDecoder = new LengthDecoder();
  const repLenDecoder = new LengthDecoder();
  const pbMask = (1 << pb) - 1;
  const lpMask = (1 << lp) - 1;
  let state = 0;
  let rep0 = 0;
  let rep1 = 0;
  let rep2 = 0;
  let rep3 = 0;

  let out = new Uint8Array(OUTPUT_CHUNK);
  let used = 0;
  const emit = (byte: number): void => {
    window.put(byte);
    out[used++] = byte;
  };

  const decodeDistance = (len: number): number => {
    const slot = rc.tree(posSlot, Math.min(len, 3) << 6, 6);
    if (slot < 4) return slot;
    const directBits = (slot >>> 1) - 1;
    let distance = ((2 | (slot & 1)) << directBits) >>> 0;
    if (slot < 14) return (distance + rc.reverseTree(posDecoders, distance - slot, directBits)) >>> 0;
    distance = (distance + (rc.direct(directBits - 4) << 4)) >>> 0;
    return (distance + rc.reverseTree(align, 0, 4)) >>> 0;
  };

  for (;;) {
    if (remaining === 0) break; // size known and reached; an end marker is optional then
    if (used + 273 > OUTPUT_CHUNK) {
      yield out.subarray(0, used);
      out = new Uint8Array(OUTPUT_CHUNK);
      used = 0;
    }
    if (queue.available < SYMBOL_LOOKAHEAD && !queue.inputEnded) await queue.fill(64 * 1024);

    const posState = window.total & pbMask;
    if (rc.bit(isMatch, (state << 4) + posState) === 0) {
      const prev = window.total > 0 ? window.back(0) : 0;
      const base = 0x300 * (((window.total & lpMask) << lc) + (prev >>> (8 - lc)));
      let symbol = 1;
      if (state >= 7) {
        let matchByte = window.back(rep0);
        do {
          const matchBit = (matchByte >>> 7) & 1;
          matchByte <<= 1;
          const bit = rc.bit(literalProbs, base + ((1 + matchBit) << 8) + symbol);
          symbol = (symbol << 1) | bit;
          if (matchBit !== bit) break;
        } while (symbol < 0x100);
      }
      while (symbol < 0x100) symbol = (symbol << 1) | rc.bit(literalProbs, base + symbol);
      emit(symbol - 0x100);
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      remaining--;
      continue;
    }

    let len: number;
    if (rc.bit(isRep, state) !== 0) {
      if (window.total === 0) throw new Error('corrupt lzma data (repeat before any output)');
      if (rc.bit(isRepG0, state) === 0) {
        if (rc.bit(isRep0Long, (state << 4) + posState) === 0) {
          state = state < 7 ? 9 : 11;
          emit(window.back(rep0));
          remaining--;
          continue;
        }
      } else {
        let distance: number;
        if (rc.bit(isRepG1, state) === 0) distance = rep1;
        else {
          if (rc.bit(isRepG2, state) === 0) distance = rep2;
          else {
            distance = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = distance;
      }
      len = repLenDecoder.decode(rc, posState);
      state = state < 7 ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      len = lenDecoder.decode(rc, posState);
      state = state < 7 ? 7 : 10;
      rep0 = decodeDistance(len);
      if (rep0 === END_MARKER) {
        if (!rc.finishedOk || (sizeKnown && remaining !== 0)) throw new Error('corrupt lzma data (bad end marker)');
        break;
      }
      if (rep0 >= dictionarySize) throw new Error('corrupt lzma data (distance beyond the dictionary)');
    }
    if (!window.has(rep0)) {
      if (rep0 < window.total && rep0 >= MAX_LZMA_DICTIONARY)
        throw new LimitExceededError('lzma dictionary bytes', rep0 + 1, MAX_LZMA_DICTIONARY);
      throw new Error('corrupt lzma data (distance before the start of the output)');
    }
    len += MATCH_MIN_LEN;
    if (len > remaining) throw new Error('corrupt lzma data (match past the declared size)');
    for (let i = 0; i < len; i++) emit(window.back(rep0));
    remaining -= len;
  }
  if (used > 0) yield out.subarray(0, used);
}
