/**
 * What calls do, statically, from the effects table (effects.ts). Calling an allowed callable runs
 * whatever sits in its `call`/`class` positions and in the callables it forwards to (so a global two
 * levels down, `_rebuild_from_type_v2(_rebuild_from_type_v2, T, (os.system, …), …)`, is still seen),
 * imports what its `import` positions name, and returns a fresh object, the class it built, the
 * forwarded call's result or the imported attribute. A callee outside the allowlist is itself invoked;
 * what it does with its arguments is unknown and already a finding.
 */
import { CALLABLE_EFFECTS, isScipyArgparser, MODEL_CLASS_EFFECTS, PYX_UNPICKLE_EFFECTS, type ArgEffect, type Effects } from './effects.js';
import { renderValue } from './evidence.js';
import { isValidDottedName } from './names.js';
import * as V from './values.js';
import { K, type CallValue, type GlobalRecord, type Value } from './values.js';

/** How the interpreter records what a call runs. */
export interface CallSite {
  /** The loader runs `target`; `how` says through which allowed callable, `args` what it is given. */
  invoke(target: Value, evidence: { callee: Value; args: Value | undefined; how?: string }): void;
  /** `__import__(module)` + `getattr(name)` done by an allowed helper: the imported global. */
  importByName(module: Value, name: Value, by: string): Value;
  /** Something an effect needs could not be checked (too many arguments, contents not kept). */
  unchecked(what: string): void;
  /** A helper would read a file outside what is scanned (a sidecar path that is not a bare name). */
  externalLoad(what: string): void;
  /** State holds code the object exec()s that is not its library's own. */
  stateExec(what: string): void;
  /** State sets a dunder attribute with setattr (`__class__`, `__reduce__`…). */
  dunderState(what: string): void;
  /** `getattr(owner, 'attr')` resolved statically: `getattr` ran only to fetch `module.owner.attr`. */
  staticAttribute(getattr: GlobalRecord, module: string, name: string): Value;
}

/** Nested calls followed through forwarding helpers; real files nest one level. */
const MAX_FORWARDING = 8;
/** Containers followed into for `calls-contents`. */
const MAX_CONTENT_DEPTH = 4;

/** The effects of calling `callee`, when it is an allowed global. */
export function effectsOf(callee: Value): Effects | undefined {
  if (typeof callee !== 'object' || callee.k !== K.Global || callee.verdict.kind !== 'allowed') return undefined;
  const qualified = `${callee.module}.${callee.name}`;
  if (Object.hasOwn(CALLABLE_EFFECTS, qualified)) return CALLABLE_EFFECTS[qualified];
  return callee.name.startsWith('__pyx_unpickle_') ? PYX_UNPICKLE_EFFECTS : MODEL_CLASS_EFFECTS;
}

/** `callee(*args)` (REDUCE/INST/OBJ, `viaInit`) or `cls.__new__(cls, *args)` (NEWOBJ/NEWOBJ_EX). */
export function applyCall(site: CallSite, callee: Value, args: Value, viaInit: boolean, depth = 0, how?: string): Value {
  const attribute = staticGetattr(site, callee, args);
  if (attribute !== undefined) return attribute;
  site.invoke(callee, how === undefined ? { callee, args } : { callee, args, how });
  const effects = effectsOf(callee);
  if (!effects) return call(callee, callee, args, viaInit);
  const name = qualifiedName(callee as GlobalRecord);
  const items = argumentItems(args);
  if (items === undefined) {
    if (hasEffects(effects)) site.unchecked(`${name} is given more arguments than the scanner keeps`);
    return call(callee, callee, args, viaInit);
  }

  items.forEach((item, i) => {
    if (effects.forwards?.callee === i) return;
    const effect = effects.args[i] ?? effects.rest;
    runByEffect(site, effect, item, { callee, args, how: `argument ${i} of ${name}, which ${EFFECT_TEXT[effect]} it` });
  });

  let forwarded: Value | undefined;
  const f = effects.forwards;
  if (f && items[f.callee] !== undefined) {
    const inner = typeof f.with === 'number' ? items[f.with] ?? V.UNKNOWN : { k: K.Tuple, length: f.with.length, items: f.with.map((j) => items[j] ?? V.NONE) } as const;
    if (depth >= MAX_FORWARDING) site.unchecked(`${name} forwards calls deeper than the scanner follows`);
    else if (typeof inner !== 'object' || inner.k !== K.Tuple || !inner.items) {
      // `func(*args)` takes any iterable: its positions cannot be read, so everything in it is judged as run.
      const how = `arguments ${name} passes on`;
      if (inner !== V.NONE) site.unchecked(`${name} passes on ${V.describe(inner)} as arguments, which the scanner cannot read by position`);
      callContents(site, inner, { callee, args, how }, 0);
      forwarded = applyCall(site, items[f.callee]!, { k: K.Tuple, length: 0, items: [] }, true, depth + 1, `argument ${f.callee} of ${name}, which calls it`);
    } else forwarded = applyCall(site, items[f.callee]!, inner, true, depth + 1, `argument ${f.callee} of ${name}, which calls it`);
  }

  switch (effects.result) {
    case 'identity':
      return typeof items[0] === 'string' ? items[0] : call(callee, callee, args, viaInit);
    case 'argument':
      return items[0] ?? call(callee, callee, args, viaInit);
    case 'imported':
      return effects.imports
        ? site.importByName(items[effects.imports.module] ?? V.UNKNOWN, items[effects.imports.name] ?? V.UNKNOWN, name)
        : V.UNKNOWN;
    case 'forwarded':
      return forwarded ?? call(callee, callee, args, viaInit);
    case 'instance-of-arg0':
      return call(callee, items[0] ?? V.UNKNOWN, args, false);
    case 'fresh':
      return call(callee, callee, args, viaInit);
  }
}

/**
 * `getattr(<allowed global, or a fresh object of an allowed class>, '<constant name>')` is the attribute
 * itself (scipy's frozen distributions pickle bound methods this way): it is judged as the global
 * `module.Owner.name` — dunders and dangerous names stay Critical, anything else is unknown — rather
 * than as a call of `getattr`. Any other getattr is a call of a denied global.
 */
function staticGetattr(site: CallSite, callee: Value, args: Value): Value | undefined {
  if (typeof callee !== 'object' || callee.k !== K.Global || callee.module !== 'builtins' || callee.name !== 'getattr') return undefined;
  const items = argumentItems(args);
  if (items?.length !== 2) return undefined;
  const [target, attribute] = items;
  if (typeof attribute !== 'string' || !isValidDottedName(attribute) || attribute.includes('.')) return undefined;
  const owner = allowedOwner(target!);
  return owner ? site.staticAttribute(callee, owner.module, `${owner.name}.${attribute}`) : undefined;
}

/** The allowed global `target` is, or whose fresh instance it is. */
function allowedOwner(target: Value): GlobalRecord | undefined {
  const allowed = (v: Value): v is GlobalRecord => typeof v === 'object' && v.k === K.Global && v.verdict.kind === 'allowed';
  if (allowed(target)) return target;
  if (typeof target !== 'object' || target.k !== K.Call || !allowed(target.callee)) return undefined;
  const result = effectsOf(target.callee)?.result;
  if (result === 'fresh') return target.callee;
  return result === 'instance-of-arg0' && allowed(target.klass) ? target.klass : undefined;
}

/**
 * BUILD state given to a call's result: keys the object acts on later (`NumpyArrayWrapper.subclass`)
 * are judged by their effect.
 */
export function applyState(site: CallSite, target: CallValue, state: Value): void {
  // The slot half of `(dict_state, slots_state)` is applied with setattr.
  if (typeof state === 'object' && state.k === K.Tuple && state.items?.length === 2) {
    const slots = state.items[1]!;
    if (typeof slots === 'object' && slots.k === K.Dict) dunderKeys(site, slots, `slot state of the ${V.describe(target)}`);
  }
  const keys = effectsOf(target.callee)?.stateKeys;
  if (!keys) return;
  const name = qualifiedName(target.callee as GlobalRecord);
  for (const dict of stateDicts(state)) {
    if (dict.lossy) site.unchecked(`the state given to ${name} has more entries than the scanner keeps`);
    for (const [key, effect] of Object.entries(keys)) {
      const value = dict.entries?.get(key);
      if (value !== undefined)
        runByEffect(site, effect, value, { callee: target.callee, args: target.args, how: `state '${key}' of ${name}, which ${EFFECT_TEXT[effect]} it` });
    }
  }
}

/**
 * Is this result something state may be applied to? Fresh objects of allowed callables and instances
 * of a class already judged are; the result of calling something built at load time is not.
 */
export function isVouchedFor(target: CallValue): boolean {
  const callee = target.callee;
  return typeof callee === 'object' && callee.k === K.Global;
}

const EFFECT_TEXT: Readonly<Record<ArgEffect, string>> = {
  call: 'calls',
  class: 'instantiates',
  data: 'reads',
  state: 'applies as state',
  'calls-contents': 'calls every callable in',
  sidecar: 'opens the file named by',
  'scipy-argparser': 'exec()s',
};

/** `os.path.join(dirname, name)` stays in the pickle's directory: no separator, NUL or `..`. */
function isBareFileName(value: Value): boolean {
  const text = textOf(value);
  return text !== undefined && text !== '.' && text !== '..' && text.length > 0 && !/[/\\\0]/.test(text);
}

/** The whole text of a str the interpreter kept whole, else undefined. */
function textOf(value: Value): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'object' && value.k === K.Text && value.preview.length === value.length ? value.preview : undefined;
}

function describeName(value: Value): string {
  if (typeof value === 'string') return `'${value.slice(0, 80)}' is not a file next to the pickle`;
  return `the file name is ${V.describe(value)}, which the scanner cannot check`;
}

function runByEffect(site: CallSite, effect: ArgEffect, value: Value, evidence: { callee: Value; args: Value; how: string }): void {
  switch (effect) {
    case 'call':
      // `defaultdict(None)` has no factory.
      if (value !== V.NONE) site.invoke(value, evidence);
      return;
    case 'class':
      // Helpers instantiate a class argument; an instance given there is used as it is.
      if (typeof value === 'object' && (value.k === K.Global || value.k === K.Ext)) site.invoke(value, evidence);
      return;
    case 'calls-contents':
      callContents(site, value, evidence, 0);
      return;
    case 'sidecar':
      if (value !== V.NONE && !isBareFileName(value)) site.externalLoad(`${evidence.how} with numpy.load(allow_pickle=True): ${describeName(value)}`);
      return;
    case 'state':
      // Applied with setattr: `__class__` (or any dunder) swaps what the object is.
      for (const dict of stateDicts(value)) dunderKeys(site, dict, evidence.how);
      return;
    case 'scipy-argparser':
      if (!isScipyArgparser(textOf(value) ?? '')) site.stateExec(`${evidence.how}: ${renderValue(value)} is not the argument parser scipy generates`);
      return;
    case 'data':
      return;
  }
}

function callContents(site: CallSite, value: Value, evidence: { callee: Value; args: Value; how: string }, depth: number): void {
  if (typeof value !== 'object') return;
  if (value.k === K.Global || value.k === K.Ext) return site.invoke(value, evidence);
  if (depth >= MAX_CONTENT_DEPTH) return site.unchecked(`${evidence.how}: nested deeper than the scanner follows`);
  if (value.k === K.Tuple) {
    if (!value.items) return site.unchecked(`${evidence.how}: a tuple longer than the scanner keeps`);
    for (const item of value.items) callContents(site, item, evidence, depth + 1);
  }
  if (value.k === K.Dict && value.entries) for (const item of value.entries.values()) callContents(site, item, evidence, depth + 1);
  if (value === V.UNKNOWN) return site.unchecked(`${evidence.how}: contents the scanner did not keep`);
  if ('holds' in value && value.holds) for (const item of value.holds) callContents(site, item, evidence, depth + 1);
  // `OrderedDict([(0, hook)])`: what the container was built from.
  if (value.k === K.Call) callContents(site, value.args, evidence, depth + 1);
}

function dunderKeys(site: CallSite, dict: V.DictValue, what: string): void {
  for (const key of dict.entries?.keys() ?? []) if (/^__.+__$/.test(key)) site.dunderState(`${what} sets ${key} with setattr`);
}

function stateDicts(state: Value): V.DictValue[] {
  const isDict = (v: Value): v is V.DictValue => typeof v === 'object' && v.k === K.Dict;
  // `(dict_state, slots_state)` as `object.__reduce_ex__` writes for classes with __slots__.
  if (typeof state === 'object' && state.k === K.Tuple && state.items?.length === 2) return state.items.filter(isDict);
  return isDict(state) ? [state] : [];
}

function hasEffects(effects: Effects): boolean {
  return effects.rest !== 'data' || effects.args.some((e) => e !== 'data' && e !== 'state') || effects.forwards !== undefined || effects.imports !== undefined;
}

function argumentItems(args: Value): readonly Value[] | undefined {
  if (typeof args === 'object' && args.k === K.Tuple) return args.items;
  // Not a tuple: the loader raises before calling (REDUCE needs a tuple).
  return [];
}

function call(callee: Value, klass: Value, args: Value, viaInit: boolean): CallValue {
  return { k: K.Call, callee, klass, args, state: undefined, viaInit };
}

function qualifiedName(global: GlobalRecord): string {
  return `${global.module}.${global.name}`;
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
