/**
 * Rules of the pickle and NumPy analyzers. Ids are stable (`pickle.<name>`, `npy.<name>`): Harbor stores
 * them as vulnerability ids and users allowlist by them.
 */
import { defineRules } from '../finding.js';

const LOAD_SAFELY =
  'Do not load this file with pickle, torch.load(weights_only=False), joblib.load or numpy.load(allow_pickle=True). Convert the model to safetensors from a trusted copy, or obtain it from a trusted source.';

export const PICKLE_RULES = defineRules({
  dangerousGlobal: {
    id: 'pickle.dangerous-global',
    analyzer: 'pickle',
    severity: 'Critical',
    title: 'Pickle imports a known-dangerous callable or module',
    why: 'Loading a pickle imports every global it names and calls the ones it reduces. This one reaches code execution, process or file-system access, the network, a nested deserializer, introspection or a load-time trampoline — the building blocks of every published pickle exploit.',
    remediation: LOAD_SAFELY,
  },
  extensionCode: {
    id: 'pickle.extension-code',
    analyzer: 'pickle',
    severity: 'Critical',
    title: 'Pickle uses the copyreg extension registry (EXT1/EXT2/EXT4)',
    why: 'EXT opcodes fetch whatever global the loading process registered under a number (copyreg.add_extension), so what they import cannot be known from the file. Model files never use them; exploits do to hide imports from scanners.',
    remediation: LOAD_SAFELY,
  },
  unresolvedGlobal: {
    id: 'pickle.unresolved-global',
    analyzer: 'pickle',
    severity: 'Critical',
    title: 'Pickle imports a global whose name is computed at load time',
    why: 'The module or attribute name is produced by code run during loading (or is too long to analyse), so the import cannot be checked before it happens. Ordinary pickles always spell their globals out.',
    remediation: LOAD_SAFELY,
  },
  globalMutation: {
    id: 'pickle.global-mutation',
    analyzer: 'pickle',
    severity: 'Critical',
    title: 'Pickle modifies an imported module, class or function',
    why: 'BUILD, SETITEM or APPEND applied to an imported object itself (not to an instance) sets attributes or entries on it: monkey-patching a module such as sys.modules or a class the application uses later.',
    remediation: LOAD_SAFELY,
  },
  dynamicCall: {
    id: 'pickle.dynamic-call',
    analyzer: 'pickle',
    severity: 'High',
    title: 'Pickle calls a value produced during loading',
    why: 'The callable is itself the result of an earlier call (or of persistent_load), so what runs is decided at load time — the shape of getattr-style call chains.',
    remediation: LOAD_SAFELY,
  },
  nonAllowlistedCall: {
    id: 'pickle.non-allowlisted-call',
    analyzer: 'pickle',
    severity: 'High',
    title: 'Pickle calls a global outside the allowlist',
    why: 'Loading calls this class or function. It is not one that PyTorch, NumPy, scikit-learn, joblib or transformers write for plain model data, so its effect on load is unknown. New bypasses are usually callables no deny list has heard of yet.',
    remediation:
      'Verify what the callable does when called with these arguments. If it is a trusted class of your own code base, add it to the scanner allowlist (pickle.allow); otherwise convert the model to safetensors.',
  },
  nonAllowlistedImport: {
    id: 'pickle.non-allowlisted-import',
    analyzer: 'pickle',
    severity: 'Medium',
    title: 'Pickle imports a global outside the allowlist',
    why: 'Loading imports this module attribute (running the module\'s top-level code on first import) without calling it directly. It is outside what model libraries write for plain model data.',
    remediation:
      'Check the imported module is installed from a trusted source, add it to the scanner allowlist (pickle.allow) if it is expected, or convert the model to safetensors.',
  },
  malformed: {
    id: 'pickle.malformed',
    analyzer: 'pickle',
    severity: 'High',
    title: 'Pickle stream is truncated or corrupt',
    why: 'Loaders execute everything before the point where a pickle breaks, and several scanners give up on the whole file there (the nullifAI technique). What was decoded before the break was analysed; the break itself means the file was not produced by a normal save.',
    remediation: 'Re-export the model with the library that produced it, or obtain an intact copy from a trusted source.',
  },
  frameViolation: {
    id: 'pickle.frame-violation',
    analyzer: 'pickle',
    severity: 'High',
    title: 'Pickle FRAME lengths disagree with the opcodes they hold',
    why: 'The C unpickler and a linear parser read a lying FRAME differently: opcodes hidden inside what one reads as data are executed by the other (fickling frame-boundary divergence). Picklers never write such frames.',
    remediation: LOAD_SAFELY,
  },
  resourceLimit: {
    id: 'pickle.resource-limit',
    analyzer: 'pickle',
    severity: 'High',
    title: 'Pickle exceeds an analysis limit',
    why: 'The stream has more opcodes, a deeper stack, a larger memo or more bytes than the scanner analyses; the rest was not checked. Expansion bombs also end here.',
    remediation: 'Inspect the file manually, or raise the pickle limits in the scanner configuration if the file is legitimate.',
  },
  inlineArrayUnresolved: {
    id: 'pickle.inline-array-unresolved',
    analyzer: 'pickle',
    severity: 'High',
    title: 'joblib inline array of unknown size',
    why: 'joblib stores array bytes inside the pickle stream right after each NumpyArrayWrapper. When the wrapper\'s shape or dtype cannot be read, the scanner cannot tell where the pickle continues, so what follows may not have been analysed as joblib reads it.',
    remediation: 'Re-save the model with joblib from a trusted environment, or convert it to a format without code execution.',
  },
  invalidOperation: {
    id: 'pickle.invalid-operation',
    analyzer: 'pickle',
    severity: 'Medium',
    title: 'Pickle performs an operation the loader rejects',
    why: 'Reading a memo key never stored, popping an empty stack, or passing a non-string to STACK_GLOBAL makes the loader raise. Picklers never write this; crafted files do, after their payload, to crash scanners (evasion taxonomy rows 7–10).',
    remediation: 'Treat the file as crafted: obtain the model from a trusted source.',
  },
  protocolAnomaly: {
    id: 'pickle.protocol-anomaly',
    analyzer: 'pickle',
    severity: 'Low',
    title: 'Pickle PROTO opcode is duplicated or misplaced',
    why: 'The protocol decides whether Python 2 compatibility renames apply (cPickle → pickle, commands → subprocess); changing it mid-stream switches them on or off for later imports. Picklers write PROTO once, first.',
    remediation: 'Treat the file as crafted unless its producer is known to write such streams.',
  },
  trailingData: {
    id: 'pickle.trailing-data',
    analyzer: 'pickle',
    severity: 'Low',
    title: 'Data after the last pickle',
    why: 'Bytes that follow the last complete pickle are ignored by pickle.load but may be read by other loaders; the scanner searched them for further pickles.',
    remediation: 'Check where the extra data comes from; re-export the model if it is not expected.',
  },
});

export const NPY_RULES = defineRules({
  malformedHeader: {
    id: 'npy.malformed-header',
    analyzer: 'npy',
    severity: 'High',
    title: 'NumPy .npy header is malformed',
    why: 'numpy.load cannot parse the header, so the file is not a valid array; what follows was not analysed.',
    remediation: 'Re-save the array with numpy.save, or obtain an intact copy.',
  },
  dataSizeMismatch: {
    id: 'npy.data-size-mismatch',
    analyzer: 'npy',
    severity: 'Medium',
    title: 'NumPy array data size disagrees with its header',
    why: 'The header\'s shape and dtype give the exact data size. Fewer bytes means a truncated or lying file; extra bytes are ignored by numpy.load and can carry other content (polyglots).',
    remediation: 'Re-save the array with numpy.save, or obtain an intact copy.',
  },
  objectArray: {
    id: 'npy.object-array',
    analyzer: 'npy',
    severity: 'Low',
    title: 'NumPy array of Python objects (stored as a pickle)',
    why: 'Object arrays are stored as a pickle and need numpy.load(allow_pickle=True), which runs it. The pickle was analysed; this notes that loading it requires enabling pickle.',
    remediation: 'Prefer numeric dtypes; load with allow_pickle only after this scan is clean.',
  },
});
