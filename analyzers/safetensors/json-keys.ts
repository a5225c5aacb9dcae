/**
 * An incremental JSON reader for text that arrives in chunks (a safetensors header of up to 100 MB read
 * from a registry): it checks the grammar, reports repeated keys and hands each key, scalar and container
 * to a listener, holding only the open containers and the token being read — never the whole text or a
 * parse tree. `JSON.parse` silently keeps the last of two equal keys, so duplicates a loader might resolve
 * differently are reported here (keys compared after unescaping, as parsers compare them).
 *
 * It accepts what RFC 8259 (and `JSON.parse`) accepts, and optionally also rejects what serde_json — the
 * safetensors reference reader's parser — rejects beyond that (`serde`): `\u` escapes that leave a lone
 * surrogate, containers nested 128 deep (its recursion limit) and numbers outside the f64 range.
 */

export interface DuplicateKey {
  /** Keys of the enclosing objects, outermost first (empty for a top-level key). */
  readonly path: readonly string[];
  readonly key: string;
  /** Character offset of the repeated key in the text. */
  readonly offset: number;
}

/** A string's text: whole when `complete`, else its first {@link KEPT_CHARS} characters. */
export interface JsonText {
  readonly text: string;
  readonly complete: boolean;
}

export type JsonScalar =
  | { readonly kind: 'string'; readonly value: JsonText }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

export type ContainerKind = 'object' | 'array';

/**
 * What the reader tells its listener. `depth` counts the containers around the item: a top-level key or
 * a top-level object's scalar value is at depth 1, the top-level container itself opens at depth 1.
 */
export interface JsonListener {
  key?(key: JsonText, depth: number, offset: number): void;
  scalar?(value: JsonScalar, depth: number): void;
  open?(kind: ContainerKind, depth: number): void;
  /** `children`: members or elements of the container. */
  close?(kind: ContainerKind, depth: number, children: number): void;
  /** A repeated key; `firstOrdinal` is the position (0-based) of its first occurrence among the object's keys. */
  duplicate?(duplicate: DuplicateKey, depth: number, firstOrdinal: number): void;
}

export interface JsonSyntaxError {
  readonly message: string;
  /** Character offset. */
  readonly position: number;
}

/** Characters of a string kept for the listener; longer keys are compared by a hash of the rest. */
export const KEPT_CHARS = 64 * 1024;
/** serde_json's default recursion limit: the 128th nested container is refused. */
export const SERDE_MAX_DEPTH = 127;

export interface JsonStreamOptions {
  /** Reject what serde_json rejects and `JSON.parse` accepts (see the module comment). */
  readonly serde?: boolean;
  /** Duplicates listed in {@link JsonStreamParser.duplicates}; all are counted. */
  readonly maxReported?: number;
}

interface Frame {
  readonly kind: ContainerKind;
  /** Keys seen so far with their ordinal (objects only). */
  readonly keys: Map<string, number> | undefined;
  /** The key this container is the value of (`[]` inside an array, '' at the top). */
  readonly name: string;
  children: number;
}

const enum State {
  Value,
  FirstValueOrEnd,
  AfterValue,
  KeyOrEnd,
  Key,
  Colon,
  String,
  Escape,
  Unicode,
  Number,
  Literal,
  Done,
  Failed,
}

const enum Num {
  Sign,
  Zero,
  Int,
  Dot,
  Frac,
  Exp,
  ExpSign,
  ExpDigits,
}

const LITERALS: Readonly<Record<string, JsonScalar>> = {
  true: { kind: 'boolean', value: true },
  false: { kind: 'boolean', value: false },
  null: { kind: 'null' },
};

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Significant digits kept of a long number: enough to round any decimal to the nearest double. */
const NUMBER_DIGITS = 800;

/** A number token; short ones are kept as text, long ones by their leading digits and magnitude. */
class NumberToken {
  text = '';
  long = false;
  negative = false;
  private digits = '';
  private sticky = false;
  /** Position of the decimal point relative to `digits` (digits before it, minus leading fraction zeros). */
  private pointShift = 0;
  private seenNonZero = false;
  private exponent = 0;
  private exponentNegative = false;

  reset(): void {
    this.text = '';
    this.long = false;
    this.negative = false;
    this.digits = '';
    this.sticky = false;
    this.pointShift = 0;
    this.seenNonZero = false;
    this.exponent = 0;
    this.exponentNegative = false;
  }

  push(c: string, part: Num): void {
    if (!this.long) {
      this.text += c;
      if (this.text.length > 1024) this.long = true;
    }
    if (c === '-' && part === Num.Sign) this.negative = true;
    else if (part === Num.Int || part === Num.Zero || part === Num.Frac) this.digit(c, part === Num.Frac);
    else if (part === Num.ExpSign) this.exponentNegative = c === '-';
    else if (part === Num.ExpDigits && this.exponent < 1e12) this.exponent = this.exponent * 10 + (c.charCodeAt(0) - 48);
  }

  private digit(c: string, fraction: boolean): void {
    if (!this.seenNonZero && c === '0') {
      if (fraction) this.pointShift -= 1;
      return;
    }
    this.seenNonZero = true;
    if (!fraction) this.pointShift += 1;
    if (this.digits.length < NUMBER_DIGITS) this.digits += c;
    else if (c !== '0') this.sticky = true;
  }

  value(): number {
    if (!this.long) return Number(this.text);
    if (!this.seenNonZero) return this.negative ? -0 : 0;
    const exponent = (this.exponentNegative ? -this.exponent : this.exponent) + this.pointShift;
    return Number(`${this.negative ? '-' : ''}0.${this.digits}${this.sticky ? '1' : ''}e${exponent}`);
  }
}

/** A 64-bit (two 32-bit lanes) hash of the characters of a long key beyond the kept ones. */
class KeyHash {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;
  length = 0;
  reset(): void {
    this.a = 0x811c9dc5;
    this.b = 0x9747b28c;
    this.length = 0;
  }
  add(text: string, from: number, to: number): void {
    let { a, b } = this;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.a = a;
    this.b = b;
    this.length += to - from;
  }
  token(): string {
    return `\u0000#${(this.a >>> 0).toString(16)}:${(this.b >>> 0).toString(16)}:${this.length}`;
  }
}

export class JsonStreamParser {
  readonly duplicates: DuplicateKey[] = [];
  duplicateCount = 0;
  error: JsonSyntaxError | undefined;
  /** Character offsets of the top-level value: [start, end); for a top-level scalar `end` is the text length. */
  valueStart = -1;
  valueEnd = -1;
  /** Kind of the top-level value once it has started. */
  topKind: JsonScalar['kind'] | ContainerKind | undefined;
  /** Characters after the top-level container, and whether any of them is not a space. */
  trailingLength = 0;
  trailingNonSpace = false;

  private readonly stack: Frame[] = [];
  private state = State.Value;
  private position = 0;
  private readonly maxReported: number;
  private readonly serde: boolean;
  // The token being read.
  private inKey = false;
  private tokenStart = 0;
  private parts: string[] = [];
  private kept = 0;
  private readonly hash = new KeyHash();
  private unicode = '';
  private pendingHigh = -1;
  /** The string holds a character above U+00FF (it cannot be copied as Latin-1). */
  private wide = false;
  private readonly number = new NumberToken();
  private numberPart = Num.Sign;
  private literal = '';
  private lastKey = '';

  constructor(
    private readonly listener: JsonListener = {},
    options: JsonStreamOptions = {},
  ) {
    this.maxReported = options.maxReported ?? 100;
    this.serde = options.serde ?? false;
  }

  /** Feeds the next piece of the text. */
  write(text: string): void {
    for (let i = 0; i < text.length && this.state !== State.Failed; ) i = this.step(text, i);
    this.position += text.length;
  }

  /** The text has ended: an unfinished value is an error. */
  end(): void {
    if (this.state === State.Number && this.numberComplete()) this.finishNumber();
    if (this.state === State.Failed) return;
    if (this.state !== State.Done) this.fail('Unexpected end of JSON input', this.position);
    else if (this.valueEnd < 0) this.valueEnd = this.position;
  }

  /** Processes text from `i`; returns where to go on. */
  private step(text: string, i: number): number {
    const at = this.position + i;
    switch (this.state) {
      case State.String:
        return this.stringChars(text, i);
      case State.Escape:
        return this.escape(text, i);
      case State.Unicode:
        return this.unicodeDigit(text, i);
      case State.Number:
        return this.numberChar(text, i);
      case State.Literal:
        return this.literalChar(text, i);
      case State.Done: {
        const c = text.charCodeAt(i);
        if (!isWhitespace(c)) return this.fail('Unexpected non-whitespace character after JSON', at), i + 1;
        if (this.topKind === 'object' || this.topKind === 'array') {
          this.trailingLength += 1;
          if (c !== 0x20) this.trailingNonSpace = true;
        }
        return i + 1;
      }
    }
    const c = text.charCodeAt(i);
    if (isWhitespace(c)) return i + 1;
    switch (this.state) {
      case State.Value:
      case State.FirstValueOrEnd:
        if (c === 0x5d && this.state === State.FirstValueOrEnd) return this.close('array', at), i + 1;
        return this.startValue(text, i, at);
      case State.AfterValue: {
        const top = this.stack[this.stack.length - 1]!;
        if (c === 0x2c) {
          this.state = top.kind === 'object' ? State.Key : State.Value;
          return i + 1;
        }
        if ((c === 0x7d && top.kind === 'object') || (c === 0x5d && top.kind === 'array')) return this.close(top.kind, at), i + 1;
        return this.fail(`Expected ',' or '${top.kind === 'object' ? '}' : ']'}' after ${top.kind === 'object' ? 'property value' : 'array element'}`, at), i + 1;
      }
      case State.KeyOrEnd:
      case State.Key:
        if (c === 0x7d && this.state === State.KeyOrEnd) return this.close('object', at), i + 1;
        if (c !== 0x22) return this.fail(`Expected ${this.state === State.KeyOrEnd ? "property name or '}'" : 'double-quoted property name'}`, at), i + 1;
        this.startString(true, at);
        return i + 1;
      case State.Colon:
        if (c !== 0x3a) return this.fail("Expected ':' after property name", at), i + 1;
        this.state = State.Value;
        return i + 1;
    }
    return i + 1;
  }

  private startValue(text: string, i: number, at: number): number {
    const c = text.charCodeAt(i);
    if (this.stack.length === 0) this.valueStart = at;
    if (c === 0x7b || c === 0x5b) {
      const kind: ContainerKind = c === 0x7b ? 'object' : 'array';
      if (this.serde && this.stack.length >= SERDE_MAX_DEPTH)
        return this.fail(`containers nested deeper than ${SERDE_MAX_DEPTH} levels (serde_json's recursion limit, which the reference reader keeps)`, at), i + 1;
      this.noteValue(kind);
      const parent = this.stack[this.stack.length - 1];
      const name = parent === undefined ? '' : parent.kind === 'object' ? this.lastKey : '[]';
      this.stack.push({ kind, keys: kind === 'object' ? new Map() : undefined, name, children: 0 });
      this.listener.open?.(kind, this.stack.length);
      this.state = kind === 'object' ? State.KeyOrEnd : State.FirstValueOrEnd;
      return i + 1;
    }
    if (c === 0x22) {
      this.startString(false, at);
      return i + 1;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.number.reset();
      this.numberPart = Num.Sign;
      this.tokenStart = at;
      this.state = State.Number;
      return i;
    }
    if (c === 0x74 || c === 0x66 || c === 0x6e) {
      this.literal = '';
      this.tokenStart = at;
      this.state = State.Literal;
      return i;
    }
    return this.fail(`Unexpected token '${text[i]}'`, at), i + 1;
  }

  /** Counts a value in its container and fixes the top-level kind. */
  private noteValue(kind: JsonScalar['kind'] | ContainerKind): void {
    const top = this.stack[this.stack.length - 1];
    if (top) {
      if (top.kind === 'array') top.children += 1;
    } else this.topKind = kind;
  }

  private afterValue(): void {
    this.state = this.stack.length === 0 ? State.Done : State.AfterValue;
  }

  private close(kind: ContainerKind, at: number): void {
    const frame = this.stack.pop()!;
    this.listener.close?.(kind, this.stack.length + 1, frame.children);
    if (this.stack.length === 0) this.valueEnd = at + 1;
    this.afterValue();
  }

  // Strings -----------------------------------------------------------------------------------------

  private startString(key: boolean, at: number): void {
    this.inKey = key;
    this.tokenStart = at;
    this.parts = [];
    this.kept = 0;
    this.hash.reset();
    this.pendingHigh = -1;
    this.wide = false;
    this.state = State.String;
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from) return;
    const room = KEPT_CHARS - this.kept;
    const keep = Math.min(room, to - from);
    if (keep > 0) {
      this.parts.push(from === 0 && keep === text.length ? text : text.slice(from, from + keep));
      this.kept += keep;
    }
    if (this.inKey && keep < to - from) this.hash.add(text, from + keep, to);
    else if (keep < to - from) this.hash.length += to - from - keep;
  }

  private stringChars(text: string, i: number): number {
    let j = i;
    let wide = false;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 0x22 || c === 0x5c || c < 0x20) break;
      if (c > 0xff) wide = true;
      j++;
    }
    if (wide) this.wide = true;
    if (j > i && this.pendingHigh >= 0) return this.loneSurrogate(this.position + i), j;
    this.append(text, i, j);
    if (j === text.length) return j;
    const c = text.charCodeAt(j);
    if (c < 0x20) return this.fail('Bad control character in string literal', this.position + j), j + 1;
    if (c === 0x5c) {
      this.state = State.Escape;
      return j + 1;
    }
    if (this.pendingHigh >= 0) return this.loneSurrogate(this.position + j), j + 1;
    this.finishString();
    return j + 1;
  }

  private escape(text: string, i: number): number {
    const ch = text[i]!;
    if (ch === 'u') {
      this.unicode = '';
      this.state = State.Unicode;
      return i + 1;
    }
    const decoded = ESCAPES[ch];
    if (decoded === undefined) return this.fail('Bad escaped character', this.position + i), i + 1;
    if (this.pendingHigh >= 0) return this.loneSurrogate(this.position + i), i + 1;
    this.append(decoded, 0, 1);
    this.state = State.String;
    return i + 1;
  }

  private unicodeDigit(text: string, i: number): number {
    const ch = text[i]!;
    if (!/[0-9a-fA-F]/.test(ch)) return this.fail('Bad Unicode escape', this.position + i), i + 1;
    this.unicode += ch;
    if (this.unicode.length < 4) return i + 1;
    const code = parseInt(this.unicode, 16);
    this.state = State.String;
    if (this.pendingHigh >= 0) {
      if (code < 0xdc00 || code > 0xdfff) return this.loneSurrogate(this.position + i), i + 1;
      this.append(String.fromCharCode(this.pendingHigh, code), 0, 2);
      this.pendingHigh = -1;
      this.wide = true;
    } else if (code >= 0xd800 && code <= 0xdbff && this.serde) this.pendingHigh = code;
    else if (code >= 0xdc00 && code <= 0xdfff && this.serde) return this.loneSurrogate(this.position + i), i + 1;
    else {
      this.append(String.fromCharCode(code), 0, 1);
      if (code > 0xff) this.wide = true;
    }
    return i + 1;
  }

  private loneSurrogate(at: number): void {
    this.fail('lone surrogate in a \\u escape (serde_json, the reference reader, refuses it)', at);
  }

  private finishString(): void {
    const text = detach(this.parts.length === 1 ? this.parts[0]! : this.parts.join(''), this.wide);
    this.parts = [];
    const complete = this.hash.length === 0;
    const value: JsonText = { text, complete };
    if (this.inKey) this.finishKey(value);
    else {
      this.noteValue('string');
      this.listener.scalar?.({ kind: 'string', value }, this.stack.length);
      this.afterValue();
    }
  }

  private finishKey(key: JsonText): void {
    const frame = this.stack[this.stack.length - 1]!;
    const compared = key.complete ? key.text : key.text + this.hash.token();
    const first = frame.keys!.get(compared);
    const ordinal = frame.children++;
    if (first !== undefined) {
      this.duplicateCount += 1;
      const duplicate = { path: this.stack.slice(1).map((f) => f.name), key: key.text, offset: this.tokenStart };
      if (this.duplicates.length < this.maxReported) this.duplicates.push(duplicate);
      this.listener.duplicate?.(duplicate, this.stack.length, first);
    }
    frame.keys!.set(compared, ordinal);
    this.lastKey = key.text;
    this.listener.key?.(key, this.stack.length, this.tokenStart);
    this.state = State.Colon;
  }

  // Numbers and literals ----------------------------------------------------------------------------

  private numberChar(text: string, i: number): number {
    const ch = text[i]!;
    const c = ch.charCodeAt(0);
    const digit = c >= 0x30 && c <= 0x39;
    const part = this.numberPart;
    let next: Num | undefined;
    if (part === Num.Sign) next = ch === '-' && this.number.text === '' ? Num.Sign : digit ? (ch === '0' ? Num.Zero : Num.Int) : undefined;
    else if (part === Num.Zero || part === Num.Int) next = digit && part === Num.Int ? Num.Int : ch === '.' ? Num.Dot : ch === 'e' || ch === 'E' ? Num.Exp : undefined;
    else if (part === Num.Dot) next = digit ? Num.Frac : undefined;
    else if (part === Num.Frac) next = digit ? Num.Frac : ch === 'e' || ch === 'E' ? Num.Exp : undefined;
    else if (part === Num.Exp) next = ch === '+' || ch === '-' ? Num.ExpSign : digit ? Num.ExpDigits : undefined;
    else next = digit ? Num.ExpDigits : undefined;
    if (next !== undefined) {
      this.numberPart = next;
      this.number.push(ch, next);
      return i + 1;
    }
    if (!this.numberComplete()) return this.fail(numberError(part), this.position + i), i + 1;
    this.finishNumber();
    return i;
  }

  private numberComplete(): boolean {
    return this.numberPart === Num.Zero || this.numberPart === Num.Int || this.numberPart === Num.Frac || this.numberPart === Num.ExpDigits;
  }

  private finishNumber(): void {
    const value = this.number.value();
    if (this.serde && !Number.isFinite(value)) {
      this.fail('number out of range (serde_json, the reference reader, refuses it)', this.tokenStart);
      return;
    }
    this.noteValue('number');
    this.listener.scalar?.({ kind: 'number', value }, this.stack.length);
    this.afterValue();
  }

  private literalChar(text: string, i: number): number {
    const ch = text[i]!;
    const candidate = this.literal + ch;
    if (!Object.keys(LITERALS).some((word) => word.startsWith(candidate))) return this.fail(`Unexpected token '${ch}'`, this.position + i), i + 1;
    this.literal = candidate;
    const scalar = LITERALS[candidate];
    if (scalar) {
      this.noteValue(scalar.kind);
      this.listener.scalar?.(scalar, this.stack.length);
      this.afterValue();
    }
    return i + 1;
  }

  private fail(message: string, position: number): void {
    if (this.state === State.Failed) return;
    this.error = { message: `${message} in JSON at position ${position}`, position };
    this.state = State.Failed;
  }
}

/**
 * A flat copy of `text` that does not keep the chunk it was cut from alive (V8 slices of 13+ characters
 * point into their parent string): names are kept for the whole header, chunks must not be. A Latin-1
 * copy costs one byte per character.
 */
function detach(text: string, wide: boolean): string {
  if (text.length < 13) return text;
  return wide ? (JSON.parse(JSON.stringify(text)) as string) : Buffer.from(text, 'latin1').toString('latin1');
}

function numberError(part: Num): string {
  if (part === Num.Sign) return 'No number after minus sign';
  if (part === Num.Dot) return 'Unterminated fractional number';
  return 'Exponent part is missing a number';
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export interface JsonKeyScan {
  readonly duplicates: readonly DuplicateKey[];
  /** Number of duplicates found; may exceed `duplicates.length` when capped. */
  readonly duplicateCount: number;
  /** Character offsets of the top-level value: [start, end); for a top-level scalar `end` is the text length. */
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** The repeated keys of a whole JSON text (already known to be valid) and where its value lies. */
export function scanJsonKeys(text: string, maxReported = 100): JsonKeyScan {
  const parser = new JsonStreamParser({}, { maxReported });
  parser.write(text);
  parser.end();
  return {
    duplicates: parser.duplicates,
    duplicateCount: parser.duplicateCount,
    valueStart: Math.max(0, parser.valueStart),
    valueEnd: parser.valueEnd < 0 ? text.length : parser.valueEnd,
  };
}
