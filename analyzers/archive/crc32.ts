/** CRC-32 (IEEE 802.3, as zip and 7z store it): zlib's native one (Node ≥ 20.15; package.json asks ≥ 20.18). */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** Continues `crc` (start with 0) over `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  return zlibCrc32(bytes, crc);
}
