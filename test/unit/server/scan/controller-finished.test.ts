/**
 * The controller's `onFinished` hook (used by the webhook mode to attach results): told about jobs the
 * controller analysed, answered from an earlier analysis, or failed; a listener's failure never changes
 * the job.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { DEFAULT_LIMITS } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { ScannerError } from '../../../../server/errors/scanner-error.js';
import { MemoryAnalysisLedger } from '../../../../server/jobs/memory-ledger.js';
import type { ScanJob } from '../../../../server/jobs/model.js';
import type { JobQueue } from '../../../../server/jobs/queue.js';
import { SecretSealer } from '../../../../server/jobs/sealed-secret.js';
import { SqliteJobStore } from '../../../../server/jobs/sqlite-store.js';
import { WorkerPool } from '../../../../server/jobs/worker-pool.js';
import { createLogger } from '../../../../server/observability/logger.js';
import { analysisFingerprint } from '../../../../server/scan/analysis-key.js';
import { inProcessScanner } from '../../../../server/scan/artifact-scanner.js';
import { ScanController, type ArtifactOpener } from '../../../../server/scan/controller.js';
import { SharedAnalyses } from '../../../../server/scan/shared-analysis.js';

class DeniedError extends ScannerError {
  readonly code = 'E_REGISTRY_AUTH';
}

const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;
const opener: ArtifactOpener = async (target) => {
  if (target.repository.startsWith('denied/')) throw new DeniedError('pulling manifest: denied');
  return { packaging: 'image', files: async function* () {}, bytesFetched: () => 0, close: async () => {} };
};

const pools: JobQueue[] = [];
afterEach(async () => Promise.all(pools.splice(0).map((p) => p.stop(1_000))));

function controllerWithListener(listener: (job: ScanJob) => void | Promise<void>) {
  const store = new SqliteJobStore(mkdtempSync(path.join(tmpdir(), 'controller-finished-')));
  const queue: JobQueue = new WorkerPool(1);
  pools.push(queue);
  const controller = new ScanController({
    store,
    queue,
    sealer: new SecretSealer(),
    scanner: inProcessScanner({ engine: new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS }), openArtifact: opener }),
    openArtifact: opener,
    logger: createLogger('silent'),
    scanTimeoutMs: 10_000,
    sharing: new SharedAnalyses({ ledger: new MemoryAnalysisLedger(60_000), store, queue, fingerprint: analysisFingerprint(DEFAULT_SETTINGS, DEFAULT_LIMITS) }),
  });
  controller.onFinished(listener);
  queue.start(controller.run, controller.abandon);
  const final = async (id: string) => {
    for (;;) {
      const job = await store.get(id);
      if (job?.status === 'finished' || job?.status === 'failed') return job;
      await sleep(5);
    }
  };
  return { controller, final };
}

const target = (repository: string, digest: string) => ({ registryUrl: 'http://registry.test', repository, digest, origin: 'webhook' as const });

describe('ScanController.onFinished', () => {
  it('should tell the listener about finished, reused and failed jobs with their final state', async () => {
    const seen: ScanJob[] = [];
    const { controller, final } = controllerWithListener((job) => void seen.push(job));
    const analysed = await controller.accept(target('a/model', DIGEST('a')), undefined);
    await final(analysed);
    const reused = await controller.accept(target('b/copy', DIGEST('a')), undefined);
    await final(reused);
    const failed = await controller.accept(target('denied/model', DIGEST('b')), undefined);
    await final(failed);
    while (seen.length < 3) await sleep(5);
    expect(seen.map((j) => [j.id, j.status, j.target.origin])).toEqual([
      [analysed, 'finished', 'webhook'],
      [reused, 'finished', 'webhook'],
      [failed, 'failed', 'webhook'],
    ]);
    expect(seen[1]?.result).toBeDefined();
    expect(seen[2]?.failure?.code).toBe('E_REGISTRY_AUTH');
  });

  it('should keep the job finished when a listener throws', async () => {
    let calls = 0;
    const { controller, final } = controllerWithListener(() => {
      calls++;
      throw new Error('listener broke');
    });
    const id = await controller.accept(target('c/model', DIGEST('c')), undefined);
    expect((await final(id)).status).toBe('finished');
    // The next job still runs: the listener's failure did not escape the worker.
    expect((await final(await controller.accept(target('d/model', DIGEST('d')), undefined))).status).toBe('finished');
    while (calls < 2) await sleep(5);
    expect(calls).toBe(2);
  });
});
