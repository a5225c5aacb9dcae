import { describe, expect, it } from 'vitest';
import { parseNpyHeader } from '../../../../analyzers/pickle/npy.js';
import { fixture, scan } from './helpers.js';
import { pickle } from './builder.js';

/** A .npy file: magic, version, header length, header dict text, then `data`. */
function npy(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const preamble = major === 1 ? [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8]
    : [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0, text.length & 0xff, (text.length >> 8) & 0xff, 0, 0];
  return pickle(preamble, text, data);
}

const header = (descr: string, shape: string, fortran = 'False'): string =>
  `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;

describe('parseNpyHeader', () => {
  it.each([
    ["'<f8'", '(3, 4)', 8, false],
    ["'|u1'", '()', 1, false],
    ["'<U10'", '(2,)', 40, false],
    ["'|S5'", '(2,)', 5, false],
    ["'<M8[ns]'", '(2,)', 8, false],
    ["'|O'", '(2,)', 8, true],
    ["[('a', '<i4'), ('b', '<f8', (2,)), ('', '|V4')]", '(3,)', 24, false],
    ["[('a', '<i4'), ('b', '|O')]", '(3,)', 12, true],
  ])('should size dtype %s', (descr, shape, itemsize, hasObject) => {
    const bytes = npy(header(descr, shape));
    const parsed = parseNpyHeader(bytes.subarray(0, 10), bytes.subarray(10));
    expect(parsed).toMatchObject({ itemsize, hasObject });
  });

  it.each([
    ['not a dict', '[1, 2]\n'],
    ['missing shape', "{'descr': '<f8', 'fortran_order': False}\n"],
    ['negative dimension', header("'<f8'", '(-1,)')],
    ['unknown dtype', header("'<z8'", '(1,)')],
    ['code instead of a literal', "{'descr': __import__('os'), 'fortran_order': False, 'shape': ()}\n"],
    ['unterminated string', "{'descr': '<f8"],
    ['too deep', `${'['.repeat(100)}${']'.repeat(100)}`],
  ])('should reject a header that is %s', (_what, text) => {
    const bytes = npy(text);
    expect(typeof parseNpyHeader(bytes.subarray(0, 10), bytes.subarray(10))).toBe('string');
  });
});

describe('npy analyzer', () => {
  it('should accept arrays whose data matches the header', async () => {
    expect(await scan(npy(header("'<f8'", '(2,)'), new Uint8Array(16)))).toEqual([]);
    expect(await scan(npy(header("'<i2'", '(1,)'), new Uint8Array(2), 2))).toEqual([]);
  });

  it.each([
    ['short', 8, 'Medium'],
    ['long', 24, 'Low'],
  ])('should report data %s for its shape', async (_what, size, severity) => {
    const findings = await scan(npy(header("'<f8'", '(2,)'), new Uint8Array(size)));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['npy.data-size-mismatch', severity]]);
  });

  it('should count data bytes when the size is unknown (a decompressed member)', async () => {
    const findings = await scan(npy(header("'<f8'", '(2,)'), new Uint8Array(8)), { chunkSize: 5 });
    expect(findings.map((f) => f.ruleId)).toEqual(['npy.data-size-mismatch']);
  });

  it.each([
    ['a version numpy does not know', pickle([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0], new Uint8Array(8))],
    ['a header longer than the file', pickle([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0xff, 0x00], "{'descr'")],
    ['a malformed dict', npy("{'descr': }\n")],
  ])('should report %s as a malformed header', async (_what, bytes) => {
    const findings = await scan(bytes);
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['npy.malformed-header', 'High']]);
  });

  it('should analyse the pickle of an object array and locate findings in the file', async () => {
    const findings = await scan(fixture('malicious/npy_object_payload.npy'));
    const critical = findings.find((f) => f.severity === 'Critical');
    expect(critical?.location).toMatch(/^offset (\d+)$/);
    expect(Number(critical?.location?.split(' ')[1])).toBeGreaterThanOrEqual(128);
  });
});
