import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../../../server/jobs/worker-pool.js';

describe('WorkerPool', () => {
  it('should never run more jobs at once than its concurrency', async () => {
    const pool = new WorkerPool(2);
    let active = 0;
    let peak = 0;
    const done: string[] = [];
    const finished = new Promise<void>((resolve) => {
      pool.start(async (id) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        done.push(id);
        if (done.length === 5) resolve();
      });
    });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await pool.enqueue(id);
    await finished;
    expect(peak).toBe(2);
    expect(done.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('should keep draining after a handler rejects', async () => {
    const pool = new WorkerPool(1);
    const seen: string[] = [];
    const finished = new Promise<void>((resolve) => {
      pool.start(async (id) => {
        seen.push(id);
        if (id === 'bad') throw new Error('bug');
        if (id === 'good') resolve();
      });
    });
    await pool.enqueue('bad');
    await pool.enqueue('good');
    await finished;
    expect(seen).toEqual(['bad', 'good']);
  });

  it('should run no job accepted after stop, leaving it in the store for the next process', async () => {
    const pool = new WorkerPool(1);
    const ran: string[] = [];
    pool.start(async (id) => void ran.push(id));
    await pool.stop(10);
    await expect(pool.enqueue('x')).resolves.toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toEqual([]);
    expect(pool.depth()).toBe(0);
  });
});
