import { describe, expect, it } from 'vitest';
import { JobWatcher } from '../../../../server/harbor/job-watcher.js';
import type { ScanJob } from '../../../../server/jobs/model.js';
import type { JobStore } from '../../../../server/jobs/store.js';

const job = (id: string, status: ScanJob['status']): ScanJob => ({
  id,
  status,
  target: { registryUrl: 'http://r', repository: 'p/m', digest: `sha256:${'e'.repeat(64)}` },
  createdAt: 0,
  updatedAt: 0,
});

function storeOf(jobs: Map<string, ScanJob>): JobStore {
  return { get: async (id: string) => jobs.get(id) } as unknown as JobStore;
}

describe('JobWatcher', () => {
  it('should resolve when the controller reports the job final, and ignore other jobs and states', async () => {
    const watcher = new JobWatcher(storeOf(new Map()), 60_000);
    const waiting = watcher.wait('j1');
    watcher.notify(job('j1', 'running'));
    watcher.notify(job('other', 'finished'));
    watcher.notify(job('j1', 'failed'));
    await expect(waiting).resolves.toMatchObject({ id: 'j1', status: 'failed' });
    watcher.stop();
  });

  it('should find a job finished elsewhere by looking it up in the store', async () => {
    const jobs = new Map([['j2', job('j2', 'queued')]]);
    const watcher = new JobWatcher(storeOf(jobs), 5);
    const waiting = watcher.wait('j2');
    jobs.set('j2', job('j2', 'finished'));
    await expect(waiting).resolves.toMatchObject({ id: 'j2', status: 'finished' });
    watcher.stop();
  });

  it('should give every waiter of one job the same answer', async () => {
    const watcher = new JobWatcher(storeOf(new Map()), 60_000);
    const [a, b] = [watcher.wait('j3'), watcher.wait('j3')];
    watcher.notify(job('j3', 'finished'));
    expect(await a).toBe(await b);
    watcher.stop();
  });
});
