/**
 * A deliberately permissive zip writer for tests: it writes whatever it is told, including what real
 * writers never would (names that differ between headers, lying CRCs and sizes, encryption flags on
 * plain data, overlapping members), so each reader tolerance and each anomaly has a fixture.
 */
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../../../analyzers/archive/crc32.js';
import { concat } from '../../../support/bytes.js';

export interface MemberSpec {
  name: string;
  data: Uint8Array | string;
  /** 0 stored (default), 8 deflate, or any number (the data is then written as given). */
  method?: number;
  /** Name written in the local header when it should differ from the central one. */
  localName?: string;
  flags?: number;
  /** Flags of the local header when they should differ. */
  localFlags?: number;
  /** CRC to record instead of the real one. */
  crc?: number;
  /** Uncompressed size to record instead of the real one. */
  declaredSize?: number;
  /** Zero sizes/CRC in the local header and write a data descriptor after the data (flag 0x8). */
  dataDescriptor?: 'signed' | 'unsigned' | 'signed64';
  /** Write sizes and offset as ZIP64 extra fields. */
  zip64?: boolean;
  /** Unix mode (e.g. 0o120777 for a symlink), written in the external attributes. */
  unixMode?: number;
  /** Extra field bytes for the local header (PyTorch pads with an `FB` record). */
  localExtra?: Uint8Array;
  /** Compressed size the central record declares instead of the real one. */
  centralCompressedSize?: number;
  /** Point the central record at another member's local header (overlapping-entry bomb). */
  sameLocalHeaderAs?: number;
}

export interface ZipSpec {
  prefix?: Uint8Array;
  /** Write a ZIP64 end record and locator. */
  zip64End?: boolean;
  /** Leave out the central directory and end record (a stream of local headers only). */
  localOnly?: boolean;
  /** Entry count to declare instead of the real one. */
  declaredEntries?: number;
  /** Bytes after the end record (a second, decoy end record…). */
  suffix?: Uint8Array;
}

const enc = new TextEncoder();

export function buildZip(members: MemberSpec[], spec: ZipSpec = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const push = (bytes: Uint8Array): void => {
    parts.push(bytes);
    offset += bytes.length;
  };
  if (spec.prefix) push(spec.prefix);
  const base = offset;
  const records: { member: MemberSpec; crc: number; csize: number; usize: number; localOffset: number }[] = [];

  for (const member of members) {
    const raw = typeof member.data === 'string' ? enc.encode(member.data) : member.data;
    const method = member.method ?? 0;
    const body = method === 8 ? new Uint8Array(deflateRawSync(raw)) : raw;
    const crc = member.crc ?? crc32(raw);
    const usize = member.declaredSize ?? raw.length;
    const flags = (member.localFlags ?? member.flags ?? 0) | (member.dataDescriptor ? 0x8 : 0);
    const name = enc.encode(member.localName ?? member.name);
    const zip64Extra = member.zip64 ? extra64(usize, body.length) : new Uint8Array(0);
    const extra = concat(zip64Extra, member.localExtra ?? new Uint8Array(0));
    const header = new DataView(new ArrayBuffer(30));
    header.setUint32(0, 0x04034b50, true);
    header.setUint16(4, member.zip64 ? 45 : 20, true);
    header.setUint16(6, flags, true);
    header.setUint16(8, method, true);
    const hide = member.dataDescriptor !== undefined;
    header.setUint32(14, hide ? 0 : crc, true);
    header.setUint32(18, hide ? 0 : member.zip64 ? 0xffffffff : body.length, true);
    header.setUint32(22, hide ? 0 : member.zip64 ? 0xffffffff : usize, true);
    header.setUint16(26, name.length, true);
    header.setUint16(28, extra.length, true);
    const localOffset = offset;
    push(new Uint8Array(header.buffer));
    push(name);
    push(extra);
    push(body);
    if (member.dataDescriptor) push(descriptor(member.dataDescriptor, crc, body.length, usize));
    records.push({ member, crc, csize: body.length, usize, localOffset });
  }

  if (spec.localOnly) return concat(...parts);
  const cdStart = offset;
  for (const { member, crc, csize, usize, localOffset } of records) {
    const name = enc.encode(member.name);
    const pointsAt = member.sameLocalHeaderAs === undefined ? localOffset : records[member.sameLocalHeaderAs]!.localOffset;
    const relative = pointsAt - base;
    const extra = member.zip64 ? extra64(usize, csize, relative) : new Uint8Array(0);
    const h = new DataView(new ArrayBuffer(46));
    h.setUint32(0, 0x02014b50, true);
    h.setUint16(4, member.unixMode === undefined ? 20 : (3 << 8) | 20, true);
    h.setUint16(6, member.zip64 ? 45 : 20, true);
    h.setUint16(8, (member.flags ?? 0) | (member.dataDescriptor ? 0x8 : 0), true);
    h.setUint16(10, member.method ?? 0, true);
    h.setUint32(16, crc, true);
    h.setUint32(20, member.zip64 ? 0xffffffff : (member.centralCompressedSize ?? csize), true);
    h.setUint32(24, member.zip64 ? 0xffffffff : usize, true);
    h.setUint16(28, name.length, true);
    h.setUint16(30, extra.length, true);
    h.setUint32(38, member.unixMode === undefined ? 0 : (member.unixMode << 16) >>> 0, true);
    h.setUint32(42, member.zip64 ? 0xffffffff : relative, true);
    push(new Uint8Array(h.buffer));
    push(name);
    push(extra);
  }
  const cdSize = offset - cdStart;
  const count = spec.declaredEntries ?? records.length;
  if (spec.zip64End) {
    const z = new DataView(new ArrayBuffer(56));
    z.setUint32(0, 0x06064b50, true);
    z.setBigUint64(4, 44n, true);
    z.setUint16(12, 45, true);
    z.setUint16(14, 45, true);
    z.setBigUint64(24, BigInt(count), true);
    z.setBigUint64(32, BigInt(count), true);
    z.setBigUint64(40, BigInt(cdSize), true);
    z.setBigUint64(48, BigInt(cdStart - base), true);
    const recordAt = offset;
    push(new Uint8Array(z.buffer));
    const l = new DataView(new ArrayBuffer(20));
    l.setUint32(0, 0x07064b50, true);
    l.setBigUint64(8, BigInt(recordAt), true);
    l.setUint32(16, 1, true);
    push(new Uint8Array(l.buffer));
  }
  const e = new DataView(new ArrayBuffer(22));
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, spec.zip64End ? 0xffff : count, true);
  e.setUint16(10, spec.zip64End ? 0xffff : count, true);
  e.setUint32(12, spec.zip64End ? 0xffffffff : cdSize, true);
  e.setUint32(16, spec.zip64End ? 0xffffffff : cdStart - base, true);
  push(new Uint8Array(e.buffer));
  if (spec.suffix) push(spec.suffix);
  return concat(...parts);
}

function extra64(usize: number, csize: number, offset?: number): Uint8Array {
  const values = offset === undefined ? [usize, csize] : [usize, csize, offset];
  const v = new DataView(new ArrayBuffer(4 + 8 * values.length));
  v.setUint16(0, 1, true);
  v.setUint16(2, 8 * values.length, true);
  values.forEach((value, i) => v.setBigUint64(4 + 8 * i, BigInt(value), true));
  return new Uint8Array(v.buffer);
}

function descriptor(kind: 'signed' | 'unsigned' | 'signed64', crc: number, csize: number, usize: number): Uint8Array {
  const wide = kind === 'signed64';
  const signed = kind !== 'unsigned';
  const v = new DataView(new ArrayBuffer((signed ? 4 : 0) + 4 + (wide ? 16 : 8)));
  let at = 0;
  if (signed) v.setUint32((at += 4) - 4, 0x08074b50, true);
  v.setUint32((at += 4) - 4, crc, true);
  if (wide) {
    v.setBigUint64(at, BigInt(csize), true);
    v.setBigUint64(at + 8, BigInt(usize), true);
  } else {
    v.setUint32(at, csize, true);
    v.setUint32(at + 4, usize, true);
  }
  return new Uint8Array(v.buffer);
}

