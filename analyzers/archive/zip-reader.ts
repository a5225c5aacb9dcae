/**
 * Our own tolerant zip reader, as forgiving as PyTorch's loader (miniz) so that nothing PyTorch can load
 * escapes the scan: CRCs, encryption and data-descriptor flags, and local/central disagreements are
 * ignored for reading but reported as {@link ZipAnomaly} records, which the zip analyzer turns into
 * findings (model-scanners.md §2.1 rows 8, 9, 11, 17: each made picklescan skip a loadable model).
 *
 * Seekable sources: the end-of-central-directory record is found from the end (bounded search, ZIP64
 * aware), the central directory is streamed by range, local headers are read per member when opened.
 * Forward-only sources use {@link readZipStream} in zip-stream.ts.
 */
import type { ByteSource } from '../source.js';
import { SliceSource } from '../source.js';
import { ByteQueue } from './byte-queue.js';
import { openCompressedMember, type ChunkMeter } from './zip-member.js';
import {
  applyZip64,
  CENTRAL_HEADER_BYTES,
  decodeName,
  EOCD_BYTES,
  EOCD_SEARCH_BYTES,
  LOCAL_HEADER_BYTES,
  METHOD_STORED,
  parseLocalHeader,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_ZIP64_EOCD,
  SIG_ZIP64_LOCATOR,
  u16,
  u32,
  u64,
  ZIP64_EOCD_BYTES,
  ZIP64_LOCATOR_BYTES,
} from './zip-format.js';

export interface ZipEntry {
  /** Position in the central directory (or in the stream). */
  readonly index: number;
  /** Name from the central directory (what loaders look up); from the local header in stream mode. */
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  readonly isDirectory: boolean;
  /** Unix mode bits when the entry was made on Unix (symlinks are `S_IFLNK`). */
  readonly unixMode?: number;
  /**
   * Readers that see this entry, when they disagree (see {@link ZIP_READERS}); undefined when every
   * reader sees the same central directory.
   */
  readonly readers?: readonly ZipReaderName[];
}

/**
 * The two readers whose view of a zip matters: CPython `zipfile` (numpy.load, joblib, transformers) and
 * PyTorch's `PyTorchStreamReader` (miniz). They agree on well-formed archives; they disagree on where the
 * central directory is once its recorded offset is wrong (zipfile.py `_RealGetContents`: "concat" shifts
 * every offset by the gap; miniz `mz_zip_reader_read_central_dir` uses the recorded offset as is).
 */
export const ZIP_READERS = ['zipfile', 'PyTorch (miniz)'] as const;
export type ZipReaderName = (typeof ZIP_READERS)[number];

export type ZipAnomalyKind =
  | 'local-header-mismatch'
  | 'flag-bits'
  | 'unsupported-method'
  | 'duplicate-name'
  | 'unsafe-name'
  | 'overlapping-entries'
  | 'too-many-entries'
  | 'entry-count-mismatch'
  | 'prefix-data'
  | 'bad-local-header'
  | 'out-of-bounds'
  | 'stream-stopped'
  | 'no-central-directory'
  | 'reader-disagreement';

/** Something a strict reader would refuse; reported, never a reason to skip a member. */
export interface ZipAnomaly {
  readonly kind: ZipAnomalyKind;
  readonly member?: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export interface ZipReadLimits {
  /** Entries read at most; more is a `too-many-entries` anomaly. */
  readonly maxMembers: number;
}

export interface ZipDirectory {
  readonly entries: ZipEntry[];
  readonly anomalies: ZipAnomaly[];
  /** Where the central directory starts (member data must end before it). */
  readonly centralDirectoryOffset: number;
}

/** Where an entry's data starts, from its local header (loaders use the local name and extra lengths). */
export interface LocatedEntry {
  readonly entry: ZipEntry;
  readonly dataOffset: number;
  /** The first bytes of a stored member's data, read with its header (at most `headBytes` of {@link locateEntry}). */
  readonly head?: Uint8Array;
}

/** Reads the central directory of a seekable zip; undefined when there is no EOCD record at all. */
export async function readZipDirectory(source: ByteSource, limits: ZipReadLimits): Promise<ZipDirectory | undefined> {
  const size = source.size ?? 0;
  const tailStart = Math.max(0, size - EOCD_SEARCH_BYTES);
  const tail = await source.read(tailStart, size - tailStart);
  const eocdAt = findEocd(tail);
  if (eocdAt === undefined) return undefined;
  const anomalies: ZipAnomaly[] = [];
  const eocdOffset = tailStart + eocdAt;
  const plain: DirectoryView = { entries: u16(tail, eocdAt + 10), cdSize: u32(tail, eocdAt + 12), cdOffset: u32(tail, eocdAt + 16), cdEnd: eocdOffset };
  const zip64 = await readZip64Ends(source, eocdOffset);
  // zipfile reads the directory where its end record implies it is ("concat"), miniz where it says it is.
  const zipfileView = zip64.adjacent ?? plain;
  const minizView = zip64.located ?? plain;
  const { cdEnd, cdSize, cdOffset } = zipfileView;
  // Bytes before the archive (self-extractor stubs, polyglots): shift offsets as Python's zipfile does.
  const shift = cdEnd - cdSize - cdOffset;
  if (shift !== 0 && cdEnd - cdSize >= 0) {
    anomalies.push({
      kind: 'prefix-data',
      message: `the archive's offsets are shifted by ${shift} bytes (data before or inside the archive)`,
      details: { shift },
    });
  }
  const zipfileStart = cdEnd - cdSize >= 0 ? cdEnd - cdSize : cdOffset;
  const zipfileShift = cdEnd - cdSize >= 0 ? shift : 0;
  const entries = await readCentralEntries(source, zipfileStart, Math.min(cdEnd, zipfileStart + cdSize), zipfileShift, limits, anomalies);
  if (entries.length !== zipfileView.entries && entries.length < limits.maxMembers) {
    anomalies.push({
      kind: 'entry-count-mismatch',
      message: `the end record declares ${zipfileView.entries} entries, the central directory holds ${entries.length}`,
      details: { declared: zipfileView.entries, found: entries.length },
    });
  }
  const sameReading = zipfileShift === 0 && minizView.cdOffset === zipfileStart && minizView.cdSize === cdSize;
  if (sameReading || !(minizView.cdOffset >= 0 && minizView.cdOffset + minizView.cdSize <= size))
    return { entries, anomalies, centralDirectoryOffset: zipfileStart };
  const minizEntries = await readCentralEntries(source, minizView.cdOffset, minizView.cdOffset + minizView.cdSize, 0, limits, []);
  return {
    entries: mergeReadings(entries, minizEntries, anomalies),
    anomalies,
    centralDirectoryOffset: Math.min(zipfileStart, minizView.cdOffset),
  };
}

/** Where an end record (plain or ZIP64) puts the central directory, and where the record itself is. */
interface DirectoryView {
  readonly entries: number;
  readonly cdSize: number;
  readonly cdOffset: number;
  readonly cdEnd: number;
}

const entryKey = (e: ZipEntry): string => `${e.name}\0${e.localHeaderOffset}\0${e.method}\0${e.compressedSize}\0${e.uncompressedSize}`;

/**
 * Every entry either reader sees, each tagged with who sees it; entries seen by one reader only are a
 * `reader-disagreement` anomaly (a payload visible to one loader is still analysed).
 */
function mergeReadings(zipfile: ZipEntry[], miniz: ZipEntry[], anomalies: ZipAnomaly[]): ZipEntry[] {
  if (miniz.length === 0) return zipfile;
  const minizKeys = new Set(miniz.map(entryKey));
  const zipfileKeys = new Set(zipfile.map(entryKey));
  const onlyZipfile = zipfile.filter((e) => !minizKeys.has(entryKey(e)));
  const onlyMiniz = miniz.filter((e) => !zipfileKeys.has(entryKey(e)));
  const tag = (e: ZipEntry, index: number): ZipEntry => {
    const readers = ZIP_READERS.filter((r) => (r === 'zipfile' ? zipfileKeys : minizKeys).has(entryKey(e)));
    return { ...e, index, readers };
  };
  const merged = [...zipfile, ...onlyMiniz].map(tag);
  if (onlyZipfile.length + onlyMiniz.length > 0)
    anomalies.push({
      kind: 'reader-disagreement',
      message: `Python's zipfile and PyTorch's reader find different central directories (the recorded offset is wrong); members only zipfile sees: ${names(onlyZipfile)}; only PyTorch sees: ${names(onlyMiniz)}. Both readings were analysed`,
      details: { zipfileOnly: onlyZipfile.map((e) => e.name).slice(0, 20), pytorchOnly: onlyMiniz.map((e) => e.name).slice(0, 20) },
    });
  return merged;
}

const names = (entries: ZipEntry[]): string =>
  entries.length === 0 ? 'none' : entries.slice(0, 5).map((e) => JSON.stringify(e.name)).join(', ') + (entries.length > 5 ? ', …' : '');

/**
 * The last EOCD signature with a whole record after it, as both loaders pick it: zipfile `_EndRecData`
 * takes `rfind` of the signature, miniz `mz_zip_reader_locate_header_sig` scans backwards for the first
 * signature with 22 bytes after it. Neither checks that the comment length fits, so neither do we (a
 * check would let an earlier, decoy record win).
 */
function findEocd(tail: Uint8Array): number | undefined {
  for (let at = tail.length - EOCD_BYTES; at >= 0; at--) if (u32(tail, at) === SIG_EOCD) return at;
  return undefined;
}

/**
 * The ZIP64 end record each reader uses when a locator precedes the end record: zipfile
 * (`_EndRecData64`) the one right before the locator, miniz the one at the locator's recorded offset.
 */
async function readZip64Ends(source: ByteSource, eocdOffset: number): Promise<{ adjacent?: DirectoryView; located?: DirectoryView }> {
  if (eocdOffset < ZIP64_LOCATOR_BYTES) return {};
  const locator = await source.read(eocdOffset - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES);
  if (locator.length < ZIP64_LOCATOR_BYTES || u32(locator, 0) !== SIG_ZIP64_LOCATOR) return {};
  const record = async (at: number): Promise<DirectoryView | undefined> => {
    if (!(at >= 0 && at < eocdOffset)) return undefined;
    const bytes = await source.read(at, ZIP64_EOCD_BYTES);
    if (bytes.length !== ZIP64_EOCD_BYTES || u32(bytes, 0) !== SIG_ZIP64_EOCD) return undefined;
    return { entries: u64(bytes, 32), cdSize: u64(bytes, 40), cdOffset: u64(bytes, 48), cdEnd: at };
  };
  const adjacent = await record(eocdOffset - ZIP64_LOCATOR_BYTES - ZIP64_EOCD_BYTES);
  const located = await record(u64(locator, 8));
  return { ...(adjacent ? { adjacent } : {}), ...(located ? { located } : {}) };
}

async function readCentralEntries(
  source: ByteSource,
  start: number,
  end: number,
  shift: number,
  limits: ZipReadLimits,
  anomalies: ZipAnomaly[],
): Promise<ZipEntry[]> {
  return centralEntries(new ByteQueue(source.stream(start, Math.max(start, end))), shift, limits, anomalies);
}

/** Central directory records from `queue` up to the first that is not one (shared with the stream reader). */
export async function centralEntries(queue: ByteQueue, shift: number, limits: ZipReadLimits, anomalies: ZipAnomaly[]): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  while ((await queue.fill(CENTRAL_HEADER_BYTES)) && u32(queue.peek(4), 0) === SIG_CENTRAL) {
    const h = queue.take(CENTRAL_HEADER_BYTES).slice();
    if (entries.length >= limits.maxMembers) {
      anomalies.push({
        kind: 'too-many-entries',
        message: `more than ${limits.maxMembers} entries; the rest were not analysed`,
        details: { max: limits.maxMembers },
      });
      break;
    }
    const flags = u16(h, 8);
    const variable = u16(h, 28) + u16(h, 30) + u16(h, 32);
    if (!(await queue.fill(variable))) break;
    const rest = queue.take(variable);
    const name = decodeName(rest.subarray(0, u16(h, 28)), flags);
    const sizes = applyZip64(rest.subarray(u16(h, 28), u16(h, 28) + u16(h, 30)), {
      compressedSize: u32(h, 20),
      uncompressedSize: u32(h, 24),
      localHeaderOffset: u32(h, 42),
    });
    const madeOnUnix = h[5] === 3;
    entries.push({
      index: entries.length,
      name,
      flags,
      method: u16(h, 10),
      crc32: u32(h, 16),
      compressedSize: sizes.compressedSize,
      uncompressedSize: sizes.uncompressedSize,
      localHeaderOffset: (sizes.localHeaderOffset ?? 0) + shift,
      isDirectory: name.endsWith('/'),
      ...(madeOnUnix ? { unixMode: u32(h, 38) >>> 16 } : {}),
    });
  }
  return entries;
}

/**
 * Reads an entry's local header: where its data starts, plus anomalies when it disagrees with the
 * central directory. Undefined (with a `bad-local-header` anomaly) when there is no local header.
 */
export async function locateEntry(source: ByteSource, entry: ZipEntry, anomalies: ZipAnomaly[], headBytes = 0): Promise<LocatedEntry | undefined> {
  // A stored member's head (what the engine sniffs) comes with its header: one read per member, not two.
  const head = entry.method === METHOD_STORED ? Math.min(headBytes, entry.compressedSize) : 0;
  const guess = LOCAL_HEADER_BYTES + 3 * entry.name.length + 256 + head;
  let bytes = entry.localHeaderOffset >= 0 ? await source.read(entry.localHeaderOffset, guess) : new Uint8Array(0);
  const local = parseLocalHeader(bytes);
  if (!local) {
    anomalies.push({
      kind: 'bad-local-header',
      member: entry.name,
      message: `no local header at offset ${entry.localHeaderOffset}; the member cannot be read`,
      details: { offset: entry.localHeaderOffset },
    });
    return undefined;
  }
  const headerBytes = LOCAL_HEADER_BYTES + local.nameLength + local.extraLength;
  if (bytes.length < headerBytes) bytes = await source.read(entry.localHeaderOffset, headerBytes);
  const localName = decodeName(bytes.subarray(LOCAL_HEADER_BYTES, LOCAL_HEADER_BYTES + local.nameLength), local.flags);
  const differences: Record<string, unknown> = {};
  if (localName !== entry.name) differences['name'] = { central: entry.name, local: localName };
  if (local.method !== entry.method) differences['method'] = { central: entry.method, local: local.method };
  if (local.flags !== entry.flags) differences['flags'] = { central: entry.flags, local: local.flags };
  if (Object.keys(differences).length > 0) {
    anomalies.push({
      kind: 'local-header-mismatch',
      member: entry.name,
      message: `local header disagrees with the central directory on ${Object.keys(differences).join(', ')}`,
      details: differences,
    });
  }
  const dataOffset = entry.localHeaderOffset + headerBytes;
  const size = source.size ?? Number.POSITIVE_INFINITY;
  if (dataOffset + entry.compressedSize > size) {
    anomalies.push({
      kind: 'out-of-bounds',
      member: entry.name,
      message: `member data (${entry.compressedSize} bytes at ${dataOffset}) runs past the end of the file`,
      details: { dataOffset, compressedSize: entry.compressedSize, fileSize: size },
    });
  }
  const prefetched = bytes.subarray(headerBytes, headerBytes + head);
  return { entry, dataOffset, ...(prefetched.length > 0 ? { head: prefetched } : {}) };
}

/**
 * The member's bytes: stored members are a zero-copy slice with random access; compressed members a
 * forward stream that stops at the declared uncompressed size (what loaders read) or `maxOutputBytes`.
 */
export function openEntry(source: ByteSource, located: LocatedEntry, maxOutputBytes: number, meter?: ChunkMeter): ByteSource {
  const { entry, dataOffset, head } = located;
  const available = Math.max(0, Math.min(entry.compressedSize, (source.size ?? Number.POSITIVE_INFINITY) - dataOffset));
  if (entry.method === METHOD_STORED) return new SliceSource(source, dataOffset, available, head?.subarray(0, available));
  return openCompressedMember(
    entry,
    new ByteQueue(source.stream(dataOffset, dataOffset + available)),
    Math.min(entry.uncompressedSize, maxOutputBytes),
    meter,
  );
}
