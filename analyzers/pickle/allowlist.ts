/**
 * Globals that real model files contain: no finding of their own. Everything else a pickle imports is
 * at least Medium (default-deny, model-scanners.md §5 item 2). Being listed here is not trust in what
 * a callable is given: effects.ts says what each one does with each argument, and the VM judges
 * whatever reaches a call, class, import, hook or exec position (calls.ts). A name pattern that
 * trusted every `torch._utils._rebuild_*` was replaced by the helpers read one by one.
 *
 * Curated, not copied: each group names its source; entries that are load trampolines on the peers'
 * lists were left out on purpose — fickling's `torch.storage._load_from_bytes` (a nested `torch.load`,
 * §2.3 row 4), ModelAudit's `_pickle.Unpickler`, `dill.*`, `joblib.load`/`_pickle_load`, `torch.load`,
 * `transformers.AutoModel`/`AutoTokenizer` (`from_pretrained` downloads, §2.3 row 19), `ultralytics.YOLO`
 * (downloads weights), `builtins.type`/`getattr`/`map`/`filter`/`iter` (introspection and call gadgets)
 * and module objects (`torch.nn`, `numpy.core`), which are only useful as stepping stones.
 */

/**
 * numpy's ufuncs (`numpy.core._multiarray_umath`, numpy 1.24, plus the aliases numpy 2.x adds): pickled
 * by reference, directly or through `_ufunc_reconstruct(module, name)`; calling one computes on arrays.
 */
const NUMPY_UFUNCS: readonly string[] = [
  '_arg', '_ones_like', 'absolute', 'add', 'arccos', 'arccosh', 'arcsin', 'arcsinh', 'arctan', 'arctan2', 'arctanh',
  'bitwise_and', 'bitwise_or', 'bitwise_xor', 'cbrt', 'ceil', 'clip', 'conj', 'conjugate', 'copysign', 'cos', 'cosh',
  'deg2rad', 'degrees', 'divide', 'divmod', 'equal', 'exp', 'exp2', 'expm1', 'fabs', 'float_power', 'floor',
  'floor_divide', 'fmax', 'fmin', 'fmod', 'frexp', 'gcd', 'greater', 'greater_equal', 'heaviside', 'hypot', 'invert',
  'isfinite', 'isinf', 'isnan', 'isnat', 'lcm', 'ldexp', 'left_shift', 'less', 'less_equal', 'log', 'log10', 'log1p',
  'log2', 'logaddexp', 'logaddexp2', 'logical_and', 'logical_not', 'logical_or', 'logical_xor', 'matmul', 'maximum',
  'minimum', 'mod', 'modf', 'multiply', 'negative', 'nextafter', 'not_equal', 'positive', 'power', 'rad2deg',
  'radians', 'reciprocal', 'remainder', 'right_shift', 'rint', 'sign', 'signbit', 'sin', 'sinh', 'spacing', 'sqrt',
  'square', 'subtract', 'tan', 'tanh', 'true_divide', 'trunc',
  // numpy 2.x
  'acos', 'acosh', 'asin', 'asinh', 'atan', 'atan2', 'atanh', 'bitwise_count', 'bitwise_invert', 'bitwise_left_shift',
  'bitwise_right_shift', 'pow', 'vecdot', 'matvec', 'vecmat',
];

/** Exact `module` → names; what each does with its arguments is in effects.ts. */
export const ALLOWED_NAMES: Readonly<Record<string, readonly string[]>> = {
  // Standard containers and value types. fickling SAFE_BUILTINS (A.5) restricted to constructors of
  // plain values; CPython pickles `...` and `NotImplemented` as `builtins` globals; ModelAudit A.12
  // (`collections`, `_codecs.encode`, `typing`); fickling A.7 (`argparse.Namespace`).
  builtins: [
    'set', 'frozenset', 'dict', 'list', 'tuple', 'int', 'float', 'complex', 'str', 'bytes', 'bytearray', 'bool',
    'object', 'range', 'slice', 'Ellipsis', 'NotImplemented', 'len',
  ],
  // `from __future__ import annotations` objects pickled by value.
  __future__: ['_Feature'],
  collections: ['OrderedDict', 'defaultdict', 'Counter', 'deque'],
  _codecs: ['encode'],
  typing: ['Any', 'Union', 'Optional', 'List', 'Dict', 'Tuple', 'Set', 'Callable'],
  argparse: ['Namespace'],
  types: ['SimpleNamespace'],
  datetime: ['datetime', 'date', 'time', 'timedelta', 'timezone'],
  decimal: ['Decimal'],
  fractions: ['Fraction'],
  pathlib: ['Path', 'PosixPath', 'WindowsPath', 'PurePath', 'PurePosixPath', 'PureWindowsPath'],
  math: ['sqrt', 'pow', 'exp', 'log', 'sin', 'cos', 'tan', 'pi', 'e'],
  // Object-construction helpers of the pickle protocol itself; the classes they build are checked as
  // invoked globals (effects.ts).
  copyreg: ['_reconstructor', '__newobj__', '__newobj_ex__'],

  // PyTorch. picklescan A.1, fickling A.7, ModelAudit A.12, and torch's own weights-only allowlist
  // (`torch/_weights_only_unpickler.py` `_get_allowed_globals`, torch 1.13 as packaged by Debian, plus
  // the rebuild functions, dtypes and storages newer releases write).
  torch: [
    'Tensor', 'Size', 'device', 'dtype', 'layout', 'memory_format', 'qscheme', 'Generator',
    'FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage', 'ShortStorage',
    'CharStorage', 'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage', 'QUInt8Storage',
    'QInt8Storage', 'QInt32Storage', 'QUInt4x2Storage', 'QUInt2x4Storage', 'UntypedStorage', 'TypedStorage',
    'FloatTensor', 'DoubleTensor', 'HalfTensor', 'BFloat16Tensor', 'LongTensor', 'IntTensor', 'ShortTensor',
    'CharTensor', 'ByteTensor', 'BoolTensor',
    'float16', 'float32', 'float64', 'bfloat16', 'half', 'float', 'double', 'complex32', 'complex64', 'complex128',
    'cfloat', 'cdouble', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'short', 'int',
    'long', 'bool', 'quint8', 'qint8', 'qint32', 'quint4x2', 'quint2x4', 'float8_e4m3fn', 'float8_e5m2',
    'float8_e4m3fnuz', 'float8_e5m2fnuz',
    'strided', 'sparse_coo', 'sparse_csr', 'sparse_csc', 'sparse_bsr', 'sparse_bsc', '_mkldnn',
    'contiguous_format', 'channels_last', 'channels_last_3d', 'preserve_format',
    'per_tensor_affine', 'per_channel_affine', 'per_tensor_symmetric', 'per_channel_symmetric',
    'per_channel_affine_float_qparams',
  ],
  'torch.cuda': [
    'FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage', 'ShortStorage',
    'CharStorage', 'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage',
    'FloatTensor', 'DoubleTensor', 'HalfTensor', 'BFloat16Tensor', 'LongTensor', 'IntTensor', 'ShortTensor',
    'CharTensor', 'ByteTensor', 'BoolTensor',
  ],
  'torch.storage': ['UntypedStorage', 'TypedStorage', '_TypedStorage', '_UntypedStorage'],
  'torch._tensor': ['_rebuild_from_type', '_rebuild_from_type_v2'],
  // Each rebuild helper by name (effects.ts says what it does with each argument): a name pattern
  // would trust helpers no one has read.
  'torch._utils': [
    '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_qtensor', '_rebuild_parameter',
    '_rebuild_parameter_with_state', '_rebuild_wrapper_subclass', '_rebuild_sparse_tensor',
    '_rebuild_sparse_csr_tensor', '_rebuild_nested_tensor', '_rebuild_device_tensor_from_numpy',
    '_rebuild_device_tensor_from_cpu_tensor', '_rebuild_xla_tensor', '_rebuild_mlc_tensor',
    '_rebuild_meta_tensor_no_storage',
  ],
  'torch.nn.parameter': ['Parameter', 'UninitializedParameter', 'UninitializedBuffer', 'Buffer'],
  'torch.serialization': ['_get_layout'],
  // TorchScript pickles (`torch.jit.save`): list builders used by torch's own C++ unpickler.
  'torch.jit._pickle': [
    'build_intlist', 'build_tensorlist', 'build_doublelist', 'build_boollist', 'build_tensor_from_id',
    'restore_type_tag',
  ],

  // NumPy. picklescan A.1, fickling A.7, ModelAudit A.12 (module paths of numpy 1.x and 2.x).
  numpy: [
    'ndarray', 'dtype', 'bool_', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'intc',
    'uintc', 'intp', 'uintp', 'longlong', 'ulonglong', 'float16', 'float32', 'float64', 'longdouble', 'half', 'single',
    'double', 'complex64', 'complex128', 'clongdouble', 'object_', 'str_', 'bytes_', 'void', 'datetime64',
    'timedelta64', 'int_', 'float_', 'complex_', 'unicode_', 'string_', 'bool8', 'matrix', 'recarray', 'record', 'chararray', 'vectorize', ...NUMPY_UFUNCS,
  ],
  'numpy.matrixlib.defmatrix': ['matrix'],
  'numpy.core': ['_ufunc_reconstruct'],
  'numpy._core': ['_ufunc_reconstruct'],
  'numpy.core._multiarray_umath': NUMPY_UFUNCS,
  'numpy._core._multiarray_umath': NUMPY_UFUNCS,
  'numpy.core.umath': NUMPY_UFUNCS,
  'numpy._core.umath': NUMPY_UFUNCS,
  'numpy.core.multiarray': ['_reconstruct', 'scalar'],
  // numpy 2.x keeps it for pickles of numpy < 1.0 (numpy/core/_internal.py; numpy's own py2-np0-objarr.npy).
  'numpy.core._internal': ['_reconstruct'],
  'numpy._core.multiarray': ['_reconstruct', 'scalar'],
  'numpy.core.numeric': ['_frombuffer'],
  'numpy._core.numeric': ['_frombuffer'],
  'numpy.ma.core': ['_mareconstruct', 'MaskedArray', 'MaskedConstant', 'mvoid'],
  'numpy.core.records': ['recarray', 'record'],
  'numpy._core.records': ['recarray', 'record'],
  'numpy.rec': ['recarray', 'record'],
  'numpy.core.defchararray': ['chararray'],
  'numpy._core.defchararray': ['chararray'],
  'numpy.char': ['chararray'],
  'numpy.random._pickle': ['__randomstate_ctor', '__generator_ctor', '__bit_generator_ctor'],
  'numpy.random.mtrand': ['RandomState'],
  'numpy.random._generator': ['Generator'],
  'numpy.random._mt19937': ['MT19937'],
  'numpy.random._pcg64': ['PCG64', 'PCG64DXSM'],
  'numpy.random._philox': ['Philox'],
  'numpy.random._sfc64': ['SFC64'],
  'numpy.random.bit_generator': ['SeedSequence', '__pyx_unpickle_SeedSequence'],

  // joblib: the array wrappers its own picklers write (ModelAudit A.12, minus read_array/load). The
  // pre-0.10 `NDArrayWrapper`/`ZNDArrayWrapper` `numpy.load` a file named in the pickle, with
  // `allow_pickle=True` (joblib `numpy_pickle_compat.py`): their effects allow only a bare file name,
  // i.e. a file of the same artifact, which is scanned itself.
  'joblib.numpy_pickle': ['NumpyArrayWrapper', 'NDArrayWrapper', 'ZNDArrayWrapper'],
  'joblib.numpy_pickle_compat': ['NDArrayWrapper', 'ZNDArrayWrapper'],
  'sklearn.externals.joblib.numpy_pickle': ['NumpyArrayWrapper', 'NDArrayWrapper', 'ZNDArrayWrapper'],

  // scikit-learn names that the class rule below does not cover (derived from files written by
  // scikit-learn 1.2: KD/ball trees and distance metrics pickle through a module-level `newObj(cls)`).
  'sklearn.neighbors._kd_tree': ['newObj'],
  'sklearn.neighbors._ball_tree': ['newObj'],
  'sklearn.neighbors._binary_tree': ['newObj'],
  'sklearn.metrics._dist_metrics': ['newObj'],
  'sklearn.neighbors._dist_metrics': ['newObj'],

  // SciPy sparse matrices (ModelAudit A.12).
  'scipy.sparse': ['csr_matrix', 'csc_matrix', 'coo_matrix', 'lil_matrix', 'bsr_matrix', 'dia_matrix', 'dok_matrix'],
  'scipy.sparse._csr': ['csr_matrix', 'csr_array'],
  'scipy.sparse._csc': ['csc_matrix', 'csc_array'],
  'scipy.sparse._coo': ['coo_matrix', 'coo_array'],
  'scipy.sparse._bsr': ['bsr_matrix', 'bsr_array'],
  'scipy.sparse._dia': ['dia_matrix', 'dia_array'],
  'scipy.sparse._lil': ['lil_matrix', 'lil_array'],
  'scipy.sparse._dok': ['dok_matrix', 'dok_array'],
  'scipy.sparse.csr': ['csr_matrix'],
  'scipy.sparse.csc': ['csc_matrix'],
  'scipy.sparse.coo': ['coo_matrix'],
  'scipy.stats._distn_infrastructure': ['rv_continuous_frozen', 'rv_discrete_frozen', 'rv_frozen'],

  // transformers / accelerate / tokenizers training metadata (`training_args.bin` is a pickled
  // dataclass). fickling A.7 and ModelAudit A.12; the Auto* loaders are deliberately absent.
  'transformers.training_args': ['TrainingArguments', 'OptimizerNames'],
  'transformers.training_args_seq2seq': ['Seq2SeqTrainingArguments'],
  'transformers.trainer_utils': [
    'IntervalStrategy', 'SchedulerType', 'HubStrategy', 'EvaluationStrategy', 'FSDPOption', 'SaveStrategy',
    'ShardedDDPOption',
  ],
  'transformers.trainer_pt_utils': ['AcceleratorConfig'],
  'transformers.deepspeed': ['HfTrainerDeepSpeedConfig', 'HfDeepSpeedConfig'],
  'transformers.integrations.deepspeed': ['HfTrainerDeepSpeedConfig', 'HfDeepSpeedConfig'],
  'transformers.models.bert.tokenization_bert_fast': ['BertTokenizerFast'],
  'accelerate.state': ['PartialState'],
  'accelerate.utils.deepspeed': ['HfDeepSpeedConfig'],
  'accelerate.utils.dataclasses': ['DistributedType', 'DeepSpeedPlugin'],
  tokenizers: ['Tokenizer', 'AddedToken'],
  'tokenizers.models': ['Model'],
  // Training-config dataclasses of common fine-tuning stacks (fickling A.7).
  'trl.trainer.sft_config': ['SFTConfig'],
  'trl.trainer.dpo_config': ['FDivergenceType'],
  'trl.trainer.grpo_config': ['GRPOConfig'],
  'trl.trainer.kto_config': ['KTOConfig'],
  'trl.trainer.ppov2_config': ['PPOv2Config'],
  'alignment.configs': ['SFTConfig', 'DPOConfig'],
  'sentence_transformers.training_args': [
    'BatchSamplers', 'MultiDatasetBatchSamplers', 'SentenceTransformerTrainingArguments',
  ],
  'simpletransformers.config.model_args': [
    'Seq2SeqArgs', 'NERArgs', 'ClassificationArgs', 'QuestionAnsweringArgs', 'T5Args', 'GenerationArgs',
    'LanguageModelingArgs', 'RetrievalArgs', 'MultiLabelClassificationArgs',
  ],

  // Gradient-boosting libraries' estimator classes (ModelAudit A.12; their train/cv/plot functions are
  // left out).
  'xgboost.core': ['Booster', 'DMatrix'],
  'xgboost.sklearn': ['XGBClassifier', 'XGBRegressor', 'XGBRanker', 'XGBRFClassifier', 'XGBRFRegressor'],
  'lightgbm.sklearn': ['LGBMClassifier', 'LGBMRegressor', 'LGBMRanker'],
  'lightgbm.basic': ['Booster', 'Dataset'],
};

/**
 * Namespaces whose classes appear by the hundred in full-model pickles (`torch.save(model)`, every
 * scikit-learn estimator). Only a *class-like* name directly in a module under the prefix matches:
 * `[A-Z]…`, never dotted, never a dunder; the dangerous-component and exact deny rules run first.
 * Sources: fickling A.7 and ModelAudit A.12 list `torch.nn.modules.*`, `torch.optim.*` and ~150
 * scikit-learn classes by name; real files name many more (every estimator, loss and tree class).
 */
export interface AllowedNamespace {
  readonly prefix: string;
  readonly names: RegExp;
  readonly source: string;
}

const CLASS_NAME = /^[A-Z][A-Za-z0-9_]*$/;
const SCIPY_DISTRIBUTION = /^[a-z][a-z0-9_]*_gen(?:\.(?:_entropy|_ppf_single|_cdf_single|_mom0_sc|_mom1_sc))?$/;

export const ALLOWED_NAMESPACES: readonly AllowedNamespace[] = [
  { prefix: 'torch.nn.modules.', names: CLASS_NAME, source: 'fickling A.7, ModelAudit A.12 (torch.nn)' },
  { prefix: 'torch.nn.utils.', names: CLASS_NAME, source: 'weight_norm / spectral_norm hook objects (torch.save(model))' },
  { prefix: 'torch.nn.quantized.', names: CLASS_NAME, source: 'quantized torch.nn modules' },
  { prefix: 'torch.nn.intrinsic.', names: CLASS_NAME, source: 'fused torch.nn modules' },
  { prefix: 'torch.ao.nn.', names: CLASS_NAME, source: 'quantized torch.nn modules (torch.ao)' },
  { prefix: 'torch.optim.', names: CLASS_NAME, source: 'ModelAudit A.12 (torch.optim)' },
  // TorchScript class namespace: resolved by torch's C++ unpickler against compiled TorchScript
  // classes; a Python unpickler cannot import it.
  { prefix: '__torch__.', names: CLASS_NAME, source: 'torch.jit.save data.pkl' },
  { prefix: 'sklearn.', names: CLASS_NAME, source: 'ModelAudit A.12 (sklearn estimators)' },
  { prefix: 'sklearn.', names: /^__pyx_unpickle_[A-Za-z0-9_]+$/, source: 'ModelAudit A.12 (_loss Cython)' },
  // scipy.stats distributions (`norm_gen`…), and the bound methods their frozen form pickles through
  // `getattr(dist, name)` for `numpy.vectorize` (rv_generic `_attach_methods`). Their state's
  // `_parse_arg_template` is exec()'d on load: effects.ts only lets scipy's own template through.
  { prefix: 'scipy.stats._continuous_distns', names: SCIPY_DISTRIBUTION, source: 'scipy.stats frozen distributions' },
  { prefix: 'scipy.stats._discrete_distns', names: SCIPY_DISTRIBUTION, source: 'scipy.stats frozen distributions' },
  { prefix: 'ultralytics.nn.', names: CLASS_NAME, source: 'fickling A.7 (ultralytics.nn.modules)' },
  { prefix: 'ultralytics.utils.', names: CLASS_NAME, source: 'fickling A.7 (ultralytics.utils loss/tal)' },
];

/** Sub-namespaces excluded from the class rule: they hold loaders, downloaders or test helpers. */
export const NAMESPACE_EXCLUSIONS: readonly string[] = [
  'sklearn.datasets',
  'sklearn.externals',
  'sklearn.utils._testing',
  'sklearn.utils.parallel',
  'sklearn.utils._joblib',
];
