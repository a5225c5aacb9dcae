import { describe, expect, it } from 'vitest';
import { MemoryAnalysisLedger } from '../../../../server/jobs/memory-ledger.js';
import { ledgerContract } from './ledger-contract.js';

describe('MemoryAnalysisLedger', () => {
  ledgerContract(async () => new MemoryAnalysisLedger(60_000));

  it('should stop offering a finished analysis after the TTL, but never drop a running one', async () => {
    let now = 0;
    const ledger = new MemoryAnalysisLedger(1_000, () => now);
    await ledger.join('done', 'a');
    await ledger.settle('done', 'a');
    await ledger.join('running', 'b');
    now = 5_000;
    expect(await ledger.join('done', 'c')).toEqual({ role: 'lead' });
    expect(await ledger.join('running', 'd')).toEqual({ role: 'wait', leaderId: 'b' });
    expect(await ledger.attach('running', 'd', 'b')).toBe(true);
  });
});
