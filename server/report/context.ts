/**
 * What the report mappers need besides the findings: the scanned artifact, who scanned it, when, the
 * digests of the files (for the `version` Harbor keys records by) and the scan counters.
 */
import { severityRank, type Finding, type Severity } from '../../analyzers/finding.js';
import type { ReportArtifact, Scanner } from '../../spec/schemas.js';

export interface ReportContext {
  readonly artifact: ReportArtifact;
  readonly scanner: Scanner;
  readonly generatedAt: Date;
  /**
   * `sha256:<hex>` digests by file path as written in findings. Top-level files are enough: a member
   * (`outer!inner`) without its own entry takes the digest of its top-level container.
   */
  readonly fileDigests: ReadonlyMap<string, string>;
  /** Files analysed, container members included (ScanStats). */
  readonly filesScanned: number;
  readonly bytesScanned: number;
  /** URL of the published rule catalogue (docs/rules.md); rule links are `<docsBaseUrl>#<anchor>`. */
  readonly docsBaseUrl: string;
  /** Analyzers that ran, for the model-security summary; analyzers with findings are added anyway. */
  readonly analyzersRun?: readonly string[];
}

/** Hex digits of a file digest kept in `version`: short enough to read, 48 bits against collisions. */
const SHORT_DIGEST_HEX = 12;

/** `sha256:0123456789ab` from a full digest, or undefined when it is not `<algorithm>:<hex>`. */
export function shortDigest(digest: string): string | undefined {
  const match = /^([a-z0-9+._-]+):([a-f0-9]+)$/.exec(digest);
  return match ? `${match[1]}:${(match[2] as string).slice(0, SHORT_DIGEST_HEX)}` : undefined;
}

/**
 * The `version` of a finding in a vulnerability report, which with its rule id and path forms the key of
 * the record Harbor shares across every artifact and never rewrites (§3.7): so the key must name all
 * that the record's text depends on. A finding about one file's bytes: the short digest of the file,
 * else of the top-level file that contains it (`outer!inner` → `outer`). A finding about the artifact
 * (`scope: 'artifact'`, or a path that is no scanned file, such as `.`): the artifact's manifest digest —
 * otherwise every artifact's `license.missing` on `.` would be one record, and a *Scan all* that inserts
 * it twice at once fails with a duplicate key.
 */
export function findingVersion(finding: Pick<Finding, 'file' | 'scope'>, ctx: Pick<ReportContext, 'fileDigests' | 'artifact'>): string {
  const own = ctx.fileDigests.get(finding.file) ?? ctx.fileDigests.get(finding.file.split('!', 1)[0] as string);
  const digest = finding.scope === 'artifact' || own === undefined ? ctx.artifact.digest : own;
  return shortDigest(digest) ?? 'unknown';
}

/** Report order: most severe first, then by path, then by rule id (stable for equal keys). */
export function compareForReport(
  a: { severity: Severity; path: string; ruleId: string },
  b: { severity: Severity; path: string; ruleId: string },
): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}
