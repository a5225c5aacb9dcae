/** Little-endian integer reads and buffer helpers for the decoder's hot loop (no allocation). */
import { ArgKind } from './opcodes.js';

/** Longest payload or line handed to the sink in full; longer ones arrive as a prefix of this size. */
export const PAYLOAD_PREFIX_BYTES = 1024;

export const NEWLINE = 0x0a;
export const EMPTY = new Uint8Array(0);
const TWO_32 = 4294967296;

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)) + b[i + 3]! * 16777216;
}

export function i32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** u64 as a number; Infinity when it exceeds 2^53 (no real length can). */
export function u64(b: Uint8Array, i: number): number {
  const hi = u32(b, i + 4);
  return hi >= 0x200000 ? Infinity : hi * TWO_32 + u32(b, i);
}

/** The argument of a fixed-size opcode (`ArgKind.U1`…`F8`) at `at`. */
export function fixedArgument(buf: Uint8Array, at: number, kind: number): number {
  switch (kind) {
    case ArgKind.F8:
      return 0; // BINFLOAT: the value never matters
    case ArgKind.U1:
      return buf[at]!;
    case ArgKind.U2:
      return buf[at]! | (buf[at + 1]! << 8);
    case ArgKind.I4:
      return i32(buf, at);
    case ArgKind.U4:
      return u32(buf, at);
    default:
      return u64(buf, at);
  }
}
