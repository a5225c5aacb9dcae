/**
 * Known-dangerous globals. Everything here is Critical. The allowlist (allowlist.ts) decides what is
 * quiet; this list decides what is Critical rather than merely "unknown", and gives the reason.
 *
 * Sources (model-scanners.md): picklescan `_unsafe_globals` (App. A.2), modelscan `unsafe_globals`
 * (A.3), fickling `UNSAFE_IMPORTS` / `UnsafeImportsML` (A.4, A.6), ModelAudit `SUSPICIOUS_GLOBALS`,
 * `ALWAYS_DANGEROUS_MODULES`, `ALWAYS_DANGEROUS_FUNCTIONS` (A.8–A.10), every advisory of §2.1/§2.2, the
 * evasion taxonomy of §2.3 and the gadget families of §2.4 item 6. Entries marked "derived" are not on a
 * peer list; the comment says why they execute, read, write or fetch on load.
 */

export type DangerCategory =
  | 'code-execution'
  | 'process'
  | 'filesystem'
  | 'network'
  | 'nested-deserializer'
  | 'introspection'
  | 'import-trampoline'
  | 'torch-gadget'
  | 'extension-registry'
  | 'user-denied';

/**
 * Modules denied with everything in them and below them (`os` covers `os.path`). An exact allowlist
 * entry may still let one harmless name through (`builtins.set`, `copyreg._reconstructor`,
 * `joblib.numpy_pickle.NumpyArrayWrapper`), as picklescan's parent-prefix matching since v0.0.33 (§2.1
 * row 18) would otherwise miss `asyncio.unix_events…`.
 */
export const DENIED_MODULES: Readonly<Record<DangerCategory, readonly string[]>> = {
  // A.2/A.3/A.4/A.9; GHSA-565g (marshal, types), GHSA-wfq2/-q5qq (runpy, importlib, code), GHSA-6ggj
  // (_interpreters), §2.1 rows 15 and 28 (stdlib exec gadgets), §2.3 rows 13–15 (CodeType).
  'code-execution': [
    'builtins', '__builtin__', '__builtins__', 'code', 'codeop', 'runpy', 'marshal', 'types', 'compileall',
    'py_compile', 'doctest', 'pdb', 'bdb', 'trace', 'profile', 'cProfile', 'timeit', 'idlelib', 'lib2to3',
    'test', 'unittest', 'numpy.f2py', 'numpy.distutils', 'numpy.testing', '_pyrepl', 'ctypes', '_ctypes',
    'cffi', 'gc', 'inspect', 'site', '_interpreters', '_xxsubinterpreters', 'IPython',
    // derived: sympy.sympify and pandas' expression engine evaluate strings as Python; Keras/TF
    // deserialisation can rebuild marshalled Lambda code.
    'sympy.parsing', 'sympy.core.sympify', 'pandas.core.computation', 'jinja2', 'numexpr', 'keras.saving',
    'tensorflow',
  ],
  // A.2/A.3/A.4/A.9; GHSA-m6fh (_posixsubprocess, atexit), GHSA-5hwf (uuid, _aix/_osx_support),
  // GHSA-5cxw (platform), §2.3 row 1 (multiprocessing.util.spawnv_passfds).
  process: [
    'os', 'posix', 'nt', 'posixpath', 'ntpath', 'subprocess', '_posixsubprocess', 'pty', 'commands', 'sys',
    'multiprocessing', '_multiprocessing', 'concurrent', 'asyncio', 'signal', '_signal', 'threading',
    '_thread', 'atexit', 'platform', 'pipes', 'pexpect', 'uuid', '_osx_support', '_aix_support',
    'webbrowser', 'ensurepip', 'pip', 'venv', 'distutils', 'setuptools', 'pkg_resources', 'torch.multiprocessing',
  ],
  // A.4/A.8/A.9; GHSA-r48f (linecache), §2.1 row 23 (_io.FileIO), row 25 (logging.FileHandler).
  filesystem: [
    'shutil', 'tempfile', 'filecmp', 'fileinput', 'glob', 'linecache', 'tarfile', 'zipfile', 'shelve', 'dbm',
    'sqlite3', '_sqlite3', 'mmap', 'difflib', 'syslog', 'logging.config', 'logging.handlers',
  ],
  // A.2/A.3/A.4/A.8; CVE-2025-46417 (ssl), §2.1 row 23 (urllib.request), §2.3 row 2 (pandas read_csv).
  network: [
    'socket', '_socket', 'ssl', '_ssl', 'http', 'httplib', 'urllib', 'urllib2', 'urllib3', 'requests', 'aiohttp',
    'httpx', 'smtplib', 'imaplib', 'poplib', 'ftplib', 'nntplib', 'telnetlib', 'socketserver', 'xmlrpc',
    'select', 'selectors', 'asyncore', 'asynchat', 'smtpd', 'wsgiref', 'pandas.io', 'huggingface_hub',
    'torch.distributed.rpc',
  ],
  // A.2–A.4/A.6b/A.9, §2.3 rows 3–4 and 15, §2.4 item 6.
  'nested-deserializer': [
    'pickle', '_pickle', 'cPickle', 'dill', 'cloudpickle', 'joblib', 'yaml', '_yaml', 'ruamel', 'jsonpickle',
    'pickletools', 'numpy.lib.npyio', 'numpy.lib.format', 'pandas.io.pickle', 'torch.serialization',
    'torch.package', 'torch.hub',
  ],
  introspection: [],
  // A.4 (importlib, pkgutil, zipimport, operator, functools), GHSA-vvpj-8cmc-gx39 (pkgutil.resolve_name),
  // §2.1 row 21 (operator.methodcaller + pydoc.locate), row 22 (_operator).
  'import-trampoline': [
    'importlib', '_frozen_importlib', '_frozen_importlib_external', '_imp', 'imp', 'zipimport', 'pkgutil',
    'operator', '_operator', 'functools', '_functools', 'pydoc', 'copyreg', 'copy_reg',
    // derived: these resolve and call arbitrary dotted names or run remote code on load.
    'hydra.utils', 'hydra._internal', 'transformers.dynamic_module_utils', 'mlflow.projects',
  ],
  // fickling A.6a (torch.hub, _dynamo, _inductor, jit); §2.1 row 14; derived: cpp_extension compiles and
  // loads C++, torch.testing._internal runs code, torch._C.import_ir_module loads TorchScript.
  'torch-gadget': [
    'torch._dynamo', 'torch._inductor', 'torch.jit', 'torch.utils.cpp_extension',
    'torch.utils.collect_env', 'torch.utils.bottleneck', 'torch.utils._config_module', 'torch.testing._internal',
    'torch.utils.data.datapipes.utils.decoder', 'torch._export', 'torch.export',
  ],
  'extension-registry': [],
  'user-denied': [],
};

/**
 * Exact names (dotted after the module when they are attributes of a class). These are never
 * overridden by an allowlist entry, including the user's.
 */
export const DENIED_NAMES: Readonly<Record<DangerCategory, Readonly<Record<string, readonly string[]>>>> = {
  'code-execution': {
    // §2.1 row 15 (GHSA-5qwp…-xp4f), row 28; §2.3 rows 13–15.
    code: ['InteractiveInterpreter.runcode', 'InteractiveInterpreter.runsource', 'InteractiveConsole.push'],
    trace: ['Trace.run', 'Trace.runctx', 'Trace.runfunc'],
    profile: ['run', 'runctx', 'Profile.run', 'Profile.runctx', 'Profile.runcall'],
    cProfile: ['run', 'runctx', 'Profile.run', 'Profile.runctx', 'Profile.runcall'],
    types: ['CodeType', 'FunctionType', 'LambdaType', 'MethodType'],
    'cloudpickle.cloudpickle': ['_builtin_type', '_function_setstate', '_make_function', '_make_cell', 'subimport'],
    'numpy.testing._private.utils': ['runstring'],
    'numpy.f2py.crackfortran': ['getlincoef', '_eval_length'],
    doctest: ['debug_script'],
    'lib2to3.pgen2.grammar': ['Grammar.loads'],
    'lib2to3.pgen2.pgen': ['ParserGenerator.make_label'],
    'sympy.core.sympify': ['sympify'],
    sympy: ['sympify', 'parse_expr'],
    pandas: ['eval'],
  },
  process: {
    // §2.1 rows 6, 10, 28; §2.3 row 1.
    pip: ['main'],
    pydoc: ['pipepager', 'tempfilepager', 'pager'],
    venv: ['create'],
    ensurepip: ['_run_pip'],
    uuid: ['_get_command_stdout', '_popen'],
    '_osx_support': ['_read_output', '_find_build_tool'],
    '_aix_support': ['_read_cmd_output'],
    imaplib: ['IMAP4_stream'],
    '_pyrepl.pager': ['pipe_pager'],
    'test.support.script_helper': ['assert_python_ok', 'assert_python_failure', 'spawn_python'],
    'multiprocessing.util': ['spawnv_passfds'],
    'mlflow.projects.backend.local': ['_run_entry_point'],
  },
  filesystem: {
    // §2.1 rows 12, 21, 23, 25; A.6b.
    _io: ['FileIO', 'open', 'open_code'],
    io: ['FileIO', 'open', 'open_code'],
    codecs: ['open'],
    logging: ['FileHandler'],
    linecache: ['getline', 'getlines', 'updatecache'],
    'distutils.file_util': ['write_file', 'copy_file', 'move_file'],
    numpy: ['load', 'save', 'savez', 'savez_compressed', 'savetxt', 'loadtxt', 'genfromtxt', 'fromfile', 'memmap'],
  },
  network: {
    'urllib.request': ['urlopen', 'urlretrieve'],
    ssl: ['get_server_certificate'],
    'pandas.io.parsers.readers': ['read_csv', 'read_table', 'read_fwf'],
    pandas: ['read_csv', 'read_table', 'read_json', 'read_html', 'read_xml', 'read_parquet', 'read_feather'],
  },
  'nested-deserializer': {
    // §2.3 rows 3–4, A.6b, A.10; CVE-2025-1716-era batch (§2.1 row 10).
    torch: ['load', 'compile'],
    'torch.storage': ['_load_from_bytes'],
    'torch.serialization': ['load', '_load', '_legacy_load'],
    pandas: ['read_pickle'],
    yaml: ['load', 'unsafe_load', 'full_load', 'load_all', 'unsafe_load_all', 'full_load_all'],
    'joblib.numpy_pickle': ['load', 'read_array'],
    joblib: ['load', '_pickle_load'],
  },
  introspection: {
    // §2.1 row 22 (builtins.__import__), GHSA-h4rm (getattr chain), §2.3 row 18.
    builtins: ['getattr', 'setattr', 'delattr', 'globals', 'locals', 'vars', 'dir', '__import__', 'type'],
  },
  'import-trampoline': {
    // GHSA-vvpj-8cmc-gx39 (CVSS 10), §2.1 rows 10, 21, 22; §2.3 row 19.
    pkgutil: ['resolve_name', 'get_importer', 'walk_packages', 'find_loader', 'get_loader'],
    functools: ['partial', 'reduce', 'partialmethod'],
    operator: ['attrgetter', 'itemgetter', 'methodcaller'],
    _operator: ['attrgetter', 'itemgetter', 'methodcaller'],
    pydoc: ['locate'],
    importlib: ['import_module'],
    copyreg: ['add_extension', 'remove_extension', 'pickle', 'constructor'],
    'torch._utils': ['_import_dotted_name'],
    'transformers.models.auto.auto_factory': ['getattribute_from_module'],
    'transformers.models.auto.configuration_auto': ['getattribute_from_module'],
  },
  'torch-gadget': {
    // §2.1 row 14 (GHSA-4r9r…-4whj), row 10; fickling A.6b; derived: torch.fx GraphModule's reduce
    // functions exec the pickled Python source of the graph (torch/fx/graph_module.py).
    'torch._dynamo.guards': ['GuardBuilder.get'],
    'torch._inductor.codecache': ['compile_file'],
    'torch.fx.experimental.symbolic_shapes': ['ShapeEnv.evaluate_guards_expression'],
    'torch.jit.unsupported_tensor_ops': ['execWrapper'],
    'torch.utils._config_module': ['ConfigModule.load_config', 'ConfigModule'],
    'torch.utils.bottleneck.__main__': ['run_autograd_prof', 'run_cprofile'],
    'torch.utils.collect_env': ['run', 'run_and_read_all', 'run_and_parse_first_match'],
    'torch.utils.data.datapipes.utils.decoder': ['basichandlers'],
    'torch.distributed.elastic.rendezvous.api': ['basichandlers'],
    'torch.fx.graph_module': [
      'reduce_graph_module', 'reduce_package_graph_module', 'reduce_deploy_graph_module', '_forward_from_src',
      '_exec_with_source', '_deserialize_graph_module',
    ],
    'torch._C': ['import_ir_module', 'import_ir_module_from_buffer', '_load_for_lite_interpreter'],
  },
  'extension-registry': {},
  'user-denied': {},
};

/**
 * Names that are dangerous wherever they appear in a dotted path: as an attribute reached through any
 * module (`pathlib` + `os.system`, GHSA-5j3x-jp52-966f; `numpy` + `os.system`), or as a sub-package
 * (`torch.multiprocessing…`). fickling matches its whole `UNSAFE_IMPORTS` list this way (A.4); this set
 * is that idea restricted to names no benign model global contains.
 */
export const DANGEROUS_COMPONENTS: ReadonlyMap<string, DangerCategory> = new Map<string, DangerCategory>([
  ...[
    'eval', 'exec', 'execfile', 'compile', 'breakpoint', 'runcode', 'runsource', 'run_module', 'run_path',
    'runctx', 'runcall', 'runeval', 'CodeType', 'FunctionType', 'builtins', '__builtin__', 'marshal', 'runpy',
    'code', 'codeop', 'ctypes', '_ctypes', 'CDLL', 'PyDLL', 'LoadLibrary', 'pythonapi', 'dlopen', 'execWrapper',
  ].map((n) => [n, 'code-execution'] as const),
  ...[
    'os', 'posix', 'nt', 'subprocess', '_posixsubprocess', 'pty', 'commands', 'sys', 'multiprocessing',
    'system', 'popen', 'Popen', 'popen2', 'popen3', 'popen4', 'posix_spawn', 'posix_spawnp', 'spawnl', 'spawnle',
    'spawnlp', 'spawnlpe', 'spawnv', 'spawnve', 'spawnvp', 'spawnvpe', 'spawnv_passfds', 'execl', 'execle',
    'execlp', 'execlpe', 'execv', 'execve', 'execvp', 'execvpe', 'fork', 'forkpty', 'kill', 'killpg',
    'getoutput', 'getstatusoutput', 'check_output', 'check_call', 'putenv', 'webbrowser', 'pipepager',
  ].map((n) => [n, 'process'] as const),
  ...[
    'shutil', 'open', 'FileIO', 'FileHandler', 'rmtree', 'remove', 'unlink', 'rmdir', 'removedirs', 'rename',
    'chmod', 'chown', 'linecache', 'getline', 'getlines', 'write_file', 'write_text', 'write_bytes', 'save',
    'to_pickle',
  ].map((n) => [n, 'filesystem'] as const),
  ...['socket', 'urlopen', 'urlretrieve', 'get_server_certificate', 'create_connection', 'requests', 'urllib']
    .map((n) => [n, 'network'] as const),
  ...[
    // `_pickle` is not here: numpy.random._pickle is a legitimate module (the top-level `_pickle` module
    // is denied whole above).
    'pickle', 'cPickle', 'dill', 'cloudpickle', 'load', 'loads', 'unsafe_load', 'full_load',
    'unsafe_load_all', 'read_pickle', '_load_from_bytes', 'from_pretrained',
  ].map((n) => [n, 'nested-deserializer'] as const),
  ...[
    'getattr', 'setattr', 'delattr', 'globals', 'locals', 'vars', 'import_module', 'resolve_name', 'locate',
    'importlib', 'pkgutil', 'add_extension', 'getattribute_from_module', 'get_class_from_dynamic_module',
    'load_module', 'exec_module', 'reload', 'attrgetter', 'methodcaller', 'itemgetter', 'partial',
  ].map((n) => [n, 'import-trampoline'] as const),
]);

/** Module names exempt from the dunder rule: they are namespaces, not attribute access. */
export const DUNDER_MODULE_EXEMPT: ReadonlySet<string> = new Set(['__main__', '__torch__', '__builtin__', '__future__']);
