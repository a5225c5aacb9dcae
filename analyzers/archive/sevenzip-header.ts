/**
 * The 7z archive header, after 7-Zip's `DOC/7zFormat.txt` and `7zIn.cpp`: a 32-byte signature header at
 * the start points to the "next header" at the end, which is either the header itself (`kHeader`) or a
 * description of the packed stream holding it (`kEncodedHeader`). The header lists the packed streams,
 * the folders (coder chains turning packed streams into one output), how each folder's output splits
 * into files, and the files' names and kinds.
 *
 * Everything here works on bytes already in memory (bounded by `maxHeaderBytes`) and every count is
 * checked against what those bytes can hold, so a hostile header costs no more than its own size.
 */
import { crc32 } from './crc32.js';

export const SIGNATURE = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] as const;
export const SIGNATURE_HEADER_BYTES = 32;

/** Property ids of 7zFormat.txt. */
const ID = {
  end: 0x00,
  header: 0x01,
  archiveProperties: 0x02,
  additionalStreamsInfo: 0x03,
  mainStreamsInfo: 0x04,
  filesInfo: 0x05,
  packInfo: 0x06,
  unpackInfo: 0x07,
  subStreamsInfo: 0x08,
  size: 0x09,
  crc: 0x0a,
  folder: 0x0b,
  codersUnpackSize: 0x0c,
  numUnpackStream: 0x0d,
  emptyStream: 0x0e,
  name: 0x11,
  encodedHeader: 0x17,
} as const;

/** Coders per folder and streams per coder (7-Zip's own limits, `k_NumCodersStreams_in_Folder_MAX`). */
const MAX_CODERS = 64;

export class SevenZipFormatError extends Error {
  override readonly name = 'SevenZipFormatError';
  constructor(detail: string) {
    super(`7z: ${detail}`);
  }
}

export interface StartHeader {
  /** Absolute offset of the next header in the archive. */
  readonly nextHeaderOffset: number;
  readonly nextHeaderSize: number;
  readonly nextHeaderCrc: number;
}

export interface Coder {
  /** Method id in hex, as 7-Zip's `Methods.txt` writes it (`21` LZMA2, `030101` LZMA, `06f10701` AES). */
  readonly method: string;
  readonly inStreams: number;
  readonly outStreams: number;
  readonly properties: Uint8Array;
}

/**
 * A folder's wiring, in the header's numbering (7zFormat.txt "Folder"): coders' in streams, counted
 * across the coders in order, are their packed side; out streams their unpacked side. A bind pair feeds
 * in stream `inIndex` from out stream `outIndex`; in streams no pair feeds are the packed streams.
 */
export interface BindPair {
  readonly inIndex: number;
  readonly outIndex: number;
}

export interface Folder {
  readonly coders: readonly Coder[];
  readonly bindPairs: readonly BindPair[];
  /** The in stream each packed stream feeds, in the order of {@link packed}. */
  readonly packedInStreams: readonly number[];
  /** Bytes each out stream decodes to. */
  readonly unpackSizes: readonly number[];
  /** The one out stream no bind pair consumes: the folder's output. */
  readonly mainOut: number;
  /** Bytes the folder decodes to (its one unbound output stream). */
  readonly unpackSize: number;
  /** Absolute offset and size of the folder's packed streams. */
  readonly packed: ReadonlyArray<{ readonly offset: number; readonly size: number }>;
  /** Sizes of the files the folder's output holds, in order. */
  readonly streamSizes: readonly number[];
}

export interface StreamsInfo {
  readonly folders: readonly Folder[];
}

export interface SevenZipEntry {
  readonly name: string;
  /** Has data in a folder; false for directories and empty files (nothing to analyse). */
  readonly hasStream: boolean;
}

export interface SevenZipHeader {
  readonly folders: readonly Folder[];
  readonly entries: readonly SevenZipEntry[];
}

export type NextHeader = { readonly kind: 'header'; readonly header: SevenZipHeader } | { readonly kind: 'encoded'; readonly streams: StreamsInfo };

/** Reads the 32-byte signature header (a next header of size 0 is an empty archive); the next header's CRC is checked once it is read. */
export function parseStartHeader(bytes: Uint8Array, archiveSize: number | undefined): StartHeader {
  if (bytes.length < SIGNATURE_HEADER_BYTES || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new SevenZipFormatError('no signature header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, SIGNATURE_HEADER_BYTES);
  if (bytes[6] !== 0) throw new SevenZipFormatError(`unsupported format version ${bytes[6]}.${bytes[7]}`);
  if (crc32(bytes.subarray(12, 32)) !== view.getUint32(8, true)) throw new SevenZipFormatError('start header CRC mismatch');
  const offset = safeNumber(view.getBigUint64(12, true), 'next header offset');
  const size = safeNumber(view.getBigUint64(20, true), 'next header size');
  const start = SIGNATURE_HEADER_BYTES + offset;
  // An archive of no files: 7-Zip writes a signature header whose next header is empty (7zIn.cpp accepts
  // it when the offset is 0 as well).
  if (size === 0 && offset !== 0) throw new SevenZipFormatError(`empty next header at offset ${offset}`);
  if (archiveSize !== undefined && start + size > archiveSize)
    throw new SevenZipFormatError(`next header at ${start} (+${size}) lies past the end of the archive (${archiveSize} bytes)`);
  return { nextHeaderOffset: start, nextHeaderSize: size, nextHeaderCrc: view.getUint32(28, true) };
}

export function checkNextHeaderCrc(bytes: Uint8Array, start: StartHeader): void {
  if (crc32(bytes) !== start.nextHeaderCrc) throw new SevenZipFormatError('next header CRC mismatch');
}

/** Parses a next header: the header itself, or where the packed header is and how to decode it. */
export function parseNextHeader(bytes: Uint8Array, maxEntries: number): NextHeader {
  const reader = new HeaderReader(bytes);
  const id = reader.byte();
  if (id === ID.encodedHeader) return { kind: 'encoded', streams: readStreamsInfo(reader) };
  if (id !== ID.header) throw new SevenZipFormatError(`next header starts with property ${id}, not a header`);
  return { kind: 'header', header: readHeader(reader, maxEntries) };
}

function readHeader(reader: HeaderReader, maxEntries: number): SevenZipHeader {
  let id = reader.byte();
  if (id === ID.archiveProperties) {
    while (reader.byte() !== ID.end) reader.skip(reader.number());
    id = reader.byte();
  }
  if (id === ID.additionalStreamsInfo) {
    readStreamsInfo(reader); // external data for other properties; nothing we read uses it
    id = reader.byte();
  }
  let folders: readonly Folder[] = [];
  if (id === ID.mainStreamsInfo) {
    folders = readStreamsInfo(reader).folders;
    id = reader.byte();
  }
  let entries: SevenZipEntry[] = [];
  if (id === ID.filesInfo) {
    entries = readFilesInfo(reader, maxEntries);
    id = reader.byte();
  }
  if (id !== ID.end) throw new SevenZipFormatError(`unexpected property ${id} in the header`);
  const streams = folders.reduce((n, f) => n + f.streamSizes.length, 0);
  const withStream = entries.filter((e) => e.hasStream).length;
  if (streams !== withStream) throw new SevenZipFormatError(`${withStream} files have data but the folders hold ${streams} streams`);
  return { folders, entries };
}

function readStreamsInfo(reader: HeaderReader): StreamsInfo {
  let id = reader.byte();
  let pack: { position: number; sizes: number[] } = { position: 0, sizes: [] };
  if (id === ID.packInfo) {
    pack = readPackInfo(reader);
    id = reader.byte();
  }
  let raw: RawFolder[] = [];
  if (id === ID.unpackInfo) {
    raw = readUnpackInfo(reader);
    id = reader.byte();
  }
  let streamSizes = raw.map((f) => [f.unpackSize]);
  if (id === ID.subStreamsInfo) {
    streamSizes = readSubStreamsInfo(reader, raw);
    id = reader.byte();
  }
  if (id !== ID.end) throw new SevenZipFormatError(`unexpected property ${id} in streams info`);

  let packIndex = 0;
  let offset = SIGNATURE_HEADER_BYTES + pack.position;
  const folders = raw.map((folder, i): Folder => {
    const packed = folder.packedStreams.map(() => {
      const size = pack.sizes[packIndex++];
      if (size === undefined) throw new SevenZipFormatError('folders use more packed streams than the archive lists');
      const stream = { offset, size };
      offset += size;
      return stream;
    });
    const { coders, bindPairs, packedStreams: packedInStreams, unpackSizes, mainOut, unpackSize } = folder;
    return { coders, bindPairs, packedInStreams, unpackSizes, mainOut, unpackSize, packed, streamSizes: streamSizes[i]! };
  });
  return { folders };
}

function readPackInfo(reader: HeaderReader): { position: number; sizes: number[] } {
  const position = reader.number();
  const count = reader.count(1);
  const sizes: number[] = [];
  for (let id = reader.byte(); id !== ID.end; id = reader.byte()) {
    if (id === ID.size) for (let i = 0; i < count; i++) sizes.push(reader.number());
    else if (id === ID.crc) readDigests(reader, count);
    else reader.skip(reader.number());
  }
  if (sizes.length !== count) throw new SevenZipFormatError('pack info without sizes');
  return { position, sizes };
}

interface FolderShape {
  readonly coders: Coder[];
  readonly bindPairs: BindPair[];
  readonly packedStreams: number[];
  readonly outStreams: number;
  readonly mainOut: number;
}

interface RawFolder extends FolderShape {
  readonly unpackSizes: number[];
  readonly unpackSize: number;
  /** The folder's output CRC is listed (its single file's CRC is then not repeated). */
  crcDefined: boolean;
}

function readUnpackInfo(reader: HeaderReader): RawFolder[] {
  reader.expect(ID.folder, 'folder list');
  const count = reader.count(2);
  if (reader.byte() !== 0) throw new SevenZipFormatError('folders stored outside the header are not supported');
  const shapes = Array.from({ length: count }, () => readFolder(reader));
  reader.expect(ID.codersUnpackSize, 'coder unpack sizes');
  const folders = shapes.map((shape): RawFolder => {
    // One size per coder output stream; the folder's is the unbound one's.
    const unpackSizes = Array.from({ length: shape.outStreams }, () => reader.number());
    return { ...shape, unpackSizes, unpackSize: unpackSizes[shape.mainOut]!, crcDefined: false };
  });
  for (let id = reader.byte(); id !== ID.end; id = reader.byte()) {
    if (id === ID.crc) readDigests(reader, count).forEach((defined, i) => (folders[i]!.crcDefined = defined));
    else reader.skip(reader.number());
  }
  return folders;
}

function readFolder(reader: HeaderReader): FolderShape {
  const coderCount = reader.number();
  if (coderCount < 1 || coderCount > MAX_CODERS) throw new SevenZipFormatError(`folder with ${coderCount} coders`);
  const coders: Coder[] = [];
  for (let i = 0; i < coderCount; i++) {
    const flags = reader.byte();
    if (flags & 0xc0) throw new SevenZipFormatError(`coder flags 0x${flags.toString(16)} (alternative methods) are not supported`);
    const method = Buffer.from(reader.bytes(flags & 0x0f)).toString('hex');
    const complex = (flags & 0x10) !== 0;
    const inStreams = complex ? reader.number() : 1;
    const outStreams = complex ? reader.number() : 1;
    if (inStreams > MAX_CODERS || outStreams > MAX_CODERS) throw new SevenZipFormatError(`coder with ${inStreams}/${outStreams} streams`);
    const properties = flags & 0x20 ? reader.bytes(reader.number()) : new Uint8Array(0);
    coders.push({ method, inStreams, outStreams, properties });
  }
  const outStreams = coders.reduce((n, c) => n + c.outStreams, 0);
  const inStreams = coders.reduce((n, c) => n + c.inStreams, 0);
  const boundIn = new Set<number>();
  const boundOut = new Set<number>();
  const bindPairs: BindPair[] = [];
  for (let i = 0; i < outStreams - 1; i++) {
    const pair = { inIndex: reader.number(), outIndex: reader.number() };
    if (pair.inIndex >= inStreams || pair.outIndex >= outStreams || boundIn.has(pair.inIndex) || boundOut.has(pair.outIndex))
      throw new SevenZipFormatError('folder binds a stream twice or one it does not have');
    boundIn.add(pair.inIndex);
    boundOut.add(pair.outIndex);
    bindPairs.push(pair);
  }
  const packedCount = inStreams - (outStreams - 1);
  if (packedCount < 1) throw new SevenZipFormatError('folder with no packed stream');
  const packedStreams: number[] = [];
  if (packedCount === 1) {
    for (let i = 0; i < inStreams; i++) if (!boundIn.has(i)) packedStreams.push(i);
  } else for (let i = 0; i < packedCount; i++) packedStreams.push(reader.number());
  const unbound = Array.from({ length: outStreams }, (_, i) => i).filter((i) => !boundOut.has(i));
  const fed = new Set([...boundIn, ...packedStreams]);
  if (packedStreams.length !== packedCount || unbound.length !== 1 || fed.size !== inStreams || [...fed].some((i) => i >= inStreams))
    throw new SevenZipFormatError('folder streams are not bound into one output');
  return { coders, bindPairs, packedStreams, outStreams, mainOut: unbound[0]! };
}

function readSubStreamsInfo(reader: HeaderReader, folders: readonly RawFolder[]): number[][] {
  let counts = folders.map(() => 1);
  let id = reader.byte();
  if (id === ID.numUnpackStream) {
    counts = folders.map(() => reader.count(1));
    id = reader.byte();
  }
  const sizes = folders.map((folder, i) => {
    const n = counts[i]!;
    if (n === 0) return [];
    if (id !== ID.size) {
      if (n > 1) throw new SevenZipFormatError('a folder splits into several files without their sizes');
      return [folder.unpackSize];
    }
    const listed = Array.from({ length: n - 1 }, () => reader.number());
    const rest = folder.unpackSize - listed.reduce((a, b) => a + b, 0);
    if (rest < 0) throw new SevenZipFormatError('file sizes exceed their folder');
    return [...listed, rest];
  });
  if (id === ID.size) id = reader.byte();
  for (; id !== ID.end; id = reader.byte()) {
    // Files whose CRC the folder's own CRC does not already give.
    if (id === ID.crc) readDigests(reader, folders.reduce((n, f, i) => n + (counts[i] === 1 && f.crcDefined ? 0 : counts[i]!), 0));
    else reader.skip(reader.number());
  }
  return sizes;
}

function readFilesInfo(reader: HeaderReader, maxEntries: number): SevenZipEntry[] {
  const count = reader.count(0);
  if (count > maxEntries) throw new SevenZipFormatError(`header lists ${count} files, more than the ${maxEntries} analysed`);
  let emptyStream: boolean[] = new Array<boolean>(count).fill(false);
  let names: string[] = [];
  for (let id = reader.number(); id !== ID.end; id = reader.number()) {
    const size = reader.number();
    const end = reader.offset + size;
    if (end > reader.length) throw new SevenZipFormatError(`file property ${id} runs past the header`);
    // Empty files, directories and anti-items (kEmptyFile, attributes, kAnti) all lack a stream.
    if (id === ID.emptyStream) emptyStream = reader.bits(count);
    else if (id === ID.name) names = readNames(reader, end, count);
    reader.seek(end);
  }
  return Array.from({ length: count }, (_, i) => ({ name: names[i] ?? `<file ${i}>`, hasStream: !emptyStream[i] }));
}

function readNames(reader: HeaderReader, end: number, count: number): string[] {
  if (reader.byte() !== 0) throw new SevenZipFormatError('file names stored outside the header are not supported');
  const text = Buffer.from(reader.bytes(end - reader.offset)).toString('utf16le');
  const names = text.split('\0');
  if (names.length < count + 1 || names[count] !== '') throw new SevenZipFormatError(`names property holds ${names.length - 1} names for ${count} files`);
  return names.slice(0, count);
}

/** Skips a digest list (CRCs are not checked: corrupt data fails in its decoder); says which are defined. */
function readDigests(reader: HeaderReader, count: number): boolean[] {
  const defined = reader.byte() !== 0 ? new Array<boolean>(count).fill(true) : reader.bits(count);
  reader.skip(4 * defined.filter(Boolean).length);
  return defined;
}

/** A bounds-checked cursor over header bytes. */
class HeaderReader {
  offset = 0;
  constructor(private readonly data: Uint8Array) {}

  get length(): number {
    return this.data.length;
  }

  byte(): number {
    if (this.offset >= this.data.length) throw new SevenZipFormatError('header truncated');
    return this.data[this.offset++]!;
  }

  bytes(n: number): Uint8Array {
    if (n > this.data.length - this.offset) throw new SevenZipFormatError('header truncated');
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  skip(n: number): void {
    this.bytes(n);
  }

  seek(offset: number): void {
    if (offset < this.offset || offset > this.data.length) throw new SevenZipFormatError('header property overlaps the next');
    this.offset = offset;
  }

  expect(id: number, what: string): void {
    const found = this.byte();
    if (found !== id) throw new SevenZipFormatError(`expected ${what} (property ${id}), found property ${found}`);
  }

  /** 7z's variable-length integer: leading 1-bits of the first byte count the extra bytes. */
  number(): number {
    const first = this.byte();
    let mask = 0x80;
    let value = 0;
    for (let i = 0; i < 8; i++) {
      if ((first & mask) === 0) return value + (first & (mask - 1)) * 2 ** (8 * i);
      value += this.byte() * 2 ** (8 * i);
      mask >>= 1;
    }
    if (!Number.isSafeInteger(value)) throw new SevenZipFormatError('number too large');
    return value;
  }

  /** A count of items that each take at least `minBytes` of header: more cannot be real. */
  count(minBytes: number): number {
    const n = this.number();
    if (n * Math.max(minBytes, 1 / 8) > this.data.length - this.offset + 1) throw new SevenZipFormatError(`count ${n} exceeds what the header can hold`);
    return n;
  }

  /** `n` booleans, most significant bit first; an all-defined byte is not part of it. */
  bits(n: number): boolean[] {
    const bytes = this.bytes(Math.ceil(n / 8));
    return Array.from({ length: n }, (_, i) => ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) === 1);
  }
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new SevenZipFormatError(`${what} too large`);
  return Number(value);
}
