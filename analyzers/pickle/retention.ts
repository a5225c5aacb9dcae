/**
 * What the interpreter keeps of the values it builds. Names are built from strings, so short
 * identifier-like strings are kept as text; joblib's array metadata lives in small tuples and dicts, so
 * a few of their items are kept. Everything else collapses to shared atoms. Budgets are per scan and
 * shared by every reading of the stream, so memory stays bounded however many strings a file holds.
 */
import { SCIPY_ARGPARSER_PREFIX, WATCHED_STATE_KEYS } from './effects.js';
import { isValidDottedName } from './names.js';
import * as V from './values.js';
import { K, type Value } from './values.js';

/** Longest string kept as text; global names are never longer. */
/** Longest str kept as a name; a longer name-like one is an import the scanner flags as unresolved (Critical). */
export const MAX_NAME_CHARS = 256;
export const MAX_TUPLE_ITEMS = 64;
const MAX_DICT_ENTRIES = 32;
/** Characters of text, and tuple/dict items, kept per scan. */
export const RETAINED_CHARS_BUDGET = 64 * 1024 * 1024;
export const RETAINED_ITEMS_BUDGET = 4 * 1024 * 1024;
/** Characters of a non-name str kept for evidence (`os.system('curl … | sh')`). */
const PREVIEW_CHARS = 96;
/** Callables and calls a container remembers holding (a dict of hooks that are called later). */
const MAX_HELD = 8;
/** List items kept for evidence. */
export const MAX_LIST_PREVIEW = 6;
/** Longest code text kept whole to be compared with what its library generates. */
const MAX_CHECKED_CODE = 4096;

/** A str that can only be a name when it looks like one (retaining free text would be unbounded). */
const NAME_CHARS = /^[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}.]*$/u;
/** Identifier-like text over the name length or the retention budget: a name the scanner cannot read. */
export const UNRETAINED: V.Atom = Object.freeze({ k: K.Atom, name: 'unretained str' });
/** Any other text: not a name (an import or getattr with it fails). */
export const TEXT: V.Atom = Object.freeze({ k: K.Atom, name: 'str that is not a name' });

export class Retention {
  chars = 0;
  items = 0;

  /** A str pushed by any string opcode. */
  text(value: string, truncated: boolean): Value {
    if (truncated || value.length > MAX_NAME_CHARS) return NAME_CHARS.test(value) ? UNRETAINED : this.preview(value, truncated);
    // Short non-names are kept too: joblib's dtype strings and byte-order marks (`<f8`, `|`).
    if (value.length > 8 && !isValidDottedName(value)) return this.preview(value, truncated);
    if (this.chars + value.length > RETAINED_CHARS_BUDGET) return UNRETAINED;
    this.chars += value.length;
    return value;
  }

  /** Non-name text: only the start is kept, as evidence of what a call is given. */
  private preview(value: string, truncated: boolean): Value {
    // scipy's argument-parser template is exec()d from the state: kept whole so effects.ts can check it.
    if (!truncated && value.length <= MAX_CHECKED_CODE && value.startsWith(SCIPY_ARGPARSER_PREFIX) && this.chars + value.length <= RETAINED_CHARS_BUDGET) {
      this.chars += value.length;
      return { k: K.Text, preview: Buffer.from(value, 'utf16le').toString('utf16le'), length: value.length };
    }
    // A slice of a long str would keep the whole str alive (V8 sliced strings): copy the start instead.
    const preview = value.length > MAX_NAME_CHARS ? Buffer.from(value.slice(0, PREVIEW_CHARS), 'utf16le').toString('utf16le') : value.slice(0, PREVIEW_CHARS);
    if (this.chars + preview.length > RETAINED_CHARS_BUDGET) return TEXT;
    this.chars += preview.length;
    return { k: K.Text, preview, length: truncated ? Infinity : value.length };
  }

  /** Remember that `container` now holds `value` when it is something that can run (a global, a call). */
  hold(container: Value, value: Value): void {
    if (typeof value !== 'object' || typeof container !== 'object') return;
    if (value.k !== K.Global && value.k !== K.Ext && value.k !== K.Call && !('holds' in value && value.holds) && !holdsRunnable(value)) return;
    if (container.k !== K.Call && container.k !== K.Dict && container.k !== K.List && container.k !== K.Set) return;
    const held = (container.holds ??= []);
    if (held.length > MAX_HELD) return;
    // Past the budget the container holds something unknown: effects on its contents fail closed.
    held.push(held.length < MAX_HELD && this.items < RETAINED_ITEMS_BUDGET ? value : V.UNKNOWN);
    this.items++;
  }

  /** Keep the first items of a list for evidence: a few per list, so batches of thousands cost nothing. */
  listItems(list: Value, take: (count: number) => readonly Value[]): void {
    if (typeof list !== 'object' || list.k !== K.List) return;
    const first = (list.first ??= []);
    const room = Math.min(MAX_LIST_PREVIEW - first.length, RETAINED_ITEMS_BUDGET - this.items);
    if (room <= 0) return;
    const items = take(room);
    this.items += items.length;
    first.push(...items);
  }

  /** A tuple of `length` items, `items` holding (at least) the first ones. */
  tuple(items: Value[], length = items.length): V.TupleValue {
    if (length > MAX_TUPLE_ITEMS || this.items + length > RETAINED_ITEMS_BUDGET) return { k: K.Tuple, length, items: undefined };
    this.items += length;
    return { k: K.Tuple, length, items: items.length === length ? items : items.slice(0, length) };
  }

  /** `dict[key] = value`, kept for string keys while the dict is small. */
  setEntry(dict: V.DictValue, key: Value, value: Value): void {
    if (typeof key !== 'string') return;
    if (dict.entries === undefined) {
      if (this.items >= RETAINED_ITEMS_BUDGET) {
        if (WATCHED_STATE_KEYS.has(key)) dict.lossy = true;
        return;
      }
      dict.entries = new Map();
    }
    // Keys an allowed object acts on (effects.ts) are kept past the cap: dropping one would hide it.
    if (dict.entries.size >= MAX_DICT_ENTRIES && !dict.entries.has(key) && !WATCHED_STATE_KEYS.has(key)) return;
    this.items++;
    dict.entries.set(key, value);
  }
}

/** A kept tuple with a global, a call or a container of them among its items (`(0, hook)` pairs). */
function holdsRunnable(value: Value): boolean {
  if (typeof value !== 'object' || value.k !== K.Tuple || !value.items) return false;
  return value.items.some((v) => typeof v === 'object' && (v.k === K.Global || v.k === K.Ext || v.k === K.Call || ('holds' in v && v.holds !== undefined)));
}

/**
 * How a STACK_GLOBAL operand can serve as a name: a `name` (kept text), `computed` at load time or too
 * long to read (the import cannot be checked: fail closed), or `invalid` (the loader rejects it:
 * `STACK_GLOBAL requires str`, or text that is no name).
 */
export function nameOperand(value: Value): 'name' | 'computed' | 'invalid' {
  if (typeof value === 'string') return 'name';
  if (value === UNRETAINED || value === V.LONG_TEXT || value === V.UNKNOWN || value === V.PERSISTENT) return 'computed';
  if (typeof value === 'object' && (value.k === K.Global || value.k === K.Ext || value.k === K.Call)) return 'computed';
  return 'invalid';
}
