/**
 * No duplicate work, through the real controller, on both job backends: embedded (SQLite store,
 * in-process pool, in-memory ledger) and Redis (store, BullMQ queue, ledger on the test Redis). The
 * registry is a fake opener that counts analyses and can hold them, so "in flight" is deterministic.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { unpackResultSync } from '../../../../server/jobs/packed-result.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { DEFAULT_LIMITS } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { ScannerError } from '../../../../server/errors/scanner-error.js';
import type { AnalysisLedger } from '../../../../server/jobs/analysis-ledger.js';
import { MemoryAnalysisLedger } from '../../../../server/jobs/memory-ledger.js';
import type { ScanJob, ScanTarget } from '../../../../server/jobs/model.js';
import type { JobQueue } from '../../../../server/jobs/queue.js';
import { redisOptionsFromUrl } from '../../../../server/jobs/redis-connection.js';
import { RedisAnalysisLedger } from '../../../../server/jobs/redis-ledger.js';
import { RedisJobQueue } from '../../../../server/jobs/redis-queue.js';
import { RedisJobStore } from '../../../../server/jobs/redis-store.js';
import { SecretSealer } from '../../../../server/jobs/sealed-secret.js';
import { SqliteJobStore } from '../../../../server/jobs/sqlite-store.js';
import type { JobStore } from '../../../../server/jobs/store.js';
import { WorkerPool } from '../../../../server/jobs/worker-pool.js';
import { analysisFingerprint, analysisKey } from '../../../../server/scan/analysis-key.js';
import { inProcessScanner } from '../../../../server/scan/artifact-scanner.js';
import { ScanController, type ArtifactOpener } from '../../../../server/scan/controller.js';
import { SharedAnalyses } from '../../../../server/scan/shared-analysis.js';
import { silentLogger, uniqueNamespace, useTestRedis } from '../jobs/redis-harness.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
const GOOD = 'Basic Z29vZDpwYXNz';
const BAD = 'Basic YmFkOnBhc3M=';
/** Credentials of a scan whose process "died" mid-pull: the open never returns. */
const STUCK = 'Basic c3R1Y2s6cGFzcw==';

class FakeAuthError extends ScannerError {
  readonly code = 'E_REGISTRY_AUTH';
}

const target = (repository: string, digest = DIGEST_A, registryUrl = 'http://registry.test:5000'): ScanTarget => ({
  registryUrl,
  repository,
  digest,
  tag: repository.split('/').pop()!,
});

/**
 * A registry stand-in. Every open (an access check, or the start of an analysis) is recorded with its
 * credentials; BAD credentials are refused (after the gate, so a refused leader can be held), STUCK ones
 * never answer (a process that died mid-pull); an analysis (reading files) waits while the gate is closed.
 */
class FakeRegistry {
  readonly opens: (string | undefined)[] = [];
  analyses = 0;
  private gate: Promise<void> = Promise.resolve();
  private openGate = () => {};

  close(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  open(): void {
    this.openGate();
  }

  readonly opener: ArtifactOpener = async (_target, authorization) => {
    this.opens.push(authorization);
    if (authorization === STUCK) await new Promise(() => {});
    if (authorization === BAD) {
      await this.gate;
      throw new FakeAuthError('pulling manifest: registry refused the credentials (401)');
    }
    const registry = this;
    return {
      packaging: 'image',
      files: async function* () {
        registry.analyses++;
        await registry.gate;
      },
      bytesFetched: () => 0,
      close: async () => {},
    };
  };
}

interface Backend {
  readonly store: JobStore;
  readonly queue: JobQueue;
  readonly ledger: AnalysisLedger;
}

const redis = useTestRedis();

const BACKENDS = [
  {
    name: 'embedded',
    make: async (): Promise<Backend> => ({
      store: new SqliteJobStore(mkdtempSync(path.join(tmpdir(), 'shared-analysis-'))),
      queue: new WorkerPool(4),
      ledger: new MemoryAnalysisLedger(60_000),
    }),
  },
  {
    name: 'redis',
    make: async (): Promise<Backend> => {
      const namespace = uniqueNamespace('shared');
      const client = await redis.connect();
      return {
        store: new RedisJobStore(client, { namespace, ttlMs: 60_000 }),
        queue: new RedisJobQueue({
          connection: redisOptionsFromUrl(redis.url),
          namespace,
          concurrency: 4,
          lockMs: 5_000,
          maxInterruptions: 1,
          logger: silentLogger,
          where: redis.url,
        }),
        ledger: new RedisAnalysisLedger(client, { namespace, ttlMs: 60_000 }),
      };
    },
  },
] as const;

const started: Backend[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.queue.stop(1_000)));
});

async function scanner(make: () => Promise<Backend>) {
  const backend = await make();
  started.push(backend);
  const registry = new FakeRegistry();
  const sharing = new SharedAnalyses({ ...backend, fingerprint: analysisFingerprint(DEFAULT_SETTINGS, DEFAULT_LIMITS) });
  const controller = new ScanController({
    store: backend.store,
    queue: backend.queue,
    sealer: new SecretSealer(new Uint8Array(32).fill(9)),
    scanner: inProcessScanner({ engine: new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS }), openArtifact: registry.opener }),
    openArtifact: registry.opener,
    logger: silentLogger,
    scanTimeoutMs: 30_000,
    sharing,
  });
  backend.queue.start(controller.run, controller.abandon);
  /** Waits until every job in `ids` is final; returns them. */
  const settled = async (ids: readonly string[]): Promise<ScanJob[]> => {
    for (;;) {
      const jobs = await Promise.all(ids.map((id) => backend.store.get(id)));
      if (jobs.every((j) => j?.status === 'finished' || j?.status === 'failed')) return jobs as ScanJob[];
      await sleep(10);
    }
  };
  const until = async (condition: () => boolean) => {
    while (!condition()) await sleep(5);
  };
  return { ...backend, registry, controller, sharing, settled, until };
}

describe.each(BACKENDS)('scans of the same content ($name)', ({ make }) => {
  it('should share one analysis between requests in flight and after it, each job keeping its own artifact', async () => {
    const s = await scanner(make);
    s.registry.close();
    const first = await s.controller.accept(target('team-a/model'), GOOD);
    await s.until(() => s.registry.analyses === 1);
    const inFlight = [await s.controller.accept(target('team-b/model'), GOOD), await s.controller.accept(target('team-c/copy'), undefined)];
    await s.until(() => s.controller.counters.joined === 2);
    s.registry.open();
    const jobs = await s.settled([first, ...inFlight]);
    const later = (await s.settled([await s.controller.accept(target('team-d/again'), GOOD)]))[0]!;

    expect(s.registry.analyses).toBe(1);
    expect([...jobs, later].map((j) => j.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect([...jobs, later].map((j) => j.target.repository)).toEqual(['team-a/model', 'team-b/model', 'team-c/copy', 'team-d/again']);
    expect(new Set([...jobs, later].map((j) => j.result && unpackResultSync(j.result).generatedAt)).size).toBe(1);
    expect(s.controller.counters).toEqual({ requests: 4, analyses: 1, joined: 2, reused: 1 });
  });

  it('should check the credentials of every request that shares an analysis', async () => {
    const s = await scanner(make);
    await s.settled([await s.controller.accept(target('team-a/model'), GOOD)]);
    await s.settled([await s.controller.accept(target('team-b/model'), undefined)]);
    // The leader's credentials open the artifact to analyse it; the sharer's open it to prove access.
    expect(s.registry.opens).toEqual([GOOD, undefined]);
  });

  it('should fail a request whose credentials cannot pull the artifact even though its analysis is cached', async () => {
    const s = await scanner(make);
    await s.settled([await s.controller.accept(target('team-a/model'), GOOD)]);
    const [denied] = await s.settled([await s.controller.accept(target('team-a/model'), BAD)]);
    expect(denied!.status).toBe('failed');
    expect(denied!.failure?.message).toMatch(/refused the credentials/);
    expect(s.controller.counters.reused).toBe(0);
  });

  it('should fail a request whose credentials cannot pull the artifact instead of attaching it to a running analysis', async () => {
    const s = await scanner(make);
    s.registry.close();
    const allowed = await s.controller.accept(target('team-a/model'), GOOD);
    await s.until(() => s.registry.analyses === 1);
    const denied = await s.controller.accept(target('team-b/model'), BAD);
    await s.until(() => s.registry.opens.length === 2);
    s.registry.open();
    const [allowedJob, deniedJob] = await s.settled([allowed, denied]);
    expect(allowedJob!.status).toBe('finished');
    expect(deniedJob!.status).toBe('failed');
    expect(s.controller.counters.joined).toBe(0);
  });

  it.each([
    ['another digest', target('team-b/model', DIGEST_B)],
    ['another registry', target('team-a/model', DIGEST_A, 'http://other-registry.test:5000')],
  ])('should analyse %s separately', async (_name, other) => {
    const s = await scanner(make);
    await s.settled([await s.controller.accept(target('team-a/model'), GOOD)]);
    await s.settled([await s.controller.accept(other, GOOD)]);
    expect(s.registry.analyses).toBe(2);
  });

  it('should never reuse a failed analysis: a waiting job runs again with its own credentials', async () => {
    const s = await scanner(make);
    s.registry.close();
    const denied = await s.controller.accept(target('team-a/model'), BAD);
    await s.until(() => s.registry.opens.length === 1);
    const allowed = await s.controller.accept(target('team-b/model'), GOOD);
    await s.until(() => s.controller.counters.joined === 1);
    s.registry.open();
    const [deniedJob, allowedJob] = await s.settled([denied, allowed]);

    expect(deniedJob!.failure?.message).toMatch(/refused the credentials/);
    expect(allowedJob!.status).toBe('finished');
    expect(s.controller.counters.analyses).toBe(2);
    expect(s.registry.analyses).toBe(1);
  });

  it('should analyse again when a request arrives after a failed analysis', async () => {
    const s = await scanner(make);
    const [failed] = await s.settled([await s.controller.accept(target('team-a/model'), BAD)]);
    const [retried] = await s.settled([await s.controller.accept(target('team-a/model'), GOOD)]);
    expect(failed!.status).toBe('failed');
    expect(retried!.status).toBe('finished');
    expect(s.controller.counters.analyses).toBe(2);
  });

  it('should let the jobs waiting for an abandoned leader run again', async () => {
    const s = await scanner(make);
    const leader = await s.controller.accept(target('team-a/model'), STUCK);
    await s.until(() => s.registry.opens.length === 1);
    const waiting = await s.controller.accept(target('team-b/model'), GOOD);
    await s.until(() => s.controller.counters.joined === 1);
    await s.controller.abandon(leader, { code: 'E_SCAN_INTERRUPTED', message: 'scan interrupted 2 times: …' });
    const [leaderJob, waitingJob] = await s.settled([leader, waiting]);
    expect(leaderJob!.failure).toEqual({ code: 'E_SCAN_INTERRUPTED', message: 'scan interrupted 2 times: …' });
    expect(waitingJob!.status).toBe('finished');
    expect(s.registry.analyses).toBe(1);
  });

  it('should finish the waiting jobs of a leader that recorded its result but died before telling the ledger', async () => {
    const s = await scanner(make);
    const [leader] = await s.settled([await s.controller.accept(target('team-a/model'), GOOD)]);
    // Rewind the ledger to "running" under the finished leader, as if its process died in between.
    const key = analysisKey(leader!.target, analysisFingerprint(DEFAULT_SETTINGS, DEFAULT_LIMITS));
    await s.ledger.release(key, leader!.id);
    await s.ledger.join(key, leader!.id);
    const [late] = await s.settled([await s.controller.accept(target('team-b/model'), GOOD)]);
    expect(late!.result).toEqual(leader!.result);
    expect(s.registry.analyses).toBe(1);
  });
});
