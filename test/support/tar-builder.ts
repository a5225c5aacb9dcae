/**
 * Builds tar archives byte by byte for tests, including forms real writers rarely produce (base-256 sizes,
 * PAX globals, bad checksums), so each reader branch can be exercised on exact bytes.
 */
import { concat } from './bytes.js';

const BLOCK = 512;
const encoder = new TextEncoder();

export interface HeaderSpec {
  readonly name: string;
  /** Typeflag character; default '0'. */
  readonly type?: string;
  readonly mode?: number;
  /** Size field; defaults to the data length. */
  readonly size?: number;
  readonly linkname?: string;
  readonly prefix?: string;
  /** `ustar` (POSIX, default), `gnu` (`ustar  \0`), `v7` (no magic). */
  readonly magic?: 'ustar' | 'gnu' | 'v7';
  /** Write the size field in base-256 (GNU) instead of octal. */
  readonly base256Size?: boolean;
  /** Add this to the computed checksum, to corrupt it. */
  readonly checksumDelta?: number;
}

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`field too long: ${value}`);
  block.set(bytes, offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function writeBase256(block: Uint8Array, offset: number, length: number, value: number): void {
  let rest = BigInt(value);
  for (let i = offset + length - 1; i > offset; i--) {
    block[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  block[offset] = 0x80;
}

export function tarHeader(spec: HeaderSpec, dataLength = 0): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, spec.name);
  writeOctal(block, 100, 8, spec.mode ?? 0o644);
  writeOctal(block, 108, 8, 1000);
  writeOctal(block, 116, 8, 1000);
  const size = spec.size ?? dataLength;
  if (spec.base256Size) writeBase256(block, 124, 12, size);
  else writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 1_700_000_000);
  block[156] = (spec.type ?? '0').charCodeAt(0);
  writeString(block, 157, 100, spec.linkname ?? '');
  const magic = spec.magic ?? 'ustar';
  if (magic === 'ustar') writeString(block, 257, 8, 'ustar\u000000');
  if (magic === 'gnu') writeString(block, 257, 8, 'ustar  \u0000');
  writeString(block, 265, 32, 'user');
  writeString(block, 297, 32, 'group');
  if (spec.prefix) writeString(block, 345, 155, spec.prefix);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${(sum + (spec.checksumDelta ?? 0)).toString(8).padStart(6, '0')}\0 `);
  return block;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}

export function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** Header plus padded data. */
export function tarEntry(spec: HeaderSpec, data: string | Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = bytesOf(data);
  return concat(tarHeader(spec, bytes.length), padded(bytes));
}

/** A PAX extended header (`x`, or `g` for global) carrying `records`. */
export function paxEntry(records: Readonly<Record<string, string>>, global = false): Uint8Array {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const text = ` ${key}=${value}\n`;
    const textLength = encoder.encode(text).length;
    let length = textLength + 1;
    while (String(length).length + textLength !== length) length = String(length).length + textLength;
    body += `${length}${text}`;
  }
  return tarEntry({ name: 'PaxHeaders/x', type: global ? 'g' : 'x' }, body);
}

/** A GNU long name (`L`) or long link (`K`) header. */
export function gnuLongEntry(type: 'L' | 'K', value: string): Uint8Array {
  return tarEntry({ name: '././@LongLink', type, magic: 'gnu' }, `${value}\0`);
}

/** Concatenate parts and, unless `end` is false, the two zero blocks that end an archive. */
export function tarArchive(parts: readonly Uint8Array[], end = true): Uint8Array {
  return concat(...parts, ...(end ? [new Uint8Array(2 * BLOCK)] : []));
}

