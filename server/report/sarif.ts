/**
 * Findings as SARIF 2.1.0 (OASIS), the format code-scanning UIs and CI tools ingest. One run, one
 * result per finding, rules described once in the driver.
 */
import type { Finding, Rule, Severity } from '../../analyzers/finding.js';
import { ruleDocLinks } from './rule-links.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { Critical: 'error', High: 'error', Medium: 'warning', Low: 'note' };
/** GitHub code scanning reads `security-severity` (0–10) to rank security results. */
const SECURITY_SEVERITY: Record<Severity, string> = { Critical: '9.5', High: '8.0', Medium: '5.5', Low: '3.0' };

export interface SarifOptions {
  readonly toolName: string;
  readonly toolVersion: string;
  /** The rule catalogue's URL; empty: no documentation links. */
  readonly docsUrl: string;
  /**
   * Where a finding's file is, as an artifact location (default: its path in the artifact, no base).
   * Code-scanning UIs place a result only by a URI relative to the checkout under a named base.
   */
  readonly artifactUri?: (finding: Finding) => { readonly uri: string; readonly uriBaseId?: string };
  /** The bases `artifactUri` names, as absolute URIs ending in `/` (SARIF §3.14.14 originalUriBaseIds). */
  readonly uriBases?: Readonly<Record<string, string>>;
}

const defaultArtifactUri = (finding: Finding) => ({ uri: encodeURI(finding.file.split('!', 1)[0]!) });

/** SARIF §3.49.7: `name` is an opaque identifier in PascalCase, distinct from the id (`pickle.dangerous-global` → `PickleDangerousGlobal`). */
export function sarifRuleName(ruleId: string): string {
  return ruleId
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

export function toSarif(findings: readonly Finding[], rules: readonly Rule[], options: SarifOptions): Record<string, unknown> {
  const used = new Set(findings.map((f) => f.ruleId));
  const ruleList = rules.filter((r) => used.has(r.id));
  const index = new Map(ruleList.map((r, i) => [r.id, i]));
  const artifactUri = options.artifactUri ?? defaultArtifactUri;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: options.toolName,
            version: options.toolVersion,
            ...(options.docsUrl ? { informationUri: options.docsUrl } : {}),
            rules: ruleList.map((rule) => ({
              id: rule.id,
              name: sarifRuleName(rule.id),
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.why },
              help: { text: rule.remediation },
              ...Object.fromEntries(ruleDocLinks(rule.id, options.docsUrl).map((uri) => ['helpUri', uri])),
              defaultConfiguration: { level: LEVEL[rule.severity] },
              properties: { 'security-severity': SECURITY_SEVERITY[rule.severity], tags: ['security', rule.analyzer] },
            })),
          },
        },
        ...(options.uriBases
          ? { originalUriBaseIds: Object.fromEntries(Object.entries(options.uriBases).map(([id, uri]) => [id, { uri }])) }
          : {}),
        results: findings.map((finding) => ({
          ruleId: finding.ruleId,
          ...(index.has(finding.ruleId) ? { ruleIndex: index.get(finding.ruleId) } : {}),
          level: LEVEL[finding.severity],
          message: { text: finding.message },
          locations: [
            {
              // Model files are not text: the region says "the file", which code scanning needs to place a result.
              physicalLocation: { artifactLocation: artifactUri(finding), region: { startLine: 1 } },
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
