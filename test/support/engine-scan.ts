/**
 * Scans local files through the whole engine (content sniffing, containers, every analyzer) as the CLI does,
 * and groups the findings by the file they are on (members of a container count for the container).
 */
import path from 'node:path';
import { ALL_ANALYZERS } from '../../analyzers/index.js';
import { ScanEngine } from '../../analyzers/engine.js';
import { severityRank, type Finding, type Severity } from '../../analyzers/finding.js';
import { DEFAULT_LIMITS } from '../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../analyzers/settings.js';
import { localFiles } from '../../cli/local-files.js';
import { scanFiles } from '../../server/scan/scan-files.js';

/** Findings keyed by the path of each scanned file, relative to `dir` (files with none map to []). */
export async function scanDirectory(dir: string): Promise<Map<string, Finding[]>> {
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
  const result = await scanFiles(engine, localFiles(path.resolve(dir), []), { packaging: 'local', signal: new AbortController().signal });
  const byFile = new Map<string, Finding[]>(result.files.map((f) => [f.path, []]));
  for (const finding of result.findings) {
    const file = finding.file.split('!')[0]!;
    if (!byFile.has(file)) byFile.set(file, []);
    byFile.get(file)!.push(finding);
  }
  return byFile;
}

/** Licence findings are about the artifact's terms, not its code. */
export const isCodeFinding = (f: Finding): boolean => f.analyzer !== 'license';

export const worstSeverity = (findings: readonly Finding[]): number => Math.max(0, ...findings.map((f) => severityRank(f.severity)));

export const atLeast = (severity: Severity) => (f: Finding): boolean => severityRank(f.severity) >= severityRank(severity);

/** One line per finding, for failure messages and status notes. */
export const describeFinding = (f: Finding): string => `${f.ruleId} ${f.severity}: ${f.message.slice(0, 160)}`;
