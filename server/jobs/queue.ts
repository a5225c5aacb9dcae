/**
 * How accepted jobs reach workers. Embedded: an in-process bounded pool (./worker-pool.ts). A shared
 * queue (Redis) can implement the same interface.
 */
export type JobHandler = (jobId: string) => Promise<void>;

export interface JobQueue {
  /** Hands a job to a worker; returns once the job is queued, never waits for it to run. */
  enqueue(jobId: string): Promise<void>;
  /** Starts consuming with `handler`. */
  start(handler: JobHandler): void;
  /** Jobs waiting for a worker. */
  depth(): number;
  /** Stops taking jobs and waits for running ones up to `graceMs`. */
  stop(graceMs: number): Promise<void>;
}
