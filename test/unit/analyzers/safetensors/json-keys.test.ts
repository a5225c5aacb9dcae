import { describe, expect, it } from 'vitest';
import { JsonStreamParser, KEPT_CHARS, scanJsonKeys } from '../../../../analyzers/safetensors/json-keys.js';

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

describe('JsonStreamParser', () => {
  /** Every key, scalar and container event, as one string per event. */
  function events(chunks: readonly string[], serde = false): { log: string[]; parser: JsonStreamParser } {
    const log: string[] = [];
    const parser = new JsonStreamParser(
      {
        key: (key, depth) => log.push(`key ${depth} ${key.text}`),
        scalar: (value, depth) => log.push(`${value.kind} ${depth} ${'value' in value ? (typeof value.value === 'object' ? value.value.text : String(value.value)) : ''}`),
        open: (kind, depth) => log.push(`open ${kind} ${depth}`),
        close: (kind, depth, children) => log.push(`close ${kind} ${depth} ${children}`),
      },
      { serde },
    );
    for (const chunk of chunks) parser.write(chunk);
    parser.end();
    return { log, parser };
  }

  const SAMPLE = ' {"a\\u0062":[1,-2.5e3,true,null,"x\\"y\\ud83d\\ude00"],"":{"k":{}},"n":-0,"z":0.000123E-2} ';

  it('should give the same events and duplicates whatever the chunk boundaries', () => {
    const whole = events([SAMPLE]);
    expect(whole.parser.error).toBeUndefined();
    expect(whole.log).toContain('key 1 ab');
    expect(whole.log).toContain('string 2 x"y\u{1f600}');
    expect(whole.log).toContain('number 1 0.00000123');
    for (let cut = 1; cut < SAMPLE.length; cut++) expect(events([SAMPLE.slice(0, cut), SAMPLE.slice(cut)]).log).toEqual(whole.log);
    expect(events([...SAMPLE]).log).toEqual(whole.log);
  });

  it.each(['{', '{"a":}', '{"a":1,}', '[1,]', '{"a" 1}', '{"a":01}', '{"a":1.}', '{"a":-}', '{"a":1e}', '{"a":tru}', '{"a":"\t"}', '{"a":"\\x"}', '{}{}', '{} x', '\ufeff{}', '{"a":"\\u12G4"}', '', '{a:1}'])(
    'should refuse %j as JSON.parse does',
    (text) => {
      expect(() => JSON.parse(text)).toThrow();
      expect(events([text]).parser.error).toBeDefined();
    },
  );

  it.each([
    ['a lone leading surrogate', '{"a":"\\ud800"}'],
    ['a leading surrogate before another escape', '{"a":"\\ud800\\n"}'],
    ['a lone trailing surrogate', '{"a":"\\udc00"}'],
    ['a number beyond f64', '{"a":1e400}'],
    ['a long number beyond f64', `{"a":${'9'.repeat(5000)}}`],
    ['128 nested containers', `${'['.repeat(128)}${']'.repeat(128)}`],
  ])('should refuse %s only where serde_json does (serde mode)', (_, text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(events([text]).parser.error).toBeUndefined();
    expect(events([text], true).parser.error?.message).toMatch(/serde_json/);
  });

  it('should accept 127 nested containers and paired surrogates in serde mode', () => {
    expect(events([`${'['.repeat(127)}${']'.repeat(127)}`], true).parser.error).toBeUndefined();
    expect(events(['{"a":"\\ud83d\\ude00"}'], true).parser.error).toBeUndefined();
  });

  it('should read a number of thousands of digits as JSON.parse rounds it', () => {
    for (const text of [`0.${'0'.repeat(3000)}1`, `1${'0'.repeat(300)}.${'3'.repeat(2000)}`, `-${'1'.repeat(1500)}e-1400`, `4.${'9'.repeat(1200)}e-324`]) {
      const { log } = events([`[${text}]`]);
      expect(log[1]).toBe(`number 1 ${String(JSON.parse(text))}`);
    }
  });

  it('should compare keys longer than it keeps by a hash of the rest', () => {
    const long = 'k'.repeat(KEPT_CHARS + 10);
    expect(scanJsonKeys(`{"${long}a":1,"${long}b":2,"${long}a":3}`).duplicates).toHaveLength(1);
  });
});
