/**
 * 7z archives. A 7z-wrapped pickle was a real scanner bypass (nullifAI, model-scanners.md §2.1 row 5), so
 * the members are opened and go back through the engine like zip and tar members. The header sits at the
 * end and is read by offset (Range reads on a registry blob); each folder's packed streams are then read
 * once, decoded through its coder chain ({@link folderDecoding}) and split into its files. What cannot be
 * decoded — encryption, PPMd and other methods without a decoder here, a corrupt header — is a finding
 * naming the members left unanalysed and the methods.
 */
import type { AnalysisContext, Analyzer } from '../analyzer.js';
import { ENGINE_RULES, LimitExceededError } from '../engine-rules.js';
import { makeFinding, type Finding } from '../finding.js';
import { bufferedSource, ForwardSource, readExactly, TruncatedError, type ByteSource } from '../source.js';
import { budgetFor, inherit, type ExpansionBudget } from './budget.js';
import { MemberPathChecker } from './member-paths.js';
import { ARCHIVE_RULES } from './rules.js';
import { folderDecoding, type PackedStreams } from './sevenzip-coders.js';
import {
  checkNextHeaderCrc,
  parseNextHeader,
  parseStartHeader,
  SevenZipFormatError,
  SIGNATURE_HEADER_BYTES,
  type Folder,
  type SevenZipEntry,
  type SevenZipHeader,
} from './sevenzip-header.js';
import { isRatioBomb } from './zip-analyzer.js';

/** An encoded header may itself be encoded; 7-Zip writes one level. */
const MAX_HEADER_LEVELS = 4;
/** The header is at the end: a forward-only archive (in a compressed stream) is held in memory up to this. */
const MAX_BUFFERED_ARCHIVE_BYTES = 64 * 1024 * 1024;
/** Member names a finding quotes; the rest are counted. */
const LISTED_MEMBERS = 10;

export const sevenZipAnalyzer: Analyzer = {
  name: 'archive',
  formats: ['7z'],
  rules: [
    ENGINE_RULES.notAnalysable,
    ARCHIVE_RULES.sevenZipMalformed,
    ARCHIVE_RULES.encryptedMembers,
    ARCHIVE_RULES.unsupportedMethod,
    ARCHIVE_RULES.pathTraversal,
    ARCHIVE_RULES.duplicateMember,
    ARCHIVE_RULES.tooManyMembers,
    ARCHIVE_RULES.decompressionBomb,
    ARCHIVE_RULES.truncated,
  ],
  async analyze(context) {
    const file = context.file.path;
    const budget = budgetFor(context.source, context.limits);
    const source = await seekableArchive(context.source);
    if (!source)
      return [
        makeFinding(ENGINE_RULES.notAnalysable, file, {
          message: `7z archive inside a compressed stream and over ${MAX_BUFFERED_ARCHIVE_BYTES} bytes: its header is at its end, and archives that large are not held in memory; not analysed`,
          details: { format: '7z', maxBufferedBytes: MAX_BUFFERED_ARCHIVE_BYTES },
        }),
      ];
    const ctx = { ...context, source };
    let header: SevenZipHeader;
    try {
      header = await readArchiveHeader(ctx);
    } catch (error) {
      if (error instanceof EncryptedHeaderError)
        return [makeFinding(ARCHIVE_RULES.encryptedMembers, file, { message: 'the 7z file list is encrypted: no member could be listed or analysed', details: { format: '7z' } })];
      if (error instanceof SevenZipFormatError || error instanceof LimitExceededError || error instanceof TruncatedError)
        return [makeFinding(ARCHIVE_RULES.sevenZipMalformed, file, { message: `${error.message}; no member was analysed`, details: { format: '7z' } })];
      throw error;
    }
    const findings: Finding[] = [];
    const paths = new MemberPathChecker(file);
    for (const entry of header.entries) findings.push(...paths.check(entry.name));
    const withData = header.entries.filter((e) => e.hasStream);
    let next = 0;
    for (const folder of header.folders) {
      const members = withData.slice(next, next + folder.streamSizes.length);
      next += folder.streamSizes.length;
      const outcome = await scanFolder(ctx, folder, members, budget);
      findings.push(...outcome);
      if (outcome.some((f) => f.ruleId === ARCHIVE_RULES.tooManyMembers.id)) break;
    }
    return findings;
  },
};

class EncryptedHeaderError extends Error {}

/** The archive itself when seekable; a forward-only one held in memory when small enough, else undefined. */
async function seekableArchive(source: ByteSource): Promise<ByteSource | undefined> {
  if (source.seekable) return source;
  if (source.size !== undefined && source.size > MAX_BUFFERED_ARCHIVE_BYTES) return undefined;
  const held = await bufferedSource(source, source.size ?? MAX_BUFFERED_ARCHIVE_BYTES + 1);
  return held.size! > MAX_BUFFERED_ARCHIVE_BYTES ? undefined : held;
}

/** Signature header, next header (CRC-checked), and the real header behind any encoded ones. */
async function readArchiveHeader(ctx: AnalysisContext): Promise<SevenZipHeader> {
  const { source, limits } = ctx;
  const start = parseStartHeader(await readExactly(source, 0, SIGNATURE_HEADER_BYTES), source.size);
  if (start.nextHeaderSize === 0) return { folders: [], entries: [] };
  if (start.nextHeaderSize > limits.maxHeaderBytes) throw new LimitExceededError('7z header bytes', start.nextHeaderSize, limits.maxHeaderBytes);
  let bytes = await readExactly(source, start.nextHeaderOffset, start.nextHeaderSize);
  checkNextHeaderCrc(bytes, start);
  for (let level = 0; level < MAX_HEADER_LEVELS; level++) {
    const next = parseNextHeader(bytes, limits.maxMembers);
    if (next.kind === 'header') return next.header;
    const [folder] = next.streams.folders;
    if (!folder || next.streams.folders.length !== 1) throw new SevenZipFormatError('encoded header without exactly one folder');
    if (folder.unpackSize > limits.maxHeaderBytes) throw new LimitExceededError('7z header bytes', folder.unpackSize, limits.maxHeaderBytes);
    const decoding = folderDecoding(folder, limits.maxHeaderBytes);
    if (!decoding.ok) {
      if (decoding.encrypted) throw new EncryptedHeaderError();
      throw new SevenZipFormatError(`header packed with ${decoding.methods}, which the scanner cannot decode`);
    }
    const packedBytes = packedSize(folder);
    if (packedBytes > limits.maxHeaderBytes) throw new LimitExceededError('7z header bytes', packedBytes, limits.maxHeaderBytes);
    bytes = await collect(decoding.decode(packedStreams(source, folder)), folder.unpackSize);
  }
  throw new SevenZipFormatError(`more than ${MAX_HEADER_LEVELS} levels of encoded headers`);
}

async function collect(chunks: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of chunks) {
      parts.push(chunk);
      total += chunk.length;
      if (total > size) throw new SevenZipFormatError(`encoded header decodes past its declared ${size} bytes`);
    }
  } catch (error) {
    if (error instanceof SevenZipFormatError || error instanceof LimitExceededError) throw error;
    throw new SevenZipFormatError(`encoded header: ${(error as Error).message}`);
  }
  if (total !== size) throw new SevenZipFormatError(`encoded header decodes to ${total} bytes, not the declared ${size}`);
  return Buffer.concat(parts);
}

/** Decodes one folder and hands each of its files to the engine; failures become findings. */
async function scanFolder(ctx: AnalysisContext, folder: Folder, members: readonly SevenZipEntry[], budget: ExpansionBudget): Promise<Finding[]> {
  const file = ctx.file.path;
  const names = members.map((m) => m.name);
  const quoted = memberList(names);
  const decoding = folderDecoding(folder, ctx.limits.maxBytesPerFile);
  if (!decoding.ok) {
    const rule = decoding.encrypted ? ARCHIVE_RULES.encryptedMembers : ARCHIVE_RULES.unsupportedMethod;
    const what = decoding.encrypted ? 'encrypted' : `packed with ${decoding.methods}, which the scanner cannot decode`;
    return [makeFinding(rule, file, { message: `${quoted} ${names.length === 1 ? 'is' : 'are'} ${what}; not analysed`, details: { members: names.slice(0, LISTED_MEMBERS), count: names.length, methods: decoding.methods } })];
  }
  const archiveSize = ctx.source.size;
  const outside = folder.packed.find((packed) => archiveSize !== undefined && packed.offset + packed.size > archiveSize);
  if (outside)
    return [makeFinding(ARCHIVE_RULES.sevenZipMalformed, file, { message: `${quoted} ${names.length === 1 ? 'is' : 'are'} packed at ${outside.offset} (+${outside.size}), past the end of the archive (${archiveSize} bytes); not analysed`, details: { members: names.slice(0, LISTED_MEMBERS), count: names.length } })];
  const findings: Finding[] = [];
  const output = new FolderOutput(decoding.decode(packedStreams(ctx.source, folder)), packedSize(folder), ctx, budget, findings);
  try {
    await scanMembers(ctx, folder, members, output, budget, findings);
  } finally {
    await output.close(); // the decoder and the packed stream (an HTTP body on a registry blob)
  }
  return findings;
}

/** The folder's packed streams, each read from the archive when its decoder first pulls. */
function packedStreams(source: ByteSource, folder: Folder): PackedStreams {
  return (index) => {
    const packed = folder.packed[index]!;
    return source.stream(packed.offset, packed.offset + packed.size);
  };
}

function packedSize(folder: Folder): number {
  return folder.packed.reduce((total, packed) => total + packed.size, 0);
}

async function scanMembers(ctx: AnalysisContext, folder: Folder, members: readonly SevenZipEntry[], output: FolderOutput, budget: ExpansionBudget, findings: Finding[]): Promise<void> {
  const file = ctx.file.path;
  const names = members.map((m) => m.name);
  for (const [i, member] of members.entries()) {
    const size = folder.streamSizes[i]!;
    if (output.failed) {
      const rest = names.slice(i);
      findings.push(makeFinding(ARCHIVE_RULES.truncated, file, { message: `${memberList(rest)} ${rest.length === 1 ? 'was' : 'were'} not analysed: the folder could not be decoded`, details: { members: rest.slice(0, LISTED_MEMBERS), count: rest.length } }));
      break;
    }
    if (!budget.takeMember()) {
      findings.push(makeFinding(ARCHIVE_RULES.tooManyMembers, file, { message: `more than ${ctx.limits.maxMembers} members in this archive (and the archives around or inside it); the rest were not analysed`, details: { max: ctx.limits.maxMembers } }));
      break;
    }
    const piece = output.take(size);
    const shared: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({ next: () => piece.next(), return: async () => ({ done: true, value: undefined }) }),
    };
    findings.push(...(await ctx.scanMember(member.name, inherit(new ForwardSource(shared, size), budget))));
    while (!(await piece.next()).done); // what the member's analyzer did not read
  }
}

/** `7z member "a"` or `7z members "a", "b" and 3 more`: the first {@link LISTED_MEMBERS} names, then a count. */
function memberList(names: readonly string[]): string {
  const shown = names.slice(0, LISTED_MEMBERS).map((n) => JSON.stringify(n)).join(', ');
  const noun = names.length === 1 ? '7z member' : '7z members';
  return names.length > LISTED_MEMBERS ? `${noun} ${shown} and ${names.length - LISTED_MEMBERS} more` : `${noun} ${shown}`;
}

/**
 * A folder's decoded output, cut into its files. Corrupt data, a limit or a ratio bomb ends the output
 * (and becomes a finding) rather than failing the member being read.
 */
class FolderOutput {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Uint8Array = new Uint8Array(0);
  private produced = 0;
  failed = false;

  constructor(
    chunks: AsyncIterable<Uint8Array>,
    private readonly packedSize: number,
    private readonly ctx: AnalysisContext,
    private readonly budget: ExpansionBudget,
    private readonly findings: Finding[],
  ) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  async *take(size: number): AsyncGenerator<Uint8Array> {
    let left = size;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.pull())) return;
      const part = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(part.length);
      left -= part.length;
      yield part;
    }
  }

  private async pull(): Promise<boolean> {
    if (this.failed) return false;
    const file = this.ctx.file.path;
    try {
      const next = await this.iterator.next();
      if (next.done) return this.fail(makeFinding(ARCHIVE_RULES.truncated, file, { message: `7z folder ended after ${this.produced} decoded bytes, short of its files`, details: { decodedBytes: this.produced } }));
      this.produced += next.value.length;
      this.budget.chargeBytes(next.value.length);
      if (isRatioBomb(this.produced, this.packedSize, this.ctx.limits.maxCompressionRatio))
        return this.fail(makeFinding(ARCHIVE_RULES.decompressionBomb, file, { message: `a 7z folder expands ${this.packedSize} bytes to more than ${this.produced} (over ${this.ctx.limits.maxCompressionRatio}× the packed size); the rest was not analysed`, details: { compressedBytes: this.packedSize, decompressedBytes: this.produced, maxRatio: this.ctx.limits.maxCompressionRatio } }));
      this.pending = next.value;
      return true;
    } catch (error) {
      if (error instanceof LimitExceededError)
        return this.fail(makeFinding(ARCHIVE_RULES.decompressionBomb, file, { message: `a 7z folder passed a limit: ${error.message}; the rest was not analysed`, details: { limit: error.limit, value: error.value, max: error.max } }));
      return this.fail(makeFinding(ARCHIVE_RULES.truncated, file, { message: `${(error as Error).message} after ${this.produced} decoded bytes of a 7z folder`, details: { decodedBytes: this.produced } }));
    }
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }

  private fail(finding: Finding): false {
    this.failed = true;
    this.findings.push(finding);
    void this.iterator.return?.();
    return false;
  }
}
