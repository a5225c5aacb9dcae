/**
 * The HDF5 superblock (format spec §II.A): found at offset 0 or after a user block at 512, 1024, 2048…
 * bytes. Versions 0 and 1 point at the root group through a symbol-table entry, versions 2 and 3
 * directly at its object header.
 */
import { H5File, H5FormatError, H5UnsupportedError, type H5Cursor, type H5Geometry } from './file.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** User blocks are powers of two from 512; beyond this the file is not an HDF5 model. */
const MAX_SIGNATURE_OFFSET = 1 << 20;
/** Enough for any superblock version with 8-byte offsets (v0: 56 + 5 addresses + root entry). */
const SUPERBLOCK_BYTES = 128;

export interface Superblock extends H5Geometry {
  readonly version: number;
  /** Absolute position of the root group's object header. */
  readonly rootObjectHeader: number;
}

export async function readSuperblock(file: H5File): Promise<Superblock> {
  const at = await findSignature(file);
  const available = file.size === undefined ? SUPERBLOCK_BYTES : Math.min(SUPERBLOCK_BYTES, file.size - at);
  const c = await file.read(at, available, 'superblock');
  c.skip(SIGNATURE.length);
  const version = c.u8();
  if (version <= 1) return readV0(c, version, at);
  if (version <= 3) return readV2(c, version, at);
  throw new H5UnsupportedError(`superblock version ${version} is not one this reader knows (0–3)`);
}

/** Where the superblock signature is: 0, or after a user block at 512, 1024, 2048… */
export async function findSignature(file: H5File): Promise<number> {
  const limit = Math.min(file.size ?? MAX_SIGNATURE_OFFSET, MAX_SIGNATURE_OFFSET);
  for (let at = 0; at + SIGNATURE.length <= limit; at = at === 0 ? 512 : at * 2) {
    const c = await file.read(at, SIGNATURE.length, 'signature');
    if (SIGNATURE.every((b, i) => c.bytes[i] === b)) return at;
  }
  throw new H5FormatError('no HDF5 superblock signature at offset 0 or after a user block', 0);
}

function readV0(c: H5Cursor, version: number, at: number): Superblock {
  c.skip(4); // free-space, root symbol table entry and shared-header versions, reserved
  const { offsetSize, lengthSize } = sizes(c, at);
  c.skip(1 + 4 + 4); // reserved, group leaf/internal node K, file consistency flags
  if (version === 1) c.skip(4); // indexed storage internal node K, reserved
  const base = address(c, offsetSize, 'base address', at);
  c.skip(offsetSize * 3); // free-space info, end of file, driver information block
  c.skip(offsetSize); // root symbol table entry: link name offset
  const root = address(c, offsetSize, 'root group object header address', at);
  return { version, offsetSize, lengthSize, base, rootObjectHeader: base + root };
}

function readV2(c: H5Cursor, version: number, at: number): Superblock {
  const { offsetSize, lengthSize } = sizes(c, at);
  c.skip(1); // file consistency flags
  const base = address(c, offsetSize, 'base address', at);
  c.skip(offsetSize * 2); // superblock extension, end of file
  const root = address(c, offsetSize, 'root group object header address', at);
  return { version, offsetSize, lengthSize, base, rootObjectHeader: base + root };
}

function sizes(c: H5Cursor, at: number): { offsetSize: number; lengthSize: number } {
  const offsetSize = c.u8();
  const lengthSize = c.u8();
  for (const size of [offsetSize, lengthSize])
    if (![2, 4, 8].includes(size)) throw new H5FormatError(`superblock declares ${size}-byte offsets or lengths (2, 4 or 8 allowed)`, at);
  return { offsetSize, lengthSize };
}

function address(c: H5Cursor, size: number, what: string, at: number): number {
  const value = c.sized(size);
  if (value === undefined) throw new H5FormatError(`superblock has no ${what}`, at);
  return value;
}
