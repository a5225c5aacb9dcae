/**
 * Issue 17 item 4 in Redis mode: the layer result cache lives in the Redis every replica shares, so a
 * base layer analysed by one replica is not fetched again by another (each with its own connection, as
 * each replica and scan worker thread opens one).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLayerResultCache } from '../../../server/jobs/redis-layer-cache.js';
import { REGISTRIES } from '../../services/endpoints.js';
import { REDIS } from '../../services/redis.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { baseLayer, comparable, pushPair, scanImage, SMALL_BASE } from '../../support/shared-layers.js';

describe('the layer result cache in Redis mode', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(REGISTRIES.plain.url);
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('should let a second replica replay the base layer the first one read', async () => {
    const namespace = `test-layers-${randomBytes(6).toString('hex')}`;
    const [replicaA, replicaB] = [0, 1].map(() => new RedisLayerResultCache({ url: REDIS.url, namespace, maxBytes: 16 * 1024 * 1024 }));
    try {
      const [first, second] = await pushPair({ registry: REGISTRIES.plain }, baseLayer(SMALL_BASE));
      const baseDigest = first.layers[0]!.digest;
      await scanImage(proxy.url, first, { cache: replicaA! });
      proxy.requests.length = 0;
      const reused = await scanImage(proxy.url, second, { cache: replicaB! });
      expect(proxy.requests.filter((r) => r.path.endsWith(`/blobs/${baseDigest}`)).map((r) => r.method)).toEqual(['HEAD']);
      expect(comparable(reused)).toEqual(comparable(await scanImage(proxy.url, second)));
      expect((await replicaB!.usage()).entries).toBe(3);
    } finally {
      await Promise.all([replicaA!.close(), replicaB!.close()]);
    }
  });
});
