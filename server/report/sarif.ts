/**
 * Findings as SARIF 2.1.0 (OASIS), the format code-scanning UIs and CI tools ingest. One run, one
 * result per finding, rules described once in the driver.
 */
import type { Finding, Rule, Severity } from '../../analyzers/finding.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { Critical: 'error', High: 'error', Medium: 'warning', Low: 'note' };
/** GitHub code scanning reads `security-severity` (0–10) to rank security results. */
const SECURITY_SEVERITY: Record<Severity, string> = { Critical: '9.5', High: '8.0', Medium: '5.5', Low: '3.0' };

export interface SarifOptions {
  readonly toolName: string;
  readonly toolVersion: string;
  readonly informationUri: string;
  /** Rule documentation link for a rule id. */
  readonly ruleLink: (ruleId: string) => string;
}

export function toSarif(findings: readonly Finding[], rules: readonly Rule[], options: SarifOptions): Record<string, unknown> {
  const used = new Set(findings.map((f) => f.ruleId));
  const ruleList = rules.filter((r) => used.has(r.id));
  const index = new Map(ruleList.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: options.toolName,
            version: options.toolVersion,
            informationUri: options.informationUri,
            rules: ruleList.map((rule) => ({
              id: rule.id,
              name: rule.id,
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.why },
              help: { text: rule.remediation },
              helpUri: options.ruleLink(rule.id),
              defaultConfiguration: { level: LEVEL[rule.severity] },
              properties: { 'security-severity': SECURITY_SEVERITY[rule.severity], tags: ['security', rule.analyzer] },
            })),
          },
        },
        results: findings.map((finding) => ({
          ruleId: finding.ruleId,
          ...(index.has(finding.ruleId) ? { ruleIndex: index.get(finding.ruleId) } : {}),
          level: LEVEL[finding.severity],
          message: { text: finding.message },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: encodeURI(finding.file.split('!', 1)[0]!) } },
              ...(finding.file.includes('!') || finding.location
                ? { logicalLocations: [{ fullyQualifiedName: finding.file + (finding.location ? ` ${finding.location}` : ''), kind: 'member' }] }
                : {}),
            },
          ],
          properties: { severity: finding.severity, analyzer: finding.analyzer, ...(finding.details ? { details: finding.details } : {}) },
        })),
      },
    ],
  };
}
