/**
 * Argument decoding the way CPython's unpickler does it, so names built from protocol-0 strings are
 * the names the loader imports: `STRING` is a quoted Python literal decoded with `codecs.escape_decode`,
 * `UNICODE` uses `raw-unicode-escape` (`V\u006fs` is `os`, §2.4 "protocol-0 unicode escapes"), and
 * `INT`/`LONG` accept `int(x, 0)` forms.
 */
import type { DecodedOpcode } from './decoder-events.js';
import { Op } from './opcodes.js';
import type { Retention } from './retention.js';
import { BIG, FALSE, FLOAT, K, LONG_TEXT, PERSISTENT, TRUE, type BigIntValue, type Value } from './values.js';

const utf8 = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

export function utf8Text(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/**
 * BINUNICODE payloads as `_pickle.c` decodes them (`utf-8`, `surrogatepass`): undefined when the loader
 * raises. Encoded surrogates (`ED A0..BF xx`) are accepted by surrogatepass, so bytes holding 0xED are
 * given the benefit of the doubt.
 */
function loaderUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return bytes.includes(0xed) ? utf8.decode(bytes) : undefined;
  }
}

export function latin1Text(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * `raw-unicode-escape` as CPython 3.11 decodes it: a backslash followed by `u` or `U` must be followed by
 * 4 or 8 hex digits (at most U+10FFFF), else the codec raises; any other backslash pair is kept as it
 * is (so `\\\\u0041` stays literal). Undefined when the codec raises. A `lenient` decode (a prefix of a
 * longer line) keeps a malformed escape literally, since the cut may have split it.
 */
export function rawUnicodeEscape(bytes: Uint8Array, lenient = false): string | undefined {
  const s = latin1.decode(bytes);
  if (!s.includes('\\')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i++]!;
    if (ch !== '\\' || i >= s.length) {
      out += ch;
      continue;
    }
    const next = s[i++]!;
    if (next !== 'u' && next !== 'U') {
      out += ch + next;
      continue;
    }
    const width = next === 'u' ? 4 : 8;
    const hex = s.slice(i, i + width);
    const cp = hex.length === width && HEX.test(hex) ? parseInt(hex, 16) : -1;
    if (cp < 0 || cp > 0x10ffff) {
      if (!lenient) return undefined;
      out += ch + next;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += width;
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

/**
 * The loader hands a text argument to C parsers as a NUL-terminated copy of the line, so an embedded
 * NUL ends the number there (`I12\0junk` is 12).
 */
function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return latin1.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** C `isspace` in the C locale, and CPython's `Py_ISSPACE`: the same six bytes. */
const isSpace = (c: string | undefined): boolean => c === ' ' || (c !== undefined && c >= '\t' && c <= '\r');

function digitValue(c: string | undefined): number {
  if (c === undefined) return 99;
  const code = c.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  // Lower-casing by `| 0x20` only for letters: it would turn control bytes (0x10) into digits.
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x7a) return lower - 0x61 + 10;
  return 99;
}

const RADIX_PREFIX: Readonly<Record<number, string>> = { 16: '0x', 8: '0o', 2: '0b' };

function exactOrBig(digits: string, radix: number, negative: boolean): number | typeof BIG {
  if (radix === 10 && digits.length <= 15) return negative ? -Number(digits) : Number(digits);
  const value = BigInt(radix === 10 ? digits : `${RADIX_PREFIX[radix]}${digits}`);
  const signed = negative ? -value : value;
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : BIG;
}

/**
 * CPython `PyLong_FromString(s, NULL, base)` with base 0 or 10 — Python's `int(s, base)`: surrounding
 * whitespace, a sign, a `0x`/`0o`/`0b` prefix (base 0 only) optionally followed by one `_`, single
 * underscores between digits, no leading zeros on a non-zero base-0 decimal. Undefined when it raises.
 * (Python 3.11 also refuses more than `sys.get_int_max_str_digits()` decimal digits, 4300 unless the
 * environment changes it: a loader may accept them, so they are read as a number.)
 */
function pyLongFromString(s: string, base: 0 | 10): number | typeof BIG | undefined {
  let i = 0;
  while (isSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  let radix = 10;
  let nonzeroIsError = false;
  if (base === 0 && s[i] === '0') {
    const p = s[i + 1];
    radix = p === 'x' || p === 'X' ? 16 : p === 'o' || p === 'O' ? 8 : p === 'b' || p === 'B' ? 2 : 10;
    if (radix !== 10) {
      i += 2;
      if (s[i] === '_') i++;
    } else nonzeroIsError = true; // C-style octal `010` is not Python
  }
  let digits = '';
  let previous = '';
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '_') {
      if (previous === '_' || digits === '') return undefined;
    } else if (digitValue(c) < radix) digits += c;
    else break;
    previous = c;
  }
  if (digits === '' || previous === '_') return undefined;
  while (isSpace(s[i])) i++;
  if (i !== s.length) return undefined;
  if (nonzeroIsError && /[^0]/.test(digits)) return undefined;
  return exactOrBig(digits, radix, negative);
}

const LONG_MAX = (1n << 63n) - 1n;

/**
 * glibc `strtol(s, &end, 0)` on a 64-bit `long`: leading whitespace, a sign, `0x` + hex digit → hex,
 * a leading `0` → octal, else decimal. Undefined when the C unpickler would fall back to Python's
 * parser: no digits, something after them (`end` must reach the string's end), or out of range.
 */
function strtolWhole(s: string): number | typeof BIG | undefined {
  let i = 0;
  while (isSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  let radix = 10;
  if (s[i] === '0') {
    const hex = (s[i + 1] === 'x' || s[i + 1] === 'X') && digitValue(s[i + 2]) < 16;
    radix = hex ? 16 : 8;
    if (hex) i += 2;
  }
  const start = i;
  while (digitValue(s[i]) < radix) i++;
  // No digits leaves `end` at the very start, which is the terminating NUL only for an empty string.
  if (i === start) return s === '' ? 0 : undefined;
  if (i !== s.length) return undefined;
  const digits = s.slice(start, i);
  if (digits.length > 15 || radix !== 10) {
    const magnitude = BigInt(radix === 10 ? digits : `${RADIX_PREFIX[radix]}${digits}`);
    if (magnitude > (negative ? LONG_MAX + 1n : LONG_MAX)) return undefined; // ERANGE
  }
  return exactOrBig(digits, radix, negative);
}

/**
 * The INT opcode as `_pickle.c` `load_int` reads it: `strtol(line, &end, 0)` must consume up to the
 * newline or an embedded NUL, else `PyLong_FromString(line, NULL, 0)` decides (raising when it cannot
 * parse). A 2-byte line whose strtol value is 0 or 1 is a bool (`I01`, but also `I 0`, `I+1`, `I1\0`).
 * Undefined when the loader raises (including an empty line).
 */
export function intLine(bytes: Uint8Array): Value | undefined {
  if (bytes.length === 0) return undefined;
  const s = cString(bytes);
  const quick = strtolWhole(s);
  if (quick !== undefined) return bytes.length === 2 && (quick === 0 || quick === 1) ? (quick === 1 ? TRUE : FALSE) : quick;
  return pyLongFromString(s, 0);
}

/**
 * The LONG opcode (`load_long`): an `L` just before the newline is dropped, then `PyLong_FromString(line,
 * NULL, 0)` — so `010L` raises where INT accepts `010`.
 */
export function longLine(bytes: Uint8Array): Value | undefined {
  if (bytes.length === 0) return undefined;
  const body = bytes[bytes.length - 1] === 0x4c ? bytes.subarray(0, bytes.length - 1) : bytes;
  return pyLongFromString(cString(body), 0);
}

/** GET/PUT memo keys: `PyLong_FromString(line, NULL, 10)` then a C `ssize_t`; undefined when that raises. */
export function memoKeyLine(bytes: Uint8Array): number | undefined {
  if (bytes.length === 0) return undefined;
  const key = pyLongFromString(cString(bytes), 10);
  return typeof key === 'number' ? key : undefined;
}

/** `PyOS_string_to_double` as `load_float` calls it: no whitespace, no underscores, must reach the NUL. */
const C_FLOAT = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)$/i;
/** Python `float(line)` as the pure-Python unpickler (`pickle._Unpickler`, which joblib uses) calls it. */
const PY_FLOAT =
  /^[ \t-\r]*[+-]?(?:(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?|inf(?:inity)?|nan)[ \t-\r]*$/i;

/**
 * The FLOAT opcode: accepted when either real unpickler accepts it. The C one (`pickle.load`,
 * `torch.load`) raises on a finite literal that overflows (`1e999`), on whitespace and on underscores;
 * the pure-Python one (joblib) accepts those. Only a line both reject stops the analysis.
 */
export function floatLineAccepted(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  const c = cString(bytes);
  if (C_FLOAT.test(c) && (/[in]/i.test(c) || Number.isFinite(Number(c)))) return true;
  return bytes.indexOf(0) < 0 && PY_FLOAT.test(latin1.decode(bytes));
}

/** Bytes that may appear in a number line before its NUL (digits, letters of prefixes and `inf`/`nan`, signs, `_`, `.`, spaces). */
const NUMBER_BYTE = /^[0-9A-Za-z_+\-. \t-\r]*$/;
/** ASCII bytes that may appear in a dotted Python name (non-ASCII bytes may be UTF-8 letters). */
const NAME_BYTE = /^[A-Za-z0-9_.\x80-\xff]*$/;

/**
 * Whether the loader raises on a line opcode whatever the rest of its line (`first`, and `second` for
 * GLOBAL/INST) turns out to be, from the part that has arrived. Conservative: false unless certain.
 */
export function linePrefixRaises(code: number, first: Uint8Array, second: Uint8Array | undefined): boolean {
  switch (code) {
    case Op.PERSID:
      return !persistentIdAccepted(first);
    case Op.GLOBAL:
    case Op.INST: {
      // `load_inst` decodes its lines as ASCII (`load_global` as UTF-8).
      if (code === Op.INST && (!persistentIdAccepted(first) || (second !== undefined && !persistentIdAccepted(second)))) return true;
      const module = latin1.decode(first);
      if (!NAME_BYTE.test(module) || /^[0-9.]/.test(module)) return true;
      return second !== undefined && (!NAME_BYTE.test(latin1.decode(second)) || /^[0-9.]/.test(latin1.decode(second)));
    }
    case Op.INT:
    case Op.LONG:
    case Op.FLOAT:
    case Op.GET:
    case Op.PUT:
      return !NUMBER_BYTE.test(cString(first));
    case Op.STRING:
      return first.length > 0 && first[0] !== 0x22 && first[0] !== 0x27;
    default:
      return false;
  }
}

/** PERSID: the id must be ASCII (`load_persid` raises otherwise); so must INST's lines. */
export function persistentIdAccepted(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return false;
  return true;
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

/** Opcodes whose argument is the value they push (numbers, strings), or decides whether the loader raises. */
export const LITERAL_OPCODES: ReadonlySet<number> = new Set<number>([
  Op.BININT, Op.BININT1, Op.BININT2, Op.INT, Op.LONG, Op.LONG1, Op.LONG4, Op.FLOAT, Op.PERSID, Op.STRING, Op.BINSTRING,
  Op.SHORT_BINSTRING, Op.UNICODE, Op.BINUNICODE, Op.SHORT_BINUNICODE, Op.BINUNICODE8,
]);

/** The value a literal opcode pushes (strings kept as `keep` decides), or undefined when the loader rejects it. */
export function literalValue(op: DecodedOpcode, keep: Retention): Value | undefined {
  switch (op.code) {
    case Op.INT:
      return op.truncated ? BIG : intLine(op.data); // a 1 KiB+ number: only its prefix is known
    case Op.LONG:
      return op.truncated ? BIG : longLine(op.data);
    case Op.FLOAT:
      return op.truncated || floatLineAccepted(op.data) ? FLOAT : undefined;
    case Op.PERSID:
      return op.truncated || persistentIdAccepted(op.data) ? PERSISTENT : undefined;
    case Op.LONG1:
    case Op.LONG4:
      return littleEndianLong(op.data, op.arg, op.truncated);
    case Op.STRING:
      return op.truncated ? LONG_TEXT : quotedString(op.data);
    case Op.BINSTRING:
    case Op.SHORT_BINSTRING:
      return keep.text(latin1Text(op.data), op.truncated);
    case Op.UNICODE: {
      const text = rawUnicodeEscape(op.data, op.truncated);
      return text === undefined ? undefined : keep.text(text, op.truncated);
    }
    case Op.BINUNICODE:
    case Op.SHORT_BINUNICODE:
    case Op.BINUNICODE8: {
      // A payload longer than the prefix may be cut inside a character: only a whole one is checked.
      const text = op.truncated ? utf8Text(op.data) : loaderUtf8(op.data);
      return text === undefined ? undefined : keep.text(text, op.truncated);
    }
    default:
      return op.arg; // BININT, BININT1, BININT2
  }
}
