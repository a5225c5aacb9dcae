/**
 * Tar reader shared by the tar analyzer and the artifact resolver: POSIX ustar, PAX (`x`/`g`), GNU long
 * names (`L`/`K`), base-256 numbers. One header decoder, two inputs:
 * - seekable (a registry blob by Range, a file): each header is read by offset and the data is jumped
 *   over, so a 10 GB single-file layer costs a few KB of reads; entries are {@link SliceSource}s;
 * - forward (a decompressing stream): the stream is consumed once; data the consumer did not read is
 *   skipped; each entry's source is valid until the iterator moves to the next entry. Every byte passes
 *   the reader anyway, so it can hash each entry's data on the way (`hashMembers`) at no extra read.
 *
 * Header layout: POSIX.1-2001 "pax" / ustar (IEEE Std 1003.1), GNU tar manual "Basic Tar Format".
 * Which entry types carry data follows Go archive/tar and Python tarfile (links, devices, directories
 * and FIFOs never do, whatever their size field says), so entry boundaries agree with common loaders.
 */
import { createHash, type Hash } from 'node:crypto';
import { LimitExceededError } from '../engine-rules.js';
import type { AnalyzerLimits } from '../limits.js';
import { ForwardSource, SliceSource, type ByteSource } from '../source.js';

const BLOCK = 512;
/** Largest PAX / GNU long-name payload accepted (Go archive/tar `maxSpecialFileSize`). */
export const MAX_EXTENDED_HEADER_BYTES = 1024 * 1024;
/** Extension headers before one entry; legitimate writers emit at most a `g`, an `x`, an `L` and a `K`. */
const MAX_EXTENSIONS_PER_ENTRY = 8;
/** Seekable reads fetch this much around a header so runs of small entries cost one request. */
const READ_AHEAD = 4096;

export type TarEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'char-device'
  | 'block-device'
  | 'fifo'
  | 'other';

export interface TarEntry {
  /** From PAX `path`, else GNU long name (`L`), else ustar prefix + name. Raw: not normalised. */
  readonly name: string;
  readonly type: TarEntryType;
  /** Bytes of data stored for the entry (0 for links, devices, directories and FIFOs). */
  readonly size: number;
  /** Permission bits including setuid, setgid and sticky (`mode & 0o7777`). */
  readonly mode: number;
  /** Link target: PAX `linkpath`, GNU long link (`K`) or ustar linkname; set for links only. */
  readonly linkname?: string;
  /** Offset of the entry's data in the uncompressed tar stream. */
  readonly dataOffset: number;
  /**
   * The entry's data: a {@link SliceSource} when the tar source is seekable; otherwise forward-only and
   * valid until the iterator moves to the next entry (reading it later throws).
   */
  readonly source: ByteSource;
  /**
   * With `hashMembers` on a forward source: the entry data's SHA-256 (hex), known once the reader has
   * passed the end of the data (when it moves to the next entry or ends); undefined before that.
   */
  readonly sha256?: () => string | undefined;
}

export interface ReadTarOptions {
  /** Hash each entry's data while streaming (forward sources only: a seekable one skips the data). */
  readonly hashMembers?: boolean;
}

/** The archive is malformed: bad checksum, truncated data, invalid number or PAX record. */
export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
  readonly code = 'E_TAR_FORMAT';
  constructor(
    detail: string,
    readonly offset: number,
  ) {
    super(`tar: ${detail} at offset ${offset}`);
  }
}

/**
 * Iterate the entries of a tar archive. Throws {@link TarFormatError} for malformed input and
 * {@link LimitExceededError} when the archive has more than `limits.maxMembers` entries or an extended
 * header larger than {@link MAX_EXTENDED_HEADER_BYTES} (or `limits.maxHeaderBytes`, if smaller).
 * Ends at two zero blocks or at the end of data.
 *
 * @example
 * for await (const entry of readTar(new BufferSource(bytes), limits))
 *   if (entry.type === 'file') console.log(entry.name, entry.size);
 */
export async function* readTar(source: ByteSource, limits: AnalyzerLimits, options: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  const input: TarInput = source.seekable ? new SeekableInput(source) : new ForwardInput(source, options.hashMembers === true);
  const maxExtended = Math.min(MAX_EXTENDED_HEADER_BYTES, limits.maxHeaderBytes);
  const globals: Overrides = {};
  let local: Overrides = {};
  let extensions = 0;
  let entries = 0;
  let offset = 0;
  let previousDataEnd = 0;
  try {
    for (;;) {
      const block = await input.read(offset, BLOCK);
      if (block.length === 0) {
        if (input.size !== undefined && input.size < previousDataEnd)
          throw new TarFormatError(`truncated: the last entry's data ends at ${previousDataEnd}, the archive at ${input.size}`, offset);
        return;
      }
      if (block.length < BLOCK) throw new TarFormatError(`truncated header (${block.length} of ${BLOCK} bytes)`, offset);
      const header = decodeHeader(block, offset);
      if (header === undefined) {
        const next = await input.read(offset + BLOCK, BLOCK);
        if (next.length === 0 || isZeroBlock(next)) return;
        // Python's tarfile stops at the first zero block, Go's archive/tar errors: members after a lone zero
        // block are invisible to some loaders, so refuse rather than pick one reading.
        throw new TarFormatError('lone zero block followed by more data', offset);
      }
      const dataOffset = offset + BLOCK;

      if (EXTENSION_TYPES.has(header.typeflag)) {
        if (++extensions > MAX_EXTENSIONS_PER_ENTRY)
          throw new TarFormatError(`more than ${MAX_EXTENSIONS_PER_ENTRY} extension headers for one entry`, offset);
        if (header.size > maxExtended) throw new LimitExceededError('tar extended header bytes', header.size, maxExtended);
        const payload = await input.read(dataOffset, header.size);
        if (payload.length < header.size)
          throw new TarFormatError(`truncated extended header (${payload.length} of ${header.size} bytes)`, dataOffset);
        applyExtension(header.typeflag, payload, header.typeflag === TYPE_PAX_GLOBAL ? globals : local, dataOffset);
        offset = nextHeaderOffset(dataOffset, header.size);
        continue;
      }

      if (++entries > limits.maxMembers) throw new LimitExceededError('maxMembers', entries, limits.maxMembers);
      const type = entryType(header.typeflag, header.name);
      const declaredSize = pick('size', local, globals) ?? header.size;
      const size = HEADER_ONLY_TYPES.has(header.typeflag) ? 0 : declaredSize;
      const name = pick('path', local, globals) ?? header.name;
      const linkname = pick('linkpath', local, globals) ?? header.linkname;
      const dataEnd = dataOffset + size;
      if (input.size !== undefined && dataEnd > input.size)
        throw new TarFormatError(`truncated: entry ${JSON.stringify(name)} needs ${size} bytes, the archive ends at ${input.size}`, offset);
      local = {};
      extensions = 0;
      yield {
        name,
        type,
        size,
        mode: header.mode & 0o7777,
        ...(type === 'symlink' || type === 'hardlink' ? { linkname } : {}),
        dataOffset,
        ...input.entrySource(dataOffset, size),
      };
      previousDataEnd = dataEnd;
      offset = nextHeaderOffset(dataOffset, size);
    }
  } finally {
    await input.release();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Header decoding

const TYPE_PAX_LOCAL = 0x78; // 'x'
const TYPE_PAX_GLOBAL = 0x67; // 'g'
const TYPE_GNU_LONG_NAME = 0x4c; // 'L'
const TYPE_GNU_LONG_LINK = 0x4b; // 'K'
const EXTENSION_TYPES: ReadonlySet<number> = new Set([TYPE_PAX_LOCAL, TYPE_PAX_GLOBAL, TYPE_GNU_LONG_NAME, TYPE_GNU_LONG_LINK]);
/** Types whose size field never announces data: '1' hardlink … '6' FIFO (Go `isHeaderOnlyType`). */
const HEADER_ONLY_TYPES: ReadonlySet<number> = new Set([0x31, 0x32, 0x33, 0x34, 0x35, 0x36]);

const TYPE_BY_FLAG: Readonly<Record<number, TarEntryType>> = {
  0x00: 'file', // pre-POSIX regular file
  0x30: 'file', // '0'
  0x37: 'file', // '7' contiguous file
  0x31: 'hardlink',
  0x32: 'symlink',
  0x33: 'char-device',
  0x34: 'block-device',
  0x35: 'directory',
  0x36: 'fifo',
  0x44: 'directory', // 'D' GNU dump directory (its data is a listing)
};

interface RawHeader {
  readonly name: string;
  readonly linkname: string;
  readonly typeflag: number;
  readonly mode: number;
  readonly size: number;
}

const utf8 = new TextDecoder('utf-8');

function isZeroBlock(block: Uint8Array): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** Decode one 512-byte header; undefined for a zero block. */
function decodeHeader(block: Uint8Array, offset: number): RawHeader | undefined {
  if (isZeroBlock(block)) return undefined;
  verifyChecksum(block, offset);
  const magic = utf8.decode(block.subarray(257, 263));
  const typeflag = block[156]!;
  let name = cString(block, 0, 100);
  if (magic === 'ustar\0') {
    // POSIX ustar keeps a path prefix; star archives ("tar\0" at 508) use only the first 131 bytes of it.
    const star = block[508] === 0x74 && block[509] === 0x61 && block[510] === 0x72 && block[511] === 0;
    const prefix = cString(block, 345, star ? 131 : 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return {
    name,
    linkname: cString(block, 157, 100),
    typeflag,
    mode: parseNumber(block, 100, 8, 'mode', offset),
    size: parseNumber(block, 124, 12, 'size', offset),
  };
}

/** The checksum is the byte sum with the checksum field read as spaces; old writers summed signed bytes. */
function verifyChecksum(block: Uint8Array, offset: number): void {
  const stored = parseNumber(block, 148, 8, 'checksum', offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored !== unsigned && stored !== signed)
    throw new TarFormatError(`bad header checksum (stored ${stored}, computed ${unsigned})`, offset);
}

function cString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return utf8.decode(nul === -1 ? field : field.subarray(0, nul));
}

/** Octal ASCII (space/NUL padded) or, with the high bit of the first byte set, big-endian base-256. */
function parseNumber(block: Uint8Array, start: number, length: number, field: string, offset: number): number {
  const bytes = block.subarray(start, start + length);
  if (bytes[0]! & 0x80) {
    if (bytes[0] === 0xff) throw new TarFormatError(`negative ${field}`, offset);
    let value = bytes[0]! & 0x7f;
    for (const byte of bytes.subarray(1)) {
      value = value * 256 + byte;
      if (value > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`${field} too large`, offset);
    }
    return value;
  }
  let begin = 0;
  while (begin < bytes.length && (bytes[begin] === 0x20 || bytes[begin] === 0)) begin++;
  let end = begin;
  while (end < bytes.length && bytes[end]! >= 0x30 && bytes[end]! <= 0x37) end++;
  for (let i = end; i < bytes.length; i++)
    if (bytes[i] !== 0x20 && bytes[i] !== 0) throw new TarFormatError(`invalid octal ${field}`, offset);
  let value = 0;
  for (let i = begin; i < end; i++) value = value * 8 + (bytes[i]! - 0x30);
  return value;
}

function entryType(typeflag: number, name: string): TarEntryType {
  // Pre-POSIX archives mark directories only by a trailing slash (Python tarfile does the same).
  if (typeflag === 0 && name.endsWith('/')) return 'directory';
  return TYPE_BY_FLAG[typeflag] ?? 'other';
}

function nextHeaderOffset(dataOffset: number, size: number): number {
  const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
  if (!Number.isSafeInteger(next)) throw new TarFormatError('entry size overflows', dataOffset);
  return next;
}

// ---------------------------------------------------------------------------------------------------------
// PAX and GNU extension headers

/** Values extension headers impose on the next entry (local) or all later entries (global). */
interface Overrides {
  path?: string | null;
  linkpath?: string | null;
  size?: number | null;
}

/** Local beats global; `null` is a PAX record with an empty value, which restores the header's own field. */
function pick<K extends keyof Overrides>(key: K, local: Overrides, globals: Overrides): NonNullable<Overrides[K]> | undefined {
  const value = key in local ? local[key] : globals[key];
  return value ?? undefined;
}

function applyExtension(typeflag: number, payload: Uint8Array, target: Overrides, offset: number): void {
  if (typeflag === TYPE_GNU_LONG_NAME || typeflag === TYPE_GNU_LONG_LINK) {
    const nul = payload.indexOf(0);
    const value = utf8.decode(nul === -1 ? payload : payload.subarray(0, nul));
    target[typeflag === TYPE_GNU_LONG_NAME ? 'path' : 'linkpath'] = value;
    return;
  }
  for (const [key, value] of parsePaxRecords(payload, offset)) {
    if (key === 'path' || key === 'linkpath') target[key] = value === '' ? null : value;
    else if (key === 'size') target.size = value === '' ? null : parsePaxSize(value, offset);
  }
}

/** Records are `"<length> <key>=<value>\n"`, the length counting the whole record in bytes. */
function parsePaxRecords(payload: Uint8Array, offset: number): Array<[string, string]> {
  const records: Array<[string, string]> = [];
  let at = 0;
  while (at < payload.length) {
    if (payload[at] === 0 && isZeroBlock(payload.subarray(at))) break; // NUL padding after the last record
    let length = 0;
    let cursor = at;
    while (cursor < payload.length && payload[cursor]! >= 0x30 && payload[cursor]! <= 0x39 && cursor - at < 8)
      length = length * 10 + (payload[cursor++]! - 0x30);
    const end = at + length;
    if (cursor === at || payload[cursor] !== 0x20 || end > payload.length || end <= cursor + 1 || payload[end - 1] !== 0x0a)
      throw new TarFormatError('malformed PAX record', offset + at);
    const record = payload.subarray(cursor + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw new TarFormatError('malformed PAX record (no key)', offset + at);
    records.push([utf8.decode(record.subarray(0, equals)), utf8.decode(record.subarray(equals + 1))]);
    at = end;
  }
  return records;
}

function parsePaxSize(value: string, offset: number): number {
  if (!/^\d{1,16}$/.test(value)) throw new TarFormatError(`invalid PAX size ${JSON.stringify(value.slice(0, 32))}`, offset);
  const size = Number(value);
  if (!Number.isSafeInteger(size)) throw new TarFormatError('PAX size too large', offset);
  return size;
}

// ---------------------------------------------------------------------------------------------------------
// Inputs: how header bytes are fetched and how entry data is exposed

interface TarInput {
  /** Total bytes when known (seekable sources; forward ones once the stream has ended). */
  readonly size: number | undefined;
  /** Bytes [offset, offset+length), fewer only at end of data. Offsets never go backwards. */
  read(offset: number, length: number): Promise<Uint8Array>;
  entrySource(offset: number, size: number): Pick<TarEntry, 'source' | 'sha256'>;
  release(): Promise<void>;
}

class SeekableInput implements TarInput {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  constructor(private readonly source: ByteSource) {}

  get size(): number | undefined {
    return this.source.size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const from = offset - this.windowStart;
    if (from >= 0 && from + length <= this.window.length) return this.window.subarray(from, from + length);
    if (length > READ_AHEAD) return this.source.read(offset, length);
    this.window = await this.source.read(offset, READ_AHEAD);
    this.windowStart = offset;
    return this.window.subarray(0, length);
  }

  entrySource(offset: number, size: number): Pick<TarEntry, 'source'> {
    return { source: new SliceSource(this.source, offset, size) };
  }

  async release(): Promise<void> {}
}

/** A cursor over the tar stream; entry sources pull from it while their entry is current. */
class ForwardInput implements TarInput {
  private readonly chunks: AsyncIterator<Uint8Array>;
  /** Unconsumed part of the current chunk; its first byte is at `position`. */
  private pending: Uint8Array = new Uint8Array(0);
  private position = 0;
  private ended = false;
  /** Bumped whenever the cursor leaves an entry, so a stale entry source cannot read wrong bytes. */
  private generation = 0;
  /** The current entry's data range and running hash, with `hashMembers`. */
  private member: { start: number; end: number; hash: Hash; hex?: string } | undefined;

  constructor(
    source: ByteSource,
    private readonly hashMembers: boolean,
  ) {
    this.chunks = source.stream(0)[Symbol.asyncIterator]();
  }

  get size(): number | undefined {
    return this.ended ? this.position + this.pending.length : undefined;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.generation++;
    while (this.position < offset) {
      if (!(await this.fill())) return new Uint8Array(0);
      this.take(offset - this.position);
    }
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < length && (await this.fill())) {
      const part = this.take(length - got);
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }

  entrySource(offset: number, size: number): Pick<TarEntry, 'source' | 'sha256'> {
    const generation = ++this.generation;
    const end = offset + size;
    let sha256: TarEntry['sha256'];
    if (this.hashMembers) {
      const member: { start: number; end: number; hash: Hash; hex?: string } = { start: offset, end, hash: createHash('sha256') };
      this.member = member;
      this.finishMember();
      sha256 = () => member.hex;
    }
    const chunks = async function* (this: ForwardInput): AsyncGenerator<Uint8Array> {
      for (;;) {
        if (this.generation !== generation)
          throw new Error(`tar entry at offset ${offset} is no longer readable: the reader has moved to the next entry`);
        if (this.position >= end) return;
        if (!(await this.fill())) throw new TarFormatError(`truncated: entry needs ${size} bytes`, this.position);
        yield this.take(end - this.position);
      }
    };
    return { source: new ForwardSource(chunks.call(this), size), ...(sha256 ? { sha256 } : {}) };
  }

  async release(): Promise<void> {
    this.generation++;
    await this.chunks.return?.();
  }

  /** Ensure `pending` holds at least one byte; false at end of data. */
  private async fill(): Promise<boolean> {
    while (this.pending.length === 0 && !this.ended) {
      const next = await this.chunks.next();
      if (next.done) this.ended = true;
      else this.pending = next.value;
    }
    return this.pending.length > 0;
  }

  /** Every byte leaves through here, read or skipped, so the current entry's hash sees all of its data. */
  private take(max: number): Uint8Array {
    const part = this.pending.subarray(0, Math.min(max, this.pending.length));
    const member = this.member;
    if (member) {
      const from = Math.max(member.start - this.position, 0);
      const to = Math.min(member.end - this.position, part.length);
      if (to > from) member.hash.update(part.subarray(from, to));
    }
    this.pending = this.pending.subarray(part.length);
    this.position += part.length;
    this.finishMember();
    return part;
  }

  private finishMember(): void {
    if (this.member && this.position >= this.member.end) {
      this.member.hex = this.member.hash.digest('hex');
      this.member = undefined;
    }
  }
}
