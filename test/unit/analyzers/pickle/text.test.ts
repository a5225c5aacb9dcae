import { describe, expect, it } from 'vitest';
import { intLine, littleEndianLong, longLine, memoKeyLine, quotedString, rawUnicodeEscape } from '../../../../analyzers/pickle/text.js';
import { BIG, FALSE, K, TRUE } from '../../../../analyzers/pickle/values.js';

const b = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

describe('protocol-0 argument decoding', () => {
  it.each([
    ['os', 'os'],
    ['\\u006fs', 'os'],
    ['\\U0000006fs', 'os'],
    ['\\\\u006f', '\\\\u006f'], // an even run of backslashes is literal
    ['\\x41', '\\x41'], // raw-unicode-escape knows only \u and \U
    ['a\\', 'a\\'], // a trailing backslash is literal
  ])('should decode UNICODE %j as %j', (raw, text) => {
    expect(rawUnicodeEscape(b(raw))).toBe(text);
  });

  it.each([['\\u12'], ['\\u12zz'], ['\\U00110000']])('should reject UNICODE %j like the codec, unless only a prefix is known', (raw) => {
    expect(rawUnicodeEscape(b(raw))).toBeUndefined();
    expect(rawUnicodeEscape(b(raw), true)).toBe(raw);
  });

  it.each([
    ["'os'", 'os'],
    ['"os"', 'os'],
    ["'\\x6fs'", 'os'],
    ["'\\157s'", 'os'],
    ["'a\\'b'", "a'b"],
    ["'\\n'", '\n'],
    ["'\\q'", '\\q'],
  ])('should decode STRING %j as %j', (raw, text) => {
    expect(quotedString(b(raw))).toBe(text);
  });

  it.each([["os"], ["'os"], ["'os\""], ["'\\x4'"], ["'\\'"]])('should reject STRING %j like the loader', (raw) => {
    expect(quotedString(b(raw))).toBeUndefined();
  });

  it.each([
    ['00', FALSE],
    ['01', TRUE],
    ['42', 42],
    [' -7 ', -7],
    ['0x1F', 31],
    ['0o17', 15],
    ['0b101', 5],
    ['1_000', 1000],
    ['99999999999999999999', BIG],
    ['012', 10], // strtol base 0: C octal (an earlier version rejected it, which the loader does not)
    [' 0', FALSE], // a 2-byte line whose strtol value is 0 or 1 is a bool
    ['+1', TRUE],
    ['1\0', TRUE],
    ['12\0junk', 12], // an embedded NUL ends the number
    ['\0', 0],
  ])('should read INT %j', (text, value) => {
    expect(intLine(b(text))).toBe(value);
  });

  it.each([['abc'], ['1.5'], ['08'], ['0_1'], ['0x'], ['1__0'], ['077777777777777777777777'], ['']])('should reject INT %j', (text) => {
    expect(intLine(b(text))).toBeUndefined();
  });

  it('should read LONG with its trailing L, in Python syntax only', () => {
    expect(longLine(b('123L'))).toBe(123);
    expect(longLine(b('10 L'))).toBe(10);
    expect(longLine(b('0x_fL'))).toBe(15);
    expect(longLine(b('010L'))).toBeUndefined();
    expect(longLine(b('L'))).toBeUndefined();
    // A control byte is no digit (it once read as '0' and crashed BigInt): Python's int() raises.
    expect(longLine(b('\x10180591620717411303424L'))).toBeUndefined();
    expect(intLine(b('\x101'))).toBeUndefined();
  });

  it('should read memo keys in base 10, NUL-terminated, leading zeros allowed', () => {
    expect(memoKeyLine(b('0x10'))).toBeUndefined();
    expect(memoKeyLine(b('16'))).toBe(16);
    expect(memoKeyLine(b(' 0_0 '))).toBe(0);
    expect(memoKeyLine(b('007'))).toBe(7);
    expect(memoKeyLine(b('1\0x'))).toBe(1);
    expect(memoKeyLine(b('-1'))).toBe(-1);
    expect(memoKeyLine(b('99999999999999999999'))).toBeUndefined();
  });

  it.each([
    [[], 0],
    [[0xff], -1],
    [[0x00, 0x01], 256],
    [[0xff, 0x7f], 32767],
  ])('should read LONG1 bytes %j as %i', (bytes, value) => {
    expect(littleEndianLong(Uint8Array.from(bytes), bytes.length, false)).toBe(value);
  });

  it('should keep PyTorch’s legacy magic number exactly', () => {
    const magic = 0x1950a86a20f9469cfc6cn;
    const le: number[] = [];
    for (let v = magic; v > 0n; v >>= 8n) le.push(Number(v & 0xffn));
    expect(littleEndianLong(Uint8Array.from(le), le.length, false)).toEqual({ k: K.BigInt, value: magic });
  });
});
