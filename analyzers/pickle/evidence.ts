/**
 * What runs, printable: a call and its reconstructed arguments rendered the way Python would spell
 * them (`os.system('curl … | sh')`). Text from the file is escaped (no control characters, NUL shown
 * as `\x00`) and truncated, so a finding can quote it safely in a message and in `details`.
 */
import { MAX_LIST_PREVIEW } from './retention.js';
import { K, type Value } from './values.js';

const MAX_STRING = 48;
const MAX_ARGS = 6;
const MAX_CALL = 200;
const MAX_DEPTH = 3;

/** `callee(arg, …)`, at most MAX_CALL characters. */
export function renderCall(callee: Value, args: Value | undefined): string {
  return clipText(`${render(callee, 0)}(${args === undefined ? '…' : renderArgs(args, 0)})`, MAX_CALL);
}

/** One value as Python would spell it (escaped, truncated). */
export function renderValue(value: Value): string {
  return clipText(render(value, 0), MAX_CALL);
}

function renderArgs(args: Value, depth: number): string {
  if (typeof args === 'object' && args.k === K.Tuple) {
    if (!args.items) return `<${args.length} arguments>`;
    const shown = args.items.slice(0, MAX_ARGS).map((v) => render(v, depth + 1));
    if (args.length > MAX_ARGS) shown.push('…');
    return shown.join(', ');
  }
  return `*${render(args, depth + 1)}`;
}

function render(value: Value, depth: number): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return quote(value, value.length);
  switch (value.k) {
    case K.Global:
      return escape(`${value.module}.${value.name}`);
    case K.Ext:
      return `<extension ${value.code}>`;
    case K.Text:
      return quote(value.preview, value.length);
    case K.BigInt:
      return clipText(value.value.toString(), MAX_STRING);
    case K.Tuple:
      if (depth >= MAX_DEPTH) return '(…)';
      return value.items ? `(${renderArgs(value, depth)}${value.length === 1 ? ',' : ''})` : `<tuple of ${value.length}>`;
    case K.Call:
      return depth >= MAX_DEPTH ? `${render(value.callee, MAX_DEPTH)}(…)` : `${render(value.callee, depth + 1)}(${renderArgs(value.args, depth)})`;
    case K.Dict: {
      if (!value.entries || value.entries.size === 0 || depth >= MAX_DEPTH) return value.entries?.size ? '{…}' : '{}';
      const shown = [...value.entries].slice(0, MAX_ARGS).map(([k, v]) => `${quote(k, k.length)}: ${render(v, depth + 1)}`);
      return `{${shown.join(', ')}${value.entries.size > MAX_ARGS ? ', …' : ''}}`;
    }
    case K.List:
      if (!value.first || depth >= MAX_DEPTH) return value.first?.length === 0 ? '[]' : '[…]';
      return `[${value.first.map((v) => render(v, depth + 1)).join(', ')}${value.first.length >= MAX_LIST_PREVIEW ? ', …' : ''}]`;
    case K.Set:
      return '{…}';
    case K.Atom:
      return ATOM_TEXT[value.name] ?? `<${value.name}>`;
  }
}

const ATOM_TEXT: Readonly<Record<string, string>> = { None: 'None', True: 'True', False: 'False', 'big int': '<int>' };

/** A Python str literal of (the start of) a string of `length` characters. */
function quote(text: string, length: number): string {
  const shown = text.length > MAX_STRING ? text.slice(0, MAX_STRING) : text;
  const more = text.length > MAX_STRING || length > text.length ? '…' : '';
  return `'${escape(shown).replace(/'/g, "\\'")}${more}'`;
}

/** Control, format and non-ASCII space characters as escapes; everything printable as is. */
function escape(text: string): string {
  return text.replace(/[\p{C}\p{Zl}\p{Zp}\\]/gu, (c) => {
    if (c === '\\') return '\\\\';
    const code = c.codePointAt(0)!;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  });
}

function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
