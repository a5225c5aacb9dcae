/**
 * Protobuf base-128 varints (protobuf.dev "Encoding"), decoded from a byte array without allocation.
 * Shared by the streaming wire reader and the head-only sniffer.
 */

/** Wire types in use; 3 and 4 (groups) are deprecated and appear in none of the model schemas. */
export const WireType = { Varint: 0, I64: 1, Len: 2, StartGroup: 3, EndGroup: 4, I32: 5 } as const;

const TWO_32 = 2 ** 32;

/** A decoded varint: the low and high 32 bits, and how many bytes it took. */
export interface Varint {
  lo: number;
  hi: number;
  length: number;
}

/**
 * Decodes the varint at `at`. Returns undefined when the bytes end before the varint does; `length` 0
 * when it runs past 10 bytes (malformed: no 64-bit value needs more).
 */
export function decodeVarint(bytes: Uint8Array, at: number, out: Varint): Varint | undefined {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (at + i >= bytes.length) return undefined;
    const b = bytes[at + i]!;
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= (bits & 0x0f) << 28;
      hi |= bits >> 4;
    } else hi |= bits << (7 * i - 32);
    if ((b & 0x80) === 0) {
      out.lo = lo >>> 0;
      out.hi = hi >>> 0;
      out.length = i + 1;
      return out;
    }
  }
  out.length = 0;
  return out;
}

/** The varint as an unsigned number (exact below 2^53). */
export function unsignedOf(v: Varint): number {
  return v.hi * TWO_32 + v.lo;
}

/** The varint as a two's-complement int64 (exact within ±2^53): how protobuf encodes negative int64. */
export function signedOf(v: Varint): number {
  if (v.hi < 0x80000000) return unsignedOf(v);
  return -((~v.hi >>> 0) * TWO_32 + (~v.lo >>> 0) + 1);
}

/** The varint encoding of `value` (taken modulo 2^64, as int64 fields are written). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return Uint8Array.from(out);
}
