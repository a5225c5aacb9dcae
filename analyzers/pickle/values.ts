/**
 * Symbolic values on the interpreter's stack and memo. Only what the analysis needs is kept: the text
 * of short strings (global names are built from them), integers (memo keys, array shapes), the
 * imported globals and calls, and a few items of small tuples and dicts (joblib array metadata).
 * Everything else collapses to shared atoms, so pushing a float or a big payload allocates nothing.
 */
import type { Verdict } from './policy.js';

export const K = { Global: 1, Ext: 2, Call: 3, Tuple: 4, Dict: 5, List: 6, Set: 7, BigInt: 8, Atom: 9, Text: 10 } as const;

/** An imported object (GLOBAL, STACK_GLOBAL, INST), one record per distinct name per scan. */
export interface GlobalRecord {
  readonly k: typeof K.Global;
  /** Module and name the loader imports (after compatibility renames). */
  readonly module: string;
  readonly name: string;
  /** As written in the stream, when a compatibility rename changed it. */
  readonly written?: { readonly module: string; readonly name: string };
  readonly verdict: Verdict;
  firstOffset: number;
  count: number;
  /** Called (REDUCE, NEWOBJ, OBJ, INST…) at least once; offset of the first call or -1. */
  invokedAt: number;
  /** Mutated in place (BUILD, SETITEM, APPEND on the imported object itself); offset or -1. */
  mutatedAt: number;
  /** `__setstate__` planted on this class by a BUILD on it: called by every later BUILD on an instance. */
  patchedSetstate?: Value;
  /** Calls resolved statically (`getattr(<allowed>, 'name')` is the attribute it fetches). */
  staticCalls?: number;
  /** The first call of a global outside the allowlist, rendered for the finding (evidence.ts). */
  evidence?: { readonly call: string; readonly how?: string };
}

/** An object fetched from copyreg's extension registry (EXT1/2/4): unknowable statically. */
export interface ExtRecord {
  readonly k: typeof K.Ext;
  readonly code: number;
  firstOffset: number;
  count: number;
  invokedAt: number;
}

export interface CallValue {
  readonly k: typeof K.Call;
  readonly callee: Value;
  /** The class really constructed (the callee, or the first argument of a constructor trampoline). */
  readonly klass: Value;
  readonly args: Value;
  /** Built through `__init__` with the arguments (REDUCE/INST/OBJ), not only `__new__`. */
  readonly viaInit: boolean;
  /** BUILD state applied to the result. */
  state: Value | undefined;
  /** Callables and calls put into it (SETITEM/APPEND on a dict-like result), a few. */
  holds?: Value[];
}

export interface TupleValue {
  readonly k: typeof K.Tuple;
  readonly length: number;
  /** Items, or undefined when the tuple is too long (or the retention budget is spent). */
  readonly items: readonly Value[] | undefined;
}

export interface DictValue {
  readonly k: typeof K.Dict;
  /** String-keyed entries, while few; undefined once there are too many to keep. */
  entries: Map<string, Value> | undefined;
  /** An entry under a watched key (effects.ts) was not kept (budget spent): lookups cannot be trusted. */
  lossy?: boolean;
  holds?: Value[];
}

export interface ContainerValue {
  readonly k: typeof K.List | typeof K.Set;
  holds?: Value[];
  /** The first few items of a list, for evidence (`check_call(['sh', '-c', …])`). */
  first?: Value[];
}

/** A str that is no name, kept only as a short preview for evidence. */
export interface TextValue {
  readonly k: typeof K.Text;
  readonly preview: string;
  readonly length: number;
}

export interface BigIntValue {
  readonly k: typeof K.BigInt;
  readonly value: bigint;
}

export interface Atom {
  readonly k: typeof K.Atom;
  readonly name: string;
}

/** Integers are JS numbers (exact up to 2^53), str values are JS strings; everything else an object. */
export type Value =
  | number
  | string
  | GlobalRecord
  | ExtRecord
  | CallValue
  | TupleValue
  | DictValue
  | ContainerValue
  | BigIntValue
  | TextValue
  | Atom;

const atom = (name: string): Atom => Object.freeze({ k: K.Atom, name });

export const NONE = atom('None');
export const TRUE = atom('True');
export const FALSE = atom('False');
export const FLOAT = atom('float');
export const BYTES = atom('bytes');
export const BYTEARRAY = atom('bytearray');
/** A str longer than the interpreter keeps: never a usable global name. */
export const LONG_TEXT = atom('long str');
/** An integer too large to matter (beyond 2^53 and not a known constant). */
export const BIG = atom('big int');
export const PERSISTENT = atom('persistent object');
export const BUFFER = atom('out-of-band buffer');
export const FROZENSET = atom('frozenset');
/** A value the loader would have failed to produce (bad memo key, stack underflow). */
export const UNKNOWN = atom('unknown');

export function describe(value: Value | undefined): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return 'int';
  if (typeof value === 'string') return 'str';
  switch (value.k) {
    case K.Global:
      return `${value.module}.${value.name}`;
    case K.Ext:
      return `extension code ${value.code}`;
    case K.Call:
      return `result of calling ${describe(value.callee)}`;
    case K.Tuple:
      return 'tuple';
    case K.Dict:
      return 'dict';
    case K.List:
      return 'list';
    case K.Set:
      return 'set';
    case K.BigInt:
      return 'int';
    case K.Atom:
      return value.name;
    case K.Text:
      return 'str that is not a name';
  }
}
