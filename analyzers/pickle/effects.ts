/**
 * What each allowlisted callable does with its arguments (model-scanners.md §5 item 2: an allowlist is
 * only as safe as what its entries do with what they are given). The VM (calls.ts) checks these
 * effects: a value in a `call` or `class` position runs, so it is judged as an invoked global whatever
 * the outer callable is; `import` positions name a module attribute that is imported; `data` and
 * `state` positions are kept as inert data. Every callable named here was read in the source of the
 * version Debian packages (torch 1.13, numpy 1.24, scipy 1.10, joblib 1.2) and, where named, newer
 * releases' (torch 2.x `_utils.py`, numpy 2.x `random/_pickle.py`).
 *
 * Allowed callables not in `CALLABLE_EFFECTS` are plain data constructors: `MODULE_JUSTIFICATION`
 * says, per allowlisted module, why every argument they take is only data.
 */

/** What a callable does with the value in one argument position. */
export type ArgEffect =
  /** Called, whatever it is (`func(*args)`, a factory called later). */
  | 'call'
  /** Instantiated when it is a class (`cls.__new__`, `__init__`, `__setstate__`, subclass hooks run). */
  | 'class'
  /** Kept or read as data (iterated, converted, stored). */
  | 'data'
  /** Applied as attribute state to a fresh object of an allowed class. */
  | 'state'
  /** Every callable held in the container (a dict of hooks, constructor arguments) is called later. */
  | 'calls-contents'
  /** Source code the object exec()s: only the exact text its own library generates is accepted. */
  | 'scipy-argparser'
  /**
   * A file name joined to the pickle's directory and read with `numpy.load(allow_pickle=True)`: only a
   * bare name (a file of the same artifact, scanned on its own) keeps the read inside what is scanned.
   */
  | 'sidecar';

/** What the call returns, which decides whether later BUILD/SETITEM on it is state for a safe object. */
export type ResultKind =
  /** A fresh instance of an allowed class, or fresh plain data. */
  | 'fresh'
  /** A fresh instance of the class in argument 0 (already judged through its `class` effect). */
  | 'instance-of-arg0'
  /** Whatever the forwarded call returns. */
  | 'forwarded'
  /** A str argument 0 unchanged (`str('os')` is `'os'`); anything else becomes a fresh str. */
  | 'identity'
  /** Argument 0 itself, whatever it is (state given to the result is given to it). */
  | 'argument'
  /** The module attribute named by the `imports` positions. */
  | 'imported';

export interface Effects {
  /** Effect of each positional argument; positions past the end take `rest`. */
  readonly args: readonly ArgEffect[];
  readonly rest: ArgEffect;
  /** The callable calls `args[callee]` with the argument tuple `args[with]` (a number) or with these positional arguments. */
  readonly forwards?: { readonly callee: number; readonly with: number | readonly number[] };
  /** `__import__(args[module])` then `getattr(…, args[name])`. */
  readonly imports?: { readonly module: number; readonly name: number };
  /** Keys of the BUILD state the object acts on later (`pyfunc` of `numpy.vectorize` is called). */
  readonly stateKeys?: Readonly<Record<string, ArgEffect>>;
  readonly result: ResultKind;
  /** One line: what it does with each argument (read from the source). */
  readonly why: string;
}

const data = (why: string, result: ResultKind = 'fresh'): Effects => ({ args: [], rest: 'data', result, why });

/** Effects of allowlisted callables that call, instantiate, import or forward an argument. */
export const CALLABLE_EFFECTS: Readonly<Record<string, Effects>> = {
  // Pickle protocol helpers (CPython Lib/copyreg.py).
  'copyreg._reconstructor': {
    args: ['class', 'class', 'data'], rest: 'data', result: 'instance-of-arg0',
    why: '_reconstructor(cls, base, state): object.__new__(cls) or base.__new__(cls, state) then base.__init__(obj, state)',
  },
  'copyreg.__newobj__': { args: ['class'], rest: 'data', result: 'instance-of-arg0', why: '__newobj__(cls, *args): cls.__new__(cls, *args)' },
  'copyreg.__newobj_ex__': {
    args: ['class', 'data', 'data'], rest: 'data', result: 'instance-of-arg0',
    why: '__newobj_ex__(cls, args, kwargs): cls.__new__(cls, *args, **kwargs)',
  },
  'builtins.str': { args: ['data'], rest: 'data', result: 'identity', why: 'str(x): x.__str__(); a str argument comes back unchanged' },
  'builtins.len': data('len(x): x.__len__() of a value the pickle already built; returns an int'),
  // Constructors that iterate their argument: a class given there runs its metaclass's __iter__.
  ...Object.fromEntries(
    ['builtins.set', 'builtins.frozenset', 'builtins.list', 'builtins.tuple', 'builtins.dict', 'builtins.bytearray', 'builtins.bytes',
      'collections.OrderedDict', 'collections.Counter', 'collections.deque'].map((q) => [q, {
      args: ['class'], rest: 'data', result: 'fresh',
      why: `${q.split('.')[1]}(iterable): iterates its argument (a class there runs its metaclass's __iter__/keys)`,
    } satisfies Effects]),
  ),
  // collections.defaultdict(default_factory, …): the factory is called for every missing key, later.
  'collections.defaultdict': { args: ['call'], rest: 'data', result: 'fresh', why: 'defaultdict(factory, *mapping): factory() runs on every missing key' },

  // TorchScript list builders (torch/jit/_pickle.py): each returns its first argument itself.
  ...Object.fromEntries(
    ['build_intlist', 'build_tensorlist', 'build_doublelist', 'build_boollist', 'build_tensor_from_id', 'restore_type_tag'].map((n) => [
      `torch.jit._pickle.${n}`,
      { args: ['data'], rest: 'data', result: 'argument', why: `${n}(value, …): returns value unchanged` } satisfies Effects,
    ]),
  ),

  // PyTorch (torch/_tensor.py, torch/_utils.py).
  'torch._tensor._rebuild_from_type': {
    args: ['call', 'class', 'data', 'state'], rest: 'data', forwards: { callee: 0, with: 2 }, result: 'forwarded',
    why: '_rebuild_from_type(func, type, args, dict): func(*args).as_subclass(type), __dict__ = dict',
  },
  'torch._tensor._rebuild_from_type_v2': {
    args: ['call', 'class', 'data', 'state'], rest: 'data', forwards: { callee: 0, with: 2 }, result: 'forwarded',
    why: '_rebuild_from_type_v2(func, new_type, args, state): func(*args).as_subclass(new_type), new_type.__setstate__(state)',
  },
  'torch._utils._rebuild_tensor': data('_rebuild_tensor(storage, offset, size, stride): tensor.set_(storage.untyped(), …)'),
  'torch._utils._rebuild_tensor_v2': {
    args: ['data', 'data', 'data', 'data', 'data', 'calls-contents', 'data'], rest: 'data', result: 'fresh',
    why: '_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks, metadata): hooks are called by autograd',
  },
  'torch._utils._rebuild_tensor_v3': {
    args: ['data', 'data', 'data', 'data', 'data', 'calls-contents', 'data', 'data'], rest: 'data', result: 'fresh',
    why: '_rebuild_tensor_v3(storage, offset, size, stride, requires_grad, backward_hooks, dtype, metadata): as v2',
  },
  'torch._utils._rebuild_qtensor': {
    args: ['data', 'data', 'data', 'data', 'data', 'data', 'calls-contents'], rest: 'data', result: 'fresh',
    why: '_rebuild_qtensor(storage, offset, size, stride, quantizer_params, requires_grad, backward_hooks): hooks called by autograd',
  },
  'torch._utils._rebuild_parameter': {
    args: ['data', 'data', 'calls-contents'], rest: 'data', result: 'fresh',
    why: '_rebuild_parameter(data, requires_grad, backward_hooks): Parameter(data), hooks called by autograd',
  },
  'torch._utils._rebuild_parameter_with_state': {
    args: ['data', 'data', 'calls-contents', 'state'], rest: 'data', result: 'fresh',
    why: '_rebuild_parameter_with_state(data, requires_grad, backward_hooks, state): setattr of state on the fresh Parameter',
  },
  'torch._utils._rebuild_wrapper_subclass': {
    args: ['class'], rest: 'data', result: 'instance-of-arg0',
    why: '_rebuild_wrapper_subclass(cls, dtype, size, …): Tensor._make_wrapper_subclass(cls, …) builds a cls',
  },
  'torch._utils._rebuild_sparse_tensor': data('_rebuild_sparse_tensor(layout, data): _sparse_coo_tensor_unsafe(*data)'),
  'torch._utils._rebuild_sparse_csr_tensor': data('_rebuild_sparse_csr_tensor(layout, data): _sparse_csr_tensor_unsafe(*data)'),
  'torch._utils._rebuild_nested_tensor': data('_rebuild_nested_tensor(buffer, sizes, strides, offsets): a nested view of buffer'),
  'torch._utils._rebuild_device_tensor_from_numpy': data('_rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad): torch.from_numpy(data).to(…)'),
  'torch._utils._rebuild_device_tensor_from_cpu_tensor': data('_rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad): data.to(…)'),
  'torch._utils._rebuild_xla_tensor': data('alias of _rebuild_device_tensor_from_numpy'),
  'torch._utils._rebuild_mlc_tensor': data('older alias of _rebuild_device_tensor_from_numpy'),
  'torch._utils._rebuild_meta_tensor_no_storage': data('_rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad): torch.empty_strided on meta'),

  // NumPy (numpy/core/__init__.py, numpy/core/multiarray, numpy/ma/core.py, numpy/random/_pickle.py).
  'numpy.core._ufunc_reconstruct': {
    args: ['data', 'data'], rest: 'data', imports: { module: 0, name: 1 }, result: 'imported',
    why: '_ufunc_reconstruct(module, name): __import__(module, fromlist=[name]) then getattr(mod, name)',
  },
  'numpy._core._ufunc_reconstruct': {
    args: ['data', 'data'], rest: 'data', imports: { module: 0, name: 1 }, result: 'imported',
    why: 'numpy 2.x path of _ufunc_reconstruct(module, name): imports module, returns its attribute',
  },
  'numpy.core.multiarray._reconstruct': {
    args: ['class', 'data', 'data'], rest: 'data', result: 'instance-of-arg0',
    why: '_reconstruct(subtype, shape, dtype): ndarray.__new__(subtype, …) runs subtype.__array_finalize__',
  },
  'numpy._core.multiarray._reconstruct': {
    args: ['class', 'data', 'data'], rest: 'data', result: 'instance-of-arg0',
    why: 'numpy 2.x path of _reconstruct(subtype, shape, dtype)',
  },
  'numpy.core._internal._reconstruct': {
    args: ['class', 'data', 'data'], rest: 'data', result: 'instance-of-arg0',
    why: 'numpy 2.x numpy/core/_internal.py _reconstruct(subtype, shape, dtype): ndarray.__new__(subtype, shape, dtype), as multiarray._reconstruct',
  },
  'numpy.ma.core._mareconstruct': {
    args: ['class', 'class', 'data', 'data'], rest: 'data', result: 'instance-of-arg0',
    why: '_mareconstruct(subtype, baseclass, baseshape, basetype): ndarray.__new__(baseclass, …), subtype.__new__(subtype, …)',
  },
  'numpy.random._pickle.__bit_generator_ctor': {
    args: ['class'], rest: 'data', result: 'fresh',
    why: '__bit_generator_ctor(name_or_class): looks a str up in BitGenerators; numpy 2.x instantiates a class argument',
  },
  'numpy.random._pickle.__generator_ctor': {
    args: ['class', 'call'], rest: 'data', forwards: { callee: 1, with: [0] }, result: 'fresh',
    why: '__generator_ctor(bit_generator_name, bit_generator_ctor): Generator(bit_generator_ctor(bit_generator_name))',
  },
  'numpy.random._pickle.__randomstate_ctor': {
    args: ['class', 'call'], rest: 'data', forwards: { callee: 1, with: [0] }, result: 'fresh',
    why: '__randomstate_ctor(bit_generator_name, bit_generator_ctor): RandomState(bit_generator_ctor(bit_generator_name))',
  },
  'numpy.random.bit_generator.__pyx_unpickle_SeedSequence': {
    args: ['class', 'data', 'data'], rest: 'data', result: 'instance-of-arg0',
    why: 'Cython __pyx_unpickle_SeedSequence(type, checksum, state): SeedSequence.__new__(type), C fields from state',
  },

  // scipy.stats frozen distributions (scipy/stats/_distn_infrastructure.py rv_frozen.__init__):
  // `dist.__class__(**dist._updated_ctor_param())` calls methods of what it is given.
  ...Object.fromEntries(
    ['rv_frozen', 'rv_continuous_frozen', 'rv_discrete_frozen'].map((n) => [`scipy.stats._distn_infrastructure.${n}`, {
      args: ['class'], rest: 'data', result: 'fresh',
      why: `${n}(dist, *args, **kwds): dist.__class__(**dist._updated_ctor_param()), then dist methods on args`,
    } satisfies Effects]),
  ),
  // numpy.vectorize(pyfunc, …): pyfunc is called on every use; pickled as NEWOBJ + BUILD state.
  'numpy.vectorize': { args: ['call'], rest: 'data', stateKeys: { pyfunc: 'call' }, result: 'fresh', why: 'vectorize(pyfunc, otypes, …): calls pyfunc element-wise later' },

  // joblib: the wrapper's read() rebuilds `subclass` through numpy's _reconstruct (numpy_pickle.py).
  'joblib.numpy_pickle.NumpyArrayWrapper': {
    args: ['class'], rest: 'data', stateKeys: { subclass: 'class' }, result: 'fresh',
    why: 'NumpyArrayWrapper(subclass, shape, order, dtype, …): read() calls _reconstruct(subclass, (0,), "b") unless ndarray/memmap',
  },
  'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper': {
    args: ['class'], rest: 'data', stateKeys: { subclass: 'class' }, result: 'fresh',
    why: 'vendored copy of joblib.numpy_pickle.NumpyArrayWrapper',
  },
  // joblib < 0.10 wrote arrays to sidecar files (numpy_pickle_compat.py); joblib.load still reads them.
  ...Object.fromEntries(
    ['joblib.numpy_pickle', 'joblib.numpy_pickle_compat', 'sklearn.externals.joblib.numpy_pickle'].flatMap((m) => [
      [`${m}.NDArrayWrapper`, {
        args: ['sidecar', 'class'], rest: 'data', stateKeys: { filename: 'sidecar', subclass: 'class' }, result: 'fresh',
        why: 'NDArrayWrapper(filename, subclass, allow_mmap): read() numpy.load(dirname/filename, allow_pickle=True), _reconstruct(subclass, …)',
      } satisfies Effects],
      [`${m}.ZNDArrayWrapper`, {
        args: ['sidecar', 'calls-contents', 'data'], rest: 'data', stateKeys: { filename: 'sidecar', init_args: 'calls-contents' }, result: 'fresh',
        why: 'ZNDArrayWrapper(filename, init_args, state): read() _reconstruct(*init_args), raw zlib data from dirname/filename',
      } satisfies Effects],
    ]),
  ),

  // scikit-learn Cython helpers: `newObj(obj)` returns `obj.__new__(obj)`.
  'sklearn.neighbors._kd_tree.newObj': { args: ['class'], rest: 'data', result: 'instance-of-arg0', why: 'newObj(cls): cls.__new__(cls)' },
  'sklearn.neighbors._ball_tree.newObj': { args: ['class'], rest: 'data', result: 'instance-of-arg0', why: 'newObj(cls): cls.__new__(cls)' },
  'sklearn.neighbors._binary_tree.newObj': { args: ['class'], rest: 'data', result: 'instance-of-arg0', why: 'newObj(cls): cls.__new__(cls)' },
  'sklearn.metrics._dist_metrics.newObj': { args: ['class'], rest: 'data', result: 'instance-of-arg0', why: 'newObj(cls): cls.__new__(cls)' },
  'sklearn.neighbors._dist_metrics.newObj': { args: ['class'], rest: 'data', result: 'instance-of-arg0', why: 'newObj(cls): cls.__new__(cls)' },
};

/** Cython's generated `__pyx_unpickle_<Class>(type, checksum, state)` (scikit-learn `_loss`, trees). */
export const PYX_UNPICKLE_EFFECTS: Effects = {
  args: ['class', 'data', 'data'], rest: 'data', result: 'instance-of-arg0',
  why: 'Cython __pyx_unpickle_X(type, checksum, state): X.__new__(type) after a checksum test, C fields from state',
};

/** Classes matched by a namespace rule (allowlist.ts): `__init__`/`__setstate__` of model classes. */
export const MODEL_CLASS_EFFECTS: Effects = {
  args: [], rest: 'data', result: 'fresh',
  stateKeys: {
    // torch.nn.Module keeps its hooks in these dicts and calls every entry when the model runs.
    ...Object.fromEntries(
      ['_forward_hooks', '_forward_pre_hooks', '_backward_hooks', '_backward_pre_hooks', '_state_dict_hooks', '_state_dict_pre_hooks',
        '_load_state_dict_pre_hooks', '_load_state_dict_post_hooks'].map((k) => [k, 'calls-contents' as const]),
    ),
    // scipy.stats rv_generic.__setstate__ exec()s this (scipy/stats/_distn_infrastructure.py `_attach_argparser_methods`).
    _parse_arg_template: 'scipy-argparser',
  },
  why: 'a model, layer, optimiser or estimator class: __init__/__setstate__ store arguments and state as attributes; torch.nn hook dicts are called',
};

/**
 * Why every entry of each allowlisted module is a data constructor or a constant (modules whose
 * callables have effects also have entries in CALLABLE_EFFECTS, which take precedence).
 */
export const MODULE_JUSTIFICATION: Readonly<Record<string, string>> = {
  copyreg: 'see CALLABLE_EFFECTS: the protocol helpers instantiate the classes they are given',
  builtins: 'value-type constructors and constants: set/list/dict/tuple iterate built values, int/float/str convert them',
  collections: 'OrderedDict/Counter/deque store items; defaultdict has its own entry (its factory is called)',
  _codecs: 'encode(text, codec): a codec of the stdlib encodings package turns str into bytes (Python 2 bytes in protocol < 3)',
  typing: 'annotation objects pickled by reference; calling them raises TypeError',
  argparse: 'Namespace(**kwargs): setattr of each keyword on the fresh namespace',
  types: 'SimpleNamespace(**kwargs): setattr of each keyword on the fresh namespace',
  datetime: 'date/time values from integers, a bytes payload or a tzinfo',
  decimal: 'Decimal(value): parses a str or converts a number',
  fractions: 'Fraction(numerator, denominator): parses or converts numbers',
  pathlib: 'Path objects: join str parts, touch no file',
  math: 'float functions of numbers; pi and e are constants',
  __future__: '_Feature(optional, mandatory, flag): stores two version tuples and an int (a `from __future__` object)',
  torch: 'tensor, storage, size, device and dtype constructors from numbers, str and storages; dtype/layout constants',
  'torch.cuda': 'legacy CUDA storage and tensor classes: constructed from sizes or storages',
  'torch.storage': 'storage classes: constructed from sizes, bytes or other storages',
  'torch._tensor': 'see CALLABLE_EFFECTS',
  'torch._utils': 'see CALLABLE_EFFECTS: only the rebuild helpers listed there are allowed',
  'torch.nn.parameter': 'Parameter(data, requires_grad) / Buffer: wrap a tensor',
  'torch.serialization': '_get_layout(name): looks a layout up by name among torch constants',
  'torch.jit._pickle': 'build_*list(data) return their list, restore_type_tag(value, tag) returns value',
  numpy: 'scalar types and dtype(spec, align, copy) from str/int; ufuncs (computation on arrays, imported by reference)',
  'numpy.core.multiarray': 'scalar(dtype, bytes) reads a value; _reconstruct has its own entry',
  'numpy._core.multiarray': 'numpy 2.x path of numpy.core.multiarray',
  'numpy.core._internal': 'see CALLABLE_EFFECTS (_reconstruct, kept by numpy 2.x for numpy < 1.0 pickles)',
  'numpy.core.numeric': '_frombuffer(buf, dtype, shape, order): an array over the bytes',
  'numpy._core.numeric': 'numpy 2.x path of numpy.core.numeric',
  'numpy.core': 'see CALLABLE_EFFECTS (_ufunc_reconstruct)',
  'numpy._core': 'see CALLABLE_EFFECTS (_ufunc_reconstruct)',
  'numpy.core._multiarray_umath': 'ufuncs, pickled by reference (numpy >= 1.20); computation on arrays',
  'numpy._core._multiarray_umath': 'numpy 2.x path of numpy.core._multiarray_umath ufuncs',
  'numpy.core.umath': 'ufuncs, pickled by reference',
  'numpy._core.umath': 'numpy 2.x path of numpy.core.umath ufuncs',
  'numpy.matrixlib.defmatrix': 'matrix: an ndarray subclass whose __array_finalize__ checks dimensions',
  'numpy.core.records': 'recarray/record: ndarray and void subclasses giving field access by attribute',
  'numpy._core.records': 'numpy 2.x path of numpy.core.records',
  'numpy.rec': 'public alias module of numpy.core.records',
  'numpy.core.defchararray': 'chararray: an ndarray subclass of str/bytes items',
  'numpy._core.defchararray': 'numpy 2.x path of numpy.core.defchararray',
  'numpy.char': 'public alias module of numpy.core.defchararray',
  'numpy.ma.core': 'MaskedArray/MaskedConstant/mvoid: ndarray subclasses whose state is data and mask',
  'numpy.random._pickle': 'see CALLABLE_EFFECTS',
  'numpy.random.mtrand': 'RandomState(bit_generator) wraps a bit generator; state via __setstate__ is integers',
  'numpy.random._generator': 'Generator(bit_generator) wraps a bit generator',
  'numpy.random._mt19937': 'bit generator class: seeded from ints, state dict of ints and arrays',
  'numpy.random._pcg64': 'bit generator classes: seeded from ints, state dict of ints',
  'numpy.random._philox': 'bit generator class: seeded from ints, state dict of ints and arrays',
  'numpy.random._sfc64': 'bit generator class: seeded from ints, state dict of ints',
  'numpy.random.bit_generator': 'SeedSequence(entropy, …) from ints; __pyx_unpickle_SeedSequence has its own entry',
  'joblib.numpy_pickle': 'see CALLABLE_EFFECTS',
  'joblib.numpy_pickle_compat': 'see CALLABLE_EFFECTS (legacy sidecar wrappers)',
  'sklearn.externals.joblib.numpy_pickle': 'see CALLABLE_EFFECTS',
  'sklearn.neighbors._kd_tree': 'see CALLABLE_EFFECTS (newObj)',
  'sklearn.neighbors._ball_tree': 'see CALLABLE_EFFECTS (newObj)',
  'sklearn.neighbors._binary_tree': 'see CALLABLE_EFFECTS (newObj)',
  'sklearn.metrics._dist_metrics': 'see CALLABLE_EFFECTS (newObj)',
  'sklearn.neighbors._dist_metrics': 'see CALLABLE_EFFECTS (newObj)',
  'scipy.sparse': 'sparse matrix classes: arrays of indices and values as state',
  'scipy.sparse._csr': 'sparse matrix/array classes: arrays of indices and values as state',
  'scipy.sparse._csc': 'sparse matrix/array classes: arrays of indices and values as state',
  'scipy.sparse._coo': 'sparse matrix/array classes: arrays of indices and values as state',
  'scipy.sparse._bsr': 'sparse matrix/array classes: arrays of indices and values as state',
  'scipy.sparse._dia': 'sparse matrix/array classes: arrays of indices and values as state',
  'scipy.sparse._lil': 'sparse matrix/array classes: lists of indices and values as state',
  'scipy.sparse._dok': 'sparse matrix/array classes: a dict of values as state',
  'scipy.sparse.csr': 'deprecated alias module of scipy.sparse._csr',
  'scipy.sparse.csc': 'deprecated alias module of scipy.sparse._csc',
  'scipy.sparse.coo': 'deprecated alias module of scipy.sparse._coo',
  'scipy.stats._distn_infrastructure': 'frozen distributions: hold a distribution object, shape args and kwds as state',
  'transformers.training_args': 'dataclasses and enums of training options: fields as state, enum values from str',
  'transformers.training_args_seq2seq': 'training-options dataclass: fields as state',
  'transformers.trainer_utils': 'enums of training options: constructed from their str value',
  'transformers.trainer_pt_utils': 'AcceleratorConfig dataclass: fields as state',
  'transformers.deepspeed': 'DeepSpeed config holders: a dict of options as state',
  'transformers.integrations.deepspeed': 'DeepSpeed config holders: a dict of options as state',
  'transformers.models.bert.tokenization_bert_fast': 'tokenizer object: vocabulary and options as state',
  'accelerate.state': 'PartialState: a shared-state singleton, attributes as state',
  'accelerate.utils.deepspeed': 'DeepSpeed config holder: a dict of options as state',
  'accelerate.utils.dataclasses': 'enum and plugin dataclass: values and fields as state',
  tokenizers: 'Rust tokenizer objects rebuilt from their JSON state',
  'tokenizers.models': 'Rust tokenizer model rebuilt from its JSON state',
  'trl.trainer.sft_config': 'training-options dataclass: fields as state',
  'trl.trainer.dpo_config': 'enum of options: constructed from its str value',
  'trl.trainer.grpo_config': 'training-options dataclass: fields as state',
  'trl.trainer.kto_config': 'training-options dataclass: fields as state',
  'trl.trainer.ppov2_config': 'training-options dataclass: fields as state',
  'alignment.configs': 'training-options dataclasses: fields as state',
  'sentence_transformers.training_args': 'training-options dataclass and enums: fields as state, values from str',
  'simpletransformers.config.model_args': 'model-options dataclasses: fields as state',
  'xgboost.core': 'Booster/DMatrix: model bytes as state, parsed by the C library',
  'xgboost.sklearn': 'estimator wrappers: parameters and a Booster as state',
  'lightgbm.sklearn': 'estimator wrappers: parameters and a Booster as state',
  'lightgbm.basic': 'Booster/Dataset: a model string as state, parsed by the C library',
};

/** Every state key some allowed object acts on: dicts always keep these entries (retention.ts). */
export const WATCHED_STATE_KEYS: ReadonlySet<string> = new Set(
  [...Object.values(CALLABLE_EFFECTS), MODEL_CLASS_EFFECTS].flatMap((e) => Object.keys(e.stateKeys ?? {})),
);

/** scipy's `parse_arg_template` (scipy/stats/_distn_infrastructure.py), filled as `_construct_argparser` fills it. */
function scipyArgparser(shapes: readonly string[], continuous: boolean): string {
  const shapeArgs = shapes.length > 0 ? `${shapes.join(', ')}, ` : '';
  const [inArgs, outArgs] = continuous ? ['loc=0, scale=1', 'loc, scale'] : ['loc=0', 'loc, 1'];
  return `
def _parse_args(self, ${shapeArgs} ${inArgs}):
    return (${shapeArgs}), ${outArgs}

def _parse_args_rvs(self, ${shapeArgs} ${inArgs}, size=None):
    return self._argcheck_rvs(${shapeArgs} ${outArgs}, size=size)

def _parse_args_stats(self, ${shapeArgs} ${inArgs}, moments='mv'):
    return (${shapeArgs}), ${outArgs}, moments
`;
}

/** Start of every template scipy writes: strings that start so are kept whole (retention.ts) to be checked. */
export const SCIPY_ARGPARSER_PREFIX = '\ndef _parse_args(self, ';

const PYTHON_KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from global if import in ' +
    'is lambda nonlocal not or pass raise return try while with yield').split(' '),
);

/** Is `text` exactly what scipy generates for some shape names (identifiers, never keywords)? */
export function isScipyArgparser(text: string): boolean {
  const header = /^\ndef _parse_args\(self, ((?:[A-Za-z_][A-Za-z0-9_]*, )*) loc=0/.exec(text);
  if (!header) return false;
  const shapes = header[1]!.split(', ').filter((s) => s.length > 0);
  if (shapes.some((s) => PYTHON_KEYWORDS.has(s))) return false;
  return text === scipyArgparser(shapes, true) || text === scipyArgparser(shapes, false);
}
