/**
 * The protobuf text format (protobuf.dev "Text Format Language Specification"), as TensorFlow writes
 * `saved_model.pbtxt`: `name: value`, `name { … }` (or `< … >`), `[a, b]` lists, quoted strings with C
 * escapes (adjacent strings concatenate), numbers and identifiers, `#` comments. Parsed into a schema-free
 * tree that a caller maps onto field numbers; repeated fields and lists become repeated entries.
 * Nesting is bounded, so hostile input costs at most its own size.
 */

export type TextValue = { readonly kind: 'scalar'; readonly text: string; readonly bytes: Uint8Array } | { readonly kind: 'message'; readonly fields: TextMessage };
export type TextMessage = ReadonlyArray<{ readonly name: string; readonly value: TextValue }>;

export class TextFormatError extends Error {
  override readonly name = 'TextFormatError';
  constructor(
    detail: string,
    readonly offset: number,
  ) {
    super(`text format: ${detail} at offset ${offset}`);
  }
}

const MAX_DEPTH = 100;
const ESCAPES: Readonly<Record<string, number>> = { n: 10, r: 13, t: 9, v: 11, f: 12, a: 7, b: 8, '\\': 92, "'": 39, '"': 34, '?': 63 };

const UTF8 = new TextEncoder();

export function parseTextFormat(text: string): TextMessage {
  return new Parser(text).message(0, undefined);
}

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  message(depth: number, close: string | undefined): TextMessage {
    if (depth > MAX_DEPTH) throw new TextFormatError(`messages nested deeper than ${MAX_DEPTH}`, this.at);
    const fields: Array<{ name: string; value: TextValue }> = [];
    for (;;) {
      this.skipSpace();
      if (this.at >= this.text.length) {
        if (close !== undefined) throw new TextFormatError(`missing "${close}"`, this.at);
        return fields;
      }
      if (this.text[this.at] === close) {
        this.at++;
        return fields;
      }
      const name = this.fieldName();
      this.skipSpace();
      const colon = this.text[this.at] === ':';
      if (colon) {
        this.at++;
        this.skipSpace();
      }
      for (const value of this.values(depth, colon)) fields.push({ name, value });
      this.skipSpace();
      if (this.text[this.at] === ',' || this.text[this.at] === ';') this.at++;
    }
  }

  private values(depth: number, afterColon: boolean): TextValue[] {
    const c = this.text[this.at];
    if (c === '{' || c === '<') return [this.nested(depth)];
    if (!afterColon) throw new TextFormatError('expected ":" or a message', this.at);
    if (c !== '[') return [this.scalar()];
    this.at++;
    const items: TextValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === ']') {
        this.at++;
        return items;
      }
      const first = this.text[this.at];
      items.push(first === '{' || first === '<' ? this.nested(depth) : this.scalar());
      this.skipSpace();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== ']') throw new TextFormatError('expected "," or "]" in a list', this.at);
    }
  }

  private nested(depth: number): TextValue {
    const open = this.text[this.at++];
    return { kind: 'message', fields: this.message(depth + 1, open === '{' ? '}' : '>') };
  }

  private fieldName(): string {
    if (this.text[this.at] === '[') {
      // An extension or Any type URL: `[type.googleapis.com/pkg.Type]`.
      const end = this.text.indexOf(']', this.at);
      if (end < 0) throw new TextFormatError('unclosed "["', this.at);
      const name = this.text.slice(this.at, end + 1);
      this.at = end + 1;
      return name;
    }
    const name = this.word();
    if (name === '') throw new TextFormatError('expected a field name', this.at);
    return name;
  }

  private scalar(): TextValue {
    const c = this.text[this.at];
    if (c === '"' || c === "'") {
      const parts: number[] = [];
      // Adjacent string literals concatenate.
      while (this.text[this.at] === '"' || this.text[this.at] === "'") {
        this.quoted(parts);
        this.skipSpace();
      }
      const bytes = Uint8Array.from(parts);
      return { kind: 'scalar', text: new TextDecoder().decode(bytes), bytes };
    }
    const sign = c === '-' || c === '+' ? c : '';
    if (sign) this.at++;
    const word = this.word();
    if (word === '') throw new TextFormatError('expected a value', this.at);
    const text = sign + word;
    return { kind: 'scalar', text, bytes: UTF8.encode(text) };
  }

  /** A quoted string's bytes, escapes decoded (octal `\NNN`, hex `\xHH`, `\u`/`\U` code points). */
  private quoted(out: number[]): void {
    const quote = this.text[this.at++];
    for (;;) {
      if (this.at >= this.text.length) throw new TextFormatError('unterminated string', this.at);
      const c = this.text[this.at++]!;
      if (c === quote) return;
      if (c === '\n') throw new TextFormatError('newline in a string', this.at);
      if (c !== '\\') {
        // A run of plain characters is encoded at once.
        const start = this.at - 1;
        while (this.at < this.text.length && !['\\', '\n', quote].includes(this.text[this.at]!)) this.at++;
        for (const byte of UTF8.encode(this.text.slice(start, this.at))) out.push(byte);
        continue;
      }
      const e = this.text[this.at++] ?? '';
      if (e in ESCAPES) out.push(ESCAPES[e]!);
      else if (/[0-7]/.test(e)) {
        const digits = e + this.take(/[0-7]/, 2);
        out.push(parseInt(digits, 8) & 0xff);
      } else if (e === 'x' || e === 'X') {
        const digits = this.take(/[0-9a-fA-F]/, 2);
        if (digits === '') throw new TextFormatError('\\x without hex digits', this.at);
        out.push(parseInt(digits, 16));
      } else if (e === 'u' || e === 'U') {
        const digits = this.take(/[0-9a-fA-F]/, e === 'u' ? 4 : 8);
        const point = parseInt(digits, 16);
        if (!(point <= 0x10ffff)) throw new TextFormatError('invalid \\u escape', this.at);
        for (const byte of UTF8.encode(String.fromCodePoint(point))) out.push(byte);
      } else throw new TextFormatError(`unknown escape \\${e}`, this.at);
    }
  }

  private take(pattern: RegExp, max: number): string {
    let taken = '';
    while (taken.length < max && this.at < this.text.length && pattern.test(this.text[this.at]!)) taken += this.text[this.at++];
    return taken;
  }

  /** Letters, digits, `_`, `.` and `+`/`-` inside numbers (`1e-5`). */
  private word(): string {
    const start = this.at;
    while (this.at < this.text.length && /[A-Za-z0-9_.]/.test(this.text[this.at]!)) {
      this.at++;
      if (/[eE]/.test(this.text[this.at - 1]!) && /[-+]/.test(this.text[this.at] ?? '') && /^[0-9.]/.test(this.text.slice(start, this.at))) this.at++;
    }
    return this.text.slice(start, this.at);
  }

  private skipSpace(): void {
    while (this.at < this.text.length) {
      const c = this.text[this.at]!;
      if (c === '#') {
        const end = this.text.indexOf('\n', this.at);
        this.at = end < 0 ? this.text.length : end + 1;
      } else if (/\s/.test(c)) this.at++;
      else return;
    }
  }
}
