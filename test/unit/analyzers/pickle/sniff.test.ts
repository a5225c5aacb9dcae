import { describe, expect, it } from 'vitest';
import { looksLikePickle, mayLoadAsPickle } from '../../../../analyzers/pickle/sniff.js';
import { fixture } from './helpers.js';
import { op, pickle } from './builder.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('looksLikePickle', () => {
  it.each([
    'benign/plain_containers_p0.pkl',
    'benign/plain_containers_p1.pkl',
    'benign/numpy_array_p0.pkl',
    'benign/two_pickles.pkl',
    'malicious/reduce_system_p0.pkl',
    'malicious/reduce_system_p1.pkl',
    'malicious/compat_builtin_eval_p0.pkl',
    'malicious/obj_pop_invisible.pkl',
    'malicious/inst_os_system.pkl',
    'benign/sklearn_pipeline.pkl',
  ])('should recognise %s', (path) => {
    expect(looksLikePickle(fixture(path).subarray(0, 4096))).toBe(true);
  });

  it.each([
    ['a truncated protocol-0 payload', text("cos\nsystem\n(S'echo x'\ntR")],
    [
      'a protocol-0 list cut by the sniff window',
      pickle(op.mark(), op.list(), op.put(0), ...Array.from({ length: 2000 }, () => pickle(op.int('1'), op.append()))).subarray(0, 4096),
    ],
    ['None', text('N.')],
    ['a protocol-0 payload followed by junk (nullifAI)', pickle("cos\nsystem\n(S'echo x'\ntR", [0x00, 0xff], 'junk')],
    ['a protocol-0 import of a denied module then junk', pickle('cos\nsystem\n', [0x00])],
    ['a protocol-4 payload followed by junk', pickle(op.proto(4), op.global('os', 'system'), [0x00])],
  ])('should recognise %s', (_what, bytes) => {
    expect(looksLikePickle(bytes)).toBe(true);
  });

  it.each([
    ['JSON', '{"model_type": "bert", "hidden_size": 768}'],
    ['a JSON list', '[1, 2, 3]'],
    ['a README', '# Model card\n\nThis model was trained on ...\n'],
    ['a licence', 'MIT License\n\nCopyright (c) 2024\n'],
    ['Python source', 'import torch\nclass Net(torch.nn.Module):\n    pass\n'],
    ['a class definition', 'class Net:\n    def __init__(self):\n        pass\n'],
    ['CSV', 'a,b,c\n1,2,3\n'],
    ['YAML', 'license: apache-2.0\ntags:\n- text\n'],
    ['a number', '1.5\n'],
    ['a word and newline', 'Very nice\n'],
    ['two lines of identifiers', 'cat\ndog\n'],
    ['empty', ''],
    ['a word list starting with c', 'cat\ndog\nfish\nbird\n'],
  ])('should not mistake %s for a pickle', (_what, content) => {
    expect(looksLikePickle(text(content))).toBe(false);
  });

  it.each([
    ['PROTO then a byte that is no opcode', [0x80, 0x02, 0x00, 0x3f, 0x12, 0x99]],
    ['PROTO then an opcode the loader rejects at once', [0x80, 0x03, 0x52, 0x01, 0x02, 0x03]],
    ['PROTO then one value and garbage', [0x80, 0x04, 0x4e, 0xff, 0x10]],
  ])('should not mistake raw tensor bytes starting with %s for a pickle', (_what, bytes) => {
    expect(looksLikePickle(Uint8Array.from(bytes))).toBe(false);
  });
});

describe('mayLoadAsPickle (whether content sniffed as something else is tried as a pickle)', () => {
  const bytes = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
  // [what, head, the head is the whole file, expected]; a file that goes on is 1 MB long
  it.each([
    ['a pip RECORD (GLOBAL of a module that is no name)', 'charset_normalizer-3.0.1.dist-info/METADATA,sha256=x,1\n', false, false],
    ['CSS (STOP on an empty stack)', '.highlight { color: red }\n', false, false],
    ['a CRLF GLOBAL (`os\\r` is no module name)', 'cos\r\nsystem\r\n', false, false],
    ['a PERSID line with non-ASCII bytes, unterminated', 'PK\x03\x04\x14\x00\x08\x08\xa1\xb2', false, false],
    ['a number line with other bytes, unterminated', 'I12; ', false, false],
    ['a whole file: a pickle of None, then text the loader rejects', 'N.B. see below\n', true, false],
    ['a pickle of None, then BINBYTES whose length runs past the file', 'N.B. see below\n', false, false],
    ['BINBYTES whose payload runs past the head but not the file', 'B\x00\x00\x01\x00', false, true],
    ['an extension code (the registry is empty: the loader raises), then junk', '\x82\x05\xff', false, false],
    ['a whole file: one clean pickle that imports nothing', '(lp0\nI1\na.', true, false],
    ['a payload, then junk', "cos\nsystem\n(S'id'\ntR\xff", true, true],
    ['a line longer than the head', `V${'a'.repeat(5000)}`, false, true],
    ['a GLOBAL whose over-long module line already holds a byte no name has', `c${'a'.repeat(500)};${'a'.repeat(1000)}\nb\n`, false, false],
    ['a pickle cut by the end of the head', '(lp0\nI1\naI2\na', false, true],
    ['the same pickle cut by the end of the file', '(lp0\nI1\naI2\na', true, false],
  ] as const)('should say %s', (_what, content, complete, expected) => {
    expect(mayLoadAsPickle(bytes(content), complete ? content.length : 1 << 20)).toBe(expected);
  });
});
