/**
 * The embedded analysis ledger: one process, so a Map is atomic enough. Lost on restart, which only
 * costs a re-analysis: resumed jobs join afresh. Finished entries are dropped after the TTL so the map
 * stays bounded by the analyses of one TTL.
 */
import type { AnalysisLedger, LedgerTurn } from './analysis-ledger.js';

interface Entry {
  readonly state: 'running' | 'done';
  readonly jobId: string;
  readonly waiting: Set<string>;
  readonly expiresAt: number;
}

export class MemoryAnalysisLedger implements AnalysisLedger {
  /** Insertion order is expiry order: every entry gets the same TTL when (re)inserted. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async join(key: string, jobId: string): Promise<LedgerTurn> {
    this.dropExpired();
    const entry = this.entries.get(key);
    if (!entry) {
      this.insert(key, 'running', jobId);
      return { role: 'lead' };
    }
    if (entry.state === 'done') return { role: 'reuse', finishedJobId: entry.jobId };
    if (entry.jobId === jobId) return { role: 'lead' };
    return { role: 'wait', leaderId: entry.jobId };
  }

  async attach(key: string, jobId: string, leaderId: string): Promise<boolean> {
    const entry = this.entries.get(key);
    if (entry?.state !== 'running' || entry.jobId !== leaderId) return false;
    entry.waiting.add(jobId);
    return true;
  }

  async settle(key: string, leaderId: string): Promise<string[]> {
    const entry = this.entries.get(key);
    if (entry?.jobId !== leaderId) return [];
    this.insert(key, 'done', leaderId);
    return [...entry.waiting];
  }

  async release(key: string, jobId: string): Promise<string[]> {
    const entry = this.entries.get(key);
    if (entry?.jobId !== jobId) return [];
    this.entries.delete(key);
    return [...entry.waiting];
  }

  private insert(key: string, state: Entry['state'], jobId: string): void {
    this.entries.delete(key);
    this.entries.set(key, { state, jobId, waiting: new Set(), expiresAt: this.now() + this.ttlMs });
  }

  /** Running entries stay whatever their age: dropping one would strand its waiting jobs. */
  private dropExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      if (entry.state === 'done') this.entries.delete(key);
    }
  }
}
