import { describe, expect, it } from 'vitest';
import type { JobFailure } from '../../../../server/jobs/model.js';
import type { AbandonHandler, JobHandler, JobQueue } from '../../../../server/jobs/queue.js';
import { redisOptionsFromUrl } from '../../../../server/jobs/redis-connection.js';
import { RedisJobQueue } from '../../../../server/jobs/redis-queue.js';
import { silentLogger, uniqueNamespace, useTestRedis } from './redis-harness.js';

/** Short locks so that a replica "dying" is noticed within a second or two. */
const LOCK_MS = 500;

describe('RedisJobQueue', () => {
  const redis = useTestRedis();

  function replica(namespace: string, maxInterruptions = 2): RedisJobQueue {
    return new RedisJobQueue({
      connection: redisOptionsFromUrl(redis.url),
      namespace,
      concurrency: 2,
      lockMs: LOCK_MS,
      maxInterruptions,
      logger: silentLogger,
      where: redis.url,
    });
  }

  const never = new Promise<void>(() => {});
  const ignoreAbandoned: AbandonHandler = async () => {};

  /** Resolves with the first scan id `handler` is called with. */
  function startRecording(queue: RedisJobQueue, onAbandoned: AbandonHandler = ignoreAbandoned, hang = false): Promise<string> {
    return new Promise((resolve) => {
      const handler: JobHandler = (id) => {
        resolve(id);
        return hang ? never : Promise.resolve();
      };
      queue.start(handler, onAbandoned);
    });
  }

  it('should run a job enqueued on one replica on any replica, once', async () => {
    const namespace = uniqueNamespace('queue');
    const [a, b] = [replica(namespace), replica(namespace)];
    const ran: string[] = [];
    const done = new Promise<void>((resolve) => {
      const handler: JobHandler = async (id) => {
        ran.push(id);
        if (ran.length === 4) resolve();
      };
      a.start(handler, ignoreAbandoned);
      b.start(handler, ignoreAbandoned);
    });
    for (const id of ['s1', 's2', 's3', 's4']) await a.enqueue(id);
    await done;
    await Promise.all([a.stop(1_000), b.stop(1_000)]);
    expect(ran.sort()).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('should hand a running job to another replica when the replica running it stops', async () => {
    const namespace = uniqueNamespace('queue');
    const dying = replica(namespace);
    const taken = startRecording(dying, ignoreAbandoned, true);
    await dying.enqueue('s1');
    expect(await taken).toBe('s1');
    await dying.stop(0); // no lock renewals from now on, as when the process is killed

    const survivor = replica(namespace);
    expect(await startRecording(survivor)).toBe('s1');
    await survivor.stop(1_000);
  });

  it('should give a job up, saying how often it was interrupted, once it exceeds the interruptions allowed', async () => {
    const namespace = uniqueNamespace('queue');
    const dying = replica(namespace, 0);
    const taken = startRecording(dying, ignoreAbandoned, true);
    await dying.enqueue('s1');
    await taken;
    await dying.stop(0);

    const survivor = replica(namespace, 0);
    let ran = false;
    const abandoned = new Promise<[string, JobFailure]>((resolve) => {
      survivor.start(
        async () => {
          ran = true;
        },
        async (id, failure) => resolve([id, failure]),
      );
    });
    const [id, failure] = await abandoned;
    await survivor.stop(1_000);
    expect(id).toBe('s1');
    expect(ran).toBe(false);
    expect(failure.code).toBe('E_SCAN_INTERRUPTED');
    expect(failure.message).toMatch(/^scan interrupted 1 time: the scanner replica processing it stopped/);
    expect(failure.message).toContain('SCANNER_REDIS_MAX_INTERRUPTIONS=0');
  });

  it('should leave resuming to BullMQ: nothing is re-queued from the store', async () => {
    const queue: JobQueue = replica(uniqueNamespace('queue'));
    let asked = false;
    const resumed = await queue.resume(async () => {
      asked = true;
      return ['s1'];
    });
    await queue.stop(0);
    expect(resumed).toBe(0);
    expect(asked).toBe(false);
  });
});
