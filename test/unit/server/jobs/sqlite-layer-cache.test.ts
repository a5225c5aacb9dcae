import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createLayerResultCache } from '../../../../server/jobs/backend.js';
import type { LayerResultCache } from '../../../../server/jobs/layer-cache.js';
import { RedisLayerResultCache } from '../../../../server/jobs/redis-layer-cache.js';
import { LAYER_CACHE_FILE, SqliteLayerResultCache } from '../../../../server/jobs/sqlite-layer-cache.js';
import { loadConfig } from '../../../../server/config/config.js';
import { layerCacheContract } from './layer-cache-contract.js';

const opened: LayerResultCache[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
});

function openAt(dir: string, maxBytes: number): SqliteLayerResultCache {
  const cache = new SqliteLayerResultCache(dir, { maxBytes });
  opened.push(cache);
  return cache;
}

describe('SqliteLayerResultCache', () => {
  layerCacheContract(async (maxBytes) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'layer-cache-'));
    const cache = openAt(dir, maxBytes);
    return { cache, usage: async () => cache.usage(), second: async () => openAt(dir, maxBytes) };
  });

  it('should keep its entries in a file of its own beside the job store, across reopening', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'layer-cache-'));
    const first = openAt(dir, 10_000);
    await first.put('k', new Uint8Array([1, 2, 3]));
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const again = openAt(dir, 10_000);
    expect(await again.get('k')).toEqual(new Uint8Array([1, 2, 3]));
    expect(path.basename(path.join(dir, LAYER_CACHE_FILE))).toBe('layer-cache.sqlite');
  });

  it('should be opened by a worker thread from the config alone, sharing the entries of the main thread', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'layer-cache-'));
    const config = loadConfig({ SCANNER_DATA_DIR: dir, SCANNER_LAYER_CACHE_BYTES: '1MiB' });
    const main = createLayerResultCache(config)!;
    opened.push(main);
    await main.put('from-main', new Uint8Array([7]));
    const backend = new URL('../../../../server/jobs/backend.ts', import.meta.url).href;
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import('tsx/esm/api').then(({ tsImport }) => tsImport(workerData.backend, workerData.backend)).then(async ({ createLayerResultCache }) => {
         const cache = createLayerResultCache(workerData.config);
         const seen = await cache.get('from-main');
         await cache.put('from-worker', new Uint8Array([8, 9]));
         await cache.close();
         parentPort.postMessage(seen ? Array.from(seen) : null);
       });`,
      { eval: true, workerData: { backend, config } },
    );
    const seen = await new Promise<number[] | null>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(seen).toEqual([7]);
    expect(await main.get('from-worker')).toEqual(new Uint8Array([8, 9]));
  });
});

describe('createLayerResultCache', () => {
  it('should open SQLite in the embedded mode, Redis in Redis mode, and nothing with a budget of 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'layer-cache-'));
    const embedded = createLayerResultCache(loadConfig({ SCANNER_DATA_DIR: dir }));
    expect(embedded).toBeInstanceOf(SqliteLayerResultCache);
    await embedded!.close();
    const store = Buffer.alloc(32, 1).toString('base64');
    const redis = createLayerResultCache(loadConfig({ SCANNER_DATA_DIR: dir, SCANNER_REDIS_URL: 'redis://127.0.0.1:1', SCANNER_STORE_KEY: store }));
    expect(redis).toBeInstanceOf(RedisLayerResultCache);
    await redis!.close();
    expect(createLayerResultCache(loadConfig({ SCANNER_DATA_DIR: dir, SCANNER_LAYER_CACHE_BYTES: '0' }))).toBeUndefined();
  });
});
