/** The embedded queue: a FIFO drained by at most `concurrency` jobs at a time in this process. */
import type { JobHandler, JobQueue } from './queue.js';

export class WorkerPool implements JobQueue {
  private readonly waiting: string[] = [];
  private readonly running = new Set<Promise<void>>();
  private handler: JobHandler | undefined;
  private stopped = false;

  constructor(private readonly concurrency: number) {}

  async enqueue(jobId: string): Promise<void> {
    // Shutting down: the job is in the store already, and the next process resumes it.
    if (this.stopped) return;
    this.waiting.push(jobId);
    this.drain();
  }

  start(handler: JobHandler): void {
    this.handler = handler;
    this.drain();
  }

  /** The pool lives in this process only: whatever the store holds unfinished is queued again. */
  async resume(unfinished: () => Promise<readonly string[]>): Promise<number> {
    const ids = await unfinished();
    for (const id of ids) await this.enqueue(id);
    return ids.length;
  }

  depth(): number {
    return this.waiting.length;
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private drain(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.stopped && this.running.size < this.concurrency && this.waiting.length > 0) {
      const jobId = this.waiting.shift()!;
      // The handler records failures in the store; a rejection here is a bug, not a job outcome.
      const run = handler(jobId)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(run);
          this.drain();
        });
      this.running.add(run);
    }
  }
}
