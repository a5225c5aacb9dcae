/**
 * Argument decoding the way CPython's unpickler does it, so names built from protocol-0 strings are
 * the names the loader imports: `STRING` is a quoted Python literal decoded with `codecs.escape_decode`,
 * `UNICODE` uses `raw-unicode-escape` (`V\u006fs` is `os`, §2.4 "protocol-0 unicode escapes"), and
 * `INT`/`LONG` accept `int(x, 0)` forms.
 */
import type { DecodedOpcode } from './decoder-events.js';
import { Op } from './opcodes.js';
import type { Retention } from './retention.js';
import { BIG, FALSE, K, LONG_TEXT, TRUE, type BigIntValue, type Value } from './values.js';

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

export function utf8Text(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

export function latin1Text(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

const HEX = /^[0-9a-fA-F]+$/;

/** `raw-unicode-escape`: only `\uXXXX` and `\UXXXXXXXX` after an odd run of backslashes are escapes. */
export function rawUnicodeEscape(bytes: Uint8Array): string {
  const s = latin1.decode(bytes);
  if (!s.includes('\\')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    let run = 0;
    while (s[i + run] === '\\') run++;
    const next = s[i + run];
    const width = next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (run % 2 === 1 && width > 0) {
      const hex = s.slice(i + run + 1, i + run + 1 + width);
      if (hex.length === width && HEX.test(hex)) {
        const cp = parseInt(hex, 16);
        out += '\\'.repeat(run - 1) + (cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd');
        i += run + 1 + width;
        continue;
      }
    }
    out += '\\'.repeat(run);
    i += run;
  }
  return out;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * The STRING opcode: a quoted literal (`'os'` or `"os"`), backslash escapes decoded as bytes, returned
 * as latin-1 text. Undefined when the loader would reject it (unquoted, bad `\x`).
 */
export function quotedString(bytes: Uint8Array): string | undefined {
  const s = latin1.decode(bytes);
  if (s.length < 2 || s[0] !== s[s.length - 1] || (s[0] !== "'" && s[0] !== '"')) return undefined;
  const body = s.slice(1, -1);
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    if (next === undefined) return undefined; // trailing backslash: escape_decode raises
    if (next === '\n') continue;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
    } else if (next >= '0' && next <= '7') {
      let oct = next;
      while (oct.length < 3 && body[i + 1] !== undefined && body[i + 1]! >= '0' && body[i + 1]! <= '7') oct += body[++i];
      out += String.fromCharCode(parseInt(oct, 8) & 0xff);
    } else if (next === 'x') {
      const hex = body.slice(i + 1, i + 3);
      if (hex.length !== 2 || !HEX.test(hex)) return undefined;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else {
      out += `\\${next}`;
    }
  }
  return out;
}

const INT_FORMS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^0[xX](?:_?[0-9a-fA-F])+$/, 16],
  [/^0[oO](?:_?[0-7])+$/, 8],
  [/^0[bB](?:_?[01])+$/, 2],
  [/^(?:0(?:_?0)*|[1-9](?:_?[0-9])*)$/, 10],
];
const DECIMAL = /^[0-9](?:_?[0-9])*$/;

/**
 * Python `int(text)` (base 10) or `int(text, 0)`; a JS number when exact, {@link BIG} beyond 2^53,
 * undefined when Python would raise.
 */
export function pythonInt(text: string, base0: boolean): number | typeof BIG | undefined {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  let radix = 10;
  if (base0) {
    const form = INT_FORMS.find(([re]) => re.test(s));
    if (!form) return undefined;
    radix = form[1];
    if (radix !== 10) s = s.slice(2);
  } else if (!DECIMAL.test(s)) return undefined;
  const digits = s.replace(/_/g, '');
  const value = parseInt(digits, radix);
  if (!Number.isSafeInteger(value)) return BIG;
  return sign * value;
}

/** The INT opcode: `00`/`01` are the protocol-0 spellings of False/True. */
export function intLine(bytes: Uint8Array): Value | undefined {
  const text = latin1.decode(bytes);
  if (text === '00') return FALSE;
  if (text === '01') return TRUE;
  return pythonInt(text, true);
}

/** The LONG opcode: decimal with an optional trailing `L`. */
export function longLine(bytes: Uint8Array): Value | undefined {
  const text = latin1.decode(bytes);
  return pythonInt(text.endsWith('L') ? text.slice(0, -1) : text, true);
}

/** LONG1/LONG4 payload: little-endian two's complement. Exact up to 32 bytes, {@link BIG} beyond. */
export function littleEndianLong(bytes: Uint8Array, length: number, truncated: boolean): number | BigIntValue | typeof BIG {
  if (length === 0) return 0;
  if (truncated || length > 32) return BIG;
  let value = 0n;
  for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes[length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return { k: K.BigInt, value };
}

/** Opcodes whose argument is the value they push: numbers and strings. */
export const LITERAL_OPCODES: ReadonlySet<number> = new Set<number>([
  Op.BININT, Op.BININT1, Op.BININT2, Op.INT, Op.LONG, Op.LONG1, Op.LONG4, Op.STRING, Op.BINSTRING,
  Op.SHORT_BINSTRING, Op.UNICODE, Op.BINUNICODE, Op.SHORT_BINUNICODE, Op.BINUNICODE8,
]);

/** The value a literal opcode pushes (strings kept as `keep` decides), or undefined when the loader rejects it. */
export function literalValue(op: DecodedOpcode, keep: Retention): Value | undefined {
  switch (op.code) {
    case Op.INT:
      return intLine(op.data);
    case Op.LONG:
      return longLine(op.data);
    case Op.LONG1:
    case Op.LONG4:
      return littleEndianLong(op.data, op.arg, op.truncated);
    case Op.STRING:
      return op.truncated ? LONG_TEXT : quotedString(op.data);
    case Op.BINSTRING:
    case Op.SHORT_BINSTRING:
      return keep.text(latin1Text(op.data), op.truncated);
    case Op.UNICODE:
      return keep.text(rawUnicodeEscape(op.data), op.truncated);
    case Op.BINUNICODE:
    case Op.SHORT_BINUNICODE:
    case Op.BINUNICODE8:
      return keep.text(utf8Text(op.data), op.truncated);
    default:
      return op.arg; // BININT, BININT1, BININT2
  }
}
