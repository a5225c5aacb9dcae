import { describe, expect, it } from 'vitest';
import { RedisLayerResultCache } from '../../../../server/jobs/redis-layer-cache.js';
import type { LayerResultCache } from '../../../../server/jobs/layer-cache.js';
import { layerCacheContract } from './layer-cache-contract.js';
import { uniqueNamespace, useTestRedis } from './redis-harness.js';

describe('RedisLayerResultCache', () => {
  const redis = useTestRedis();
  const open = (namespace: string, maxBytes: number): RedisLayerResultCache => new RedisLayerResultCache({ url: redis.url, namespace, maxBytes });

  layerCacheContract(async (maxBytes) => {
    const namespace = uniqueNamespace('layers');
    const cache = open(namespace, maxBytes);
    return { cache, usage: () => cache.usage(), second: async (): Promise<LayerResultCache> => open(namespace, maxBytes) };
  });

  it('should give its keys a TTL, renewed by every put', async () => {
    const namespace = uniqueNamespace('layers');
    const cache = new RedisLayerResultCache({ url: redis.url, namespace, maxBytes: 10_000, ttlMs: 60_000 });
    await cache.put('k', new Uint8Array([1]));
    const client = await redis.connect();
    for (const key of ['data', 'lru', 'meta']) {
      const ttl = await client.pttl(`${namespace}:layers:${key}`);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(60_000);
    }
    await cache.close();
  });

  it('should start afresh when Redis lost the index of its entries', async () => {
    const namespace = uniqueNamespace('layers');
    const cache = open(namespace, 1_000);
    await cache.put('a', new Uint8Array(200));
    const client = await redis.connect();
    await client.del(`${namespace}:layers:lru`);
    await cache.put('b', new Uint8Array(900 / 4));
    await cache.put('c', new Uint8Array(200));
    expect((await cache.usage()).bytes).toBeLessThanOrEqual(1_000);
    expect(await cache.get('c')).toBeDefined();
    await cache.close();
  });

  it('should answer a lookup with a miss-causing error, not a hang, while Redis is away', async () => {
    const cache = new RedisLayerResultCache({ url: 'redis://127.0.0.1:1', namespace: uniqueNamespace('layers'), maxBytes: 1_000 });
    const started = Date.now();
    await expect(cache.get('k')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
    await cache.close();
  });
});
