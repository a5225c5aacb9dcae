/**
 * A per-rule cap on findings. A hostile header can describe millions of broken tensors; the report
 * should name the first few of each kind and count the rest, not grow with what the file claims.
 */
import { makeFinding, maxSeverity, type Finding, type FindingInput, type Rule, type Severity } from './finding.js';

/** Where parsers and validators send what they find; {@link FindingBudget} is the implementation. */
export interface FindingSink {
  add(rule: Rule, input: FindingInput): void;
}

/** Attacker-controlled text (names, keys) quoted in a finding is cut to this many characters. */
const MAX_QUOTED_CHARS = 200;

/** `text`, cut to a bounded length so a megabyte-long name cannot bloat a report. */
export function clip(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

/** Findings a {@link FindingBudget} lists per rule unless told otherwise. */
export const FINDINGS_PER_RULE = 20;

interface Suppressed {
  count: number;
  severity: Severity;
}

export class FindingBudget implements FindingSink {
  private readonly listed: Finding[] = [];
  private readonly perRuleCount = new Map<string, number>();
  private readonly suppressed = new Map<Rule, Suppressed>();

  constructor(
    private readonly file: string,
    /** Findings listed in full per rule; the rest are counted in one summary finding. */
    private readonly perRule = FINDINGS_PER_RULE,
  ) {}

  /**
   * `file` defaults to the budget's file; artifact-wide checks pass each finding's own file so one cap
   * per rule holds across every file they report on.
   */
  add(rule: Rule, input: FindingInput, file: string = this.file): void {
    const seen = this.perRuleCount.get(rule.id) ?? 0;
    this.perRuleCount.set(rule.id, seen + 1);
    if (seen < this.perRule) {
      this.listed.push(makeFinding(rule, file, input));
      return;
    }
    const severity = input.severity ?? rule.severity;
    const entry = this.suppressed.get(rule);
    if (entry) {
      entry.count += 1;
      entry.severity = maxSeverity([entry.severity, severity]) ?? severity;
    } else this.suppressed.set(rule, { count: 1, severity });
  }

  /** The listed findings followed by one summary finding per rule that went over its cap. */
  findings(): Finding[] {
    const summaries = [...this.suppressed].map(([rule, { count, severity }]) =>
      makeFinding(rule, this.file, {
        message: `${count} more findings of this kind were not listed individually`,
        severity,
        details: { suppressed: count },
      }),
    );
    return [...this.listed, ...summaries];
  }
}

/**
 * Findings held back until a streamed pass knows whether they stand (a later syntax error voids them)
 * and can go after what must be reported first. It keeps at most `perRule` inputs per rule and counts the
 * rest, so a million broken entries cost a counter; {@link flushTo} hands them on in order.
 */
export class DeferredFindings implements FindingSink {
  private readonly held: Array<readonly [Rule, FindingInput]> = [];
  private readonly counts = new Map<Rule, number>();
  private readonly overflow = new Map<Rule, Suppressed>();

  constructor(private readonly perRule = FINDINGS_PER_RULE) {}

  add(rule: Rule, input: FindingInput): void {
    const seen = this.counts.get(rule) ?? 0;
    this.counts.set(rule, seen + 1);
    if (seen < this.perRule) {
      this.held.push([rule, input]);
      return;
    }
    const severity = input.severity ?? rule.severity;
    const entry = this.overflow.get(rule);
    if (entry) {
      entry.count += 1;
      entry.severity = maxSeverity([entry.severity, severity]) ?? severity;
    } else this.overflow.set(rule, { count: 1, severity });
  }

  /** Everything held, then the counted overflow (which a budget with the same cap only counts). */
  flushTo(sink: FindingSink): void {
    for (const [rule, input] of this.held) sink.add(rule, input);
    for (const [rule, { count, severity }] of this.overflow) {
      const input = { message: '', severity };
      for (let i = 0; i < count; i++) sink.add(rule, input);
    }
  }
}
