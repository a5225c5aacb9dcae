/**
 * Findings → model-security report 1.0 (`application/vnd.security.model.report+json; version=1.0`)
 * of the `chlins/harbor` fork (../shared/reference/harbor-scanner-api.md §5.2). The fork stores this
 * report as a JSON blob, not in the shared vulnerability table, so every finding is kept as it is
 * (no merging as in the vulnerability report). A pure mapping.
 */
import { maxSeverity, type Finding, type Severity } from '../../analyzers/finding.js';
import type { ModelSecurityFinding, ModelSecurityReport } from '../../spec/schemas.js';
import { compareForReport, type ReportContext } from './context.js';
import { ruleDocLinks } from './rule-links.js';

const COUNTER: Record<Severity, 'low' | 'medium' | 'high' | 'critical'> = {
  Low: 'low',
  Medium: 'medium',
  High: 'high',
  Critical: 'critical',
};

/** Severity is the highest finding's, `None` when clean, as the fork's `Normalize` recomputes it. */
export function toModelSecurityReport(findings: readonly Finding[], ctx: ReportContext): ModelSecurityReport {
  const ordered = [...findings].sort((a, b) =>
    compareForReport({ ...a, path: a.file }, { ...b, path: b.file }),
  );
  const counts = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const finding of ordered) counts[COUNTER[finding.severity]] += 1;
  const scanners = new Set([...(ctx.analyzersRun ?? []), ...ordered.map((f) => f.analyzer)]);
  return {
    generated_at: ctx.generatedAt.toISOString(),
    scanner: ctx.scanner,
    severity: maxSeverity(ordered.map((f) => f.severity)) ?? 'None',
    summary: {
      total: ordered.length,
      ...counts,
      files_scanned: ctx.filesScanned,
      bytes_scanned: ctx.bytesScanned,
      scanners: [...scanners].sort(),
    },
    findings: ordered.map((finding) => toModelFinding(finding, ctx.docsBaseUrl)),
  };
}

function toModelFinding(finding: Finding, docsBaseUrl: string): ModelSecurityFinding {
  return {
    id: finding.ruleId,
    severity: finding.severity,
    message: finding.message,
    // The fork's finding has no remediation field; `why` is the text shown next to the message.
    why: `${finding.why}\n\nRemediation: ${finding.remediation}`,
    file: finding.file,
    ...(finding.location === undefined ? {} : { location: finding.location }),
    scanner: finding.analyzer,
    ...(finding.details === undefined ? {} : { details: { ...finding.details } }),
    links: ruleDocLinks(finding.ruleId, docsBaseUrl),
  };
}
