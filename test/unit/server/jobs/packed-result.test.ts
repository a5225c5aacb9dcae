/** Packed results: what the analysis thread packs unpacks to the same result; what stores held before is read. */
import { describe, expect, it } from 'vitest';
import { makeFinding, type Rule } from '../../../../analyzers/finding.js';
import type { ScanResult } from '../../../../server/jobs/model.js';
import { packResult, storedResult, unpackResult, unpackResultSync } from '../../../../server/jobs/packed-result.js';

const rule = { id: 'pickle.global-import', severity: 'High' } as unknown as Rule;
const result: ScanResult = {
  generatedAt: '2026-12-08T00:00:00.000Z',
  packaging: 'image',
  files: [{ path: 'w.pkl', size: 8, format: 'pickle' }],
  filesScanned: 1,
  bytesScanned: 8,
  bytesFetched: 8,
  findings: [makeFinding(rule, 'w.pkl', { message: 'm' }), makeFinding(rule, 'w.pkl', { message: 'n' })],
};

describe('packed results', () => {
  it('should unpack to the result it packed, and sum its findings by severity and rule', async () => {
    const { packed, summary } = packResult(result);
    expect(packed.gzipJson.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(unpackResultSync(packed)).toEqual(result);
    expect(await unpackResult(packed)).toEqual(result);
    expect(summary).toEqual({ packaging: 'image', filesScanned: 1, bytesScanned: 8, bytesFetched: 8, findings: [{ severity: 'High', rule: rule.id, count: 2 }] });
  });

  it('should read a stored result as it is, or as the plain JSON an earlier version stored', () => {
    const { packed } = packResult(result);
    expect(storedResult(Buffer.from(packed.gzipJson)).gzipJson).toEqual(Buffer.from(packed.gzipJson));
    expect(unpackResultSync(storedResult(JSON.stringify(result)))).toEqual(result);
    expect(unpackResultSync(storedResult(Buffer.from(JSON.stringify(result))))).toEqual(result);
  });
});
