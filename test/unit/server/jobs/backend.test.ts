import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/config.js';
import { createJobBackend } from '../../../../server/jobs/backend.js';
import { MemoryAnalysisLedger } from '../../../../server/jobs/memory-ledger.js';
import { RedisAnalysisLedger } from '../../../../server/jobs/redis-ledger.js';
import { RedisJobQueue } from '../../../../server/jobs/redis-queue.js';
import { RedisJobStore } from '../../../../server/jobs/redis-store.js';
import { SqliteJobStore } from '../../../../server/jobs/sqlite-store.js';
import { WorkerPool } from '../../../../server/jobs/worker-pool.js';
import { silentLogger, uniqueNamespace, useTestRedis } from './redis-harness.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('createJobBackend', () => {
  const redis = useTestRedis();

  it('should pick the embedded implementations without SCANNER_REDIS_URL', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'backend-'));
    const backend = await createJobBackend(loadConfig({ SCANNER_DATA_DIR: dataDir }), silentLogger);
    expect([backend.store, backend.queue, backend.ledger].map((part) => part.constructor)).toEqual([SqliteJobStore, WorkerPool, MemoryAnalysisLedger]);
    expect(backend.location).toBe(`sqlite:${dataDir}`);
    await backend.store.close();
  });

  it('should pick the Redis implementations with SCANNER_REDIS_URL', async () => {
    const config = loadConfig({ SCANNER_REDIS_URL: redis.url, SCANNER_REDIS_NAMESPACE: uniqueNamespace('backend'), SCANNER_STORE_KEY: KEY });
    const backend = await createJobBackend(config, silentLogger);
    expect([backend.store, backend.queue, backend.ledger].map((part) => part.constructor)).toEqual([RedisJobStore, RedisJobQueue, RedisAnalysisLedger]);
    expect(await backend.store.healthy()).toBe(true);
    await backend.queue.stop(0);
    await backend.store.close();
  });

  it('should refuse to start when the Redis server cannot be reached, naming it without its password', async () => {
    const config = loadConfig({ SCANNER_REDIS_URL: 'redis://:hunter2@127.0.0.1:1/0', SCANNER_STORE_KEY: KEY });
    const attempt = createJobBackend(config, silentLogger);
    await expect(attempt).rejects.toThrow('connecting to Redis at redis://:redacted@127.0.0.1:1/0');
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });
});
