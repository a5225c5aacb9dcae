/**
 * joblib's legacy Z-files: joblib.load decompresses and unpickles any file starting with `ZF`
 * (numpy_pickle_compat.read_zfile). Fixtures: test/fixtures/archive/readings/generate_joblib.py, written
 * with Debian joblib's own write_zfile.
 */
import { describe, expect, it } from 'vitest';
import { zfileDataOffset } from '../../../../analyzers/archive/joblib-zfile.js';
import { sniffFormat } from '../../../../analyzers/sniff.js';
import { fixture } from './fixtures.js';
import { archiveEngine } from './harness.js';
import { criticalMembers, scanAll } from './full-engine.js';

const readings = (name: string): Uint8Array => fixture(`readings/${name}`);
const EVIL = "cos\nsystem\n(S'touch pwned'\ntR.";

describe('joblib Z-files', () => {
  it.each([
    ['zfile-payload.pkl', 21],
    ['zfile-payload-py2.pkl', 22],
  ])('should find the zlib stream of %s at %i and sniff it as zlib', (name, offset) => {
    const bytes = readings(name);
    expect(zfileDataOffset(bytes)).toBe(offset);
    expect(sniffFormat(bytes.subarray(0, 4096), bytes.length)).toBe('zlib');
  });

  it.each(['zfile-payload.pkl', 'zfile-payload-py2.pkl'])('should unpickle-analyse what %s inflates to', async (name) => {
    const { scan, reached } = archiveEngine();
    await scan(name, readings(name));
    expect(reached.map((r) => [r.format, new TextDecoder().decode(r.bytes)])).toEqual([['pickle', EVIL]]);
    expect(criticalMembers(await scanAll(name, readings(name))).length).toBeGreaterThan(0);
  });

  it('should raise nothing above Low inside a benign Z-file', async () => {
    const findings = await scanAll('model.joblib', readings('zfile-benign.pkl'));
    expect(findings.filter((f) => f.severity !== 'Low').map((f) => f.ruleId)).toEqual([]);
  });

  it.each([
    ['a ZF text line', new TextEncoder().encode('ZF is a text file that happens to start this way')],
    ['a length field that is not hex', new TextEncoder().encode(`ZF0xZZ${' '.repeat(16)}x\u0001abc`)],
    ['no zlib header after the field', new TextEncoder().encode(`ZF0x1e${' '.repeat(16)}ab`)],
  ])('should not take %s for a Z-file', (_, bytes) => {
    expect(zfileDataOffset(bytes)).toBeUndefined();
  });
});
