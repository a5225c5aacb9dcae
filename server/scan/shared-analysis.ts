/**
 * No duplicate work (issue 5): before analysing, a job joins the analysis ledger under its analysis key.
 * It then leads (runs the analysis), reuses a finished analysis of the same content (its report is
 * rendered from a copy of that result with its own artifact fields), or waits for the running one and
 * is finished by its leader. Sharing is earned: a job first proves, with its own registry credentials,
 * that it can pull the artifact (a leader proves it by pulling), so a request whose credentials are wrong
 * fails as it would without sharing. A failed analysis is never shared: the jobs waiting for it run
 * again, each with its own credentials (the failure may have been the leader's credentials).
 */
import type { AnalysisLedger } from '../jobs/analysis-ledger.js';
import type { PackedResult, ScanJob } from '../jobs/model.js';
import type { JobQueue } from '../jobs/queue.js';
import type { JobStore } from '../jobs/store.js';
import { analysisKey } from './analysis-key.js';

/** What the joining job does: analyse, nothing more (finished from a cached result), or wait for its leader. */
export type SharedTurn = 'lead' | 'reused' | 'waiting';

/** Throws (the registry's error) unless the job's own credentials can pull its artifact. */
export type AccessCheck = () => Promise<void>;

export interface SharedAnalysesDeps {
  readonly ledger: AnalysisLedger;
  readonly store: JobStore;
  readonly queue: JobQueue;
  /** analysisFingerprint() of the engine the jobs run on. */
  readonly fingerprint: string;
}

/** Each pass decides or clears one stale ledger entry; running out of passes means analysing alone. */
const MAX_PASSES = 4;

export class SharedAnalyses {
  constructor(private readonly deps: SharedAnalysesDeps) {}

  /** Decides `job`'s turn; `checkAccess` runs (once) before the job may share another job's analysis. */
  async join(job: ScanJob, checkAccess: AccessCheck): Promise<SharedTurn> {
    const { ledger, store } = this.deps;
    const key = this.keyOf(job);
    const mayShare = once(checkAccess);
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const turn = await ledger.join(key, job.id);
      if (turn.role === 'lead') return 'lead';
      if (turn.role === 'reuse') {
        const finished = await store.get(turn.finishedJobId);
        if (!finished?.result) {
          await ledger.release(key, turn.finishedJobId); // its job expired: the next pass leads
          continue;
        }
        await mayShare();
        await store.finish(job.id, finished.result);
        return 'reused';
      }
      // The leader's job says whether it still runs; a leader whose process died between recording its
      // outcome and updating the ledger is settled or released here, by whoever comes next.
      const leader = await store.get(turn.leaderId);
      if (leader?.status === 'finished' && leader.result) await this.settle(key, turn.leaderId, leader.result);
      else if (!leader || leader.status === 'failed') await this.requeueWaiting(key, turn.leaderId);
      else {
        await mayShare();
        if (await ledger.attach(key, job.id, turn.leaderId)) return 'waiting';
      }
    }
    return 'lead';
  }

  /** The leader finished: the jobs waiting for it get its result. */
  async succeeded(leader: ScanJob, result: PackedResult): Promise<void> {
    await this.settle(this.keyOf(leader), leader.id, result);
  }

  /** The leader failed or was given up: its waiting jobs run again. */
  async failed(leader: ScanJob): Promise<void> {
    await this.requeueWaiting(this.keyOf(leader), leader.id);
  }

  private async settle(key: string, leaderId: string, result: PackedResult): Promise<void> {
    const waiting = await this.deps.ledger.settle(key, leaderId);
    await Promise.all(waiting.map((id) => this.deps.store.finish(id, result)));
  }

  private async requeueWaiting(key: string, leaderId: string): Promise<void> {
    for (const id of await this.deps.ledger.release(key, leaderId)) await this.deps.queue.enqueue(id);
  }

  private keyOf(job: ScanJob): string {
    return analysisKey(job.target, this.deps.fingerprint);
  }
}

function once(check: AccessCheck): AccessCheck {
  let result: Promise<void> | undefined;
  return () => (result ??= check());
}
