import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../../../server/jobs/sqlite-file.js';
import { LAYER_CACHE_FILE, SqliteLayerResultCache } from '../../../../server/jobs/sqlite-layer-cache.js';
import { SqliteJobStore } from '../../../../server/jobs/sqlite-store.js';

const HARBOR_CLIENT_TIMEOUT_MS = 5_000;

/**
 * Another connection, on a thread of its own, holds the write lock of `file` for `holdMs`: the store's
 * writes block this thread (better-sqlite3 is synchronous), so the lock cannot be released from here.
 * Resolves once the lock is held, with the thread's exit.
 */
async function holdWriteLock(file: string, holdMs: number): Promise<{ exited: Promise<void> }> {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require('better-sqlite3');
     const db = new Database(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     parentPort.postMessage('locked');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
     db.exec('COMMIT');
     db.close();`,
    { eval: true, workerData: { file, holdMs } },
  );
  const exited = new Promise<void>((resolve, reject) => {
    worker.once('exit', () => resolve());
    worker.once('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    exited.then(() => reject(new Error('lock holder exited before locking')), reject);
  });
  return { exited };
}

async function timed(write: () => Promise<void>): Promise<{ ms: number; error?: unknown }> {
  const start = performance.now();
  try {
    await write();
    return { ms: performance.now() - start };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

const stores = [
  {
    name: 'SqliteJobStore',
    file: 'jobs.sqlite',
    open: (dir: string) => {
      const store = new SqliteJobStore(dir);
      return { write: () => store.create({ id: 'j', target: { registryUrl: 'http://r', repository: 'm', digest: 'sha256:0' } }), close: () => store.close() };
    },
  },
  {
    name: 'SqliteLayerResultCache',
    file: LAYER_CACHE_FILE,
    open: (dir: string) => {
      const cache = new SqliteLayerResultCache(dir, { maxBytes: 1_000 });
      return { write: () => cache.put('k', new Uint8Array([1])), close: () => cache.close() };
    },
  },
];

describe.each(stores)('$name busy timeout', ({ file, open }) => {
  it('should wait out a brief write lock of another connection instead of failing with SQLITE_BUSY', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sqlite-busy-'));
    const store = open(dir);
    const holder = await holdWriteLock(path.join(dir, file), 300);
    const { ms, error } = await timed(store.write);
    await holder.exited;
    await store.close();
    expect(error).toBeUndefined();
    expect(ms).toBeGreaterThan(150); // it did meet the lock, and waited for it
  });

  it('should give up on a lock held longer, well before Harbor stops waiting', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sqlite-busy-'));
    const store = open(dir);
    const holder = await holdWriteLock(path.join(dir, file), SQLITE_BUSY_TIMEOUT_MS + 500);
    const { ms, error } = await timed(store.write);
    await holder.exited;
    await store.close();
    expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
    expect(ms).toBeGreaterThan(SQLITE_BUSY_TIMEOUT_MS * 0.9);
    expect(ms).toBeLessThan(HARBOR_CLIENT_TIMEOUT_MS / 2);
  });
});
