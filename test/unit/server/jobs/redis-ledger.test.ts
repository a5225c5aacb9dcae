import { describe, expect, it } from 'vitest';
import { RedisAnalysisLedger } from '../../../../server/jobs/redis-ledger.js';
import { ledgerContract } from './ledger-contract.js';
import { uniqueNamespace, useTestRedis } from './redis-harness.js';

describe('RedisAnalysisLedger', () => {
  const redis = useTestRedis();

  ledgerContract(async () => new RedisAnalysisLedger(await redis.connect(), { namespace: uniqueNamespace('ledger'), ttlMs: 60_000 }));

  it('should let two replicas (two connections) share one ledger', async () => {
    const namespace = uniqueNamespace('ledger');
    const replicaA = new RedisAnalysisLedger(await redis.connect(), { namespace, ttlMs: 60_000 });
    const replicaB = new RedisAnalysisLedger(await redis.connect(), { namespace, ttlMs: 60_000 });
    expect(await replicaA.join('k', 'a')).toEqual({ role: 'lead' });
    expect(await replicaB.join('k', 'b')).toEqual({ role: 'wait', leaderId: 'a' });
    expect(await replicaB.attach('k', 'b', 'a')).toBe(true);
    expect(await replicaA.settle('k', 'a')).toEqual(['b']);
    expect(await replicaB.join('k', 'c')).toEqual({ role: 'reuse', finishedJobId: 'a' });
  });

  it('should give its entries a TTL', async () => {
    const namespace = uniqueNamespace('ledger');
    const client = await redis.connect();
    const ledger = new RedisAnalysisLedger(client, { namespace, ttlMs: 60_000 });
    await ledger.join('k', 'a');
    await ledger.attach('k', 'b', 'a');
    for (const key of [`${namespace}:analysis:k`, `${namespace}:analysis:k:waiting`]) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });
});
