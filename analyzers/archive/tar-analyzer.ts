/**
 * Tar containers: legacy PyTorch checkpoints (`storages`/`pickle`/`tensors` members, which modelscan
 * never scans — model-scanners.md §2.3 row 21) and tar files inside models and layers. Entries that
 * would be dangerous to extract are findings (issue 4 §6); every regular file goes back through the
 * engine with `ctx.scanMember`, so it is routed by content whatever its name.
 */
import type { Analyzer } from '../analyzer.js';
import { LimitExceededError } from '../engine-rules.js';
import { makeFinding, type Finding } from '../finding.js';
import { budgetFor, inherit } from './budget.js';
import { linkEscapeReason, MemberPathChecker } from './member-paths.js';
import { ARCHIVE_RULES } from './rules.js';
import { readTar, TarFormatError, type TarEntry } from './tar-reader.js';
import { unsafeNameReason } from './zip-format.js';

const SETUID = 0o4000;
const SETGID = 0o2000;
const SPECIAL_TYPES: ReadonlySet<TarEntry['type']> = new Set(['char-device', 'block-device', 'fifo']);

export const tarAnalyzer: Analyzer = {
  name: 'archive',
  formats: ['tar'],
  rules: [
    ARCHIVE_RULES.pathTraversal,
    ARCHIVE_RULES.linkEscape,
    ARCHIVE_RULES.deviceFile,
    ARCHIVE_RULES.setuidBits,
    ARCHIVE_RULES.duplicateMember,
    ARCHIVE_RULES.tooManyMembers,
    ARCHIVE_RULES.tarMalformed,
    ARCHIVE_RULES.decompressionBomb,
    ARCHIVE_RULES.readerDisagreement,
  ],
  async analyze(ctx) {
    const file = ctx.file.path;
    const findings: Finding[] = [];
    const paths = new MemberPathChecker(file);
    const budget = budgetFor(ctx.source, ctx.limits);
    const hidden: TarEntry[] = [];
    try {
      // tarfile's default reading (torch.load's legacy path) ends at the first zero block or invalid
      // header; ignore_zeros readers go on. Every member of either reading is analysed.
      const onDefaultEnd = (end: { offset: number; reason: string; invalid: boolean }): void => {
        if (end.invalid)
          findings.push(
            makeFinding(ARCHIVE_RULES.tarMalformed, file, {
              message: `tar: ${end.reason} at offset ${end.offset}; tarfile's default reading ends there, later blocks were read as ignore_zeros does`,
              details: { offset: end.offset },
            }),
          );
      };
      for await (const entry of readTar(ctx.source, ctx.limits, { ignoreZeros: true, onDefaultEnd })) {
        if (entry.afterEnd) hidden.push(entry);
        findings.push(...paths.check(entry.name), ...entryFindings(entry, file));
        if (entry.type !== 'file') continue;
        if (!budget.takeMember()) {
          findings.push(tooMany(file, ctx.limits.maxMembers));
          break;
        }
        if (budget.bytesExhausted) {
          findings.push(
            makeFinding(ARCHIVE_RULES.decompressionBomb, file, {
              message: `this archive and the archives around or inside it expanded past ${ctx.limits.maxExpandedBytes} bytes; the remaining entries were not analysed`,
              details: { maxExpandedBytes: ctx.limits.maxExpandedBytes },
            }),
          );
          break;
        }
        findings.push(...(await ctx.scanMember(entry.name, inherit(entry.source, budget))));
      }
    } catch (error) {
      // What was found before the damage stays reported; the damage itself is one more finding.
      if (error instanceof TarFormatError)
        findings.push(makeFinding(ARCHIVE_RULES.tarMalformed, file, { message: error.message, details: { offset: error.offset } }));
      else if (error instanceof LimitExceededError && error.limit === 'maxMembers') findings.push(tooMany(file, ctx.limits.maxMembers));
      else throw error;
    }
    if (hidden.length > 0) findings.push(hiddenMembers(file, hidden));
    return findings;
  },
};

/** Members past the end of tarfile's default reading: only `ignore_zeros` readers (GNU tar -i) see them. */
function hiddenMembers(file: string, hidden: TarEntry[]): Finding {
  const end = hidden[0]!.afterEnd!;
  const names = hidden.map((e) => e.name);
  return makeFinding(ARCHIVE_RULES.readerDisagreement, file, {
    message: `tarfile's default reading (torch.load, tarfile.open) ends at offset ${end.offset} on ${end.reason}; ${hidden.length} member(s) after it are read only with ignore_zeros (GNU tar -i): ${names.slice(0, 5).map((n) => JSON.stringify(n)).join(', ')}${names.length > 5 ? ', …' : ''}. Both readings were analysed`,
    details: { endOffset: end.offset, reason: end.reason, ignoreZerosOnly: names.slice(0, 20) },
  });
}

function tooMany(file: string, max: number): Finding {
  return makeFinding(ARCHIVE_RULES.tooManyMembers, file, {
    message: `more than ${max} entries in this archive (and the archives around or inside it); the rest were not analysed`,
    details: { max },
  });
}

/** Findings from an entry's header alone: links leaving the root, special files, setuid/setgid files. */
function entryFindings(entry: TarEntry, file: string): Finding[] {
  const findings: Finding[] = [];
  const at = { location: `member ${entry.name}` };
  if ((entry.type === 'symlink' || entry.type === 'hardlink') && entry.linkname !== undefined) {
    // A symlink resolves from its own directory; a hardlink names another archive path from the root.
    const reason = entry.type === 'symlink' ? linkEscapeReason(entry.name, entry.linkname) : unsafeNameReason(entry.linkname);
    if (reason)
      findings.push(
        makeFinding(ARCHIVE_RULES.linkEscape, file, {
          ...at,
          message: `${entry.type} ${JSON.stringify(entry.name)} → ${JSON.stringify(entry.linkname)} ${reason}`,
          details: { member: entry.name, type: entry.type, target: entry.linkname },
        }),
      );
  }
  if (SPECIAL_TYPES.has(entry.type))
    findings.push(
      makeFinding(ARCHIVE_RULES.deviceFile, file, {
        ...at,
        message: `${entry.type} ${JSON.stringify(entry.name)}`,
        details: { member: entry.name, type: entry.type },
      }),
    );
  // Setgid directories are ordinary (group inheritance); on files both bits grant privileges.
  if (entry.type === 'file' && entry.mode & (SETUID | SETGID))
    findings.push(
      makeFinding(ARCHIVE_RULES.setuidBits, file, {
        ...at,
        message: `file ${JSON.stringify(entry.name)} has mode 0${entry.mode.toString(8)} (${entry.mode & SETUID ? 'setuid' : 'setgid'})`,
        details: { member: entry.name, mode: entry.mode },
      }),
    );
  return findings;
}
