/**
 * Who analyses what (issue 5, "no duplicate work"): scans of the same content share one analysis. Per
 * analysis key (../scan/analysis-key.ts) the ledger records the job running the analysis (its leader)
 * and the jobs waiting for it, then the finished job whose result later scans reuse for the report TTL.
 * It records who does the work; results and job states stay in the JobStore. Embedded: in process
 * memory (./memory-ledger.ts); Redis mode: shared by all replicas (./redis-ledger.ts).
 */

/** What a job joining the ledger should do. */
export type LedgerTurn =
  /** Run the analysis, then settle (success) or release (failure) the key. */
  | { readonly role: 'lead' }
  /** Another job is analysing this content: attach() to be finished with its result. */
  | { readonly role: 'wait'; readonly leaderId: string }
  /** A finished job holds the result of this content. */
  | { readonly role: 'reuse'; readonly finishedJobId: string };

export interface AnalysisLedger {
  /**
   * Atomically: becomes the leader of `key` when nobody analyses it, or says who does (or did). A leader
   * that joins again (its job resumed after its process died) leads again. Only leading records anything:
   * a job checks it may share an analysis before it attaches to one.
   */
  join(key: string, jobId: string): Promise<LedgerTurn>;
  /** Records `jobId` as waiting for `leaderId`'s analysis; false when that one no longer runs (join again). */
  attach(key: string, jobId: string, leaderId: string): Promise<boolean>;
  /**
   * The leader finished: later joiners reuse its job for the TTL. Returns the jobs that were waiting (no
   * longer recorded); nothing when `leaderId` does not lead `key`.
   */
  settle(key: string, leaderId: string): Promise<string[]>;
  /**
   * Forgets `key` if `jobId` is its leader or finished job (a failed analysis is never reused; a
   * finished one whose job expired is gone). Returns the jobs that were waiting, to be run again.
   */
  release(key: string, jobId: string): Promise<string[]>;
}
