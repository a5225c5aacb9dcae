import { describe, expect, it } from 'vitest';
import { packResult } from '../../../../server/jobs/packed-result.js';
import { RedisJobStore } from '../../../../server/jobs/redis-store.js';
import { connectRedis } from '../../../../server/jobs/redis-connection.js';
import { SecretSealer } from '../../../../server/jobs/sealed-secret.js';
import { silentLogger, uniqueNamespace, useTestRedis } from './redis-harness.js';

const target = { registryUrl: 'http://127.0.0.1:5055', repository: 'models/a', digest: 'sha256:' + 'a'.repeat(64), tag: 'v1' };
const result = packResult({
  generatedAt: '2026-11-28T00:00:00.000Z',
  packaging: 'modelpack',
  files: [{ path: 'w.safetensors', size: 8, format: 'safetensors' }],
  filesScanned: 1,
  bytesScanned: 8,
  bytesFetched: 8,
  findings: [],
}).packed;
const TTL_MS = 60_000;

describe('RedisJobStore', () => {
  const redis = useTestRedis();

  async function newStore(now?: () => number) {
    const namespace = uniqueNamespace('store');
    const client = await redis.connect();
    return { client, namespace, store: new RedisJobStore(client, { namespace, ttlMs: TTL_MS, ...(now ? { now } : {}) }) };
  }

  it('should return a created job as queued with its target, and its sealed credential byte for byte', async () => {
    const sealer = new SecretSealer(new Uint8Array(32).fill(3));
    const { store } = await newStore(() => 1234);
    const sealed = sealer.seal('Basic dTpw');
    await store.create({ id: 'j1', target, sealedAuthorization: sealed });
    expect(await store.get('j1')).toEqual({ id: 'j1', status: 'queued', target, createdAt: 1234, updatedAt: 1234 });
    expect(sealer.open((await store.sealedAuthorization('j1'))!)).toBe('Basic dTpw');
    expect(await store.get('missing')).toBeUndefined();
  });

  it.each([
    ['finishes', (s: RedisJobStore) => s.finish('j', result), { status: 'finished', result }],
    ['fails', (s: RedisJobStore) => s.fail('j', { code: 'E_X', message: 'boom' }), { status: 'failed', failure: { code: 'E_X', message: 'boom' } }],
  ] as const)('should erase the sealed credential and leave the unfinished list when the job %s', async (_name, end, expected) => {
    const { store } = await newStore();
    await store.create({ id: 'j', target, sealedAuthorization: new Uint8Array([1, 2, 3]) });
    await end(store);
    expect(await store.sealedAuthorization('j')).toBeUndefined();
    expect(await store.get('j')).toMatchObject(expected);
    expect(await store.unfinished()).toEqual([]);
  });

  it('should expire every job a TTL after its last write', async () => {
    const { store, client, namespace } = await newStore();
    await store.create({ id: 'j', target });
    await store.markRunning('j');
    await store.finish('j', result);
    const ttl = await client.pttl(`${namespace}:job:j`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL_MS);
  });

  it('should move queued and running jobs to running, and nothing else', async () => {
    const { store } = await newStore();
    await store.create({ id: 'j', target });
    expect(await store.markRunning('j')).toBe(true);
    // A replica taking over a job whose replica died finds it running.
    expect(await store.markRunning('j')).toBe(true);
    await store.finish('j', result);
    expect(await store.markRunning('j')).toBe(false);
    expect(await store.markRunning('never-created')).toBe(false);
  });

  it('should not bring an expired job back when a late transition arrives', async () => {
    const { store } = await newStore();
    await store.finish('gone', result);
    expect(await store.get('gone')).toBeUndefined();
  });

  it('should list queued and running jobs oldest first', async () => {
    let t = 10;
    const { store } = await newStore(() => t);
    for (const id of ['a', 'b', 'c']) {
      await store.create({ id, target });
      t += 10;
    }
    await store.markRunning('c');
    await store.fail('b', { code: 'E', message: 'x' });
    expect((await store.unfinished()).map((j) => [j.id, j.status])).toEqual([
      ['a', 'queued'],
      ['c', 'running'],
    ]);
  });

  it('should be healthy while Redis answers and unhealthy once its connection is gone', async () => {
    const { store } = await newStore();
    expect(await store.healthy()).toBe(true);
    await store.close();
    expect(await store.healthy()).toBe(false);
  });

  it('should refuse to start when Redis cannot be reached, without printing the password', async () => {
    const attempt = connectRedis('redis://:s3cret@127.0.0.1:1/0', silentLogger);
    await expect(attempt).rejects.toThrow(/connecting to Redis at redis:\/\/:redacted@127\.0\.0\.1:1\/0/);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });
});
