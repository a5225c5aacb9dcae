/**
 * A full data disk (issue 14 item 8), simulated by a 1 MiB tmpfs filled up: the final write of a scan is
 * retried instead of lost, readiness says the store cannot write, and the job finishes by itself once
 * space is freed. Needs root for the mount (as in CI); skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SqliteJobStore } from '../../../../server/jobs/sqlite-store.js';
import { WriteRetryingJobStore } from '../../../../server/jobs/write-retrying-store.js';
import { createLogger } from '../../../../server/observability/logger.js';

const mountPoint = mkdtempSync(path.join(tmpdir(), 'full-disk-'));
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

function fillDisk(file: string): void {
  // Until ENOSPC: whatever SQLite has not claimed yet is taken.
  try {
    writeFileSync(file, Buffer.alloc(2 * 1024 * 1024));
  } catch {
    /* the disk is full now */
  }
}

describe.skipIf(!mounted)('job store on a full disk', () => {
  it('should retry the final write, be unready meanwhile, and finish the job once space is freed', async () => {
    const inner = new SqliteJobStore(path.join(mountPoint, 'data'));
    const failures: string[] = [];
    const store = new WriteRetryingJobStore(inner, { logger: createLogger('silent'), onWriteFailed: (op) => failures.push(op), initialDelayMs: 20, maxDelayMs: 50 });
    await store.create({ id: 'job-1', target: { registryUrl: 'http://r', repository: 'm', digest: `sha256:${'ab'.repeat(32)}` } });
    expect(await store.markRunning('job-1')).toBe(true);
    expect(await store.healthy()).toBe(true);

    const filler = path.join(mountPoint, 'filler');
    fillDisk(filler);
    // Packed results are compressed: random bytes stay 400 kB, more than the full disk takes.
    const result = { gzipJson: randomBytes(400_000) };
    const finishing = store.finish('job-1', result);
    await vi.waitFor(() => expect(failures).toContain('finish'), { timeout: 5_000 });
    expect(await store.healthy()).toBe(false);
    expect((await store.get('job-1'))?.status).toBe('running');

    rmSync(filler);
    await finishing;
    expect((await store.get('job-1'))?.status).toBe('finished');
    expect(await store.healthy()).toBe(true);
    await store.close();
  });
});
