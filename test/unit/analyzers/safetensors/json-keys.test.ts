import { describe, expect, it } from 'vitest';
import { scanJsonKeys } from '../../../../analyzers/safetensors/json-keys.js';

describe('scanJsonKeys', () => {
  it.each([
    ['{"a":1,"b":2}', []],
    ['{"a":{"x":1},"b":{"x":2}}', []],
    ['{"a":1,"a":2}', [{ path: [], key: 'a' }]],
    ['{"t":{"dtype":"F16","dtype":"F32"}}', [{ path: ['t'], key: 'dtype' }]],
    ['{"a":1,"\\u0061":2}', [{ path: [], key: 'a' }]],
    ['{"a":"\\"a\\"","b":["a","a"]}', []],
    ['{"l":[{"k":1,"k":2}]}', [{ path: ['l', '[]'], key: 'k' }]],
    ['{"a\\"b":1,"a\\"b":2}', [{ path: [], key: 'a"b' }]],
  ])('should find the duplicates in %s', (text, expected) => {
    expect(JSON.parse(text)).toBeDefined();
    expect(scanJsonKeys(text).duplicates.map(({ path, key }) => ({ path, key }))).toEqual(expected);
  });

  it('should give the offsets of the top-level object without surrounding whitespace', () => {
    expect(scanJsonKeys('  {"a":[1,{}]}\n ')).toMatchObject({ valueStart: 2, valueEnd: 14 });
  });

  it('should count every duplicate but list at most the cap when keys repeat many times', () => {
    const text = `{${Array.from({ length: 500 }, () => '"k":0').join(',')}}`;
    const scan = scanJsonKeys(text, 10);
    expect(scan.duplicates).toHaveLength(10);
    expect(scan.duplicateCount).toBe(499);
  });

  it('should not overflow the call stack when arrays nest 200 000 deep', () => {
    const text = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(scanJsonKeys(text).valueEnd).toBe(text.length);
  });
});
