/**
 * Where jobs live, chosen from the config: embedded (SQLite store, in-process pool, in-memory analysis
 * ledger) or, with SCANNER_REDIS_URL, Redis shared by all replicas (store, BullMQ queue, ledger). The
 * layer result cache lives in the same place.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { AnalysisLedger } from './analysis-ledger.js';
import type { LayerResultCache } from './layer-cache.js';
import { MemoryAnalysisLedger } from './memory-ledger.js';
import type { JobQueue } from './queue.js';
import { connectRedis, redactRedisUrl, redisOptionsFromUrl } from './redis-connection.js';
import { RedisAnalysisLedger } from './redis-ledger.js';
import { RedisJobQueue } from './redis-queue.js';
import { RedisLayerResultCache } from './redis-layer-cache.js';
import { RedisJobStore } from './redis-store.js';
import { SqliteLayerResultCache } from './sqlite-layer-cache.js';
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

/**
 * The layer result cache (./layer-cache.ts) in this deployment's store: a SQLite file under
 * SCANNER_DATA_DIR, or Redis in Redis mode; undefined when SCANNER_LAYER_CACHE_BYTES is 0. It opens its own
 * connection from the (serialisable) config alone, so a scan worker thread can create its own; close it.
 */
export function createLayerResultCache(config: Pick<Config, 'dataDir' | 'redis' | 'layerCache'>, logger?: Logger): LayerResultCache | undefined {
  const { maxBytes } = config.layerCache;
  if (maxBytes <= 0) return undefined;
  if (config.redis)
    return new RedisLayerResultCache({ url: config.redis.url, namespace: config.redis.namespace, maxBytes, ...(logger ? { logger } : {}) });
  return new SqliteLayerResultCache(config.dataDir, { maxBytes });
}
