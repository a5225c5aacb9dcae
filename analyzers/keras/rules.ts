/**
 * Keras rules (oci-model-formats.md §6.7, model-scanners.md §1.4/§1.6). Keras rebuilds a model from its
 * config by importing what the config names and, for Lambda layers, by unmarshalling Python bytecode:
 * CVE-2024-3660 (Lambda bytecode), CVE-2025-1550 (arbitrary module import), CVE-2025-8747 and
 * CVE-2025-9906 (safe-mode bypass through Keras's own APIs), CVE-2025-9905 (H5 files ignore safe mode).
 */
import { defineRules } from '../finding.js';

const analyzer = 'keras';
const NO_LAMBDA =
  'Do not load the model with `safe_mode=False`, and never load it as legacy H5 (which ignores safe mode). Rebuild it from source code you trust, replacing Lambda layers with registered custom layers.';
const REEXPORT = 'Re-save the model with a current Keras (`model.save("model.keras")`) from a trusted copy, or inspect the file manually.';

export const KERAS_RULES = defineRules({
  lambdaBytecode: {
    id: 'keras.lambda-bytecode',
    analyzer,
    severity: 'Critical',
    title: 'Config carries marshalled Python bytecode (Lambda)',
    why: 'Keras serializes a Python lambda as base64 marshal data and rebuilds it with `func_load`, executing attacker-chosen bytecode as soon as the model is loaded with safe mode off — always for legacy H5 files (CVE-2024-3660, CVE-2025-9905).',
    remediation: NO_LAMBDA,
  },
  lambdaLayer: {
    id: 'keras.lambda-layer',
    analyzer,
    severity: 'Medium',
    title: 'Lambda layer calls a named Python function',
    why: 'A Lambda layer runs whatever Python function its config names; the code is not in the file, so what runs depends on the loading environment (modelscan reports every Lambda layer).',
    remediation: 'Check that the function the layer names is part of code you trust, or replace the Lambda layer with a registered custom layer.',
  },
  unsafeModule: {
    id: 'keras.unsafe-module',
    analyzer,
    severity: 'Critical',
    title: 'Config imports a module that runs code, processes, files or the network',
    why: 'Keras imports the module a config names to rebuild an object or function; before Keras 3.9 it imported any module (CVE-2025-1550), so naming `os`, `subprocess`, `builtins.exec` and the like executes code on load.',
    remediation: REEXPORT,
  },
  outsideModule: {
    id: 'keras.outside-module',
    analyzer,
    severity: 'Critical',
    title: 'Config names a module outside Keras that Keras would import',
    why: 'To rebuild an object that is not a registered custom object, Keras before 3.9 imports the `module` the config names and takes the named class or function from it (`_retrieve_class_or_fn`, CVE-2025-1550), safe mode or not; later bypasses reached the same import through other paths (CVE-2025-8747, CVE-2025-9906). Importing runs the module\'s code and the named callable is then called with arguments from the config. Models saved from registered custom layers carry a `Package>Name` registration key instead.',
    remediation: REEXPORT,
  },
  customModule: {
    id: 'keras.custom-module',
    analyzer,
    severity: 'Medium',
    title: 'Config uses registered custom objects from modules outside Keras',
    why: 'Custom layers and functions registered with `register_keras_serializable` (a `Package>Name` key) only load when that code is installed and registered; the model depends on code the scan cannot see, and Keras versions before 3.9 import the module themselves when the registration is missing (CVE-2025-1550).',
    remediation: 'Make sure the package providing these objects is trusted and pinned, or re-save the model with built-in Keras layers only.',
  },
  safeModeBypass: {
    id: 'keras.safe-mode-bypass',
    analyzer,
    severity: 'Critical',
    title: 'Config turns Keras safe mode off',
    why: 'A config that calls `keras.config.enable_unsafe_deserialization` while loading disables the protection against Lambda bytecode for everything loaded after it (CVE-2025-9906).',
    remediation: NO_LAMBDA,
  },
  nonModelingApi: {
    id: 'keras.non-modeling-api',
    analyzer,
    severity: 'High',
    title: 'Config calls an API that loads, saves, downloads or reads files',
    why: 'Keras and TensorFlow functions such as `load_model`, `get_file`, `tf.io.write_file` or `tf.py_function` are not model layers; referenced from a config they fetch files, overwrite them or load further models while the model is being loaded (CVE-2025-8747). Current Keras refuses its own list of them (`NON_MODELING_APIS`).',
    remediation: REEXPORT,
  },
  configUnreadable: {
    id: 'keras.config-unreadable',
    analyzer,
    severity: 'High',
    title: 'Keras model config cannot be read',
    why: 'The model config is not JSON that Keras would accept, or not a string; what Keras would build from it was not checked, so it cannot be reported clean.',
    remediation: REEXPORT,
  },
  h5Malformed: {
    id: 'keras.h5-malformed',
    analyzer,
    severity: 'High',
    title: 'HDF5 structure is broken',
    why: 'The superblock or root object header is truncated, points outside the file or lacks its signature; the root attributes, where a Keras model keeps its config, could not be checked.',
    remediation: REEXPORT,
  },
  h5NotAnalysable: {
    id: 'keras.h5-not-analysable',
    analyzer,
    severity: 'Medium',
    title: 'HDF5 root attributes are stored in a layout the scanner does not read',
    why: 'The scanner reads root attributes stored in the object header (h5py\'s default) and in dense storage (a fractal heap); shared messages, filtered heaps, nested heap blocks, very large attribute indexes and unknown versions are not read, so a model config there was not checked.',
    remediation: 'Re-save the file with h5py defaults (`libver="earliest"`), or inspect the root attributes manually (`h5dump -A`).',
  },
});
