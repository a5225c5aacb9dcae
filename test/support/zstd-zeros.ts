/**
 * A zstd bomb: a tar holding one file of zeros, as concatenated zstd frames (RFC 8878 §3.1: a decoder
 * reads frames back to back) — one for the tar header, the same frame of 128 MiB of zeros repeated, one
 * for the end-of-archive blocks. The frames come from the `zstd` tool (a test dependency), so they hold
 * real compressed blocks, decoded sequence by sequence as any such layer would be (RLE blocks would be a
 * mere fill). 10 GiB take ~2.5 MB.
 */
import { execFileSync } from 'node:child_process';
import { concat } from './bytes.js';
import { tarHeader } from './tar-builder.js';

const CHUNK = 128 * 1024 ** 2;

/** `size` is rounded up to a multiple of 128 MiB. */
export function zstdZerosTar(size: number): Uint8Array {
  const chunks = Math.ceil(size / CHUNK);
  const compress = (bytes: Uint8Array) => new Uint8Array(execFileSync('zstd', ['-q', '-1', '-c'], { input: bytes, maxBuffer: 64 * 1024 ** 2 }));
  const zeros = compress(new Uint8Array(CHUNK));
  return concat(compress(tarHeader({ name: 'model.bin', size: chunks * CHUNK, base256Size: true })), ...Array<Uint8Array>(chunks).fill(zeros), compress(new Uint8Array(1024)));
}
