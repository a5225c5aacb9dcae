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
    literal = new LiteralParser(decoded).parseAll();
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

const TYPESTR = /^[<>|=]?([?bBhHiIlLqQpPefdgFDGbiufcSaUVOMm])(\d*)(?:\[\w+\])?$/;
/** Single-character numpy type codes and their sizes (on the 64-bit platforms models are saved on). */
const CHAR_SIZES: Readonly<Record<string, number>> = {
  '?': 1, b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, l: 8, L: 8, q: 8, Q: 8, p: 8, P: 8, e: 2, f: 4, d: 8, g: 16, F: 8, D: 16, G: 32,
};

function dtypeOf(descr: PyValue, depth: number): DtypeSize | string {
  if (depth > 16) return 'dtype nests too deeply';
  if (typeof descr === 'string') {
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

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseAll(): PyValue {
    const value = this.value(0);
    this.skipSpace();
    if (this.i !== this.s.length) throw new Error(`unexpected ${JSON.stringify(this.s[this.i])} at ${this.i}`);
    return value;
  }

  private skipSpace(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private value(depth: number): PyValue {
    if (depth > MAX_DEPTH) throw new Error('nested too deeply');
    this.skipSpace();
    const c = this.s[this.i];
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.sequence(c === '(' ? ')' : ']', depth);
    if (c === "'" || c === '"') return this.string(c);
    const word = /^(?:True|False|None|-?\d+L?)/.exec(this.s.slice(this.i, this.i + 32));
    if (!word) throw new Error(`unexpected ${JSON.stringify(c ?? 'end')} at ${this.i}`);
    this.i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace(/L$/, ''));
  }

  private string(quote: string): string {
    let out = '';
    for (this.i++; this.i < this.s.length; this.i++) {
      const c = this.s[this.i]!;
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const next = this.s[++this.i];
        if (next === undefined) break;
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      } else out += c;
    }
    throw new Error('unterminated string');
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
