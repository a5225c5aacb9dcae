/**
 * Issue 11's red-team set through the whole engine: every file was built by an attacker who read our
 * allowlist, sniffing and container readers, and each runs its payload under the loader named in the
 * manifest (checked by test/fixtures/redteam/verify.py with the real libraries). Each must be flagged High
 * or Critical; files of the evidence class must also show the reconstructed argument in the finding.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../analyzers/finding.js';
import { severityRank } from '../../../analyzers/finding.js';
import { describeFinding, isCodeFinding, scanDirectory, worstSeverity } from '../../support/engine-scan.js';

const ROOT = path.resolve('test/fixtures/redteam');
interface Entry {
  readonly file: string;
  readonly loader: string;
  readonly class: number;
  readonly why: string;
  readonly evidence?: string;
  /** The file whose content actually runs (a joblib wrapper's sidecar .npy). */
  readonly runs_via?: string;
}
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')) as { files: Entry[] };

let byFile: Map<string, Finding[]>;
beforeAll(async () => {
  byFile = await scanDirectory(path.join(ROOT, 'files'));
}, 300_000);

const findingsOf = (file: string) => (byFile.get(file) ?? []).filter(isCodeFinding);

describe('red-team set through the engine', () => {
  it('should hold at least 60 files across the five classes of issue 11', () => {
    expect(manifest.files.length).toBeGreaterThanOrEqual(60);
    expect(new Set(manifest.files.map((e) => e.class))).toEqual(new Set([1, 2, 3, 4, 5]));
    for (const entry of manifest.files) expect(byFile.has(entry.file), entry.file).toBe(true);
  });

  it.each([1, 2, 3, 4, 5])('should flag every file of class %i at High or Critical', (cls) => {
    const missed = manifest.files
      .filter((e) => e.class === cls)
      .filter((e) => worstSeverity(findingsOf(e.runs_via ?? e.file)) < severityRank('High'))
      .map((e) => `${e.file} (${e.why}): ${findingsOf(e.file).map(describeFinding).join(' | ') || 'no finding'}`);
    expect(missed).toEqual([]);
  });

  it('should show what runs: the reconstructed argument is in the message and the details', () => {
    const silent = manifest.files
      .filter((e) => e.evidence)
      .filter((e) => {
        const loud = findingsOf(e.file).filter((f) => severityRank(f.severity) >= severityRank('High'));
        return !loud.some((f) => f.message.includes(e.evidence!) && JSON.stringify(f.details ?? {}).includes(e.evidence!));
      })
      .map((e) => `${e.file}: wanted "${e.evidence}" in ${findingsOf(e.file).map(describeFinding).join(' | ') || 'no finding'}`);
    expect(silent).toEqual([]);
  });
});
