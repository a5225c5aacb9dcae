import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../../../server/harbor/limiter.js';

describe('ConcurrencyLimiter', () => {
  it('should never run more than its concurrency at once and run every task', async () => {
    const limiter = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setImmediate(r));
          running--;
          return i;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
  });

  it('should release the slot when a task throws', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  it('should wait in idle() until running tasks end', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let done = false;
    void limiter.run(async () => {
      await new Promise((r) => setImmediate(r));
      done = true;
    });
    await limiter.idle();
    expect(done).toBe(true);
  });

  it.each([0, 1.5, -1])('should refuse a concurrency of %s', (n) => {
    expect(() => new ConcurrencyLimiter(n)).toThrow(RangeError);
  });
});
