/**
 * Names find_class can resolve (names.ts) against CPython's own `str.isidentifier`: for every code point,
 * as the first and as a later character of a name, a name Python accepts must read as valid to us — else
 * a global the loader imports would be taken for one that makes it raise. (Node's Unicode tables may be
 * newer than the oracle's: we may accept more, never less.)
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isValidDottedName } from '../../analyzers/pickle/names.js';
import { ORACLE_PYTHON, oracleAvailable } from './oracle-client.js';

const PROGRAM = `
import sys
out = bytearray()
for cp in range(0x110000):
    c = '?' if 0xD800 <= cp < 0xE000 else chr(cp)
    out.append(c.isidentifier() | ('a' + c).isidentifier() << 1)
sys.stdout.buffer.write(bytes(out))
`;

describe.skipIf(!oracleAvailable())('identifiers as CPython reads them', () => {
  it('should accept every name str.isidentifier accepts', () => {
    const run = spawnSync(ORACLE_PYTHON, ['-c', PROGRAM], { maxBuffer: 4 * 1024 * 1024, timeout: 60_000 });
    expect(run.status, String(run.stderr)).toBe(0);
    const verdicts = run.stdout;
    expect(verdicts.length).toBe(0x110000);
    const rejected: string[] = [];
    for (let cp = 0; cp < verdicts.length; cp++) {
      if (cp >= 0xd800 && cp < 0xe000) continue;
      const c = String.fromCodePoint(cp);
      const v = verdicts[cp]!;
      if (v & 1 && !isValidDottedName(c)) rejected.push(`U+${cp.toString(16)} first`);
      if (v & 2 && !(isValidDottedName(`a${c}`) && isValidDottedName(`x.a${c}`))) rejected.push(`U+${cp.toString(16)} later`);
    }
    expect(rejected).toEqual([]);
    // The two rules part ways where Python's tables had: U+00B7 continues a name, never starts one.
    expect(isValidDottedName('o\u00b7')).toBe(true);
    expect(isValidDottedName('\u00b7o')).toBe(false);
  });
});
