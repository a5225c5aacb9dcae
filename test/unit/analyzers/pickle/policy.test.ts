import { describe, expect, it } from 'vitest';
import { PicklePolicy, policyFor } from '../../../../analyzers/pickle/policy.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';

const policy = policyFor(DEFAULT_SETTINGS.pickle);
const kind = (module: string, name: string, p: PicklePolicy = policy): string => {
  const v = p.classify(module, name);
  return v.kind === 'denied' ? `denied:${v.category}` : v.kind;
};

describe('PicklePolicy.classify', () => {
  it.each([
    // What real model files contain.
    ['collections', 'OrderedDict'],
    ['torch._utils', '_rebuild_tensor_v2'],
    ['torch._utils', '_rebuild_parameter_with_state'],
    ['torch', 'FloatStorage'],
    ['torch', 'bfloat16'],
    ['torch.nn.modules.linear', 'Linear'],
    ['torch.nn.utils.weight_norm', 'WeightNorm'],
    ['torch.optim.adam', 'Adam'],
    ['__torch__.torch.nn.modules.linear', 'Linear'],
    ['numpy.core.multiarray', '_reconstruct'],
    ['numpy._core.multiarray', 'scalar'],
    ['numpy', 'dtype'],
    ['numpy.random._pickle', '__randomstate_ctor'],
    ['joblib.numpy_pickle', 'NumpyArrayWrapper'],
    // joblib < 0.10 sidecar wrappers: allowed, their file name is checked as an effect (effects.ts).
    ['joblib.numpy_pickle', 'NDArrayWrapper'],
    ['joblib.numpy_pickle_compat', 'ZNDArrayWrapper'],
    ['sklearn.ensemble._forest', 'RandomForestClassifier'],
    ['sklearn.tree._tree', 'Tree'],
    ['sklearn._loss._loss', '__pyx_unpickle_CyHalfSquaredError'],
    ['sklearn.neighbors._kd_tree', 'newObj'],
    ['transformers.training_args', 'TrainingArguments'],
    ['builtins', 'set'],
    ['copyreg', '_reconstructor'],
    ['copyreg', '__newobj__'],
  ])('should allow %s.%s', (module, name) => {
    expect(kind(module, name)).toBe('allowed');
  });

  it.each([
    ['os', 'system', 'process'],
    ['posix', 'system', 'process'],
    ['nt', 'system', 'process'],
    ['subprocess', 'Popen', 'process'],
    ['builtins', 'eval', 'code-execution'],
    ['builtins', 'getattr', 'introspection'],
    ['builtins', 'type', 'introspection'],
    ['pickle', 'loads', 'nested-deserializer'],
    ['_pickle', 'Unpickler', 'nested-deserializer'],
    ['dill', 'loads', 'nested-deserializer'],
    ['joblib', 'load', 'nested-deserializer'],
    ['torch.storage', '_load_from_bytes', 'nested-deserializer'],
    ['torch.serialization', 'load', 'nested-deserializer'],
    ['yaml', 'unsafe_load', 'nested-deserializer'],
    ['pkgutil', 'resolve_name', 'import-trampoline'],
    ['functools', 'partial', 'import-trampoline'],
    ['_operator', 'methodcaller', 'import-trampoline'],
    ['copyreg', 'add_extension', 'import-trampoline'],
    ['torch.utils.collect_env', 'run', 'torch-gadget'],
    ['torch._dynamo.guards', 'GuardBuilder.get', 'torch-gadget'],
    ['torch.fx.graph_module', 'reduce_graph_module', 'torch-gadget'],
    ['torch.jit.unsupported_tensor_ops', 'execWrapper', 'torch-gadget'],
    ['socket', 'create_connection', 'network'],
    ['ssl', 'get_server_certificate', 'network'],
    ['urllib.request', 'urlopen', 'network'],
    ['linecache', 'getline', 'filesystem'],
    ['_io', 'FileIO', 'filesystem'],
    ['logging', 'FileHandler', 'filesystem'],
    ['types', 'CodeType', 'code-execution'],
    ['code', 'InteractiveInterpreter.runcode', 'code-execution'],
    ['cProfile', 'run', 'code-execution'],
    ['numpy.testing._private.utils', 'runstring', 'code-execution'],
    ['multiprocessing.util', 'spawnv_passfds', 'process'],
    ['asyncio.unix_events', '_UnixSubprocessTransport._start', 'process'],
  ])('should deny %s.%s as %s', (module, name, category) => {
    expect(kind(module, name)).toBe(`denied:${category}`);
  });

  it.each([
    ['pathlib', 'os.system', 'process'],
    ['torch', 'os.system', 'process'],
    ['numpy', 'os.system', 'process'],
    ['torch.nn.modules.linear', 'torch.load', 'nested-deserializer'],
    ['collections', 'OrderedDict.__init__.__globals__', 'introspection'],
    ['builtins', 'print.__self__.exec', 'introspection'],
    ['torch.multiprocessing.reductions', 'rebuild_storage_fd', 'process'],
    ['anything', 'system', 'process'],
    ['sklearn.base', 'BaseEstimator.__class__', 'introspection'],
    ['__main__', '__builtins__', 'introspection'],
    ['transformers.models.auto.tokenization_auto', 'AutoTokenizer.from_pretrained', 'nested-deserializer'],
  ])('should deny %s + %s component by component (%s)', (module, name, category) => {
    expect(kind(module, name)).toBe(`denied:${category}`);
  });

  it.each([
    ['__main__', 'MyModel'],
    ['mylib', 'Thing'],
    ['torch.nn.modules.linear', 'torch'], // a module object, not a class
    ['sklearn.datasets', 'Bunch'], // excluded from the scikit-learn class rule
    ['torch.nn.modules.linear', 'Linear.forward'], // dotted names are never allowed by a rule
    ['numpy', 'ndarray.tofile'],
  ])('should leave %s.%s unknown', (module, name) => {
    expect(kind(module, name)).toBe('unknown');
  });

  it('should let a user allow entry narrow a module-wide deny but not an exact one', () => {
    const p = new PicklePolicy({ allow: ['builtins.print', 'functools.partial', 'mylib.*'], deny: [] });
    expect(kind('builtins', 'print', p)).toBe('allowed');
    expect(kind('functools', 'partial', p)).toBe('denied:import-trampoline');
    expect(kind('mylib', 'Anything', p)).toBe('allowed');
    expect(kind('mylib.sub', 'Anything', p)).toBe('unknown');
    expect(kind('mylib', 'os.system', p)).toBe('denied:process');
  });

  it('should apply user deny entries to a name and everything under it, before the allowlist', () => {
    const p = new PicklePolicy({ allow: [], deny: ['torch.nn.modules.*', 'collections.OrderedDict'] });
    expect(kind('torch.nn.modules.linear', 'Linear', p)).toBe('denied:user-denied');
    expect(kind('collections', 'OrderedDict', p)).toBe('denied:user-denied');
    expect(kind('collections', 'Counter', p)).toBe('allowed');
  });

  it('should compile a settings object once', () => {
    expect(policyFor(DEFAULT_SETTINGS.pickle)).toBe(policy);
  });
});
