/**
 * An analysis thread entry for tests: the real thread service (server/scan/scan-thread-service.ts) and
 * engine, with an opener whose artifacts behave as the repository name says — spin forever on the
 * thread, crash it, exit it, stop only when aborted, or scan one small file and name the thread.
 */
import { isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { DEFAULT_LIMITS } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';
import type { ArtifactOpener } from '../../../../server/scan/controller.js';
import type { ModelFileInput } from '../../../../server/scan/scan-files.js';
import { serveScans } from '../../../../server/scan/scan-thread-service.js';
import type { ScanThreadData } from '../../../../server/scan/scan-thread-protocol.js';

export const TEST_AUTHORIZATION = 'Basic dGVzdDpzM2NyZXQ=';

const behaviours: Record<string, (signal: AbortSignal) => AsyncIterable<ModelFileInput>> = {
  // A hostile input that never yields: the thread's event loop is stuck for good.
  spin: async function* () {
    for (;;);
  },
  crash: async function* () {
    setImmediate(() => {
      throw new Error('analyzer blew up');
    });
    await new Promise(() => undefined);
  },
  exit: async function* () {
    process.exit(7);
  },
  abortable: async function* (signal) {
    await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
  },
  ok: async function* () {
    yield { path: 'config.json', size: 2, source: new BufferSource(new TextEncoder().encode('{}')) };
  },
};

// Imported by the test for its constants; serves only as a thread.
if (!isMainThread) serveScans(parentPort!, (workerData as ScanThreadData).logLevel, (logger) => {
  const openArtifact: ArtifactOpener = async (target, authorization, signal) => {
    const behaviour = behaviours[target.repository.split('/')[0]!]!;
    logger.warn({ repository: target.repository }, 'test opener opened an artifact');
    return {
      packaging: `thread-${threadId} ${authorization === TEST_AUTHORIZATION ? 'authorized' : 'anonymous'}`,
      files: () => behaviour(signal),
      bytesFetched: () => 42,
      close: async () => undefined,
    };
  };
  return { engine: new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS }), openArtifact };
});
