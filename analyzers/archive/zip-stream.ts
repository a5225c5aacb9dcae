/**
 * Zip from a forward-only source (a zip inside a gzip or a compressed tar layer): local headers are read
 * front to back. Members written with data descriptors do not say how long they are — PyTorch's writer
 * does this for every member — so deflate data ends where the deflate stream ends, and stored data ends
 * at a data descriptor whose sizes equal the bytes seen and which is followed by the next header.
 * The central directory that follows is checked against what was read: an ordinary zip read so is no
 * finding (issue 13 §7); one whose directory points elsewhere is, and so is what cannot be delimited.
 */
import { ForwardSource, type ByteSource } from '../source.js';
import { ByteQueue } from './byte-queue.js';
import { centralEntries, type ZipAnomaly, type ZipEntry, type ZipReadLimits } from './zip-reader.js';
import { memberChunks, upTo, type ChunkMeter } from './zip-member.js';
import {
  applyZip64,
  decodeName,
  FLAG_DATA_DESCRIPTOR,
  LOCAL_HEADER_BYTES,
  METHOD_DEFLATED,
  METHOD_STORED,
  parseLocalHeader,
  SIG_CENTRAL,
  SIG_DATA_DESCRIPTOR,
  SIG_EOCD,
  SIG_LOCAL,
  SIG_ZIP64_EOCD,
  SIG_ZIP64_LOCATOR,
  SUPPORTED_METHODS,
  u16,
  u32,
  u64,
  ZIP64_LOCATOR_BYTES,
  EOCD_BYTES,
} from './zip-format.js';

export interface StreamedMember {
  readonly entry: ZipEntry;
  /** Valid until the next member is requested; what the consumer leaves unread is skipped. */
  readonly source: ByteSource;
}

const NEXT_RECORD: ReadonlySet<number> = new Set([SIG_LOCAL, SIG_CENTRAL, SIG_EOCD, SIG_ZIP64_EOCD]);
/** Longest descriptor (signature, CRC, two u64 sizes) plus the next record's signature. */
const DESCRIPTOR_LOOKAHEAD = 28;

export async function* readZipStream(
  source: ByteSource,
  limits: ZipReadLimits & { readonly maxMemberBytes: number; readonly meter?: ChunkMeter },
  anomalies: ZipAnomaly[],
): AsyncGenerator<StreamedMember> {
  const queue = new ByteQueue(source.stream(0));
  const read: ReadMember[] = [];
  const stop = (message: string, details?: Record<string, unknown>): void =>
    void anomalies.push({ kind: 'stream-stopped', message, ...(details ? { details } : {}) });
  for (let index = 0; ; index++) {
    const offset = queue.consumed;
    if (!(await queue.fill(4))) return stop('the archive ends without a central directory', { offset });
    const signature = u32(queue.peek(4), 0);
    if (signature !== SIG_LOCAL) {
      if (NEXT_RECORD.has(signature)) await crossCheck(queue, read, limits, anomalies);
      else stop(`unexpected bytes at offset ${offset} where a zip record should start`, { offset });
      return;
    }
    if (index >= limits.maxMembers) {
      anomalies.push({
        kind: 'too-many-entries',
        message: `more than ${limits.maxMembers} entries; the rest were not analysed`,
        details: { max: limits.maxMembers },
      });
      return;
    }
    const entry = await readLocalEntry(queue, index, offset);
    if (!entry) return stop(`truncated local header at offset ${offset}`, { offset });
    const unknownSize = (entry.flags & FLAG_DATA_DESCRIPTOR) !== 0;
    if (!SUPPORTED_METHODS.has(entry.method) || (unknownSize && entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED)) {
      return stop(`member ${entry.name} uses method ${entry.method} without a known size; the rest of the stream cannot be delimited`, {
        member: entry.name,
        method: entry.method,
      });
    }
    const limit = Math.min(unknownSize ? limits.maxMemberBytes : entry.uncompressedSize, limits.maxMemberBytes);
    const record = { name: entry.name, offset, method: entry.method, compressedSize: 0 };
    read.push(record);
    const dataStart = queue.consumed;
    const chunks = counted(memberData(entry, queue, unknownSize, limit), entry.method === METHOD_STORED ? record : undefined)[Symbol.asyncIterator]();
    // The consumer may stop early; closing is ours, so its `return()` does nothing.
    const shared: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({ next: () => chunks.next(), return: async () => ({ done: true, value: undefined }) }),
    };
    const data = entry.method === METHOD_STORED || !limits.meter ? upTo(shared, limit) : limits.meter(upTo(shared, limit));
    yield { entry, source: new ForwardSource(data, unknownSize ? undefined : entry.uncompressedSize) };
    try {
      while (!(await chunks.next()).done);
      if (entry.method !== METHOD_STORED) record.compressedSize = queue.consumed - dataStart;
      if (unknownSize && entry.method !== METHOD_STORED) await skipDescriptor(queue);
    } catch (error) {
      return stop(`member ${entry.name} could not be read to its end: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Where a member was found reading front to back, and how long its data was. */
interface ReadMember {
  readonly name: string;
  readonly offset: number;
  readonly method: number;
  compressedSize: number;
}

/** Stored data is its own length: counted as it passes (a descriptor after it is not data). */
async function* counted(chunks: AsyncIterable<Uint8Array>, into: ReadMember | undefined): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    if (into) into.compressedSize += chunk.length;
    yield chunk;
  }
}

/**
 * After the last member: the central directory, which is what loaders read members through, must list
 * exactly the members read front to back (same offsets, names, methods and data lengths) and be followed
 * by one end record and the end of the archive. Then reading front to back saw what a loader sees and
 * nothing is reported (issue 13 §7). Otherwise a loader may be pointed at bytes this reading took as part
 * of another member, or past the end record: that is reported, since those readings were not analysed.
 */
async function crossCheck(queue: ByteQueue, read: readonly ReadMember[], limits: ZipReadLimits, anomalies: ZipAnomaly[]): Promise<void> {
  const byOffset = new Map(read.map((member) => [member.offset, member]));
  const differences: string[] = [];
  const entries = await centralEntries(queue, 0, limits, anomalies);
  for (const entry of entries) {
    const member = byOffset.get(entry.localHeaderOffset);
    byOffset.delete(entry.localHeaderOffset);
    if (!member) differences.push(`it lists ${JSON.stringify(entry.name)} at offset ${entry.localHeaderOffset}, where no member starts`);
    else if (member.name !== entry.name || member.method !== entry.method || member.compressedSize !== entry.compressedSize)
      differences.push(
        `it lists ${JSON.stringify(entry.name)} (method ${entry.method}, ${entry.compressedSize} bytes) at offset ${entry.localHeaderOffset}, where ${JSON.stringify(member.name)} (method ${member.method}, ${member.compressedSize} bytes) was read`,
      );
  }
  if (entries.length < limits.maxMembers && byOffset.size > 0)
    differences.push(`it does not list ${[...byOffset.values()].map((m) => JSON.stringify(m.name)).slice(0, 5).join(', ')}`);
  if (!(await endsAfterEndRecord(queue))) differences.push('it is not followed by one end record and the end of the archive');
  if (differences.length === 0) return;
  anomalies.push({
    kind: 'local-header-mismatch',
    message: `read front to back, the central directory disagrees with the members read: ${differences.slice(0, 5).join('; ')}. Loaders find members through the central directory; what it points to beyond the members read was not analysed`,
    details: { differences: differences.slice(0, 20) },
  });
}

/** The (ZIP64 end record and locator and) end record, its comment, then nothing. */
async function endsAfterEndRecord(queue: ByteQueue): Promise<boolean> {
  if ((await queue.fill(12)) && u32(queue.peek(4), 0) === SIG_ZIP64_EOCD) {
    const size = u64(queue.take(12), 4);
    if (!(await queue.skip(size)) || !(await queue.fill(ZIP64_LOCATOR_BYTES)) || u32(queue.take(ZIP64_LOCATOR_BYTES), 0) !== SIG_ZIP64_LOCATOR) return false;
  }
  if (!(await queue.fill(EOCD_BYTES)) || u32(queue.peek(4), 0) !== SIG_EOCD) return false;
  const comment = u16(queue.take(EOCD_BYTES), 20);
  return (await queue.skip(comment)) && !(await queue.fill(1));
}

async function readLocalEntry(queue: ByteQueue, index: number, offset: number): Promise<ZipEntry | undefined> {
  if (!(await queue.fill(LOCAL_HEADER_BYTES))) return undefined;
  const local = parseLocalHeader(queue.take(LOCAL_HEADER_BYTES).slice())!;
  if (!(await queue.fill(local.nameLength + local.extraLength))) return undefined;
  const name = decodeName(queue.take(local.nameLength).slice(), local.flags);
  const sizes = applyZip64(queue.take(local.extraLength).slice(), local);
  return {
    index,
    name,
    flags: local.flags,
    method: local.method,
    crc32: local.crc32,
    compressedSize: sizes.compressedSize,
    uncompressedSize: sizes.uncompressedSize,
    localHeaderOffset: offset,
    isDirectory: name.endsWith('/'),
  };
}

/** The member's decompressed bytes, leaving the queue at the end of its data (stored: after its descriptor). */
function memberData(entry: ZipEntry, queue: ByteQueue, unknownSize: boolean, limit: number): AsyncIterable<Uint8Array> {
  if (entry.method === METHOD_STORED) return unknownSize ? storedUntilDescriptor(queue) : exactly(queue, entry.compressedSize);
  if (entry.method === METHOD_DEFLATED) return memberChunks(entry, queue, limit);
  return memberChunks(entry, new ByteQueue(exactly(queue, entry.compressedSize)), limit);
}

async function* exactly(queue: ByteQueue, n: number): AsyncGenerator<Uint8Array> {
  for (let left = n; left > 0; ) {
    const piece = await queue.takeUpTo(Math.min(left, 64 * 1024));
    if (piece.length === 0) throw new Error(`zip member data truncated (${left} of ${n} bytes missing)`);
    left -= piece.length;
    yield piece;
  }
}

/**
 * Stored data of unknown length: it ends at a data descriptor (with or without its optional signature,
 * 32- or 64-bit sizes) whose sizes both equal the bytes seen so far and which is followed by the next
 * record's signature. Tensor bytes would have to contain their own length at the right place to fool it.
 */
async function* storedUntilDescriptor(queue: ByteQueue): AsyncGenerator<Uint8Array> {
  let window: Uint8Array = new Uint8Array(0);
  let emitted = 0;
  for (;;) {
    const piece = await queue.takeUpTo(64 * 1024);
    if (piece.length === 0) throw new Error('stored member without a data descriptor before the end of the archive');
    window = join(window, piece);
    const found = findDescriptor(window, emitted);
    if (found) {
      if (found.dataEnd > 0) yield window.slice(0, found.dataEnd);
      queue.unread(window.slice(found.next));
      return;
    }
    const safe = Math.max(0, window.length - DESCRIPTOR_LOOKAHEAD);
    if (safe > 0) {
      yield window.slice(0, safe);
      emitted += safe;
      window = window.slice(safe);
    }
  }
}

function findDescriptor(window: Uint8Array, emitted: number): { dataEnd: number; next: number } | undefined {
  for (let q = 0; q + 4 <= window.length; q++) {
    if (window[q] !== 0x50 || window[q + 1] !== 0x4b || !NEXT_RECORD.has(u32(window, q))) continue;
    // Signature + CRC + u32 sizes (16), + u64 sizes (24); without the signature, 12 and 20.
    for (const [length, wide, signed] of [[16, false, true], [24, true, true], [12, false, false], [20, true, false]] as const) {
      const at = q - length;
      if (at < 0) continue;
      if (signed && u32(window, at) !== SIG_DATA_DESCRIPTOR) continue;
      const sizesAt = at + (signed ? 8 : 4);
      const dataLength = emitted + at;
      const c = wide ? u64(window, sizesAt) : u32(window, sizesAt);
      const d = wide ? u64(window, sizesAt + 8) : u32(window, sizesAt + 4);
      const expected = wide ? dataLength : dataLength % 2 ** 32;
      if (c === expected && d === expected) return { dataEnd: at, next: q };
    }
  }
  return undefined;
}

/** After compressed data of unknown size: the descriptor variant followed by a record signature. */
async function skipDescriptor(queue: ByteQueue): Promise<void> {
  await queue.fill(DESCRIPTOR_LOOKAHEAD);
  const head = queue.peek(Math.min(queue.available, DESCRIPTOR_LOOKAHEAD));
  const signed = head.length >= 4 && u32(head, 0) === SIG_DATA_DESCRIPTOR;
  for (const length of signed ? [16, 24] : [12, 20]) {
    if (head.length === length || (head.length >= length + 4 && NEXT_RECORD.has(u32(head, length)))) {
      queue.take(length);
      return;
    }
  }
  throw new Error('data descriptor not found after the member data');
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
