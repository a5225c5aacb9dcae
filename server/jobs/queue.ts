/**
 * How accepted jobs reach workers. Embedded: an in-process bounded pool (./worker-pool.ts). Redis mode:
 * a BullMQ queue shared by all replicas (./redis-queue.ts).
 */
import type { JobFailure } from './model.js';

export type JobHandler = (jobId: string) => Promise<void>;

/** Records a job the queue gave up on without its handler finishing it (e.g. every replica running it died). */
export type AbandonHandler = (jobId: string, failure: JobFailure) => Promise<void>;

export interface JobQueue {
  /** Hands a job to a worker; returns once the job is queued, never waits for it to run. */
  enqueue(jobId: string): Promise<void>;
  /** Starts consuming with `handler`; `onAbandoned` hears of jobs the queue stops retrying. */
  start(handler: JobHandler, onAbandoned: AbandonHandler): void;
  /**
   * Re-queues the jobs a previous process accepted but did not finish, returns how many. `unfinished`
   * lists them from the store; a queue that keeps its jobs itself (Redis) has nothing to re-queue.
   */
  resume(unfinished: () => Promise<readonly string[]>): Promise<number>;
  /** Jobs waiting for a worker. */
  depth(): number;
  /** Stops taking jobs and waits for running ones up to `graceMs`. */
  stop(graceMs: number): Promise<void>;
}
