/**
 * Path checks shared by the zip and tar analyzers: names that escape the extraction root, links whose
 * targets do, and paths that occur twice.
 */
import { makeFinding, type Finding } from '../finding.js';
import { ARCHIVE_RULES } from './rules.js';
import { unsafeNameReason } from './zip-format.js';

/** Path as an extractor would create it: `./` prefixes, empty and `.` components removed, `/` separators. */
export function normalizeMemberPath(name: string): string {
  return name
    .split(/[\\/]+/)
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/**
 * Why a link stored at `member` with `target` leaves the root: absolute targets always do; relative ones
 * are resolved from the member's directory.
 */
export function linkEscapeReason(member: string, target: string): string | undefined {
  if (target.startsWith('/') || target.startsWith('\\') || /^[A-Za-z]:/.test(target)) return 'points to an absolute path';
  const parts = normalizeMemberPath(member).split('/').slice(0, -1);
  for (const part of target.split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return 'climbs out of the extraction directory with ..';
      parts.pop();
    } else parts.push(part);
  }
  return undefined;
}

/** Tracks member paths of one archive and reports unsafe and duplicate ones. */
export class MemberPathChecker {
  private readonly seen = new Map<string, number>();
  constructor(private readonly container: string) {}

  check(name: string): Finding[] {
    const findings: Finding[] = [];
    const unsafe = unsafeNameReason(name);
    if (unsafe)
      findings.push(
        makeFinding(ARCHIVE_RULES.pathTraversal, this.container, {
          message: `member ${JSON.stringify(name)} ${unsafe}`,
          location: `member ${name}`,
          details: { member: name },
        }),
      );
    const key = normalizeMemberPath(name);
    const count = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, count);
    if (count === 2)
      findings.push(
        makeFinding(ARCHIVE_RULES.duplicateMember, this.container, {
          message: `member ${JSON.stringify(key)} occurs more than once`,
          location: `member ${name}`,
          details: { member: key },
        }),
      );
    return findings;
  }
}
