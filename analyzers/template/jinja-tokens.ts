/**
 * The bounded token scanner behind the Jinja analysis (template/inspect.ts): the fallback for templates
 * the Jinja parser rejects, and a second reading of every template so that a construct the parser
 * reads differently from Jinja2 is still seen. It tokenizes the `{{ … }}` and `{% … %}` blocks
 * the way Jinja's lexer does (strings with Python escapes, balanced brackets), checks that statements
 * open and close in pairs, and flags the building blocks of template-injection payloads: dunder and
 * private attributes, names that reach `os`/`eval`/`exec`, dynamic `attr()` access, string tricks that
 * assemble dunder names, and template imports. It never evaluates anything. One linear pass, an
 * explicit stack, capped output: hostile input cannot make it recurse, loop or grow without bound.
 */

import { FORMAT_METHODS, hasFieldLookup } from './format-escape.js';
import { IssueCollector, type TemplateIssue, type TemplateIssueKind } from './issues.js';

/** Names with no place in a chat template: each reaches code execution, files or interpreter internals. */
const DANGEROUS_NAMES = new Set([
  'os', 'sys', 'subprocess', 'eval', 'exec', 'execfile', 'compile', 'builtins', 'globals', 'locals',
  'getattr', 'setattr', 'delattr', 'open', 'importlib', 'import_module',
  // Jinja's default globals and the template reference: their `__init__.__globals__` reach `os`.
  'lipsum', 'cycler', 'joiner', 'self',
]);
/**
 * Attributes flagged only after a dot: process spawning and frame/function internals without
 * underscores. (`.system` is left out: `os` is already flagged, and templates use `message.system`.)
 */
const DANGEROUS_ATTRIBUTES = new Set([
  'popen', 'spawn', 'mro', 'subclasses', 'func_globals', 'func_code', 'f_globals', 'f_locals',
  'f_builtins', 'f_back', 'gi_frame', 'gi_code', 'cr_frame', 'ag_frame', 'tb_frame', 'co_code',
]);
/** String literals flagged when used as a subscript or `attr()` argument (`x['popen']`). */
const DANGEROUS_SUBSCRIPTS = new Set(['os', 'popen', 'eval', 'exec', 'subprocess', 'globals', 'builtins', 'getattr', 'import_module']);
/** Statements that load other templates (from the filesystem when a loader is configured). */
const LOADING_STATEMENTS = new Set(['import', 'from', 'include', 'extends']);
/** Statements closed by `end<name>`; `set` only in its block form (no `=`). */
const BLOCK_STATEMENTS = new Set(['if', 'for', 'macro', 'call', 'filter', 'block', 'with', 'autoescape', 'trans', 'generation', 'set']);
const WORD = /\w+/g;
const ENDRAW = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;
const BLOCK_START = /\{[{%#]/g;
const MAX_NESTING = 256;

type TokenKind = 'name' | 'string' | 'number' | 'op';
interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  readonly offset: number;
}

/** Scans one template; returns distinct issues (at most 50), each with its first offset. */
export function scanJinjaTokens(template: string): TemplateIssue[] {
  return new TemplateInspector(template).run();
}

class TemplateInspector {
  private readonly issues = new IssueCollector();
  private readonly open: Array<{ name: string; offset: number }> = [];
  /** A format string with an attribute/item field, and whether `format`/`format_map` is reached (format-escape.ts). */
  private lookupFormat: { text: string; offset: number } | undefined;
  private reachesFormat = false;

  constructor(private readonly text: string) {}

  run(): TemplateIssue[] {
    this.scan();
    for (const block of this.open) this.report('malformed', `unclosed {% ${block.name} %}`, block.offset);
    if (this.lookupFormat && this.reachesFormat)
      this.report('sandbox-escape', `format string ${JSON.stringify(this.lookupFormat.text.slice(0, 60))} reaches str.format`, this.lookupFormat.offset);
    return this.issues.list();
  }

  /** Walks the blocks in order; stops at the first one that never ends (the rest is unreadable). */
  private scan(): void {
    let pos = 0;
    while (pos < this.text.length) {
      BLOCK_START.lastIndex = pos;
      const start = BLOCK_START.exec(this.text);
      if (!start) return;
      const kind = this.text[start.index + 1];
      if (kind === '#') {
        const end = this.text.indexOf('#}', start.index + 2);
        if (end < 0) return this.report('malformed', 'unterminated comment {# … #}', start.index);
        pos = end + 2;
        continue;
      }
      const block = this.tokenize(start.index + 2, kind === '{' ? '}}' : '%}');
      if (!block) return this.report('malformed', `unterminated ${kind === '{' ? '{{ … }}' : '{% … %}'} block`, start.index);
      this.inspectTokens(block.tokens);
      const next = kind === '%' ? this.statement(block.tokens, start.index, block.end) : block.end;
      if (next === undefined) return;
      pos = next;
    }
  }

  private report(kind: TemplateIssueKind, detail: string, offset: number): void {
    this.issues.add(kind, detail, offset);
  }

  /**
   * Tokens of one block up to its closing delimiter. As in Jinja's lexer, the delimiter only closes the
   * block outside brackets (`{{ {'a': {'b': 1}} }}` is one block). Undefined when the block never ends.
   */
  private tokenize(from: number, closer: '}}' | '%}'): { tokens: Token[]; end: number } | undefined {
    const text = this.text;
    const tokens: Token[] = [];
    const brackets: string[] = [];
    let i = from;
    if (text[i] === '-' || text[i] === '+') i++; // whitespace control: {{- / {%+
    while (i < text.length) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        i++;
        continue;
      }
      const control = (c === '-' || c === '+') && text.startsWith(closer, i + 1) ? 1 : 0;
      if (text.startsWith(closer, i + control)) {
        if (brackets.length === 0) return { tokens, end: i + control + 2 };
        // Inside `{`, the first `}` of `}}` closes that brace; inside `(` or `[` the block is broken.
        if (!(closer === '}}' && brackets[brackets.length - 1] === '{')) {
          this.report('malformed', `unbalanced "${brackets[brackets.length - 1]}" in block`, i);
          return { tokens, end: i + control + 2 };
        }
      }
      if (c === "'" || c === '"') {
        const literal = readStringLiteral(text, i);
        if (!literal) return undefined;
        tokens.push({ kind: 'string', value: literal.value, offset: i });
        i = literal.end;
      } else if (/[A-Za-z_]/.test(c)) {
        const end = scanWhile(text, i, /[A-Za-z0-9_]/);
        tokens.push({ kind: 'name', value: text.slice(i, end), offset: i });
        i = end;
      } else if (/[0-9]/.test(c)) {
        const end = scanWhile(text, i, /[0-9_.eE]/);
        tokens.push({ kind: 'number', value: text.slice(i, end), offset: i });
        i = end;
      } else {
        this.trackBracket(c, brackets, i);
        tokens.push({ kind: 'op', value: c, offset: i });
        i++;
      }
    }
    return undefined;
  }

  private trackBracket(c: string, brackets: string[], offset: number): void {
    if (c === '(' || c === '[' || c === '{') brackets.push(c);
    else if (c === ')' || c === ']' || c === '}') {
      const expected = c === ')' ? '(' : c === ']' ? '[' : '{';
      if (brackets[brackets.length - 1] === expected) brackets.pop();
      else this.report('malformed', `unexpected "${c}"`, offset);
    }
  }

  /** Names, attributes and string tricks inside one block. */
  private inspectTokens(tokens: readonly Token[]): void {
    let literals = '';
    for (let k = 0; k < tokens.length; k++) {
      const token = tokens[k]!;
      const previous = tokens[k - 1];
      const next = tokens[k + 1];
      if (FORMAT_METHODS.has(token.value) && token.kind !== 'number') this.reachesFormat = true;
      if (token.kind === 'string' && !this.lookupFormat && hasFieldLookup(token.value)) this.lookupFormat = { text: token.value, offset: token.offset };
      if (token.kind === 'name') {
        const isAttribute = previous?.kind === 'op' && previous.value === '.';
        if (token.value.startsWith('__') || (isAttribute && token.value.startsWith('_')))
          this.report('code-reach', `${isAttribute ? '.' : ''}${token.value}`, token.offset);
        else if (DANGEROUS_NAMES.has(token.value) || (isAttribute && DANGEROUS_ATTRIBUTES.has(token.value)))
          this.report('code-reach', token.value, token.offset);
        else if (token.value === 'attr' && ((previous?.kind === 'op' && previous.value === '|') || (next?.kind === 'op' && next.value === '(')))
          this.report('code-reach', 'attr() dynamic attribute access', token.offset);
      } else if (token.kind === 'string') {
        literals += token.value;
        if (/^_+$/.test(token.value) && next?.kind === 'op' && next.value === '*')
          this.report('code-reach', 'underscores built by string repetition', token.offset);
        if (token.value.includes('%c')) this.report('code-reach', 'string built from character codes (%c)', token.offset);
        const opener = previous?.kind === 'op' && (previous.value === '[' || previous.value === '(');
        if (opener && DANGEROUS_SUBSCRIPTS.has(token.value)) this.report('code-reach', `["${token.value}"]`, token.offset);
      }
    }
    // All literals of a block joined: catches '__cla' ~ 'ss__', ['_','_class__']|join, '\x5f\x5fclass\x5f\x5f'.
    const dunder = findDunder(literals);
    if (dunder !== undefined && tokens[0]) this.report('code-reach', `string "${dunder.slice(0, 60)}"`, tokens[0].offset);
  }

  /**
   * Tracks statement nesting; returns where scanning continues (after `{% endraw %}` for raw blocks), or
   * undefined when the rest of the template cannot be read.
   */
  private statement(tokens: readonly Token[], start: number, end: number): number | undefined {
    const first = tokens[0];
    if (first?.kind !== 'name') return end;
    const name = first.value;
    if (name === 'raw') {
      ENDRAW.lastIndex = end;
      const close = ENDRAW.exec(this.text);
      if (!close) {
        this.report('malformed', 'unclosed {% raw %}', start);
        return undefined;
      }
      return close.index + close[0].length;
    }
    if (LOADING_STATEMENTS.has(name)) this.report('loads-template', `{% ${name} %} loads another template`, start);
    if (BLOCK_STATEMENTS.has(name) && !(name === 'set' && tokens.some((t) => t.kind === 'op' && t.value === '='))) {
      if (this.open.length >= MAX_NESTING) this.report('malformed', `statements nested deeper than ${MAX_NESTING}`, start);
      else this.open.push({ name, offset: start });
    } else if (name.startsWith('end') && BLOCK_STATEMENTS.has(name.slice(3))) {
      const top = this.open[this.open.length - 1];
      if (top?.name === name.slice(3)) this.open.pop();
      else this.report('malformed', `{% ${name} %} without matching {% ${name.slice(3)} %}`, start);
    } else if (name === 'elif' || name === 'else') {
      const top = this.open[this.open.length - 1]?.name;
      if (!(top === 'if' || (name === 'else' && top === 'for'))) this.report('malformed', `{% ${name} %} outside {% if %}`, start);
    }
    return end;
  }
}

/**
 * The first `__name__` inside a run of word characters, found in linear time (a backtracking regex
 * over attacker-sized strings of underscores would be quadratic or worse).
 */
export function findDunder(text: string): string | undefined {
  WORD.lastIndex = 0;
  for (let run = WORD.exec(text); run; run = WORD.exec(text)) {
    const word = run[0];
    const open = word.indexOf('__');
    if (open < 0) continue;
    let name = open + 2;
    while (name < word.length && word[name] === '_') name++;
    if (name >= word.length) continue;
    const close = word.indexOf('__', name + 1);
    if (close >= 0) return word.slice(open, close + 2);
  }
  return undefined;
}

function scanWhile(text: string, from: number, pattern: RegExp): number {
  let i = from;
  while (i < text.length && pattern.test(text[i]!)) i++;
  return i;
}

/** A quoted literal decoded as Jinja decodes it (Python `unicode-escape`); undefined if unterminated. */
function readStringLiteral(text: string, start: number): { value: string; end: number } | undefined {
  const quote = text[start];
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const escape = decodeEscape(text, i + 1);
    value += escape.value;
    i = escape.end - 1;
  }
  return undefined;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };

/** Decodes the escape whose letter is at `at` (just after the backslash). */
function decodeEscape(text: string, at: number): { value: string; end: number } {
  const c = text[at] ?? '';
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { value: simple, end: at + 1 };
  const hexWidth = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexWidth > 0) {
    const hex = text.slice(at + 1, at + 1 + hexWidth);
    const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexWidth ? Number.parseInt(hex, 16) : NaN;
    return { value: code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd', end: at + 1 + hexWidth };
  }
  const octal = /^[0-7]{1,3}/.exec(text.slice(at, at + 3));
  if (octal) return { value: String.fromCodePoint(Number.parseInt(octal[0], 8)), end: at + octal[0].length };
  if (c === 'N' && text[at + 1] === '{') {
    const close = text.indexOf('}', at + 2);
    const name = close < 0 ? '' : text.slice(at + 2, close).toUpperCase();
    // Only the character a dunder needs is worth naming; others decode to a placeholder.
    return { value: name === 'LOW LINE' ? '_' : '\ufffd', end: close < 0 ? text.length : close + 1 };
  }
  return { value: `\\${c}`, end: at + 1 };
}
