/**
 * The job queue of Redis mode, on BullMQ: any replica takes any job. A replica holds a lock on each job
 * it runs and renews it every half lock period; when a replica dies, its lock lapses and BullMQ's
 * stalled-job check (run by every replica) puts the job back for another replica. A job interrupted more
 * than SCANNER_REDIS_MAX_INTERRUPTIONS times is given up (BullMQ fails it with its "stalled more than
 * allowable limit" reason) and reported through `onAbandoned`, which stores a failure Harbor shows.
 *
 * Keys live under `<ns>:bull:scans:*` (SCANNER_REDIS_NAMESPACE). Job payloads hold only the scan id:
 * the target and the sealed credentials stay in the job store.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { Logger } from '../observability/logger.js';
import type { JobFailure } from './model.js';
import type { AbandonHandler, JobHandler, JobQueue } from './queue.js';
import { logRedisOutages, type RedisConnectionOptions } from './redis-connection.js';

export interface RedisQueueOptions {
  /** From redisOptionsFromUrl(SCANNER_REDIS_URL). */
  readonly connection: RedisConnectionOptions;
  readonly namespace: string;
  /** Jobs this replica runs at once (SCANNER_JOB_WORKERS). */
  readonly concurrency: number;
  /** A replica silent this long loses its jobs to the others (SCANNER_REDIS_JOB_LOCK). */
  readonly lockMs: number;
  /** Interruptions a job survives; the next one fails it (SCANNER_REDIS_MAX_INTERRUPTIONS). */
  readonly maxInterruptions: number;
  readonly logger: Logger;
  /** Where the queue lives, for log lines (no credentials). */
  readonly where: string;
}

interface ScanJobData {
  readonly scanId: string;
}

const QUEUE_NAME = 'scans';

/**
 * Handler errors are store errors (scan outcomes are recorded, never thrown), usually a Redis blip: a few
 * retries with backoff ride it out.
 */
const HANDLER_ATTEMPTS = 3;
const HANDLER_BACKOFF_MS = 1_000;

/** How often depth() is refreshed from Redis. */
const DEPTH_REFRESH_MS = 5_000;

export class RedisJobQueue implements JobQueue {
  private readonly queue: Queue;
  private worker: Worker<ScanJobData> | undefined;
  private readonly running = new Set<Promise<void>>();
  private waiting = 0;
  private depthTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RedisQueueOptions) {
    this.queue = new Queue(QUEUE_NAME, {
      // Fail fast while Redis is away: a POST then answers 500 at once instead of hanging past Harbor's timeout.
      connection: { ...options.connection, enableOfflineQueue: false },
      prefix: this.prefix,
      defaultJobOptions: {
        attempts: HANDLER_ATTEMPTS,
        backoff: { type: 'exponential', delay: HANDLER_BACKOFF_MS },
        // The job store keeps the outcome; BullMQ's copy would only grow.
        removeOnComplete: true,
        removeOnFail: true,
      },
    });
    logRedisOutages(this.queue, options.where, options.logger);
  }

  async enqueue(jobId: string): Promise<void> {
    // BullMQ ids are its own: a scan re-queued after its leader failed may still have a finishing entry.
    const data: ScanJobData = { scanId: jobId };
    await this.queue.add('scan', data, { jobId: randomUUID() });
    this.waiting++;
  }

  start(handler: JobHandler, onAbandoned: AbandonHandler): void {
    const { options } = this;
    const worker = new Worker<ScanJobData>(
      QUEUE_NAME,
      (job) => {
        const run = handler(job.data.scanId);
        this.running.add(run);
        return run.finally(() => this.running.delete(run));
      },
      {
        connection: { ...options.connection, maxRetriesPerRequest: null },
        prefix: this.prefix,
        concurrency: options.concurrency,
        lockDuration: options.lockMs,
        stalledInterval: options.lockMs,
        maxStalledCount: options.maxInterruptions,
      },
    );
    worker.on('failed', (job, error) => {
      if (!job || !givenUp(job, error)) return;
      onAbandoned(job.data.scanId, this.failureOf(job, error)).catch((err: unknown) =>
        options.logger.error({ err, scan_job_id: job.data.scanId }, 'recording an abandoned scan failed'),
      );
    });
    logRedisOutages(worker, options.where, options.logger);
    this.worker = worker;
    this.depthTimer = setInterval(() => void this.refreshDepth(), DEPTH_REFRESH_MS);
    this.depthTimer.unref();
  }

  /** BullMQ keeps queued and running jobs in Redis, and hands those of a dead replica to another. */
  async resume(): Promise<number> {
    return 0;
  }

  depth(): number {
    return this.waiting;
  }

  async stop(graceMs: number): Promise<void> {
    clearInterval(this.depthTimer);
    const worker = this.worker;
    if (worker) {
      // Take no new job, give running ones the grace period; any still running after it are picked up
      // by another replica once their lock lapses.
      await worker.pause(true);
      await Promise.race([Promise.allSettled([...this.running]), sleep(graceMs, undefined, { ref: false })]);
      await worker.close(true);
    }
    await this.queue.close();
  }

  private async refreshDepth(): Promise<void> {
    try {
      this.waiting = await this.queue.getWaitingCount();
    } catch {
      // Redis away: keep the last figure; readiness reports the outage.
    }
  }

  private failureOf(job: Job<ScanJobData>, error: Error): JobFailure {
    if (job.deferredFailure !== undefined || job.stalledCounter > this.options.maxInterruptions) {
      const times = job.stalledCounter === 1 ? '1 time' : `${job.stalledCounter} times`;
      return {
        code: 'E_SCAN_INTERRUPTED',
        message:
          `scan interrupted ${times}: the scanner replica processing it stopped before finishing (killed, out of memory, or cut off ` +
          `from Redis for longer than SCANNER_REDIS_JOB_LOCK), and it is not retried again (SCANNER_REDIS_MAX_INTERRUPTIONS=` +
          `${this.options.maxInterruptions}); scan the artifact again, and check the replicas' logs and memory limits if it recurs`,
      };
    }
    return { code: 'E_JOB_STORE', message: `running the scan failed ${job.attemptsMade} times on Redis errors (last: ${error.message})` };
  }

  private get prefix(): string {
    return `${this.options.namespace}:bull`;
  }
}

/** BullMQ emits `failed` for every attempt; only the last one ends the job. */
function givenUp(job: Job<ScanJobData>, error: Error): boolean {
  return error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}
