/**
 * What a scan saw, aggregated so memory stays bounded however long the stream is: one record per
 * distinct imported global or extension code, and one counted entry per distinct event (first offset
 * kept). Findings are built from this at the end (findings.ts).
 */
import { compatRename } from './compat.js';
import { isValidDottedName } from './names.js';
import type { PicklePolicy } from './policy.js';
import { Retention } from './retention.js';
import { K, type ExtRecord, type GlobalRecord } from './values.js';

/** Non-global observations; each maps to one rule. */
export type EventKind =
  | 'unresolved-global'
  | 'dynamic-call'
  | 'global-mutation'
  | 'invalid-operation'
  | 'protocol-anomaly'
  | 'malformed'
  | 'frame-violation'
  | 'resource-limit'
  | 'trailing-data'
  | 'inline-array-unresolved'
  | 'external-load'
  | 'state-exec';

export interface EventRecord {
  readonly kind: EventKind;
  readonly detail: string;
  readonly firstOffset: number;
  count: number;
  /** Reading that saw it first, when not the plain linear one. */
  readonly via: string | undefined;
  /** What runs, rendered (evidence.ts), for events about a call. */
  call?: string;
}

/** Distinct details kept per kind; later ones are counted under the last entry. */
const MAX_DETAILS_PER_KIND = 32;
/** Distinct globals recorded per scan (real models name a few hundred at most). */
export const MAX_DISTINCT_GLOBALS = 20_000;

export class Observations {
  readonly globals = new Map<string, GlobalRecord>();
  readonly extensions = new Map<number, ExtRecord>();
  readonly events = new Map<string, EventRecord>();
  private readonly detailsPerKind = new Map<EventKind, number>();
  /** Where each global was first seen when not by the main reading (for messages). */
  readonly via = new Map<GlobalRecord | ExtRecord, string>();
  pickles = 0;

  constructor(
    readonly policy: PicklePolicy,
    /** What interpreters may keep; shared with every child so the budget is per scan. */
    readonly retention = new Retention(),
  ) {}

  /** A private record for a speculative reading, to be `absorb`ed later; shares policy and budgets. */
  child(): Observations {
    return new Observations(this.policy, this.retention);
  }

  /**
   * The record for a global written as `module`/`name`. Below protocol 3 the loader applies the
   * compatibility renames (compat.ts).
   */
  global(module: string, name: string, proto: number, offset: number, via?: string): GlobalRecord | undefined {
    const renamed = proto < 3 ? compatRename(module, name) : undefined;
    const [m, n] = renamed ?? [module, name];
    const key = renamed ? `${m}\n${n}\n${module}\n${name}` : `${m}\n${n}`;
    let record = this.globals.get(key);
    if (!record) {
      if (this.globals.size >= MAX_DISTINCT_GLOBALS) return undefined;
      // Only the renamed name is ever imported: the written ones (`cPickle`, `__builtin__`) do not
      // exist in Python 3, so a loader without fix_imports fails on them.
      const verdict = this.policy.classify(m, n);
      record = {
        k: K.Global,
        module: m,
        name: n,
        ...(renamed ? { written: { module, name } } : {}),
        verdict,
        firstOffset: offset,
        count: 0,
        invokedAt: -1,
        mutatedAt: -1,
      };
      this.globals.set(key, record);
      if (via) this.via.set(record, via);
    } else if (!via) this.via.delete(record);
    record.count++;
    return record;
  }

  extension(code: number, offset: number, via?: string): ExtRecord {
    let record = this.extensions.get(code);
    if (!record) {
      record = { k: K.Ext, code, firstOffset: offset, count: 0, invokedAt: -1 };
      this.extensions.set(code, record);
      if (via) this.via.set(record, via);
    } else if (!via) this.via.delete(record);
    record.count++;
    return record;
  }

  event(kind: EventKind, offset: number, detail: string, via?: string, times = 1, call?: string): void {
    let key = `${kind}\n${detail}`;
    let record = this.events.get(key);
    if (!record) {
      const distinct = this.detailsPerKind.get(kind) ?? 0;
      if (distinct >= MAX_DETAILS_PER_KIND) {
        key = `${kind}\n…`;
        record = this.events.get(key);
        detail = 'further occurrences of this kind';
      }
      if (!record) {
        record = { kind, detail, firstOffset: offset, count: 0, via, ...(call ? { call } : {}) };
        this.events.set(key, record);
        this.detailsPerKind.set(kind, distinct + 1);
      }
    }
    record.count += times;
  }

  /**
   * Fold a speculative reading's observations in. `complete` readings (they reached STOP) contribute
   * everything; abandoned ones only globals with well-formed names, which random bytes never spell.
   */
  absorb(other: Observations, complete: boolean, via?: string): void {
    for (const record of other.globals.values()) {
      if (!complete && !(isValidDottedName(record.module) && isValidDottedName(record.name))) continue;
      const written = record.written ?? record;
      // Protocol 0 re-applies the same rename; 3 keeps a name that was never renamed.
      const mine = this.global(written.module, written.name, record.written ? 0 : 3, record.firstOffset, via);
      if (!mine) return;
      mine.count += record.count - 1;
      if (record.invokedAt >= 0 && mine.invokedAt < 0) {
        mine.invokedAt = record.invokedAt;
        if (record.evidence) mine.evidence = record.evidence;
      }
      if (record.mutatedAt >= 0 && mine.mutatedAt < 0) mine.mutatedAt = record.mutatedAt;
      if (record.staticCalls) mine.staticCalls = (mine.staticCalls ?? 0) + record.staticCalls;
    }
    if (!complete) return;
    for (const record of other.extensions.values()) {
      const mine = this.extension(record.code, record.firstOffset, via);
      mine.count += record.count - 1;
      if (record.invokedAt >= 0 && mine.invokedAt < 0) mine.invokedAt = record.invokedAt;
    }
    for (const event of other.events.values()) this.event(event.kind, event.firstOffset, event.detail, via, event.count, event.call);
  }
}
