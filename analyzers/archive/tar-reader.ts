/**
 * Tar reader shared by the tar analyzer and the artifact resolver, reading archives the way CPython's
 * `tarfile` (3.11, what `torch.load`'s legacy path and most Python loaders use) reads them:
 * - a header is valid when its checksum (unsigned or signed byte sum) matches and every number field
 *   parses as `tarfile.nti` parses it (octal text cut at the first NUL, stripped, Python `int(…, 8)`
 *   syntax; base-256 when the first byte is 0x80 or 0xff); V7 headers need no `ustar` magic and the
 *   prefix field is joined whatever the magic says;
 * - `L`/`K` (GNU long name/link), `x`/`X` (PAX local, Solaris) and `g` (PAX global) headers wrap the
 *   header after them; the outermost one's values are applied last, so they win (`_proc_gnulong`,
 *   `_proc_pax`). Global records patch every later member after its data offset is fixed (`_proc_builtin`),
 *   local ones recompute it; a PAX `size` that is not a number is 0 (`_apply_pax_info`);
 * - typeflags tarfile does not know are regular files with data (`_proc_builtin`, `extractfile`);
 *   `S` (old GNU sparse) members read back with their holes filled;
 * - the archive ends at the first zero block or, past offset 0, at the first invalid header. With
 *   `ignoreZeros` (tarfile's `ignore_zeros=True`, GNU tar `-i`) reading goes on block by block and later
 *   members are yielded with `afterEnd` set: one reader sees them, the other does not.
 * Without `ignoreZeros`, data after such an end (a lone zero block, an invalid header) is refused with
 * {@link TarFormatError} rather than silently dropped.
 *
 * Two inputs: seekable (a registry blob by Range, a file): headers are read by offset and data jumped
 * over, entries are {@link SliceSource}s; forward (a decompressing stream): consumed once, each entry's
 * source valid until the iterator moves on, and data can be hashed on the way (`hashMembers`).
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

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo';

export interface TarEntry {
  /** From PAX `path`, else GNU long name (`L`), else prefix + name, as tarfile builds it. Not normalised. */
  readonly name: string;
  readonly type: TarEntryType;
  /** The header's typeflag byte (a `file` may carry one tarfile does not know, read as a regular file). */
  readonly typeflag: number;
  /** Bytes of the entry's content (0 for links, devices, directories and FIFOs). */
  readonly size: number;
  /** Permission bits including setuid, setgid and sticky (`mode & 0o7777`). */
  readonly mode: number;
  /** Link target: PAX `linkpath`, GNU long link (`K`) or ustar linkname; set for links only. */
  readonly linkname?: string;
  /** Offset of the entry's data in the uncompressed tar stream. */
  readonly dataOffset: number;
  /**
   * The entry's content: a {@link SliceSource} when the tar source is seekable; otherwise forward-only
   * and valid until the iterator moves to the next entry (reading it later throws).
   */
  readonly source: ByteSource;
  /**
   * With `hashMembers` on a forward source: the entry data's SHA-256 (hex), known once the reader has
   * passed the end of the data (when it moves to the next entry or ends); undefined before that.
   */
  readonly sha256?: () => string | undefined;
  /** Set with `ignoreZeros` on members past the point where tarfile's default reading ends. */
  readonly afterEnd?: { readonly offset: number; readonly reason: string };
}

export interface ReadTarOptions {
  /** Hash each entry's data while streaming (forward sources only: a seekable one skips the data). */
  readonly hashMembers?: boolean;
  /** Go on past zero blocks and invalid headers, as tarfile's `ignore_zeros=True` does. */
  readonly ignoreZeros?: boolean;
  /** With `ignoreZeros`: told where and why tarfile's default reading ended (an invalid header is damage). */
  readonly onDefaultEnd?: (end: { readonly offset: number; readonly reason: string; readonly invalid: boolean }) => void;
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

/** tarfile's header errors: `EmptyHeaderError`, `TruncatedHeaderError`, `EOFHeaderError`, `InvalidHeaderError`. */
type HeaderFault = 'empty' | 'truncated' | 'eof' | 'invalid';

class HeaderError extends Error {
  constructor(
    readonly fault: HeaderFault,
    readonly detail: string,
    readonly offset: number,
  ) {
    super(detail);
  }
}

/** One member as tarfile's `_proc_*` methods leave it. */
interface Member {
  name: string;
  linkname: string;
  readonly typeflag: number;
  readonly mode: number;
  size: number;
  dataOffset: number;
  nextOffset: number;
  sparse?: ReadonlyArray<readonly [number, number]>;
  /** Bytes stored in the archive for a sparse member (its `size` is the expanded size). */
  storedSize?: number;
}

/**
 * Iterate the entries of a tar archive. Throws {@link TarFormatError} for malformed input and
 * {@link LimitExceededError} when the archive has more than `limits.maxMembers` entries or an extended
 * header larger than {@link MAX_EXTENDED_HEADER_BYTES} (or `limits.maxHeaderBytes`, if smaller).
 *
 * @example
 * for await (const entry of readTar(new BufferSource(bytes), limits))
 *   if (entry.type === 'file') console.log(entry.name, entry.size);
 */
export async function* readTar(source: ByteSource, limits: AnalyzerLimits, options: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  const input: TarInput = source.seekable ? new SeekableInput(source) : new ForwardInput(source, options.hashMembers === true);
  const reader = new HeaderReader(input, Math.min(MAX_EXTENDED_HEADER_BYTES, limits.maxHeaderBytes));
  let entries = 0;
  let offset = 0;
  let previousDataEnd = 0;
  let ended: { offset: number; reason: string } | undefined;
  try {
    for (;;) {
      let member: Member;
      try {
        member = await reader.member(offset, 0);
      } catch (error) {
        if (!(error instanceof HeaderError)) throw error;
        if (error.fault === 'empty') {
          if (input.size !== undefined && input.size < previousDataEnd)
            throw new TarFormatError(`truncated: the last entry's data ends at ${previousDataEnd}, the archive at ${input.size}`, offset);
          return;
        }
        if (error.fault === 'truncated') throw new TarFormatError(error.detail, error.offset);
        if (error.offset !== offset) throw new TarFormatError(`${error.detail} in the header after an extension header`, error.offset);
        if (options.ignoreZeros) {
          if (!ended) {
            ended = { offset, reason: error.fault === 'eof' ? 'a zero block' : `an invalid header (${error.detail})` };
            options.onDefaultEnd?.({ ...ended, invalid: error.fault === 'invalid' });
          }
          offset += BLOCK;
          continue;
        }
        if (error.fault === 'invalid') throw new TarFormatError(error.detail, offset);
        const next = await input.read(offset + BLOCK, BLOCK);
        if (next.length === 0 || isZeroBlock(next)) return;
        // tarfile stops at the first zero block, `ignore_zeros` readers and Go's archive/tar go on: members
        // after a lone zero block are invisible to some readers, so refuse rather than pick one reading.
        throw new TarFormatError('lone zero block followed by more data', offset);
      }
      if (++entries > limits.maxMembers) throw new LimitExceededError('maxMembers', entries, limits.maxMembers);
      const type = entryType(member.typeflag);
      const size = type === 'file' ? member.size : 0;
      const stored = member.storedSize ?? size;
      const dataEnd = member.dataOffset + stored;
      if (input.size !== undefined && dataEnd > input.size)
        throw new TarFormatError(`truncated: entry ${JSON.stringify(member.name)} needs ${stored} bytes, the archive ends at ${input.size}`, offset);
      if (!source.seekable && dataEnd > member.nextOffset)
        throw new TarFormatError(`entry ${JSON.stringify(member.name)} reads ${stored} bytes, past the next header (a global PAX size); a stream cannot be read both ways`, offset);
      const content = input.entrySource(member.dataOffset, stored);
      yield {
        name: member.name,
        type,
        typeflag: member.typeflag,
        size,
        mode: member.mode & 0o7777,
        ...(type === 'symlink' || type === 'hardlink' ? { linkname: member.linkname } : {}),
        dataOffset: member.dataOffset,
        ...content,
        ...(member.sparse ? { source: sparseSource(content.source, member.sparse, size) } : {}),
        ...(ended ? { afterEnd: ended } : {}),
      };
      previousDataEnd = Math.max(previousDataEnd, dataEnd);
      offset = member.nextOffset;
    }
  } finally {
    await input.release();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Header decoding (tarfile.py `frombuf`, `_proc_member` and friends)

const TYPE_PAX_LOCAL = 0x78; // 'x'
const TYPE_PAX_GLOBAL = 0x67; // 'g'
const TYPE_SOLARIS_PAX = 0x58; // 'X'
const TYPE_GNU_LONG_NAME = 0x4c; // 'L'
const TYPE_GNU_LONG_LINK = 0x4b; // 'K'
const TYPE_GNU_SPARSE = 0x53; // 'S'
const TYPE_DIRECTORY = 0x35; // '5'
/** `GNU_TYPES`: headers whose prefix field is not a path prefix. */
const GNU_TYPES: ReadonlySet<number> = new Set([TYPE_GNU_LONG_NAME, TYPE_GNU_LONG_LINK, TYPE_GNU_SPARSE]);

/** tarfile's `SUPPORTED_TYPES` that are not regular files; every other typeflag is read as a file. */
const SPECIAL_BY_FLAG: Readonly<Record<number, TarEntryType>> = {
  0x31: 'hardlink',
  0x32: 'symlink',
  0x33: 'char-device',
  0x34: 'block-device',
  [TYPE_DIRECTORY]: 'directory',
  0x36: 'fifo',
};

const utf8 = new TextDecoder('utf-8');

function isZeroBlock(block: Uint8Array): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

function entryType(typeflag: number): TarEntryType {
  return SPECIAL_BY_FLAG[typeflag] ?? 'file';
}

/** `isreg() or type not in SUPPORTED_TYPES`: the member's size announces data blocks. */
const carriesData = (typeflag: number): boolean => entryType(typeflag) === 'file';

/** Follows tarfile's recursion: each extension header reads the header after it, then patches it. */
class HeaderReader {
  /** `tarfile.pax_headers`: global records, in insertion order (Python dict semantics). */
  private readonly globals = new Map<string, string>();

  constructor(
    private readonly input: TarInput,
    private readonly maxExtended: number,
  ) {}

  async member(offset: number, depth: number): Promise<Member> {
    const block = await this.input.read(offset, BLOCK);
    if (block.length === 0) throw new HeaderError('empty', 'empty header', offset);
    if (block.length < BLOCK) throw new HeaderError('truncated', `truncated header (${block.length} of ${BLOCK} bytes)`, offset);
    if (isZeroBlock(block)) throw new HeaderError('eof', 'end of file header', offset);
    const header = parseHeader(block, offset);
    const dataOffset = offset + BLOCK;
    const { typeflag } = header;
    if (typeflag === TYPE_GNU_LONG_NAME || typeflag === TYPE_GNU_LONG_LINK || typeflag === TYPE_PAX_LOCAL || typeflag === TYPE_PAX_GLOBAL || typeflag === TYPE_SOLARIS_PAX) {
      if (depth >= MAX_EXTENSIONS_PER_ENTRY) throw new TarFormatError(`more than ${MAX_EXTENSIONS_PER_ENTRY} extension headers for one entry`, offset);
      if (header.size > this.maxExtended) throw new LimitExceededError('tar extended header bytes', header.size, this.maxExtended);
      const payload = await this.input.read(dataOffset, header.size);
      if (payload.length < header.size)
        throw new TarFormatError(`truncated extended header (${payload.length} of ${header.size} bytes)`, dataOffset);
      const after = nextHeaderOffset(dataOffset, header.size);
      if (typeflag === TYPE_GNU_LONG_NAME || typeflag === TYPE_GNU_LONG_LINK) {
        const next = await this.member(after, depth + 1);
        const value = cString(payload, 0, payload.length);
        if (typeflag === TYPE_GNU_LONG_NAME) next.name = entryType(next.typeflag) === 'directory' ? value.replace(/\/$/, '') : value;
        else next.linkname = value;
        return next;
      }
      const records = parsePaxRecords(payload, offset);
      const pax = typeflag === TYPE_PAX_GLOBAL ? this.globals : new Map(this.globals);
      for (const [key, value] of records) pax.set(key, value);
      const next = await this.member(after, depth + 1);
      await this.paxSparse(next, pax, records, offset);
      if (typeflag !== TYPE_PAX_GLOBAL) {
        applyPax(next, pax, offset);
        if (pax.has('size')) next.nextOffset = nextHeaderOffset(next.dataOffset, carriesData(next.typeflag) ? next.size : 0);
      }
      return next;
    }
    if (typeflag === TYPE_GNU_SPARSE) return this.sparse(block, header, dataOffset);
    const member: Member = {
      ...header,
      dataOffset,
      nextOffset: nextHeaderOffset(dataOffset, carriesData(typeflag) ? header.size : 0),
    };
    applyPax(member, this.globals, offset);
    return member;
  }

  /**
   * GNU sparse formats carried by PAX records (`_proc_pax`): 0.1 `GNU.sparse.map`, 0.0 repeated
   * `GNU.sparse.offset`/`numbytes` records of this header, 1.0 a map of decimal lines in the member's first
   * data blocks (`_proc_gnusparse_10`), after which the data starts.
   */
  private async paxSparse(member: Member, pax: ReadonlyMap<string, string>, records: Array<[string, string]>, offset: number): Promise<void> {
    const int = (text: string): number => {
      const value = pythonInt(text, PY_DECIMAL, 10);
      if (value === undefined || value < 0) throw new TarFormatError(`invalid GNU sparse number ${JSON.stringify(text.slice(0, 32))}`, offset);
      return value;
    };
    let numbers: number[];
    if (pax.has('GNU.sparse.map')) numbers = pax.get('GNU.sparse.map')!.split(',').map(int);
    else if (pax.has('GNU.sparse.size')) {
      const offsets = records.filter(([k]) => k === 'GNU.sparse.offset').map(([, v]) => int(v));
      const lengths = records.filter(([k]) => k === 'GNU.sparse.numbytes').map(([, v]) => int(v));
      numbers = offsets.slice(0, lengths.length).flatMap((o, i) => [o, lengths[i]!]);
    } else if (pax.get('GNU.sparse.major') === '1' && pax.get('GNU.sparse.minor') === '0') {
      let text = '';
      let at = member.dataOffset;
      const line = async (): Promise<string> => {
        while (!text.includes('\n')) {
          const block = await this.input.read(at, BLOCK);
          if (block.length < BLOCK || at - member.dataOffset > this.maxExtended) throw new TarFormatError('truncated GNU sparse 1.0 map', at);
          text += String.fromCharCode(...block);
          at += BLOCK;
        }
        const end = text.indexOf('\n');
        const value = text.slice(0, end);
        text = text.slice(end + 1);
        return value;
      };
      const count = int(await line());
      numbers = [];
      while (numbers.length < count * 2) numbers.push(int(await line()));
      member.dataOffset = at;
    } else return;
    const map: Array<[number, number]> = [];
    for (let i = 0; i + 1 < numbers.length; i += 2) map.push([numbers[i]!, numbers[i + 1]!]);
    member.sparse = map;
    member.storedSize = map.reduce((n, [, length]) => n + length, 0);
  }

  /** Old GNU sparse (`_proc_sparse`): 4 map entries in the header, 21 per extension block; holes read as zeros. */
  private async sparse(block: Uint8Array, header: RawHeader, headerEnd: number): Promise<Member> {
    const map: Array<[number, number]> = [];
    readSparseEntries(block, 386, 4, map, false);
    const realSize = nti(block.subarray(483, 495), 'sparse size', headerEnd - BLOCK);
    let extended = block[482] !== 0;
    let dataOffset = headerEnd;
    while (extended) {
      const ext = await this.input.read(dataOffset, BLOCK);
      if (ext.length < BLOCK) throw new TarFormatError('truncated sparse header', dataOffset);
      readSparseEntries(ext, 0, 21, map, true);
      extended = ext[504] !== 0;
      dataOffset += BLOCK;
      if (map.length > 1_000_000) throw new TarFormatError('sparse map too large', dataOffset);
    }
    return {
      ...header,
      size: realSize,
      storedSize: header.size,
      dataOffset,
      nextOffset: nextHeaderOffset(dataOffset, header.size),
      sparse: map,
    };
  }
}

/** Sparse map entries as `_proc_sparse` collects them: stop at the first unparsable one. */
function readSparseEntries(block: Uint8Array, start: number, count: number, map: Array<[number, number]>, skipEmpty: boolean): void {
  for (let i = 0, at = start; i < count; i++, at += 24) {
    let offset: number;
    let length: number;
    try {
      offset = nti(block.subarray(at, at + 12), 'sparse offset', 0);
      length = nti(block.subarray(at + 12, at + 24), 'sparse length', 0);
    } catch {
      return;
    }
    if (!skipEmpty || (offset && length)) map.push([offset, length]);
  }
}

interface RawHeader {
  name: string;
  linkname: string;
  readonly typeflag: number;
  readonly mode: number;
  size: number;
}

/** `TarInfo.frombuf`: checksum, every number field, names; V7 directories by their trailing slash. */
function parseHeader(block: Uint8Array, offset: number): RawHeader {
  const fault = checksumFault(block);
  if (fault !== undefined) throw new HeaderError('invalid', fault, offset);
  const mode = nti(block.subarray(100, 108), 'mode', offset);
  for (const [start, field] of [[108, 'uid'], [116, 'gid'], [136, 'mtime'], [329, 'devmajor'], [337, 'devminor']] as const)
    nti(block.subarray(start, start + (start === 136 ? 12 : 8)), field, offset);
  const size = nti(block.subarray(124, 136), 'size', offset);
  if (size < 0) throw new HeaderError('invalid', 'negative size', offset);
  let typeflag = block[156]!;
  let name = cString(block, 0, 100);
  if (typeflag === 0 && name.endsWith('/')) typeflag = TYPE_DIRECTORY;
  if (typeflag === TYPE_DIRECTORY) name = name.replace(/\/+$/, '');
  const prefix = cString(block, 345, 155);
  if (prefix !== '' && !GNU_TYPES.has(typeflag)) name = `${prefix}/${name}`;
  return { name, linkname: cString(block, 157, 100), typeflag, mode, size };
}

/**
 * Whether a block is a tar header tarfile accepts (checksum and number fields), whatever its magic:
 * V7 archives have none, and `tarfile.open` (torch.load's legacy path) reads them.
 */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK || isZeroBlock(block.subarray(0, BLOCK))) return false;
  // Nearly every file sniffed fails the checksum: told without an exception, whose stack trace cost
  // more than the rest of the sniff (a tenth of a second over a Python tree's 7,000 files).
  if (checksumFault(block) !== undefined) return false;
  try {
    parseHeader(block.subarray(0, BLOCK), 0);
    return true;
  } catch {
    return false;
  }
}

/** Why tarfile rejects the header's checksum (`InvalidHeaderError`), or undefined when it matches. */
function checksumFault(block: Uint8Array): string | undefined {
  const stored = tarNumber(block.subarray(148, 156));
  if (typeof stored === 'string') return numberFault(stored, 'checksum');
  const sums = checksums(block);
  return stored === sums.unsigned || stored === sums.signed ? undefined : `bad header checksum (stored ${stored}, computed ${sums.unsigned})`;
}

/** `calc_chksums`: the byte sum with the checksum field read as spaces, unsigned and signed. */
function checksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return { unsigned, signed };
}

function cString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return utf8.decode(nul === -1 ? field : field.subarray(0, nul));
}

/** What Python's `str.strip()` removes from ASCII text. */
const PY_WHITESPACE = /^[\t\n\v\f\r\x1c-\x1f ]+|[\t\n\v\f\r\x1c-\x1f ]+$/g;
/** Python `int(s, 8)` syntax once stripped: sign, optional `0o`, digits with single underscores between. */
const PY_OCTAL = /^([+-]?)(?:0[oO]_?)?([0-7]+(?:_[0-7]+)*)$/;
/** Python `int(s)` syntax once stripped (ASCII digits). */
const PY_DECIMAL = /^([+-]?)(\d+(?:_\d+)*)$/;

/**
 * `tarfile.nti`: base-256 when the first byte is 0x80 (positive) or 0xff (negative); otherwise ASCII text
 * cut at the first NUL, stripped, empty meaning 0, parsed as Python's `int(…, 8)`.
 */
function nti(bytes: Uint8Array, field: string, offset: number): number {
  const value = tarNumber(bytes);
  if (typeof value === 'string') throw new HeaderError('invalid', numberFault(value, field), offset);
  return value;
}

type NumberFault = 'too large' | 'invalid octal';

/** {@link nti} without the raise: the number, or why tarfile raises. */
function tarNumber(bytes: Uint8Array): number | NumberFault {
  if (bytes[0] === 0x80 || bytes[0] === 0xff) {
    let value = 0n;
    for (const byte of bytes.subarray(1)) value = value * 256n + BigInt(byte);
    if (bytes[0] === 0xff) value -= 256n ** BigInt(bytes.length - 1);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) return 'too large';
    return Number(value);
  }
  const nul = bytes.indexOf(0);
  const text = bytes.subarray(0, nul === -1 ? bytes.length : nul);
  if (text.some((b) => b > 0x7f)) return 'invalid octal';
  return pythonInt(String.fromCharCode(...text), PY_OCTAL, 8) ?? 'invalid octal';
}

const numberFault = (fault: NumberFault, field: string): string => (fault === 'too large' ? `${field} too large` : `invalid octal ${field}`);

function pythonInt(text: string, syntax: RegExp, radix: number): number | undefined {
  const stripped = text.replace(PY_WHITESPACE, '');
  if (stripped === '' && radix === 8) return 0;
  const match = syntax.exec(stripped);
  if (!match) return undefined;
  const magnitude = parseInt(match[2]!.replaceAll('_', ''), radix);
  return match[1] === '-' ? -magnitude : magnitude;
}

function nextHeaderOffset(dataOffset: number, size: number): number {
  const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
  if (!Number.isSafeInteger(next)) throw new TarFormatError('entry size overflows', dataOffset);
  return next;
}

// ---------------------------------------------------------------------------------------------------------
// PAX records

/**
 * `_apply_pax_info`: records in dict order; `path` loses trailing slashes; `size` that is not a number
 * is 0 (tarfile's `except ValueError: value = 0`); GNU sparse sizes must be numbers.
 */
function applyPax(member: Member, pax: ReadonlyMap<string, string>, offset: number): void {
  for (const [key, value] of pax) {
    if (key === 'path' || key === 'GNU.sparse.name') member.name = key === 'path' ? value.replace(/\/+$/, '') : value;
    else if (key === 'linkpath') member.linkname = value;
    else if (key === 'size') member.size = Math.max(0, pythonInt(value, PY_DECIMAL, 10) ?? 0);
    else if (key === 'GNU.sparse.size' || key === 'GNU.sparse.realsize') {
      const size = pythonInt(value, PY_DECIMAL, 10);
      if (size === undefined || size < 0) throw new TarFormatError(`invalid ${key} ${JSON.stringify(value.slice(0, 32))}`, offset);
      member.size = size;
    }
    if (!Number.isSafeInteger(member.size)) throw new TarFormatError('PAX size too large', offset);
  }
}

/**
 * `_proc_pax` record framing (3.11 with the CVE-2024-6232 fix Debian ships): `"<length> <key>=<value>\n"`,
 * the length counting the whole record; parsing stops at a NUL; any framing error makes the header invalid.
 */
function parsePaxRecords(payload: Uint8Array, offset: number): Array<[string, string]> {
  const records: Array<[string, string]> = [];
  let at = 0;
  while (at < payload.length && payload[at] !== 0) {
    let length = 0;
    let cursor = at;
    while (cursor < payload.length && payload[cursor]! >= 0x30 && payload[cursor]! <= 0x39 && cursor - at < 16)
      length = length * 10 + (payload[cursor++]! - 0x30);
    const end = at + length;
    if (cursor === at || payload[cursor] !== 0x20 || length < 5 || end > payload.length || payload[end - 1] !== 0x0a)
      throw new HeaderError('invalid', 'malformed PAX record', offset);
    const record = payload.subarray(cursor + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw new HeaderError('invalid', 'malformed PAX record (no key)', offset);
    records.push([utf8.decode(record.subarray(0, equals)), utf8.decode(record.subarray(equals + 1))]);
    at = end;
  }
  return records;
}

/**
 * A sparse member's content as tarfile's `_FileInFile` reads it front to back: a map of data runs (at
 * their place in the stored bytes) and holes, where each read takes the next block of the map, searched
 * cyclically from the last one used, that contains the position; holes read as zeros.
 */
function sparseSource(stored: ByteSource, sparse: ReadonlyArray<readonly [number, number]>, size: number): ByteSource {
  const map: Array<{ start: number; stop: number; stored?: number }> = [];
  let last = 0;
  let storedAt = 0;
  for (const [offset, length] of sparse) {
    if (offset > last) map.push({ start: last, stop: offset });
    map.push({ start: offset, stop: offset + length, stored: storedAt });
    storedAt += length;
    last = offset + length;
  }
  if (last < size) map.push({ start: last, stop: size });
  const zeros = new Uint8Array(64 * 1024);
  async function* content(): AsyncGenerator<Uint8Array> {
    let position = 0;
    let index = 0;
    while (position < size) {
      let tries = 0;
      while (!(map[index]!.start <= position && position < map[index]!.stop)) {
        index = (index + 1) % map.length;
        if (++tries > map.length) throw new TarFormatError(`sparse map has no data or hole at ${position}`, 0);
      }
      const block = map[index]!;
      const length = Math.min(block.stop - position, zeros.length);
      yield block.stored === undefined ? zeros.subarray(0, length) : await stored.read(block.stored + position - block.start, length);
      position += length;
    }
  }
  return new ForwardSource(content(), size);
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
