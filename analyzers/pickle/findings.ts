/** Turns what a scan observed into findings: one per distinct global, extension code or event. */
import { clip } from '../finding-budget.js';
import { makeFinding, severityRank, type Finding, type Rule } from '../finding.js';
import type { EventKind, Observations } from './observations.js';
import { describeCategory } from './policy.js';
import { PICKLE_RULES } from './rules.js';
import type { ExtRecord, GlobalRecord } from './values.js';

const EVENT_RULES: Readonly<Record<EventKind, Rule>> = {
  'unresolved-global': PICKLE_RULES.unresolvedGlobal,
  'dynamic-call': PICKLE_RULES.dynamicCall,
  'global-mutation': PICKLE_RULES.globalMutation,
  'invalid-operation': PICKLE_RULES.invalidOperation,
  'protocol-anomaly': PICKLE_RULES.protocolAnomaly,
  malformed: PICKLE_RULES.malformed,
  'frame-violation': PICKLE_RULES.frameViolation,
  'resource-limit': PICKLE_RULES.resourceLimit,
  'trailing-data': PICKLE_RULES.trailingData,
  'inline-array-unresolved': PICKLE_RULES.inlineArrayUnresolved,
  // A nested deserializer on a file outside the scanned artifact: as dangerous as importing pickle.loads.
  'external-load': PICKLE_RULES.dangerousGlobal,
  // Source code in the state that the object exec()s on load.
  'state-exec': PICKLE_RULES.dangerousGlobal,
};

/** Findings for `file` (offsets are absolute in it, also for a pickle embedded in a `.npy`). */
export function pickleFindings(obs: Observations, file: string): Finding[] {
  const findings: Array<{ finding: Finding; offset: number }> = [];
  const at = (offset: number): string => `offset ${offset}`;
  const seenBy = (record: GlobalRecord | ExtRecord): string => {
    const via = obs.via.get(record);
    return via ? ` (seen by the ${via})` : '';
  };

  for (const record of obs.globals.values()) {
    // Names come from the file: clipped, so a kilobyte-long name cannot bloat the report.
    const qualified = clip(`${record.module}.${record.name}`);
    const invoked = record.invokedAt >= 0;
    const written = record.written ? clip(`${record.written.module}.${record.written.name}`) : undefined;
    const renamed = written ? ` (written as ${written}; renamed on load below protocol 3)` : '';
    // What runs, as the loader would call it (evidence.ts renders it escaped and truncated).
    const evidence = record.evidence;
    const runs = evidence ? `; runs ${evidence.call}${evidence.how ? ` as ${evidence.how}` : ''}` : '';
    const details = {
      global: qualified,
      invoked,
      ...(evidence ? { call: evidence.call, ...(evidence.how ? { via: evidence.how } : {}) } : {}),
      occurrences: record.count,
      firstOffset: record.firstOffset,
      ...(written ? { written } : {}),
      ...(obs.via.has(record) ? { reading: obs.via.get(record) } : {}),
    };
    const verdict = record.verdict;
    if (verdict.kind === 'allowed') continue;
    // Only ever used as `getattr(<allowed>, '<name>')`: the attribute is judged as its own global.
    if (record.staticCalls && !invoked && record.mutatedAt < 0) continue;
    if (verdict.kind === 'denied') {
      findings.push({
        offset: record.firstOffset,
        finding: makeFinding(PICKLE_RULES.dangerousGlobal, file, {
          message: `imports ${qualified}${invoked ? ' and calls it' : ''}${renamed}: ${verdict.reason}${runs}${seenBy(record)}`,
          location: at(record.firstOffset),
          details: { ...details, category: verdict.category, categoryText: describeCategory(verdict.category) },
        }),
      });
      continue;
    }
    const rule = invoked ? PICKLE_RULES.nonAllowlistedCall : PICKLE_RULES.nonAllowlistedImport;
    findings.push({
      offset: record.firstOffset,
      finding: makeFinding(rule, file, {
        message: `${invoked ? 'calls' : 'imports'} ${qualified}, which is not on the allowlist${renamed}${runs}${seenBy(record)}`,
        location: at(invoked ? record.invokedAt : record.firstOffset),
        details,
      }),
    });
  }

  for (const record of obs.extensions.values())
    findings.push({
      offset: record.firstOffset,
      finding: makeFinding(PICKLE_RULES.extensionCode, file, {
        message: `fetches extension code ${record.code} from the copyreg registry${record.invokedAt >= 0 ? ' and calls it' : ''}${seenBy(record)}`,
        location: at(record.firstOffset),
        details: { code: record.code, invoked: record.invokedAt >= 0, occurrences: record.count },
      }),
    });

  for (const event of obs.events.values())
    findings.push({
      offset: event.firstOffset,
      finding: makeFinding(EVENT_RULES[event.kind], file, {
        message: `${clip(event.detail)}${event.count > 1 ? ` (${event.count} times)` : ''}${event.via ? ` (seen by the ${event.via})` : ''}`,
        location: at(event.firstOffset),
        details: {
          occurrences: event.count,
          firstOffset: event.firstOffset,
          ...(event.call ? { call: event.call } : {}),
          ...(event.via ? { reading: event.via } : {}),
        },
      }),
    });

  findings.sort((a, b) => severityRank(b.finding.severity) - severityRank(a.finding.severity) || a.offset - b.offset);
  return findings.map((f) => f.finding);
}
