/** The CLI's JSON report: a flat, stable shape for CI pipelines (issue 3, item 1). */
import type { Fact, LicenseDeclaration } from '../analyzers/analyzer.js';
import { maxSeverity, severityRank, type Finding, type Severity } from '../analyzers/finding.js';

export interface CliReport {
  readonly scanner: { readonly name: string; readonly version: string };
  readonly target: string | readonly string[];
  readonly files_scanned: number;
  readonly bytes_scanned: number;
  /** Highest finding severity, `None` when clean. */
  readonly severity: Severity | 'None';
  readonly findings: readonly CliFinding[];
  /** Every license declaration found, including those that raise no finding. */
  readonly licenses: readonly CliLicense[];
}

export interface CliLicense {
  /** Written like a finding's `file`; `.` or a digest for the manifest and config. */
  readonly file: string;
  /** SPDX id or expression, `LicenseRef-…`, or `NOASSERTION`. */
  readonly spdx: string;
  readonly name: string;
  /** Where it was declared; `none` for a model no source declares a licence for (its `spdx` is NOASSERTION). */
  readonly source: LicenseDeclaration['source'] | 'none';
  readonly confidence: number;
}

export interface CliFinding {
  readonly id: string;
  readonly severity: Severity;
  readonly analyzer: string;
  readonly file: string;
  readonly message: string;
  readonly location: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export function toCliReport(
  scanner: CliReport['scanner'],
  targets: readonly string[],
  counts: { filesScanned: number; bytesScanned: number },
  findings: readonly Finding[],
  facts: readonly Fact[] = [],
  /** Model roots without any licence declaration (analyzers/license/policy.ts `unlicensedRoots`). */
  unlicensed: readonly string[] = [],
): CliReport {
  const sorted = [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.file.localeCompare(b.file));
  return {
    scanner,
    target: targets.length === 1 ? targets[0]! : targets,
    files_scanned: counts.filesScanned,
    bytes_scanned: counts.bytesScanned,
    severity: maxSeverity(findings.map((f) => f.severity)) ?? 'None',
    findings: sorted.map((f) => ({
      id: f.ruleId,
      severity: f.severity,
      analyzer: f.analyzer,
      file: f.file,
      message: f.message,
      location: f.location ?? null,
      details: f.details ?? {},
    })),
    licenses: [
      ...facts
        .filter((f): f is LicenseDeclaration => f.kind === 'license')
        .map(({ file, spdx, name, source, confidence }) => ({ file, spdx, name, source, confidence })),
      ...unlicensed.map((root) => ({ file: root === '' ? '.' : root, spdx: 'NOASSERTION', name: 'no license declared', source: 'none' as const, confidence: 1 })),
    ],
  };
}
