/**
 * The behaviour every AnalysisLedger must have, run against each implementation (memory, Redis) by its
 * own test file, so the embedded and shared modes cannot drift apart.
 */
import { expect, it } from 'vitest';
import type { AnalysisLedger } from '../../../../server/jobs/analysis-ledger.js';

export function ledgerContract(newLedger: () => Promise<AnalysisLedger>): void {
  it('should let the first job lead and tell later ones who leads, recording nothing for them', async () => {
    const ledger = await newLedger();
    expect(await ledger.join('k', 'a')).toEqual({ role: 'lead' });
    expect(await ledger.join('k', 'b')).toEqual({ role: 'wait', leaderId: 'a' });
    expect(await ledger.join('other', 'c')).toEqual({ role: 'lead' });
    expect(await ledger.settle('k', 'a')).toEqual([]);
  });

  it('should let a leader that joins again (resumed after a crash) lead again', async () => {
    const ledger = await newLedger();
    await ledger.join('k', 'a');
    expect(await ledger.join('k', 'a')).toEqual({ role: 'lead' });
  });

  it('should hand the attached jobs to a settling leader once, then offer its job for reuse', async () => {
    const ledger = await newLedger();
    await ledger.join('k', 'a');
    expect(await ledger.attach('k', 'b', 'a')).toBe(true);
    expect(await ledger.attach('k', 'c', 'a')).toBe(true);
    expect(await ledger.attach('k', 'b', 'a')).toBe(true);
    expect((await ledger.settle('k', 'a')).sort()).toEqual(['b', 'c']);
    expect(await ledger.settle('k', 'a')).toEqual([]);
    expect(await ledger.join('k', 'd')).toEqual({ role: 'reuse', finishedJobId: 'a' });
  });

  it.each([
    ['settled', (l: AnalysisLedger) => l.settle('k', 'a')],
    ['released', (l: AnalysisLedger) => l.release('k', 'a')],
  ])('should refuse to attach a job to a leader that %s meanwhile', async (_name, end) => {
    const ledger = await newLedger();
    await ledger.join('k', 'a');
    await end(ledger);
    expect(await ledger.attach('k', 'b', 'a')).toBe(false);
  });

  it('should refuse to attach a job to a job that does not lead the key', async () => {
    const ledger = await newLedger();
    await ledger.join('k', 'a');
    expect(await ledger.attach('k', 'c', 'b')).toBe(false);
    expect(await ledger.attach('unknown', 'c', 'a')).toBe(false);
  });

  it('should forget a released analysis, so the next job leads and a failure is never reused', async () => {
    const ledger = await newLedger();
    await ledger.join('k', 'a');
    await ledger.attach('k', 'b', 'a');
    expect(await ledger.release('k', 'a')).toEqual(['b']);
    expect(await ledger.join('k', 'b')).toEqual({ role: 'lead' });
  });

  it('should ignore settle and release from a job that does not lead the key', async () => {
    const ledger = await newLedger();
    await ledger.join('k', 'a');
    await ledger.attach('k', 'b', 'a');
    expect(await ledger.settle('k', 'b')).toEqual([]);
    expect(await ledger.release('k', 'b')).toEqual([]);
    expect(await ledger.release('unknown', 'a')).toEqual([]);
    expect(await ledger.join('k', 'c')).toEqual({ role: 'wait', leaderId: 'a' });
  });

  it('should drop a finished entry when its job is released (expired), so the next job leads', async () => {
    const ledger = await newLedger();
    await ledger.join('k', 'a');
    await ledger.settle('k', 'a');
    expect(await ledger.release('k', 'a')).toEqual([]);
    expect(await ledger.join('k', 'b')).toEqual({ role: 'lead' });
  });

  it('should make exactly one of many simultaneous joiners lead', async () => {
    const ledger = await newLedger();
    const turns = await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.join('k', `j${i}`)));
    expect(turns.filter((t) => t.role === 'lead')).toHaveLength(1);
  });
}
