/**
 * Where jobs live, chosen from the config: embedded (SQLite store, in-process pool, in-memory analysis
 * ledger) or, with SCANNER_REDIS_URL, Redis shared by all replicas (store, BullMQ queue, ledger).
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { AnalysisLedger } from './analysis-ledger.js';
import { MemoryAnalysisLedger } from './memory-ledger.js';
import type { JobQueue } from './queue.js';
import { connectRedis, redactRedisUrl, redisOptionsFromUrl } from './redis-connection.js';
import { RedisAnalysisLedger } from './redis-ledger.js';
import { RedisJobQueue } from './redis-queue.js';
import { RedisJobStore } from './redis-store.js';
import { SqliteJobStore } from './sqlite-store.js';
import type { JobStore } from './store.js';
import { WorkerPool } from './worker-pool.js';

export interface JobBackend {
  readonly store: JobStore;
  readonly queue: JobQueue;
  readonly ledger: AnalysisLedger;
  /** Where jobs live, for the start-up log line (no credentials). */
  readonly location: string;
}

/** Rejects when Redis mode is configured and Redis cannot be reached. store.close() releases everything. */
export async function createJobBackend(config: Config, logger: Logger): Promise<JobBackend> {
  const { jobs, redis } = config;
  if (!redis) {
    return {
      store: new SqliteJobStore(config.dataDir),
      queue: new WorkerPool(jobs.workers),
      ledger: new MemoryAnalysisLedger(jobs.reportTtlMs),
      location: `sqlite:${config.dataDir}`,
    };
  }
  const location = redactRedisUrl(redis.url);
  const client = await connectRedis(redis.url, logger);
  return {
    store: new RedisJobStore(client, { namespace: redis.namespace, ttlMs: jobs.reportTtlMs }),
    queue: new RedisJobQueue({
      connection: redisOptionsFromUrl(redis.url),
      namespace: redis.namespace,
      concurrency: jobs.workers,
      lockMs: redis.jobLockMs,
      maxInterruptions: redis.maxInterruptions,
      logger,
      where: location,
    }),
    ledger: new RedisAnalysisLedger(client, {
      namespace: redis.namespace,
      // A running entry must outlive its leader's scan, every take-over included, or its waiting jobs
      // would be stranded; a finished one lives as long as reports.
      ttlMs: Math.max(jobs.reportTtlMs, jobs.scanTimeoutMs * (redis.maxInterruptions + 1) + redis.jobLockMs * 2 * (redis.maxInterruptions + 1)),
    }),
    location,
  };
}
