/**
 * NumPy `.npy` header (oci-model-formats.md §6.5; numpy `lib/_format_impl.py`): magic, version, header
 * length, then a Python dict literal `{'descr': …, 'fortran_order': …, 'shape': (…)}`. Parsed with a
 * small literal parser (never evaluated), bounded in size and nesting.
 */

export interface NpyHeader {
  readonly version: string;
  /** Absolute offset of the array data (or of the pickle, for object dtypes). */
  readonly dataOffset: number;
  readonly descr: string;
  readonly shape: readonly number[];
  readonly itemsize: number;
  readonly hasObject: boolean;
}

/** Bytes before the header text, by major version (v1: u16 length; v2/v3: u32). */
export function npyPreambleLength(major: number): number | undefined {
  return major === 1 ? 10 : major === 2 || major === 3 ? 12 : undefined;
}

/** Header length declared by a preamble of `npyPreambleLength(major)` bytes. */
export function npyHeaderLength(preamble: Uint8Array): number {
  if (preamble[6] === 1) return preamble[8]! | (preamble[9]! << 8);
  return (preamble[8]! | (preamble[9]! << 8) | (preamble[10]! << 16)) + preamble[11]! * 16777216;
}

/** Parse the header dict; returns the header or the reason numpy.load would refuse it. */
export function parseNpyHeader(preamble: Uint8Array, text: Uint8Array): NpyHeader | string {
  const major = preamble[6]!;
  const decoded = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(text);
  let literal: PyValue;
  try {
    literal = new LiteralParser(decoded, major <= 2).parseAll();
  } catch (error) {
    return `header is not a Python literal: ${(error as Error).message}`;
  }
  if (!(literal instanceof Map)) return 'header is not a dict';
  const descr = literal.get('descr');
  const fortran = literal.get('fortran_order');
  const shape = literal.get('shape');
  if (descr === undefined || fortran === undefined || shape === undefined)
    return 'header lacks descr, fortran_order or shape';
  if (typeof fortran !== 'boolean') return 'fortran_order is not a bool';
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0))
    return 'shape is not a tuple of non-negative integers';
  const dtype = dtypeOf(descr, 0);
  if (typeof dtype === 'string') return dtype;
  return {
    version: `${major}.${preamble[7]}`,
    dataOffset: npyPreambleLength(major)! + text.length,
    descr: typeof descr === 'string' ? descr : 'structured',
    shape: shape as number[],
    ...dtype,
  };
}

interface DtypeSize {
  readonly itemsize: number;
  readonly hasObject: boolean;
}

const OBJECT_NAMES: ReadonlySet<string> = new Set(['object', 'object_', 'object0', 'O8', 'O4']);
const TYPESTR = /^[<>|=]?([?bBhHiIlLqQpPefdgFDGbiufcSaUVOMm])(\d*)(?:\[\w+\])?$/;
/** Single-character numpy type codes and their sizes (on the 64-bit platforms models are saved on). */
const CHAR_SIZES: Readonly<Record<string, number>> = {
  '?': 1, b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, l: 8, L: 8, q: 8, Q: 8, p: 8, P: 8, e: 2, f: 4, d: 8, g: 16, F: 8, D: 16, G: 32,
};

function dtypeOf(descr: PyValue, depth: number): DtypeSize | string {
  if (depth > 16) return 'dtype nests too deeply';
  if (typeof descr === 'string') {
    // numpy.dtype() also takes names; these are the ones that hold Python objects.
    if (OBJECT_NAMES.has(descr)) return { itemsize: 8, hasObject: true };
    const match = TYPESTR.exec(descr);
    if (!match) return `unknown dtype ${descr}`;
    const [, kind, digits] = match as unknown as [string, string, string];
    if (kind === 'O') return { itemsize: 8, hasObject: true };
    if (digits === '') {
      const size = CHAR_SIZES[kind];
      return size === undefined ? `dtype ${descr} has no size` : { itemsize: size, hasObject: false };
    }
    const n = Number(digits);
    return { itemsize: kind === 'U' ? n * 4 : n, hasObject: false };
  }
  if (!Array.isArray(descr)) return 'descr is neither a type string nor a field list';
  // `(dtype, shape)`: a subarray dtype (`descr_to_dtype`'s tuple case); a field list never has a shape second.
  const shape = descr[1];
  if (descr.length === 2 && (typeof shape === 'number' || (Array.isArray(shape) && shape.every((d) => typeof d === 'number')))) {
    const inner = dtypeOf(descr[0]!, depth + 1);
    if (typeof inner === 'string') return inner;
    const count = (typeof shape === 'number' ? [shape] : (shape as number[])).reduce((n, d) => n * Math.max(0, d), 1);
    return { itemsize: inner.itemsize * count, hasObject: inner.hasObject };
  }
  // Structured: [(name, dtype[, shape]), …] in order, padding fields included, so sizes add up.
  let itemsize = 0;
  let hasObject = false;
  for (const field of descr) {
    if (!Array.isArray(field) || field.length < 2 || field.length > 3) return 'malformed structured dtype field';
    const inner = dtypeOf(field[1]!, depth + 1);
    if (typeof inner === 'string') return inner;
    let count = 1;
    const sub = field[2];
    if (sub !== undefined) {
      const dims = typeof sub === 'number' ? [sub] : sub;
      if (!Array.isArray(dims) || !dims.every((d) => typeof d === 'number' && d >= 0)) return 'malformed field shape';
      for (const d of dims as number[]) count *= d;
    }
    itemsize += inner.itemsize * count;
    hasObject ||= inner.hasObject;
  }
  return { itemsize, hasObject };
}

/** What the literal parser produces: tuples and lists are arrays, dicts are Maps. */
type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

const MAX_DEPTH = 32;

/**
 * The subset of Python literal syntax `ast.literal_eval` accepts that a header can use: dicts, tuples,
 * lists, strings (u/r/b prefixes, every escape, implicit concatenation), ints (signs, 0x/0o/0b,
 * underscores; the Python 2 `L` suffix numpy filters out of v1/v2 headers), True/False/None, comments.
 * What numpy accepts must parse to the same value, or a crafted header (`'|\\x4f'` is `'|O'`) hides the
 * pickle behind it.
 */
class LiteralParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly longSuffix: boolean,
  ) {}

  parseAll(): PyValue {
    const value = this.value(0);
    this.skipSpace();
    if (this.i !== this.s.length) throw new Error(`unexpected ${JSON.stringify(this.s[this.i])} at ${this.i}`);
    return value;
  }

  private skipSpace(): void {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
      if (this.s[this.i] !== '#') return;
      while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
    }
  }

  private value(depth: number): PyValue {
    if (depth > MAX_DEPTH) throw new Error('nested too deeply');
    this.skipSpace();
    const c = this.s[this.i];
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.sequence(']', depth);
    if (c === '(') return this.parenthesized(depth);
    const rest = this.s.slice(this.i, this.i + 64);
    if (/^[uUrRbB]{0,2}['"]/.test(rest)) return this.strings();
    const word = /^(?:True|False|None)\b/.exec(rest);
    if (word) {
      this.i += word[0].length;
      return word[0] === 'True' ? true : word[0] === 'False' ? false : null;
    }
    return this.integer();
  }

  /** `(x)` is x; `(x,)`, `()` and `(x, y)` are tuples. */
  private parenthesized(depth: number): PyValue {
    const start = this.i;
    this.i++;
    this.skipSpace();
    if (this.s[this.i] === ')') {
      this.i++;
      return [];
    }
    const first = this.value(depth + 1);
    this.skipSpace();
    if (this.s[this.i] === ')') {
      this.i++;
      return first;
    }
    this.i = start;
    return this.sequence(')', depth);
  }

  /** Signs, then a decimal, hex, octal or binary int with single underscores between digits. */
  private integer(): number {
    let sign = 1;
    for (;;) {
      this.skipSpace();
      const c = this.s[this.i];
      if (c !== '+' && c !== '-') break;
      if (c === '-') sign = -sign;
      this.i++;
    }
    const m = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0(?:_?0)*)(?![\w.])/.exec(this.s.slice(this.i, this.i + 64));
    const longForm = m ? undefined : /^(\d+)L(?!\w)/.exec(this.s.slice(this.i, this.i + 64));
    if (!m && !(this.longSuffix && longForm)) throw new Error(`unexpected ${JSON.stringify(this.s[this.i] ?? 'end')} at ${this.i}`);
    const text = m ? m[0] : longForm![1]!;
    this.i += m ? m[0].length : longForm![0].length;
    const digits = text.replaceAll('_', '');
    const radix = /^0[xX]/.test(digits) ? 16 : /^0[oO]/.test(digits) ? 8 : /^0[bB]/.test(digits) ? 2 : 10;
    return sign * parseInt(radix === 10 ? digits : digits.slice(2), radix);
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(): string {
    let out = '';
    do {
      out += this.string();
      this.skipSpace();
    } while (/^[uUrRbB]{0,2}['"]/.test(this.s.slice(this.i, this.i + 3)));
    return out;
  }

  private string(): string {
    const prefix = /^[uUrRbB]{0,2}/.exec(this.s.slice(this.i, this.i + 2))![0];
    const raw = /[rR]/.test(prefix);
    this.i += prefix.length;
    const quote = this.s.startsWith(this.s[this.i]!.repeat(3), this.i) ? this.s[this.i]!.repeat(3) : this.s[this.i]!;
    this.i += quote.length;
    let out = '';
    while (this.i < this.s.length) {
      if (this.s.startsWith(quote, this.i)) {
        this.i += quote.length;
        return out;
      }
      const c = this.s[this.i++]!;
      if (c === '\n' && quote.length === 1) break;
      if (c !== '\\') {
        out += c;
        continue;
      }
      if (raw) {
        out += c + (this.s[this.i++] ?? '');
        continue;
      }
      out += this.escape(/[bB]/.test(prefix));
    }
    throw new Error('unterminated string');
  }

  /** The character an escape after `\\` stands for (Python string and bytes literal rules). */
  private escape(bytes: boolean): string {
    const c = this.s[this.i++];
    if (c === undefined) throw new Error('unterminated string');
    const simple: Record<string, string> = { '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    if (c in simple) return simple[c]!;
    const take = (pattern: RegExp): string | undefined => {
      const m = pattern.exec(this.s.slice(this.i, this.i + 8));
      if (m) this.i += m[0].length;
      return m?.[0];
    };
    if (/[0-7]/.test(c)) {
      this.i--;
      return String.fromCharCode(parseInt(take(/^[0-7]{1,3}/)!, 8) & (bytes ? 0xff : 0x1ff));
    }
    const hex = c === 'x' ? take(/^[0-9a-fA-F]{2}/) : !bytes && c === 'u' ? take(/^[0-9a-fA-F]{4}/) : !bytes && c === 'U' ? take(/^[0-9a-fA-F]{8}/) : undefined;
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    if (!bytes && c === 'N' && this.s[this.i] === '{') {
      const end = this.s.indexOf('}', this.i);
      const named = end === -1 ? undefined : namedCharacter(this.s.slice(this.i + 1, end));
      if (named !== undefined) {
        this.i = end + 1;
        return named;
      }
    }
    if (c === 'x' || (!bytes && (c === 'u' || c === 'U' || c === 'N'))) throw new Error(`unsupported escape \\${c}`);
    return `\\${c}`; // unknown escapes stay as written
  }

  private sequence(close: string, depth: number): PyValue[] {
    const items: PyValue[] = [];
    this.i++;
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === close) {
        this.i++;
        return items;
      }
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new Error(`expected , or ${close} at ${this.i}`);
    }
  }

  private dict(depth: number): Map<string, PyValue> {
    const map = new Map<string, PyValue>();
    this.i++;
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === '}') {
        this.i++;
        return map;
      }
      const key = this.value(depth + 1);
      if (typeof key !== 'string') throw new Error('dict key is not a string');
      this.skipSpace();
      if (this.s[this.i++] !== ':') throw new Error('expected :');
      map.set(key, this.value(depth + 1));
      this.skipSpace();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new Error(`expected , or } at ${this.i}`);
    }
  }
}

const DIGIT_NAMES = ['ZERO', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE'];
const SIGN_NAMES: Readonly<Record<string, string>> = {
  'VERTICAL LINE': '|', 'LESS-THAN SIGN': '<', 'GREATER-THAN SIGN': '>', 'EQUALS SIGN': '=', 'QUESTION MARK': '?',
  'LEFT SQUARE BRACKET': '[', 'RIGHT SQUARE BRACKET': ']', 'LOW LINE': '_', SPACE: ' ',
};

/** `\\N{…}` for the characters a dtype string is made of (Unicode names, case-insensitive as Python's). */
function namedCharacter(name: string): string | undefined {
  const upper = name.toUpperCase();
  const letter = /^LATIN (CAPITAL|SMALL) LETTER ([A-Z])$/.exec(upper);
  if (letter) return letter[1] === 'CAPITAL' ? letter[2]! : letter[2]!.toLowerCase();
  const digit = /^DIGIT ([A-Z]+)$/.exec(upper);
  if (digit) return DIGIT_NAMES.includes(digit[1]!) ? String(DIGIT_NAMES.indexOf(digit[1]!)) : undefined;
  return SIGN_NAMES[upper];
}
