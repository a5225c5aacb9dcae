/**
 * What a Keras config may name, and what it must not. Keras rebuilds a model by importing the `module`
 * and `class_name` (or function name) each object records (keras-team/keras
 * `keras/src/saving/serialization_lib.py`, oci-model-formats.md §6.7).
 */
import { DENIED_MODULES, type DangerCategory } from '../pickle/denylist.js';

/**
 * Keras refuses these during deserialization because they are not modeling functions
 * (`serialization_lib.py` `NON_MODELING_APIS`, keras-team/keras @3422977): loading another model,
 * downloading or reading files, changing global state. Before the list existed, configs used them to
 * download files and disable safe mode (CVE-2025-8747, CVE-2025-9906).
 */
const NON_MODELING_APIS = [
  'keras.backend.clear_session',
  'keras.config.enable_unsafe_deserialization',
  'keras.models.load_model',
  'keras.models.model_from_json',
  'keras.models.save_model',
  'keras.preprocessing.image_dataset_from_directory',
  'keras.preprocessing.image.load_img',
  'keras.preprocessing.image.save_img',
  'keras.preprocessing.text_dataset_from_directory',
  'keras.saving.deserialize_keras_object',
  'keras.saving.load_model',
  'keras.saving.load_weights',
  'keras.saving.register_keras_serializable',
  'keras.saving.save_model',
  'keras.saving.save_weights',
  'keras.saving.serialize_keras_object',
  'keras.utils.audio_dataset_from_directory',
  'keras.utils.clear_session',
  'keras.utils.deserialize_keras_object',
  'keras.utils.get_file',
  'keras.utils.image_dataset_from_directory',
  'keras.utils.load_img',
  'keras.utils.register_keras_serializable',
  'keras.utils.save_img',
  'keras.utils.serialize_keras_object',
  'keras.utils.text_dataset_from_directory',
];

/**
 * The function names of those APIs, matched under any Keras or TensorFlow module path: older Keras
 * versions also resolved private paths (`keras.src.saving.saving_api.load_model`) and `tf.keras` ones.
 */
export const NON_MODELING_NAMES: ReadonlySet<string> = new Set(NON_MODELING_APIS.map((api) => api.slice(api.lastIndexOf('.') + 1)));

/** The API that turns safe mode off for the rest of the load (CVE-2025-9906). */
export const SAFE_MODE_OFF = 'enable_unsafe_deserialization';

/**
 * Packages whose objects Keras itself resolves (`_retrieve_class_or_fn` imports only `keras`,
 * `keras_hub`, `keras_cv`, `keras_nlp`), plus `tf_keras` and `tensorflow` for Keras 2 models.
 */
export const KERAS_PACKAGES: ReadonlySet<string> = new Set(['keras', 'keras_hub', 'keras_cv', 'keras_nlp', 'tf_keras', 'tensorflow']);

/**
 * Python builtins that run code, import modules, open files or reach into objects. Keras resolves other
 * `builtins` function names inside its own modules (`relu`…), which is harmless.
 */
export const DANGEROUS_BUILTINS: ReadonlySet<string> = new Set([
  'eval',
  'exec',
  'compile',
  'open',
  '__import__',
  'getattr',
  'setattr',
  'delattr',
  'globals',
  'locals',
  'vars',
  'input',
  'breakpoint',
  'exit',
  'quit',
  'help',
]);

/**
 * TensorFlow APIs that read or write files, load code or call back into Python, by dotted name
 * (without `tensorflow.`/`tf.`): Keras 2 `TFOpLambda` layers and TF function references call them.
 */
const TENSORFLOW_RISKY_SEGMENTS = new Set(['io', 'gfile', 'saved_model', 'summary']);
const TENSORFLOW_RISKY_NAMES = new Set([
  'py_function',
  'numpy_function',
  'py_func',
  'eager_py_func',
  'load_op_library',
  'load_library',
  'read_file',
  'write_file',
  'matching_files',
]);

/** Why a TensorFlow API name is risky, or undefined. */
export function riskyTensorFlowApi(dotted: string): string | undefined {
  const parts = dotted.split('.');
  const name = parts[parts.length - 1] ?? '';
  if (TENSORFLOW_RISKY_NAMES.has(name)) return `${name} reads or writes files, loads native code or calls back into Python`;
  const segment = parts.find((p) => TENSORFLOW_RISKY_SEGMENTS.has(p));
  if (segment) return `tf.${segment} APIs read or write files`;
  return undefined;
}

/** Module prefix → why it is dangerous, from the pickle analyzer's deny list (same modules, same reasons). */
const DENIED: ReadonlyMap<string, DangerCategory> = new Map(
  (Object.entries(DENIED_MODULES) as Array<[DangerCategory, readonly string[]]>).flatMap(([category, modules]) =>
    modules.filter((m) => !KERAS_PACKAGES.has(m.split('.')[0] ?? '')).map((m) => [m, category] as const),
  ),
);

/** The deny-list category of `module` or of a parent package, if any. */
export function deniedModuleCategory(module: string): DangerCategory | undefined {
  for (let end = module.length; end > 0; end = module.lastIndexOf('.', end - 1)) {
    const category = DENIED.get(module.slice(0, end));
    if (category) return category;
  }
  return undefined;
}
