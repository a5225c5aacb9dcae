/**
 * Zip containers (PyTorch checkpoints and TorchScript archives, `.npz`, `.keras`, zips inside layers):
 * every member goes back through the engine with `ctx.scanMember`, so it is routed by its content —
 * a pickle named `data.txt` is still a pickle (CVE-2025-1889). Structural anomalies become findings;
 * none of them stops a member PyTorch could load from being scanned.
 */
import type { AnalysisContext, Analyzer } from '../analyzer.js';
import { makeFinding, type Finding } from '../finding.js';
import type { ByteSource } from '../source.js';
import { budgetFor, inherit, metered, type ExpansionBudget } from './budget.js';
import { CrcTap } from './crc-tap.js';
import { crc32 } from './crc32.js';
import { linkEscapeReason, MemberPathChecker } from './member-paths.js';
import { ARCHIVE_RULES } from './rules.js';
import { FLAG_ENCRYPTED, FLAG_PATCHED, FLAG_STRONG_ENCRYPTION, SUPPORTED_METHODS } from './zip-format.js';
import {
  locateEntry,
  openEntry,
  readZipDirectory,
  type LocatedEntry,
  type ZipAnomaly,
  type ZipAnomalyKind,
  type ZipDirectory,
  type ZipEntry,
} from './zip-reader.js';
import type { ChunkMeter } from './zip-member.js';
import { readZipStream } from './zip-stream.js';
import { SNIFF_BYTES } from '../sniff.js';

/** Members flagged as encrypted up to this size are read whole to tell plain bytes from ciphertext. */
const VERIFY_PLAIN_MAX_BYTES = 16 * 1024 * 1024;
/** Below this, a high ratio is ordinary redundancy (a small zero-filled array), not a bomb. */
export const BOMB_MIN_BYTES = 1024 * 1024;
const SUSPICIOUS_FLAGS = FLAG_ENCRYPTED | FLAG_PATCHED | FLAG_STRONG_ENCRYPTION;
const ENCRYPTION_FLAGS = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

const RULE_FOR: Readonly<Record<ZipAnomalyKind, keyof typeof ARCHIVE_RULES>> = {
  'local-header-mismatch': 'zipHeaderMismatch',
  'flag-bits': 'zipFlagBits',
  'unsupported-method': 'unsupportedMethod',
  'duplicate-name': 'duplicateMember',
  'unsafe-name': 'pathTraversal',
  'overlapping-entries': 'decompressionBomb',
  'too-many-entries': 'tooManyMembers',
  'entry-count-mismatch': 'zipMalformed',
  'prefix-data': 'zipPrefixData',
  'bad-local-header': 'zipMalformed',
  'out-of-bounds': 'zipMalformed',
  'stream-stopped': 'zipMalformed',
  'no-central-directory': 'zipMalformed',
  'reader-disagreement': 'readerDisagreement',
};

/** True when a member expands more than the ratio limit and is big enough for that to matter. */
export function isRatioBomb(uncompressed: number, compressed: number, maxRatio: number): boolean {
  return uncompressed > BOMB_MIN_BYTES && uncompressed / Math.max(1, compressed) > maxRatio;
}

export const zipAnalyzer: Analyzer = {
  name: 'archive',
  formats: ['zip'],
  rules: [
    ARCHIVE_RULES.zipHeaderMismatch,
    ARCHIVE_RULES.zipFlagBits,
    ARCHIVE_RULES.zipCrcMismatch,
    ARCHIVE_RULES.zipMalformed,
    ARCHIVE_RULES.zipPrefixData,
    ARCHIVE_RULES.readerDisagreement,
    ARCHIVE_RULES.encryptedMembers,
    ARCHIVE_RULES.unsupportedMethod,
    ARCHIVE_RULES.pathTraversal,
    ARCHIVE_RULES.linkEscape,
    ARCHIVE_RULES.duplicateMember,
    ARCHIVE_RULES.decompressionBomb,
    ARCHIVE_RULES.tooManyMembers,
  ],
  async analyze(ctx) {
    const run = new ZipRun(ctx);
    const directory = ctx.source.seekable && ctx.source.size !== undefined ? await readZipDirectory(ctx.source, ctx.limits) : undefined;
    if (directory) await run.fromDirectory(directory);
    else {
      if (ctx.source.seekable)
        run.anomalies.push({ kind: 'no-central-directory', message: 'no end of central directory record; members were read front to back' });
      await run.fromStream();
    }
    return run.finish();
  },
};

/** State of one zip analysis: findings so far, anomalies from the reader, the shared budget. */
class ZipRun {
  readonly findings: Finding[] = [];
  readonly anomalies: ZipAnomaly[] = [];
  private readonly budget: ExpansionBudget;
  private readonly paths: MemberPathChecker;
  private readonly file: string;
  private readonly meter: ChunkMeter = (chunks) => metered(chunks, this.budget);

  constructor(private readonly ctx: AnalysisContext) {
    this.budget = budgetFor(ctx.source, ctx.limits);
    this.file = ctx.file.path;
    this.paths = new MemberPathChecker(this.file);
  }

  async fromDirectory(directory: ZipDirectory): Promise<void> {
    this.anomalies.push(...directory.anomalies);
    const located: LocatedEntry[] = [];
    for (const entry of directory.entries) {
      const where = await locateEntry(this.ctx.source, entry, this.anomalies, SNIFF_BYTES);
      if (where) located.push(where);
    }
    this.checkOverlaps(located, directory.centralDirectoryOffset);
    for (const member of located) {
      const { entry } = member;
      if (!this.admit(entry, 'judge-encryption')) continue;
      const open = (meter = this.meter): ByteSource => openEntry(this.ctx.source, member, this.ctx.limits.maxBytesPerFile, meter);
      // zipfile and PyTorch read a member's bytes whatever its mode says; only extractors such as
      // unzip make it a link. So a "symlink" is checked as a link and analysed as the file loaders see.
      if (isSymlink(entry)) await this.checkLink(entry, open());
      if (entry.flags & ENCRYPTION_FLAGS && !(await this.readsAsPlain(entry, open((c) => c)))) continue;
      const tap = new CrcTap(open());
      if (!(await this.scan(entry, tap))) break;
      const crc = tap.crcOfWhole();
      // An encrypted-flagged member's CRC was judged by readsAsPlain.
      if (crc !== undefined && !(entry.flags & ENCRYPTION_FLAGS)) this.checkCrc(entry, crc);
    }
  }

  async fromStream(): Promise<void> {
    const limits = { maxMembers: this.ctx.limits.maxMembers, maxMemberBytes: this.ctx.limits.maxBytesPerFile, meter: this.meter };
    for await (const { entry, source } of readZipStream(this.ctx.source, limits, this.anomalies)) {
      if (this.admit(entry, 'read-as-plain') && !(await this.scan(entry, source))) break;
    }
  }

  finish(): Finding[] {
    for (const anomaly of this.anomalies)
      this.findings.push(
        makeFinding(ARCHIVE_RULES[RULE_FOR[anomaly.kind]], this.file, {
          message: anomaly.member === undefined ? anomaly.message : `member ${JSON.stringify(anomaly.member)}: ${anomaly.message}`,
          ...(anomaly.member === undefined ? {} : { location: `member ${anomaly.member}` }),
          ...(anomaly.details === undefined ? {} : { details: anomaly.details }),
        }),
      );
    return this.findings;
  }

  /** Per-entry checks; false when the member must not be opened (unsupported, bomb, empty directory). */
  private admit(entry: ZipEntry, encryption: 'judge-encryption' | 'read-as-plain'): boolean {
    this.findings.push(...this.paths.check(entry.name));
    const at = { location: `member ${entry.name}` };
    const judgedLater = encryption === 'judge-encryption' && (entry.flags & ENCRYPTION_FLAGS) !== 0;
    if (entry.flags & SUSPICIOUS_FLAGS && !judgedLater)
      this.findings.push(
        makeFinding(ARCHIVE_RULES.zipFlagBits, this.file, {
          ...at,
          message: `member ${JSON.stringify(entry.name)} has general-purpose flags 0x${entry.flags.toString(16)}; it was read as if they were clear, as PyTorch does`,
          details: { member: entry.name, flags: entry.flags },
        }),
      );
    if (!SUPPORTED_METHODS.has(entry.method)) {
      this.findings.push(
        makeFinding(ARCHIVE_RULES.unsupportedMethod, this.file, {
          ...at,
          message: `member ${JSON.stringify(entry.name)} uses compression method ${entry.method}; it was not analysed`,
          details: { member: entry.name, method: entry.method },
        }),
      );
      return false;
    }
    if (entry.method !== 0 && isRatioBomb(entry.uncompressedSize, entry.compressedSize, this.ctx.limits.maxCompressionRatio)) {
      this.findings.push(
        makeFinding(ARCHIVE_RULES.decompressionBomb, this.file, {
          ...at,
          message: `member ${JSON.stringify(entry.name)} expands ${entry.compressedSize} bytes to ${entry.uncompressedSize} (${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}×, limit ${this.ctx.limits.maxCompressionRatio}×); it was not analysed`,
          details: { member: entry.name, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize, maxRatio: this.ctx.limits.maxCompressionRatio },
        }),
      );
      return false;
    }
    return !entry.isDirectory || entry.uncompressedSize > 0;
  }

  /** Scans one member through the engine; false when the tree's member budget is spent. */
  private async scan(entry: ZipEntry, source: ByteSource): Promise<boolean> {
    if (!this.budget.takeMember()) {
      this.anomalies.push({
        kind: 'too-many-entries',
        message: `more than ${this.ctx.limits.maxMembers} members across this archive and the archives inside it; the rest were not analysed`,
        details: { max: this.ctx.limits.maxMembers },
      });
      return false;
    }
    if (this.budget.bytesExhausted) {
      this.findings.push(
        makeFinding(ARCHIVE_RULES.decompressionBomb, this.file, {
          message: `this archive and the archives inside it expanded past ${this.ctx.limits.maxExpandedBytes} bytes; the remaining members were not analysed`,
          details: { maxExpandedBytes: this.ctx.limits.maxExpandedBytes },
        }),
      );
      return false;
    }
    if (await this.isSelf(entry, source)) return true;
    this.findings.push(...(await this.ctx.scanMember(entry.name, inherit(source, this.budget))));
    return true;
  }

  /** A zip quine (a member that is the archive itself) would recurse until the depth limit. */
  private async isSelf(entry: ZipEntry, source: ByteSource): Promise<boolean> {
    if (entry.uncompressedSize !== this.ctx.source.size || !source.seekable) return false;
    const head = await source.read(0, this.ctx.head.length);
    if (!Buffer.from(head).equals(Buffer.from(this.ctx.head))) return false;
    this.findings.push(
      makeFinding(ARCHIVE_RULES.decompressionBomb, this.file, {
        location: `member ${entry.name}`,
        message: `member ${JSON.stringify(entry.name)} is a copy of the archive itself (zip quine); it was not analysed again`,
        details: { member: entry.name },
      }),
    );
    return true;
  }

  private checkOverlaps(located: LocatedEntry[], centralDirectoryOffset: number): void {
    const spans = located
      .map(({ entry, dataOffset }) => ({ name: entry.name, start: entry.localHeaderOffset, end: dataOffset + entry.compressedSize }))
      .sort((a, b) => a.start - b.start);
    const overlapping = new Set<string>();
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      const next = spans[i + 1];
      if ((next && next.start < span.end) || span.end > centralDirectoryOffset) overlapping.add(span.name);
    }
    if (overlapping.size > 0)
      this.anomalies.push({
        kind: 'overlapping-entries',
        message: `${overlapping.size} member(s) share bytes with other members or the central directory (overlapping-entry zip bomb)`,
        details: { members: [...overlapping].slice(0, 20) },
      });
  }

  private async checkLink(entry: ZipEntry, source: ByteSource): Promise<void> {
    const target = new TextDecoder().decode(await readSmall(source, 4096));
    const reason = linkEscapeReason(entry.name, target);
    if (reason)
      this.findings.push(
        makeFinding(ARCHIVE_RULES.linkEscape, this.file, {
          location: `member ${entry.name}`,
          message: `symbolic link ${JSON.stringify(entry.name)} → ${JSON.stringify(target)} ${reason}`,
          details: { member: entry.name, target },
        }),
      );
  }

  /**
   * A member flagged as encrypted (traditional 0x1 or strong 0x40): readers that ignore the flag read the
   * bytes as plain (CVE-2025-1945; PyTorch for a flag in the local header only — Debian's torch 1.13 and
   * zipfile judge the central flags and refuse, see test/fixtures/archive/readings/generate_zip.py). When the plain reading is
   * consistent — it decompresses and matches the recorded CRC-32 — the member is analysed as plain and
   * that is said; otherwise its bytes are ciphertext to a decrypting reader: "encrypted, not inspected"
   * (issue 12 §5). Readers that check no CRC exist, so a plain reading that decompresses is still analysed; one
   * that does not decompress is nothing any loader could use. Members too large to re-read are analysed
   * as plain, unverified. True when the member is to be scanned.
   */
  private async readsAsPlain(entry: ZipEntry, source: ByteSource): Promise<boolean> {
    const at = { location: `member ${entry.name}` };
    const flags = `0x${entry.flags.toString(16)}`;
    const details = { member: entry.name, flags: entry.flags };
    const flagged = (message: string, reading: string): void => {
      this.findings.push(makeFinding(ARCHIVE_RULES.zipFlagBits, this.file, { ...at, message, details: { ...details, reading } }));
    };
    if (entry.uncompressedSize > VERIFY_PLAIN_MAX_BYTES) {
      flagged(`member ${JSON.stringify(entry.name)} is flagged as encrypted (flags ${flags}); too large to verify, it was analysed as plain data, as readers that ignore the flag read it`, 'plain, unverified');
      return true;
    }
    let crc = 0;
    try {
      for await (const chunk of source.stream(0)) crc = crc32(chunk, crc);
    } catch (error) {
      this.encrypted(entry, `read as plain, it does not decompress (${error instanceof Error ? error.message : String(error)})`, 'not analysed');
      return false;
    }
    if (crc === entry.crc32) {
      flagged(`member ${JSON.stringify(entry.name)} is flagged as encrypted (flags ${flags}) but its bytes are plain (they match the recorded CRC-32); it was analysed as plain, as readers that ignore the flag read it`, 'plain');
      return true;
    }
    this.encrypted(entry, `read as plain, its CRC-32 is ${hex(crc)} where the archive records ${hex(entry.crc32)}`, 'its bytes were still analysed as plain, as readers that ignore the flag and the CRC read them');
    return true;
  }

  private encrypted(entry: ZipEntry, evidence: string, outcome: string): void {
    this.findings.push(
      makeFinding(ARCHIVE_RULES.encryptedMembers, this.file, {
        location: `member ${entry.name}`,
        message: `member ${JSON.stringify(entry.name)} is encrypted (flags 0x${entry.flags.toString(16)}; ${evidence}): encrypted, not inspected; ${outcome}`,
        details: { member: entry.name, flags: entry.flags, reading: 'encrypted' },
      }),
    );
  }

  /** Compares the CRC-32 of a member the analysis read whole with the recorded one. */
  private checkCrc(entry: ZipEntry, crc: number): void {
    if (crc !== entry.crc32)
      this.findings.push(
        makeFinding(ARCHIVE_RULES.zipCrcMismatch, this.file, {
          location: `member ${entry.name}`,
          message: `member ${JSON.stringify(entry.name)} has CRC-32 ${hex(crc)}, the archive records ${hex(entry.crc32)}`,
          details: { member: entry.name, expected: hex(entry.crc32), actual: hex(crc) },
        }),
      );
  }
}

function isSymlink(entry: ZipEntry): boolean {
  return entry.unixMode !== undefined && (entry.unixMode & S_IFMT) === S_IFLNK;
}

async function readSmall(source: ByteSource, max: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source.stream(0, max)) {
    parts.push(chunk);
    total += chunk.length;
    if (total >= max) break;
  }
  return Buffer.concat(parts).subarray(0, max);
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
