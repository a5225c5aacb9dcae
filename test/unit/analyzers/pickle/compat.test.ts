import { describe, expect, it } from 'vitest';
import { compatRename } from '../../../../analyzers/pickle/compat.js';

describe('compatRename', () => {
  it.each([
    ['cPickle', 'loads', 'pickle', 'loads'],
    ['commands', 'getoutput', 'subprocess', 'getoutput'],
    ['__builtin__', 'eval', 'builtins', 'eval'],
    ['__builtin__', 'reduce', 'functools', 'reduce'],
    ['__builtin__', 'unicode', 'builtins', 'str'],
    ['copy_reg', '_reconstructor', 'copyreg', '_reconstructor'],
    ['urllib', 'urlopen', 'urllib.request', 'urlopen'],
    ['urllib2', 'urlopen', 'urllib.request', 'urlopen'],
    ['thread', 'start_new_thread', '_thread', 'start_new_thread'],
    ['exceptions', 'ValueError', 'builtins', 'ValueError'],
    ['multiprocessing', 'AuthenticationError', 'multiprocessing.context', 'AuthenticationError'],
    ['SocketServer', 'TCPServer', 'socketserver', 'TCPServer'],
  ])('should map %s.%s to %s.%s', (module, name, toModule, toName) => {
    expect(compatRename(module, name)).toEqual([toModule, toName]);
  });

  it.each([['os', 'system'], ['urllib', 'nothing_mapped'], ['toString', 'x'], ['__proto__', 'x']])(
    'should leave %s.%s alone',
    (module, name) => {
      expect(compatRename(module, name)).toBeUndefined();
    },
  );
});
