/**
 * Checks a deserialized Keras config (a `.keras` `config.json`, an H5 `model_config`, a SavedModel's
 * Keras layer metadata) for what Keras would execute or import while rebuilding the model
 * (oci-model-formats.md §6.7): Lambda bytecode, objects from modules outside Keras, APIs that load,
 * download or disable safe mode. The tree is walked without recursion, so nesting depth costs heap,
 * not stack, and the number of values visited is bounded.
 */
import { LimitExceededError } from '../engine-rules.js';
import { clip, type FindingSink } from '../finding-budget.js';
import { DANGEROUS_BUILTINS, deniedModuleCategory, KERAS_PACKAGES, NON_MODELING_NAMES, riskyTensorFlowApi, SAFE_MODE_OFF } from './apis.js';
import { KERAS_RULES as RULES } from './rules.js';

/** JSON values visited per config; a real model config has thousands to a few hundred thousand. */
export const MAX_CONFIG_VALUES = 5_000_000;
const MAX_LISTED_NAMES = 10;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A value in the tree with the way back to the root, so paths are built only for what is reported. */
interface Visit {
  readonly value: Json;
  readonly parent: Visit | undefined;
  readonly key: string | number;
}

interface CustomModuleUse {
  count: number;
  readonly firstPath: string;
  readonly names: Set<string>;
}

/** Inspects one config tree; `where` names it in locations (`config.json`, `attribute model_config`…). */
export function inspectKerasConfig(root: unknown, where: string, sink: FindingSink): void {
  const custom = new Map<string, CustomModuleUse>();
  const stack: Visit[] = [{ value: root as Json, parent: undefined, key: '' }];
  let visited = 0;
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    visited += 1;
    if (visited > MAX_CONFIG_VALUES) throw new LimitExceededError('keras config values', visited, MAX_CONFIG_VALUES);
    const { value } = visit;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i]!, parent: visit, key: i });
      continue;
    }
    inspectObject(value, visit, where, sink, custom);
    for (const key of Object.keys(value).reverse()) stack.push({ value: value[key]!, parent: visit, key });
  }
  for (const [module, use] of custom) {
    const names = [...use.names].slice(0, MAX_LISTED_NAMES);
    sink.add(RULES.customModule, {
      message: `${use.count} object(s) come from module ${JSON.stringify(clip(module))}, outside Keras: ${names.join(', ')}${use.names.size > names.length ? ', …' : ''}`,
      location: `${where} ${use.firstPath}`,
      details: { module: clip(module), objects: use.count, names },
    });
  }
}

function inspectObject(object: JsonObject, visit: Visit, where: string, sink: FindingSink, custom: Map<string, CustomModuleUse>): void {
  const className = stringOf(object.class_name);
  if (className === undefined) return;
  const location = () => `${where} ${pathOf(visit)}`;
  const config = object.config;
  if (className === '__lambda__') {
    // Keras 3: any value may be a lambda ({"class_name": "__lambda__", "config": {"code"|"value": …}}).
    const code = isObject(config) ? bytecodeIn(config.code ?? config.value) : undefined;
    sink.add(RULES.lambdaBytecode, {
      message: `a Python lambda${code ? ` (${code.bytes} bytes of marshalled bytecode)` : ''} is serialized here; Keras rebuilds and runs it when safe mode is off`,
      location: location(),
      details: { ...(code ? { bytecodeBytes: code.bytes } : {}) },
    });
    return;
  }
  if (className === 'Lambda' && isObject(config)) inspectLambdaLayer(config, location, sink);
  if ((className === 'TFOpLambda' || className === 'SlicingOpLambda') && isObject(config)) {
    const symbol = stringOf(config.function);
    const reason = symbol === undefined ? undefined : riskyTensorFlowApi(symbol);
    if (symbol !== undefined && reason)
      sink.add(RULES.nonModelingApi, { message: `${className} layer calls tf.${clip(symbol)}: ${reason}`, location: location(), details: { api: `tf.${clip(symbol)}` } });
  }
  const module = stringOf(object.module);
  if (module === undefined) return;
  const name = className === 'function' ? (stringOf(config) ?? stringOf(object.registered_name) ?? '') : className;
  inspectReference({ module, name, registered: isRegistrationKey(stringOf(object.registered_name)) }, location, sink, custom, visit);
}

/**
 * `register_keras_serializable` files an object under `"<package>>{name}"` (`object_registration.py`),
 * and Keras looks that key up in its registry before anything else: an object saved from registered
 * custom code carries such a key. Without one, Keras before 3.9 imports the `module` itself.
 */
function isRegistrationKey(registeredName: string | undefined): boolean {
  return registeredName !== undefined && /^[^>]+>[^>]+$/.test(registeredName);
}

interface Reference {
  readonly module: string;
  readonly name: string;
  /** The object carries a custom-object registration key (see {@link isRegistrationKey}). */
  readonly registered: boolean;
}

/**
 * A Keras 3 object or function reference: `module` + class or function name. Outside Keras' own
 * packages, a known-dangerous module is `unsafe-module`; any other module is `outside-module` unless the
 * object is a registered custom object, which is `custom-module` (code the model needs installed).
 */
function inspectReference(reference: Reference, location: () => string, sink: FindingSink, custom: Map<string, CustomModuleUse>, visit: Visit): void {
  const { module, name } = reference;
  const root = module.split('.')[0] ?? '';
  const qualified = `${clip(module)}.${clip(name)}`;
  const details = { module: clip(module), name: clip(name) };
  if (KERAS_PACKAGES.has(root)) {
    if (name === SAFE_MODE_OFF)
      sink.add(RULES.safeModeBypass, { message: `the config calls ${qualified}, which turns safe mode off for the rest of the load`, location: location(), details });
    else if (NON_MODELING_NAMES.has(name))
      sink.add(RULES.nonModelingApi, { message: `the config references ${qualified}, which is not a modeling function`, location: location(), details });
    else if (root === 'tensorflow') {
      const reason = riskyTensorFlowApi(`${module}.${name}`);
      if (reason) sink.add(RULES.nonModelingApi, { message: `the config references ${qualified}: ${reason}`, location: location(), details });
    }
    return;
  }
  if (root === 'builtins' || root === '__builtin__') {
    if (DANGEROUS_BUILTINS.has(name))
      sink.add(RULES.unsafeModule, { message: `the config references the Python builtin ${clip(name)}`, location: location(), details });
    return;
  }
  const category = deniedModuleCategory(module);
  if (category) {
    sink.add(RULES.unsafeModule, { message: `the config imports ${qualified} (${category})`, location: location(), details: { ...details, category } });
    return;
  }
  if (!reference.registered) {
    sink.add(RULES.outsideModule, {
      message: `the config names ${qualified}, outside Keras' packages and not a registered custom object; Keras before 3.9 imports ${clip(module)} to resolve it`,
      location: location(),
      details,
    });
    return;
  }
  const use = custom.get(module) ?? { count: 0, firstPath: pathOf(visit), names: new Set<string>() };
  use.count += 1;
  if (use.names.size < MAX_LISTED_NAMES + 1) use.names.add(clip(name));
  custom.set(module, use);
}

/**
 * A Lambda layer. Keras 2 writes its function as base64 marshal (`function_type: "lambda"`) or a name
 * (`function_type: "function"`); Keras 3 as a `__lambda__` object (reported where it sits) or a
 * reference. `output_shape` may be a lambda too.
 */
function inspectLambdaLayer(config: JsonObject, location: () => string, sink: FindingSink): void {
  const layer = stringOf(config.name) ?? '';
  const label = layer === '' ? 'Lambda layer' : `Lambda layer ${JSON.stringify(clip(layer))}`;
  let bytecode = false;
  for (const [key, typeKey] of [['function', 'function_type'], ['output_shape', 'output_shape_type']] as const) {
    const code = bytecodeIn(config[key]);
    if (!code && config[typeKey] !== 'lambda') continue;
    bytecode = true;
    sink.add(RULES.lambdaBytecode, {
      message: `${label} carries ${code ? `${code.bytes} bytes of marshalled Python bytecode` : 'a serialized Python lambda'} in \`${key}\`; Keras executes it when the model is loaded`,
      location: location(),
      details: { layer: clip(layer), field: key, ...(code ? { bytecodeBytes: code.bytes } : {}) },
    });
  }
  const fn = config.function;
  const isKeras3Lambda = isObject(fn) && fn.class_name === '__lambda__';
  if (bytecode || isKeras3Lambda) return;
  const target = stringOf(fn) ?? (isObject(fn) ? (stringOf(fn.config) ?? stringOf(fn.class_name)) : undefined) ?? 'an unnamed function';
  const module = stringOf(config.module) ?? (isObject(fn) ? stringOf(fn.module) : undefined);
  sink.add(RULES.lambdaLayer, {
    message: `${label} calls ${module ? `${clip(module)}.` : ''}${clip(target)}, arbitrary Python that the config does not contain`,
    location: location(),
    details: { layer: clip(layer), function: clip(target), ...(module ? { module: clip(module) } : {}) },
  });
}

/**
 * Marshalled bytecode in a serialized function: a base64 string, the first item of a
 * `(code, defaults, closure)` list, or a Keras 2 `{"class_name": "__tuple__", "items": [...]}`. It is
 * bytecode when it decodes to a marshalled code object (type byte `c`, with or without FLAG_REF).
 */
function bytecodeIn(value: Json | undefined): { bytes: number } | undefined {
  const candidate = Array.isArray(value) ? value[0] : isObject(value) && value.class_name === '__tuple__' && Array.isArray(value.items) ? value.items[0] : value;
  if (typeof candidate !== 'string' || candidate.length < 8) return undefined;
  const bytes = Buffer.from(candidate, 'base64');
  return bytes[0] === 0x63 || bytes[0] === 0xe3 ? { bytes: bytes.length } : undefined;
}

function pathOf(visit: Visit): string {
  const keys: Array<string | number> = [];
  for (let v: Visit | undefined = visit; v?.parent !== undefined; v = v.parent) keys.push(v.key);
  const path = keys
    .reverse()
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${clip(k)}`))
    .join('');
  return path === '' ? '(root)' : path.length > 400 ? `…${path.slice(-400)}` : path.replace(/^\./, '');
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringOf(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
