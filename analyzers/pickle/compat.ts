/**
 * CPython's Python-2 compatibility renames (`Lib/_compat_pickle.py`, 3.11). `Unpickler.find_class`
 * applies them whenever the stream's protocol is below 3 (and `fix_imports` is true, the default):
 * `GLOBAL 'commands getoutput'` really imports `subprocess.getoutput`, `cPickle.loads` is `pickle.loads`
 * (model-scanners.md §2.3 rows 12 and "compat rename"). Scanners that check only the written name miss
 * these. Only the load direction matters here; the reverse maps are for pickling.
 */

const IMPORT_MAPPING: Readonly<Record<string, string>> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  Queue: 'queue',
  SocketServer: 'socketserver',
  ConfigParser: 'configparser',
  repr: 'reprlib',
  tkFileDialog: 'tkinter.filedialog',
  tkSimpleDialog: 'tkinter.simpledialog',
  tkColorChooser: 'tkinter.colorchooser',
  tkCommonDialog: 'tkinter.commondialog',
  Dialog: 'tkinter.dialog',
  Tkdnd: 'tkinter.dnd',
  tkFont: 'tkinter.font',
  tkMessageBox: 'tkinter.messagebox',
  ScrolledText: 'tkinter.scrolledtext',
  Tkconstants: 'tkinter.constants',
  Tix: 'tkinter.tix',
  ttk: 'tkinter.ttk',
  Tkinter: 'tkinter',
  markupbase: '_markupbase',
  _winreg: 'winreg',
  thread: '_thread',
  dummy_thread: '_dummy_thread',
  dbhash: 'dbm.bsd',
  dumbdbm: 'dbm.dumb',
  dbm: 'dbm.ndbm',
  gdbm: 'dbm.gnu',
  xmlrpclib: 'xmlrpc.client',
  SimpleXMLRPCServer: 'xmlrpc.server',
  httplib: 'http.client',
  htmlentitydefs: 'html.entities',
  HTMLParser: 'html.parser',
  Cookie: 'http.cookies',
  cookielib: 'http.cookiejar',
  BaseHTTPServer: 'http.server',
  'test.test_support': 'test.support',
  commands: 'subprocess',
  urlparse: 'urllib.parse',
  robotparser: 'urllib.robotparser',
  urllib2: 'urllib.request',
  anydbm: 'dbm',
  _abcoll: 'collections.abc',
  // Non-mutual mappings (added after the reverse map is built in _compat_pickle).
  cPickle: 'pickle',
  _elementtree: 'xml.etree.ElementTree',
  FileDialog: 'tkinter.filedialog',
  SimpleDialog: 'tkinter.simpledialog',
  DocXMLRPCServer: 'xmlrpc.server',
  SimpleHTTPServer: 'http.server',
  CGIHTTPServer: 'http.server',
  UserDict: 'collections',
  UserList: 'collections',
  UserString: 'collections',
  whichdb: 'dbm',
  StringIO: 'io',
  cStringIO: 'io',
};

const NAME_PAIRS: ReadonlyArray<readonly [string, string, string, string]> = [
  ['__builtin__', 'xrange', 'builtins', 'range'],
  ['__builtin__', 'reduce', 'functools', 'reduce'],
  ['__builtin__', 'intern', 'sys', 'intern'],
  ['__builtin__', 'unichr', 'builtins', 'chr'],
  ['__builtin__', 'unicode', 'builtins', 'str'],
  ['__builtin__', 'long', 'builtins', 'int'],
  ['itertools', 'izip', 'builtins', 'zip'],
  ['itertools', 'imap', 'builtins', 'map'],
  ['itertools', 'ifilter', 'builtins', 'filter'],
  ['itertools', 'ifilterfalse', 'itertools', 'filterfalse'],
  ['itertools', 'izip_longest', 'itertools', 'zip_longest'],
  ['UserDict', 'IterableUserDict', 'collections', 'UserDict'],
  ['UserList', 'UserList', 'collections', 'UserList'],
  ['UserString', 'UserString', 'collections', 'UserString'],
  ['whichdb', 'whichdb', 'dbm', 'whichdb'],
  ['_socket', 'fromfd', 'socket', 'fromfd'],
  ['_multiprocessing', 'Connection', 'multiprocessing.connection', 'Connection'],
  ['multiprocessing.process', 'Process', 'multiprocessing.context', 'Process'],
  ['multiprocessing.forking', 'Popen', 'multiprocessing.popen_fork', 'Popen'],
  ['urllib', 'ContentTooShortError', 'urllib.error', 'ContentTooShortError'],
  ['urllib', 'getproxies', 'urllib.request', 'getproxies'],
  ['urllib', 'pathname2url', 'urllib.request', 'pathname2url'],
  ['urllib', 'quote_plus', 'urllib.parse', 'quote_plus'],
  ['urllib', 'quote', 'urllib.parse', 'quote'],
  ['urllib', 'unquote_plus', 'urllib.parse', 'unquote_plus'],
  ['urllib', 'unquote', 'urllib.parse', 'unquote'],
  ['urllib', 'url2pathname', 'urllib.request', 'url2pathname'],
  ['urllib', 'urlcleanup', 'urllib.request', 'urlcleanup'],
  ['urllib', 'urlencode', 'urllib.parse', 'urlencode'],
  ['urllib', 'urlopen', 'urllib.request', 'urlopen'],
  ['urllib', 'urlretrieve', 'urllib.request', 'urlretrieve'],
  ['urllib2', 'HTTPError', 'urllib.error', 'HTTPError'],
  ['urllib2', 'URLError', 'urllib.error', 'URLError'],
  ['__builtin__', 'basestring', 'builtins', 'str'],
  ['exceptions', 'StandardError', 'builtins', 'Exception'],
  ['UserDict', 'UserDict', 'collections', 'UserDict'],
  ['socket', '_socketobject', 'socket', 'SocketType'],
];

/** Python 2 `exceptions.X` → `builtins.X`, `multiprocessing.X` → `multiprocessing.context.X`. */
const PYTHON2_EXCEPTIONS =
  'ArithmeticError AssertionError AttributeError BaseException BufferError BytesWarning DeprecationWarning ' +
  'EOFError EnvironmentError Exception FloatingPointError FutureWarning GeneratorExit IOError ImportError ' +
  'ImportWarning IndentationError IndexError KeyError KeyboardInterrupt LookupError MemoryError NameError ' +
  'NotImplementedError OSError OverflowError PendingDeprecationWarning ReferenceError RuntimeError ' +
  'RuntimeWarning StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TypeError ' +
  'UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning ' +
  'UserWarning ValueError Warning ZeroDivisionError';
const MULTIPROCESSING_EXCEPTIONS = 'AuthenticationError BufferTooShort ProcessError TimeoutError';

const NAME_MAPPING = new Map<string, readonly [string, string]>();
for (const [m, n, toM, toN] of NAME_PAIRS) NAME_MAPPING.set(`${m}\n${n}`, [toM, toN]);
for (const e of PYTHON2_EXCEPTIONS.split(' ')) NAME_MAPPING.set(`exceptions\n${e}`, ['builtins', e]);
for (const e of MULTIPROCESSING_EXCEPTIONS.split(' '))
  NAME_MAPPING.set(`multiprocessing\n${e}`, ['multiprocessing.context', e]);

/**
 * The (module, name) a protocol < 3 loader really imports for the written pair, or undefined when no
 * rename applies. Name renames take precedence over module renames, as in `find_class`.
 */
export function compatRename(module: string, name: string): readonly [string, string] | undefined {
  const byName = NAME_MAPPING.get(`${module}\n${name}`);
  if (byName) return byName;
  const mapped = Object.hasOwn(IMPORT_MAPPING, module) ? IMPORT_MAPPING[module] : undefined;
  return mapped === undefined ? undefined : [mapped, name];
}
