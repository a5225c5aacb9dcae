/**
 * A job store whose final writes survive store outages (issue 14 item 8): a full data disk or a Redis
 * outage used to leave the job `running` forever (302 to Harbor, no log line) or fail it for good. Here
 * a result that could not be written is kept and written again with backoff until the store takes it,
 * each failed streak is logged, readiness reports the store unwritable meanwhile, and the job finishes
 * by itself once the store recovers. The result stays in memory only: if the process dies first, the
 * job is still `running` in the store and the next process resumes (rescans) it.
 */
import type { Logger } from '../observability/logger.js';
import type { JobFailure, PackedResult } from './model.js';
import type { JobStore, NewJob } from './store.js';

export interface WriteRetryOptions {
  readonly logger: Logger;
  /** Heard on every failed write: a metric. */
  readonly onWriteFailed?: (operation: string) => void;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

export class WriteRetryingJobStore implements JobStore {
  private failingWrites = 0;
  private closed = false;
  private readonly wakeups = new Set<() => void>();

  constructor(
    private readonly inner: JobStore,
    private readonly options: WriteRetryOptions,
  ) {}

  /** A submission is refused (500) rather than queued in memory: Harbor retries a failed submit. */
  async create(job: NewJob): Promise<void> {
    await this.watched('create', () => this.inner.create(job));
  }

  get(id: string): ReturnType<JobStore['get']> {
    return this.inner.get(id);
  }

  sealedAuthorization(id: string): ReturnType<JobStore['sealedAuthorization']> {
    return this.inner.sealedAuthorization(id);
  }

  markRunning(id: string): Promise<boolean> {
    return this.untilWritten('markRunning', id, () => this.inner.markRunning(id));
  }

  finish(id: string, result: PackedResult): Promise<void> {
    return this.untilWritten('finish', id, () => this.inner.finish(id, result));
  }

  fail(id: string, failure: JobFailure): Promise<void> {
    return this.untilWritten('fail', id, () => this.inner.fail(id, failure));
  }

  unfinished(): ReturnType<JobStore['unfinished']> {
    return this.inner.unfinished();
  }

  purge(olderThan: number): Promise<number> {
    return this.watched('purge', () => this.inner.purge(olderThan));
  }

  /** Not ready while any write is failing, whatever a read says: Harbor's results would be lost. */
  async healthy(): Promise<boolean> {
    return this.failingWrites === 0 && (await this.inner.healthy());
  }

  /** Stops the retries (their jobs stay unfinished in the store, for the next process to resume). */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.wakeups) wake();
    await this.inner.close();
  }

  private async watched<T>(operation: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      this.options.onWriteFailed?.(operation);
      this.options.logger.error({ err, operation }, 'job store write failed');
      throw err;
    }
  }

  private async untilWritten<T>(operation: string, jobId: string, write: () => Promise<T>): Promise<T> {
    let delay = this.options.initialDelayMs ?? 500;
    let failed = false;
    try {
      for (;;) {
        try {
          const value = await write();
          if (failed) this.options.logger.info({ scan_job_id: jobId, operation }, 'job store write succeeded after retries');
          return value;
        } catch (err) {
          this.options.onWriteFailed?.(operation);
          if (!failed) {
            failed = true;
            this.failingWrites++;
            this.options.logger.error({ err, scan_job_id: jobId, operation }, 'job store write failed; retrying until the store accepts it');
          }
          if (this.closed) throw err;
          await this.sleep(delay);
          if (this.closed) throw err;
          delay = Math.min(delay * 2, this.options.maxDelayMs ?? 10_000);
        }
      }
    } finally {
      if (failed) this.failingWrites--;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeups.add(wake);
    });
  }
}
