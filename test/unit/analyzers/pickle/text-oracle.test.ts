/**
 * Text opcode arguments checked against CPython's own C unpickler (test/oracle/oracle_server.py, run by
 * Debian's /usr/bin/python3 with a non-executing find_class): for every case, we accept exactly what the
 * loader accepts and read the same value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  floatLineAccepted,
  intLine,
  longLine,
  memoKeyLine,
  persistentIdAccepted,
  quotedString,
  rawUnicodeEscape,
} from '../../../../analyzers/pickle/text.js';
import { BIG, FALSE, TRUE, type Value } from '../../../../analyzers/pickle/values.js';
import { oracleAvailable, unpickleWithOracle, type UnpickleAnswer } from '../../../oracle/oracle-client.js';

const bytes = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

/** Our reading of `<opcode><line>\n.` in the oracle's vocabulary (`undefined`: the loader raises). */
function ours(opcode: string, line: string): string | undefined {
  const data = bytes(line);
  const asInt = (v: Value | undefined): string | undefined =>
    v === undefined ? undefined : v === TRUE ? 'True' : v === FALSE ? 'False' : v === BIG ? 'int:big' : `int:${v as number}`;
  switch (opcode) {
    case 'I':
      return asInt(intLine(data));
    case 'L':
      return asInt(longLine(data));
    case 'F':
      return floatLineAccepted(data) ? 'float' : undefined;
    case 'S': {
      const s = quotedString(data);
      return s === undefined ? undefined : `str:${s}`;
    }
    case 'V': {
      const s = rawUnicodeEscape(data);
      return s === undefined ? undefined : `str:${s}`;
    }
    case 'P':
      return persistentIdAccepted(data) ? 'stub' : undefined;
    case 'g': // GET of the key after storing None under 0
      return memoKeyLine(data) === 0 ? 'None' : undefined;
    default:
      throw new Error(opcode);
  }
}

function stream(opcode: string, line: string): Uint8Array {
  if (opcode === 'g') return bytes(`Np0\ng${line}\n.`);
  return bytes(`${opcode}${line}\n.`);
}

/** The oracle's answer in our vocabulary: exact ints within 2^53 (`int:big` beyond), any str as `str:`. */
function theirs(outcome: UnpickleAnswer, mine: string | undefined): string | undefined {
  if (!outcome.ok) return undefined;
  const value = outcome.value!;
  if (value === 'int:big') return value;
  if (value.startsWith('int:')) {
    const n = BigInt(value.slice(4));
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? `int:${n}` : 'int:big';
  }
  if (value.startsWith('float:')) return 'float';
  // String values are compared separately (Python reprs); here only "both decode" matters.
  if (value.startsWith('str:')) return mine?.startsWith('str:') ? mine : value;
  return value;
}

/** Compare a batch, and say which case differs (the line, escaped). */
function expectSameReading(cases: ReadonlyArray<readonly [string, string]>, encoding = 'latin1'): void {
  const outcomes = unpickleWithOracle(cases.map(([op, line]) => stream(op, line)), encoding);
  const mismatches: string[] = [];
  cases.forEach(([op, line], i) => {
    const outcome = outcomes[i]!;
    const mine = ours(op, line);
    const expected = theirs(outcome, mine);
    if (mine !== expected) mismatches.push(`${op}${JSON.stringify(line)}: ours ${mine}, CPython ${outcome.ok ? outcome.value : outcome.error}`);
  });
  expect(mismatches).toEqual([]);
}

const INT_CASES = [
  '0', '1', '00', '01', '010', '08', '0_1', '0x', '0x1F', '0X_1', '-0x10', '0o7', '0b101', '1_000', '1__0', '1_',
  ' 0', '+1', '-1', '1\0', '\0', '\0\0', '12\0junk', ' 5 ', '\r5', '\x0b7\x0c', '\x1c7', '9223372036854775807',
  '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '077777777777777777777777', '1.0', 'abc',
  '+-1', '', '0_0', '00_0', '_1', '+_1', `1${'0'.repeat(4299)}`, '0x' + 'f'.repeat(600),
  // Not `1` + 4300 zeros: CPython's digit limit is per environment (PYTHONINTMAXSTRDIGITS), so we accept it.
];
const FLOAT_CASES = [
  '1.5', '.5', '5.', '5e', '1e999', '-1e999', '1e-999', 'inf', '-iNf', 'infinity', 'nan', 'nan(1)', '+.5E-3', '1.5\0x',
  '\0', '0x10', '1e5', '.', 'e5', '--1',
];
const STRING_CASES = [
  "'os'", '"os"', "'\\x6fs'", "'\\157s'", "'\\400'", "'a\\'b'", "'\\n'", "'\\q'", "'\\8'", 'os', "'os",
  "'os\"", "'\\x4'", "'\\xg0'", "'\\'", "'", "''", '""', "'\\x41\\X41'", "'\0'",
];
const UNICODE_CASES = [
  'os', '\\u006fs', '\\U0000006fs', '\\\\u006f', '\\\\\\u006f', '\\x41', '\\u12', '\\u12zz', '\\U00110000', '\\U0010ffff',
  'a\\', '', '\\ud800', '\\U0001F600',
];
const PERSID_CASES = ['abc', '', '\xe9', '1 2'];
const MEMO_CASES = ['0', '00', ' 0 ', '0_0', '+0', '-0', '0\0x', '0x0', '1', '-1', '', '\0', '0.0', '99999999999999999999'];

describe.runIf(oracleAvailable())('text opcodes against CPython 3.11 _pickle.c', () => {
  it('should read INT lines as load_int does (strtol base 0, then PyLong_FromString)', () => {
    expectSameReading(INT_CASES.map((c) => ['I', c] as const));
  });

  it('should read LONG lines as load_long does', () => {
    expectSameReading(INT_CASES.flatMap((c) => [['L', c] as const, ['L', `${c}L`] as const]));
  });

  it('should accept every FLOAT line the C unpickler accepts', () => {
    const outcomes = unpickleWithOracle(FLOAT_CASES.map((c) => stream('F', c)));
    // We also accept what the pure-Python unpickler (joblib) accepts, so only C-accepted ⊆ ours is exact.
    const missed = FLOAT_CASES.filter((c, i) => outcomes[i]!.ok && !floatLineAccepted(bytes(c)));
    const extra = FLOAT_CASES.filter((c, i) => !outcomes[i]!.ok && floatLineAccepted(bytes(c)) && !pythonFloatAccepts(c));
    expect({ missed, extra }).toEqual({ missed: [], extra: [] });
  });

  it('should read STRING lines as load_string does (quotes, codecs.escape_decode)', () => {
    expectSameReading(STRING_CASES.map((c) => ['S', c] as const));
    const outcomes = unpickleWithOracle(STRING_CASES.map((c) => stream('S', c)), 'latin1');
    STRING_CASES.forEach((c, i) => {
      const o = outcomes[i]!;
      if (o.ok) expect(o.value).toBe(`str:${pyRepr(quotedString(bytes(c))!)}`);
    });
  });

  it('should read UNICODE lines as raw-unicode-escape does', () => {
    expectSameReading(UNICODE_CASES.map((c) => ['V', c] as const));
  });

  it('should accept PERSID and GET lines as the loader does', () => {
    expectSameReading([...PERSID_CASES.map((c) => ['P', c] as const), ...MEMO_CASES.map((c) => ['g', c] as const)]);
  });

  it('should agree with the loader on random numeric lines', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefxXoObB_+- \t\r\0L.eEin'.split(''));
    const lines = fc.sample(fc.array(alphabet, { maxLength: 8 }).map((a) => a.join('')), { numRuns: 1500, seed: 1117 });
    const cases = lines.flatMap((l) => [['I', l] as const, ['L', l] as const, ['g', l] as const]);
    expectSameReading(cases);
  });
});

/** Python `float(str)` as the pure-Python unpickler calls it (underscores, surrounding whitespace). */
function pythonFloatAccepts(c: string): boolean {
  return /^[ \t-\r]*[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?[ \t-\r]*$|^[ \t-\r]*[+-]?(?:inf(?:inity)?|nan)[ \t-\r]*$/i.test(c);
}

/** Python's repr of a latin-1 str, for the characters the cases use. */
function pyRepr(s: string): string {
  const body = [...s]
    .map((ch) => {
      const c = ch.charCodeAt(0);
      if (ch === '\\') return '\\\\';
      if (ch === '\n') return '\\n';
      if (ch === '\r') return '\\r';
      if (ch === '\t') return '\\t';
      if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return `\\x${c.toString(16).padStart(2, '0')}`;
      return ch;
    })
    .join('');
  return s.includes("'") && !s.includes('"') ? `"${body}"` : `'${body.replace(/'/g, "\\'")}'`;
}
