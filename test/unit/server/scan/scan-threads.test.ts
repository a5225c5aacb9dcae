/**
 * Scans run on analysis threads (server/scan/scan-threads.ts), so this thread — the one answering
 * Harbor — keeps serving whatever a scan does to its thread: a thread stuck in hostile input is terminated
 * at the deadline and the job fails with the timeout error, a crashing thread fails its own job only, and
 * a fresh thread takes the next job. The threads run the real thread service and engine, with a test
 * opener (./hostile-scan-thread.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { unpackResultSync } from '../../../../server/jobs/packed-result.js';
import { DEFAULT_LIMITS } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { loadConfig } from '../../../../server/config/config.js';
import { MemoryAnalysisLedger } from '../../../../server/jobs/memory-ledger.js';
import type { ScanJob } from '../../../../server/jobs/model.js';
import { SecretSealer } from '../../../../server/jobs/sealed-secret.js';
import { SqliteJobStore } from '../../../../server/jobs/sqlite-store.js';
import { WorkerPool } from '../../../../server/jobs/worker-pool.js';
import { createLogger } from '../../../../server/observability/logger.js';
import { analysisFingerprint } from '../../../../server/scan/analysis-key.js';
import { ScanController } from '../../../../server/scan/controller.js';
import { scanRuntimeConfig } from '../../../../server/scan/scan-runtime.js';
import { ScanThreads } from '../../../../server/scan/scan-threads.js';
import { SharedAnalyses } from '../../../../server/scan/shared-analysis.js';
import { TEST_AUTHORIZATION } from './hostile-scan-thread.js';

const HOSTILE_ENTRY = new URL('./hostile-scan-thread.ts', import.meta.url);
const config = scanRuntimeConfig(loadConfig({ SCANNER_REGISTRY_RETRIES: '0', SCANNER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'scan-threads-data-')) }));
/** Deadlines leave room for a thread to start: from TypeScript sources that takes a second or two. */
const DEADLINE_MS = 5_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function scanner(options: { workers?: number; scanTimeoutMs?: number; entry?: URL } = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('warn', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const store = new SqliteJobStore(mkdtempSync(path.join(tmpdir(), 'scan-threads-')));
  const queue = new WorkerPool(options.workers ?? 1);
  const threads = new ScanThreads({ config, size: options.workers ?? 1, logger, abortGraceMs: 300, ...(options.entry ? { entry: options.entry } : {}) });
  cleanups.push(async () => {
    await queue.stop(1_000);
    await threads.close();
  });
  const controller = new ScanController({
    store,
    queue,
    scanner: threads,
    // Credentials are checked on this thread only when a job shares an analysis; every job here leads.
    openArtifact: async () => {
      throw new Error('not used');
    },
    sealer: new SecretSealer(),
    logger,
    scanTimeoutMs: options.scanTimeoutMs ?? 20_000,
    sharing: new SharedAnalyses({ ledger: new MemoryAnalysisLedger(60_000), store, queue, fingerprint: analysisFingerprint(DEFAULT_SETTINGS, DEFAULT_LIMITS) }),
  });
  queue.start(controller.run);
  let digests = 0;
  const submit = (repository: string, authorization?: string) =>
    controller.accept({ registryUrl: 'http://registry.test', repository, digest: `sha256:${(++digests).toString(16).padStart(64, '0')}` }, authorization);
  const final = async (id: string): Promise<ScanJob> => {
    for (;;) {
      const job = await store.get(id);
      if (job?.status === 'finished' || job?.status === 'failed') return job;
      await sleep(5);
    }
  };
  return { submit, final, store, lines };
}

/** The analysis thread's id, which the test opener writes into the packaging. */
const threadOf = (job: ScanJob) => Number(/^thread-(\d+)/.exec(packagingOf(job))?.[1]);
const packagingOf = (job: ScanJob) => (job.result ? unpackResultSync(job.result).packaging : '');

describe('analysis threads', () => {
  it('should keep this thread serving while a scan spins forever, end it at the deadline and run the next job on a fresh thread', async () => {
    const s = scanner({ entry: HOSTILE_ENTRY, scanTimeoutMs: DEADLINE_MS });
    const before = await s.final(await s.submit('ok/model'));
    const stuck = await s.submit('spin/model');
    // Turns of this thread's event loop while the analysis spins: none at all if it ran here.
    let turns = 0;
    while ((await s.store.get(stuck))?.status !== 'running') await nextTurn();
    for (let status = 'running'; status === 'running'; turns++) {
      await nextTurn();
      if (turns % 100 === 0) status = (await s.store.get(stuck))!.status;
    }
    const failed = await s.final(stuck);
    const after = await s.final(await s.submit('ok/model'));

    expect(turns).toBeGreaterThan(100);
    expect(failed.status).toBe('failed');
    expect(failed.failure).toEqual({ code: 'E_SCAN_TIMEOUT', message: expect.stringMatching(/exceeded the time limit of 5 s \(SCANNER_SCAN_TIMEOUT\)/) });
    expect(s.lines.some((l) => /did not stop after its scan was aborted: terminated/.test(String(l['msg'])))).toBe(true);
    expect([before.status, after.status]).toEqual(['finished', 'finished']);
    expect(threadOf(before)).toBeGreaterThan(0);
    expect(threadOf(after)).toBeGreaterThan(0);
    expect(threadOf(after)).not.toBe(threadOf(before));
  });

  it('should keep a thread that stops when its scan is aborted', async () => {
    const s = scanner({ entry: HOSTILE_ENTRY, scanTimeoutMs: DEADLINE_MS });
    const before = await s.final(await s.submit('ok/model'));
    const aborted = await s.final(await s.submit('abortable/model'));
    const after = await s.final(await s.submit('ok/model'));

    expect(aborted.failure?.code).toBe('E_SCAN_TIMEOUT');
    expect(after.status).toBe('finished');
    expect(threadOf(after)).toBe(threadOf(before));
  });

  it.each([
    ['crash', /^internal error: the analysis thread crashed: analyzer blew up; the scan was stopped/],
    ['exit', /^internal error: the analysis thread exited with code 7; the scan was stopped/],
  ])('should fail only the job whose thread dies (%s), and run the others', async (behaviour, message) => {
    const s = scanner({ entry: HOSTILE_ENTRY, workers: 2 });
    const [dying, running] = [await s.submit(`${behaviour}/model`), await s.submit('ok/model')];
    const [died, ran] = [await s.final(dying), await s.final(running)];
    const after = await Promise.all([s.submit('ok/a'), s.submit('ok/b')].map(async (id) => s.final(await id)));

    expect(died.failure).toEqual({ code: 'E_INTERNAL', message: expect.stringMatching(message) });
    expect([ran, ...after].map((j) => j.status)).toEqual(['finished', 'finished', 'finished']);
  });

  it("should hand the job's registry credentials to the thread with its task, and route the thread's log records to the job's log", async () => {
    const s = scanner({ entry: HOSTILE_ENTRY });
    const id = await s.submit('ok/model', TEST_AUTHORIZATION);
    const job = await s.final(id);

    expect(packagingOf(job)).toMatch(/ authorized$/);
    const opened = s.lines.find((l) => l['msg'] === 'test opener opened an artifact');
    expect(opened).toMatchObject({ scan_job_id: id, repository: 'ok/model' });
    expect(opened?.['analysis_thread']).toBeGreaterThan(0);
    expect(JSON.stringify(s.lines)).not.toContain(TEST_AUTHORIZATION.slice(6));
  });

  it('should run the real analysis thread: a registry that cannot be reached fails the scan with the registry error', async () => {
    const s = scanner();
    const job = await s.final(await s.submit('library/model'));
    expect(job.status).toBe('failed');
    expect(job.failure?.code).toMatch(/^E_REGISTRY_/);
    expect(job.failure?.message).toContain('registry.test');
  });

  it('should fail a scan whose deadline passes while it waits for a thread', async () => {
    const threads = new ScanThreads({ config, size: 1, logger: createLogger('silent'), entry: HOSTILE_ENTRY });
    cleanups.push(() => threads.close());
    const target = (repository: string) => ({ registryUrl: 'http://registry.test', repository, digest: `sha256:${'1'.repeat(64)}` });
    const log = createLogger('silent');
    const busy = threads.start({ target: target('spin/model'), authorization: undefined, signal: new AbortController().signal, log });
    const waiting = threads.start({ target: target('ok/model'), authorization: undefined, signal: AbortSignal.timeout(200), log });
    await expect(waiting.opened).rejects.toMatchObject({ name: 'TimeoutError' });
    busy.result.catch(() => undefined);
  });
});
