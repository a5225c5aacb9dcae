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
    private readonly perRule = 20,
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
