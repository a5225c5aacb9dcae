/** A zstd bomb built without compressing anything: a tar of one file of zeros, as a hand-written zstd frame. */
import { tarHeader } from './tar-builder.js';

/**
 * A tar holding one file of `size` zeros, zstd-compressed by hand (RFC 8878): a raw block for the header,
 * then RLE blocks of 128 KiB zeros — 4 bytes each, so 10 GiB fit in ~320 KB.
 */
export function zstdZerosTar(size: number): Uint8Array {
  const header = tarHeader({ name: 'model.bin', size, base256Size: true });
  const total = header.length + size + 1024; // the member, then the end-of-archive blocks (zeros too)
  const BLOCK = 128 * 1024;
  const blocks = Math.ceil((total - header.length) / BLOCK);
  const out = new Uint8Array(4 + 1 + 1 + 8 + 3 + header.length + blocks * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xfd2fb528, true);
  out[4] = 0b1100_0000; // 8-byte content size, no single segment, no checksum, no dictionary
  out[5] = 7 << 3; // window 2^(10+7) = 128 KiB
  view.setBigUint64(6, BigInt(total), true);
  let at = 14;
  const blockHeader = (last: boolean, type: number, length: number) => {
    const value = (last ? 1 : 0) | (type << 1) | (length << 3);
    out[at++] = value & 0xff;
    out[at++] = (value >> 8) & 0xff;
    out[at++] = (value >> 16) & 0xff;
  };
  blockHeader(false, 0, header.length);
  out.set(header, at);
  at += header.length;
  for (let left = total - header.length, i = 0; left > 0; i++) {
    const length = Math.min(BLOCK, left);
    left -= length;
    blockHeader(left === 0, 1, length);
    out[at++] = 0;
  }
  return out.subarray(0, at);
}
