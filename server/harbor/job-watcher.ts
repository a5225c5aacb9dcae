/**
 * Waits for jobs to reach a final state. The controller's `onFinished` hook reports most jobs at once;
 * a job finished by another job's analysis (it waited for a scan of the same content, maybe on another
 * replica) is not reported there, so watched jobs are also looked up in the store every `pollMs`.
 */
import type { ScanJob } from '../jobs/model.js';
import type { JobStore } from '../jobs/store.js';

interface Waiter {
  readonly resolve: (job: ScanJob) => void;
  readonly promise: Promise<ScanJob>;
}

export class JobWatcher {
  readonly #waiting = new Map<string, Waiter>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(
    private readonly store: JobStore,
    private readonly pollMs: number,
  ) {}

  /** Resolves with the job once it is `finished` or `failed`. */
  wait(jobId: string): Promise<ScanJob> {
    let waiter = this.#waiting.get(jobId);
    if (waiter === undefined) {
      let resolve!: (job: ScanJob) => void;
      const promise = new Promise<ScanJob>((r) => (resolve = r));
      waiter = { resolve, promise };
      this.#waiting.set(jobId, waiter);
      this.#timer ??= setInterval(() => void this.#poll(), this.pollMs).unref();
    }
    return waiter.promise;
  }

  /** The controller's `onFinished` listener. */
  readonly notify = (job: ScanJob): void => {
    if (job.status !== 'finished' && job.status !== 'failed') return;
    const waiter = this.#waiting.get(job.id);
    if (waiter === undefined) return;
    this.#waiting.delete(job.id);
    if (this.#waiting.size === 0) this.stop();
    waiter.resolve(job);
  };

  /** Stops polling; jobs still watched stay unresolved. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const id of [...this.#waiting.keys()]) {
        const job = await this.store.get(id).catch(() => undefined);
        if (job) this.notify(job);
      }
    } finally {
      this.#polling = false;
    }
  }
}
