/**
 * Findings: the one result type every analyzer produces. Reports (Harbor vulnerability 1.1, model-security
 * 1.0, SARIF, CLI JSON) are pure mappings from these.
 */

/** Ordered from least to most severe; Harbor's `Negligible`/`Unknown` are never produced. */
export const SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Record<Severity, number> = { Low: 1, Medium: 2, High: 3, Critical: 4 };

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** The highest of the given severities, or undefined when there are none. */
export function maxSeverity(severities: Iterable<Severity>): Severity | undefined {
  let best: Severity | undefined;
  for (const s of severities) if (best === undefined || RANK[s] > RANK[best]) best = s;
  return best;
}

/**
 * A rule is the stable, documented reason behind a finding. Its `id` is what Harbor stores as the
 * vulnerability id (and what a CVE allowlist matches), so it never changes once released.
 */
export interface Rule {
  /** Stable id, `<family>.<name>`, e.g. `safetensors.offsets-not-contiguous`. */
  readonly id: string;
  /** Analyzer family that owns the rule (also the `analyzer` of its findings). */
  readonly analyzer: string;
  /** Default severity; a finding may raise or lower it when the rule says so. */
  readonly severity: Severity;
  /** One line: what was found. */
  readonly title: string;
  /** Why it matters to someone loading the model. */
  readonly why: string;
  /** What to do about it. */
  readonly remediation: string;
}

export interface Finding {
  readonly ruleId: string;
  readonly analyzer: string;
  readonly severity: Severity;
  /** Path inside the artifact or scanned directory; members of containers are written `outer!inner`. */
  readonly file: string;
  /** What was found in this file, specifically. */
  readonly message: string;
  readonly why: string;
  readonly remediation: string;
  /** Where in the file: `offset 1234`, `member data.pkl`, `key model.layers.0.weight`… */
  readonly location?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * `artifact`: what it says depends on the artifact as a whole (a conclusion over every file, such as a
   * missing or conflicting licence, or a manifest check), not on its file's bytes alone.
   */
  readonly scope?: 'artifact';
}

export interface FindingInput {
  message: string;
  location?: string;
  details?: Record<string, unknown>;
  /** Overrides the rule's default severity (e.g. an allowlist miss that is invoked vs merely imported). */
  severity?: Severity;
}

/** The one way to build a finding: rule text and id come from the rule, never retyped. */
export function makeFinding(rule: Rule, file: string, input: FindingInput): Finding {
  return {
    ruleId: rule.id,
    analyzer: rule.analyzer,
    severity: input.severity ?? rule.severity,
    file,
    message: input.message,
    why: rule.why,
    remediation: rule.remediation,
    ...(input.location === undefined ? {} : { location: input.location }),
    ...(input.details === undefined ? {} : { details: input.details }),
  };
}

/** Identity helper that keeps rule literals typed as `Rule` while preserving their keys. */
export function defineRules<const T extends Record<string, Rule>>(rules: T): T {
  return rules;
}

/** Path of a member inside a container, as written in findings and reports. */
export function memberPath(container: string, member: string): string {
  return `${container}!${member}`;
}
