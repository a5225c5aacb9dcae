/**
 * What calls do, statically. Most calls just produce an opaque result, but a few allowed callables
 * forward to their first argument: the pickle protocol's constructor helpers build the class they are
 * given (so that class is what runs), and `str()` of a string is that string (so a name built with it is
 * still known: §2.3 row 17, `INST builtins.str` → STACK_GLOBAL).
 */
import { CONSTRUCTOR_TRAMPOLINES, STRING_IDENTITIES } from './allowlist.js';
import * as V from './values.js';
import { K, type Value } from './values.js';

export interface CallOutcome {
  readonly result: Value;
  /** Callables the loader runs for this call (the callee, and a class a trampoline constructs). */
  readonly runs: readonly Value[];
}

/** `callee(*args)` (REDUCE/INST/OBJ, `viaInit`) or `cls.__new__(cls, *args)` (NEWOBJ/NEWOBJ_EX). */
export function callOutcome(callee: Value, args: Value, viaInit: boolean): CallOutcome {
  if (typeof callee === 'object' && callee.k === K.Global) {
    const first = typeof args === 'object' && args.k === K.Tuple ? args.items?.[0] : undefined;
    const qualified = `${callee.module}.${callee.name}`;
    if (STRING_IDENTITIES.has(qualified) && typeof first === 'string') return { result: first, runs: [callee] };
    if (CONSTRUCTOR_TRAMPOLINES.has(qualified) && first !== undefined)
      // `_reconstructor(cls, base, state)`, `__newobj__(cls, …)`: `cls` is built through `__new__`; its
      // `__init__` does not run.
      return { result: { k: K.Call, callee, klass: first, args, state: undefined, viaInit: false }, runs: [callee, first] };
  }
  return { result: { k: K.Call, callee, klass: callee, args, state: undefined, viaInit }, runs: [callee] };
}

/**
 * What `persistent_load` returns. PyTorch's legacy format stores each module class as the persistent id
 * `('module', cls, source_file, source)` and its loader returns `cls` (torch/serialization.py
 * `_legacy_load.persistent_load`), so the class is what NEWOBJ later instantiates. Anything else is
 * loader-defined (storages): opaque.
 */
export function persistentLoadResult(pid: Value): Value {
  if (typeof pid === 'object' && pid.k === K.Tuple && pid.items?.[0] === 'module') {
    const cls = pid.items[1];
    if (typeof cls === 'object' && cls.k === K.Global) return cls;
  }
  return V.PERSISTENT;
}
