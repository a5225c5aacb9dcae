/**
 * The most a bzip2 stream can decompress to, read off its compressed bytes without decoding a block:
 * enough to tell that the rest of a stream no analysis reads cannot be a bomb, so it need not be
 * decompressed (for a 1.5 MB image, a byte search instead of two more blocks of decoding).
 *
 * Each block starts with the 48-bit marker 0x314159265359 and each stream ends with 0x177245385090, at
 * any bit offset (bzip2 `compress.c`; the decoder compares the next 48 bits with them). A block of a
 * level-N stream holds at most 100 000·N bytes before the run-length step, and undoing that step
 * (`unRLE_obuf_to_output`; unbzip2-stream's `decompress` likewise) turns each 5 of them into at most
 * 4 + 255: a block yields at most 259 × 20 000·N bytes. A search at every bit offset finds every real
 * marker, and perhaps lookalikes inside compressed data, which only make the bound larger.
 */
import { isRatioBomb } from './zip-analyzer.js';

const MARKER_BYTES = 7; // a 48-bit marker at any bit offset spans at most 7 bytes
const LEVEL_MAX = 9;
const blockOutputBound = (level: number): number => 259 * 20_000 * level;

/** The block-size digit of a `BZh1`…`BZh9` header, or undefined for anything else. */
export function bzip2Level(head: Uint8Array): number | undefined {
  const digit = (head[3] ?? 0) - 0x30;
  return head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && digit >= 1 && digit <= 9 ? digit : undefined;
}

/**
 * Fed a stream's compressed bytes in order (as they are read anyway), tells whether decompressing it
 * whole could pass a limit: it could unless, at the end of every block, the most the stream can have
 * produced by then is within `maxRatio` of the compressed bytes up to there (the decoder reads a block
 * whole before delivering any of it, so it has read at least up to the next marker), and the total stays
 * within the output limit. A block that no marker follows (a truncated stream) may pass anything.
 */
export class Bzip2Bound {
  #level: number;
  #bound = 0;
  #blockOpen = false;
  #ratioPassed = false;
  #carry = Buffer.alloc(0);
  #carryAt = 0;

  constructor(
    level: number,
    private readonly maxRatio: number,
  ) {
    this.#level = level;
  }

  /** Already known to pass the ratio: the rest of the stream need not be read for it. */
  get passed(): boolean {
    return this.#ratioPassed;
  }

  push(chunk: Uint8Array): void {
    if (this.#ratioPassed) return;
    for (const marker of this.#markers(chunk)) {
      if (this.#blockOpen && isRatioBomb(this.#bound, Math.floor(marker.bit / 8), this.maxRatio)) {
        this.#ratioPassed = true;
        return;
      }
      this.#blockOpen = marker.kind === 'block';
      if (this.#blockOpen) this.#bound += blockOutputBound(this.#level);
      else this.#level = LEVEL_MAX; // another stream may follow, at any level
    }
  }

  /** After the last byte: could the whole stream pass the ratio or `maxOutput` decompressed bytes? */
  mayExpandPast(maxOutput: number): boolean {
    return this.#ratioPassed || this.#blockOpen || this.#bound > maxOutput;
  }

  /**
   * Markers in stream order. Each chunk is searched together with the last bytes of the one before, so
   * a marker across two chunks is found once. One starting in the last 6 bytes of the stream is not
   * looked for: no block fits there, and no end marker does (its CRC follows it).
   */
  #markers(chunk: Uint8Array): Marker[] {
    const bytes = Buffer.concat([this.#carry, chunk]);
    const found: Marker[] = [];
    for (const { kind, shift, bytes: want, masks, needle } of PATTERNS)
      for (let at = bytes.indexOf(needle, 1); at !== -1 && at - 1 + MARKER_BYTES <= bytes.length; at = bytes.indexOf(needle, at + 1)) {
        const start = at - 1;
        if ((bytes[start]! & masks[0]!) === want[0] && bytes[start + 5] === want[5] && (bytes[start + 6]! & masks[6]!) === want[6])
          found.push({ kind, bit: (this.#carryAt + start) * 8 + shift });
      }
    const keep = Math.min(bytes.length, MARKER_BYTES - 1);
    this.#carryAt += bytes.length - keep;
    this.#carry = bytes.subarray(bytes.length - keep);
    return found.sort((a, b) => a.bit - b.bit);
  }
}

interface Marker {
  readonly kind: 'block' | 'end';
  /** Offset in bits from the start of the stream. */
  readonly bit: number;
}

interface Pattern {
  readonly kind: Marker['kind'];
  readonly shift: number;
  /** The 7 bytes a marker starting `shift` bits into the first one covers, and which of their bits it sets. */
  readonly bytes: readonly number[];
  readonly masks: readonly number[];
  /** Bytes 1–4, which it covers whole: searched for natively. */
  readonly needle: Buffer;
}

const PATTERNS: readonly Pattern[] = [...patterns('block', 0x314159265359n), ...patterns('end', 0x177245385090n)];

function patterns(kind: Marker['kind'], marker: bigint): Pattern[] {
  const byteOf = (value: bigint, i: number): number => Number((value >> BigInt(8 * (MARKER_BYTES - 1 - i))) & 0xffn);
  return Array.from({ length: 8 }, (_, shift) => {
    const placed = marker << BigInt(8 - shift);
    const covered = ((1n << 48n) - 1n) << BigInt(8 - shift);
    const bytes = Array.from({ length: MARKER_BYTES }, (_, i) => byteOf(placed, i));
    const masks = Array.from({ length: MARKER_BYTES }, (_, i) => byteOf(covered, i));
    return { kind, shift, bytes, masks, needle: Buffer.from(bytes.slice(1, 5)) };
  });
}
