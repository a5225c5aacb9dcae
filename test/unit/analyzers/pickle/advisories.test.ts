/**
 * One regression per published advisory (model-scanners.md §2.1 picklescan, §2.2 fickling), each pickle
 * built from opcode constructors. Archive-level advisories (zip names, flags, CRC: CVE-2025-1944, -1945,
 * -10156) belong to the archive analyzer's tests.
 */
import { describe, expect, it } from 'vitest';
import { callWith, op, pickle, reducePickle, stackGlobal, u32 } from './builder.js';
import { scan, summary } from './helpers.js';
import { oracleAvailable, unpickleWithOracle } from '../../../oracle/oracle-client.js';

const advisory = (id: string): string => `https://github.com/advisories/${id}`;

/** Gadget advisories: the pickle calls `module.name` (protocol 4, STACK_GLOBAL) and must be Critical. */
const GADGETS: ReadonlyArray<readonly [link: string, module: string, name: string]> = [
  // §2.1 row 6, CVE-2025-1716
  [advisory('GHSA-655q-fx9r-782v'), 'pip', 'main'],
  // §2.1 row 10 (picklescan 93764d6, same Sonatype batch)
  ['picklescan 93764d6', 'pydoc', 'pipepager'],
  ['picklescan 93764d6', 'venv', 'create'],
  ['picklescan 93764d6', 'torch.serialization', 'load'],
  ['picklescan 93764d6', 'functools', 'partial'],
  ['picklescan 93764d6', 'torch._inductor.codecache', 'compile_file'],
  // §2.1 row 12, CVE-2025-46417
  [advisory('GHSA-93mv-x874-956g'), 'linecache', 'getline'],
  [advisory('GHSA-93mv-x874-956g'), 'ssl', 'get_server_certificate'],
  // §2.1 row 14: torch-internal exec gadgets (GHSA-4r9r-ch6f-vxmx, -86cj-95qr-2p4f, -f4x7-rfwp-v3xw,
  // -f745-w6jp-hpxx, -jhph-76pp-mggw, -vr7h-p6mm-wpmh, -vv6j-3g6g-2pvj, -h3qp-7fh3-f8h4, -4whj-rm5r-c2v8)
  [advisory('GHSA-4r9r-ch6f-vxmx'), 'torch._dynamo.guards', 'GuardBuilder.get'],
  [advisory('GHSA-86cj-95qr-2p4f'), 'torch.fx.experimental.symbolic_shapes', 'ShapeEnv.evaluate_guards_expression'],
  [advisory('GHSA-f4x7-rfwp-v3xw'), 'torch.jit.unsupported_tensor_ops', 'execWrapper'],
  [advisory('GHSA-f745-w6jp-hpxx'), 'torch.utils.collect_env', 'run'],
  [advisory('GHSA-jhph-76pp-mggw'), 'torch.utils.bottleneck.__main__', 'run_cprofile'],
  [advisory('GHSA-vr7h-p6mm-wpmh'), 'torch.utils.bottleneck.__main__', 'run_autograd_prof'],
  [advisory('GHSA-vv6j-3g6g-2pvj'), 'torch.utils._config_module', 'ConfigModule.load_config'],
  [advisory('GHSA-h3qp-7fh3-f8h4'), 'torch.utils.data.datapipes.utils.decoder', 'basichandlers'],
  [advisory('GHSA-4whj-rm5r-c2v8'), 'torch.storage', '_load_from_bytes'],
  // §2.1 row 15: stdlib exec gadgets (GHSA-5qwp-399c-mjwf … GHSA-xp4f-hrf8-rxw7)
  [advisory('GHSA-5qwp-399c-mjwf'), 'trace', 'Trace.run'],
  [advisory('GHSA-g344-hcph-8vgg'), 'trace', 'Trace.runctx'],
  [advisory('GHSA-x696-vm39-cp64'), 'profile', 'Profile.run'],
  [advisory('GHSA-6vqj-c2q5-j97w'), 'profile', 'Profile.runctx'],
  [advisory('GHSA-cj3c-v495-4xqh'), 'cProfile', 'runctx'],
  [advisory('GHSA-3vg9-h568-4w9m'), 'code', 'InteractiveInterpreter.runcode'],
  [advisory('GHSA-6w4w-5w54-rjvr'), 'idlelib.pyshell', 'ModifiedInterpreter.runcode'],
  [advisory('GHSA-7cq8-mj8x-j263'), 'idlelib.run', 'Executive.runcode'],
  [advisory('GHSA-8r4j-24qv-fmq9'), 'idlelib.debugobj', 'ObjectTreeItem.SetText'],
  [advisory('GHSA-9xph-j2h6-g47v'), 'idlelib.calltip', 'Calltip.fetch_tip'],
  [advisory('GHSA-m869-42cg-3xwr'), 'idlelib.autocomplete', 'AutoComplete.fetch_completions'],
  [advisory('GHSA-j343-8v2j-ff7w'), 'lib2to3.pgen2.grammar', 'Grammar.loads'],
  [advisory('GHSA-3gf5-cxq9-w223'), 'lib2to3.pgen2.pgen', 'ParserGenerator.make_label'],
  [advisory('GHSA-f54q-57x4-jg88'), 'doctest', 'debug_script'],
  [advisory('GHSA-p9w7-82w4-7q8m'), 'ensurepip', '_run_pip'],
  // §2.1 row 18, CVE-2025-10157: a submodule of a whole-module entry
  [advisory('GHSA-f7qq-56ww-84cr'), 'asyncio.unix_events', '_UnixSubprocessTransport._start'],
  // §2.1 row 20: pty.spawn (invoked through OBJ in the original, see below)
  [advisory('GHSA-hgrh-qx5j-jfwx'), 'pty', 'spawn'],
  // §2.1 row 21
  [advisory('GHSA-4675-36f9-wf6r'), 'ctypes', 'CDLL'],
  [advisory('GHSA-m273-6v24-x4m4'), 'distutils.file_util', 'write_file'],
  [advisory('GHSA-84r2-jw7c-4r5q'), 'operator', 'methodcaller'],
  [advisory('GHSA-84r2-jw7c-4r5q'), 'pydoc', 'locate'],
  [advisory('GHSA-vqmv-47xg-9wpr'), 'numpy.f2py.crackfortran', 'getlincoef'],
  [advisory('GHSA-r8g5-cgf2-4m4m'), 'numpy.f2py.crackfortran', '_eval_length'],
  // §2.1 row 22: the C-module alias and __import__
  [advisory('GHSA-955r-x9j8-7rhh'), '_operator', 'attrgetter'],
  [advisory('GHSA-46h3-79wf-xr6c'), 'builtins', '__import__'],
  // §2.1 row 23
  [advisory('GHSA-9726-w42j-3qjr'), '_io', 'FileIO'],
  [advisory('GHSA-9726-w42j-3qjr'), 'urllib.request', 'urlopen'],
  // §2.1 row 24
  [advisory('GHSA-9m3x-qqw2-h32h'), 'types', 'CodeType'],
  [advisory('GHSA-9m3x-qqw2-h32h'), 'cloudpickle.cloudpickle', '_make_function'],
  // §2.1 row 25
  [advisory('GHSA-m7j5-r2p5-c39r'), 'logging', 'FileHandler'],
  // §2.1 row 27 (CVSS 10)
  [advisory('GHSA-vvpj-8cmc-gx39'), 'pkgutil', 'resolve_name'],
  // §2.1 row 28
  [advisory('GHSA-7wx9-6375-f5wh'), 'profile', 'run'],
  [advisory('GHSA-7wx9-6375-f5wh'), 'uuid', '_get_command_stdout'],
  [advisory('GHSA-g38g-8gr9-h9xp'), '_osx_support', '_read_output'],
  [advisory('GHSA-g38g-8gr9-h9xp'), '_aix_support', '_read_cmd_output'],
  [advisory('GHSA-g38g-8gr9-h9xp'), 'imaplib', 'IMAP4_stream'],
  [advisory('GHSA-g38g-8gr9-h9xp'), '_pyrepl.pager', 'pipe_pager'],
  [advisory('GHSA-g38g-8gr9-h9xp'), 'test.support.script_helper', 'assert_python_ok'],
  // §2.2 fickling advisories (missing modules)
  [advisory('GHSA-r7v6-mfhq-g3m2'), 'pty', 'spawn'],
  [advisory('GHSA-565g-hwwr-4pp3'), 'marshal', 'loads'],
  [advisory('GHSA-565g-hwwr-4pp3'), 'types', 'FunctionType'],
  [advisory('GHSA-wfq2-52f7-7qvj'), 'runpy', 'run_path'],
  [advisory('GHSA-q5qq-mvfm-j35x'), 'importlib', 'import_module'],
  [advisory('GHSA-q5qq-mvfm-j35x'), 'code', 'interact'],
  [advisory('GHSA-q5qq-mvfm-j35x'), 'multiprocessing.util', 'spawnv_passfds'],
  [advisory('GHSA-p523-jq9w-64x9'), 'cProfile', 'run'],
  [advisory('GHSA-5hvc-6wx8-mvv4'), 'ctypes', 'cdll'],
  [advisory('GHSA-5hvc-6wx8-mvv4'), 'pydoc', 'pager'],
  [advisory('GHSA-5hwf-rc88-82xm'), 'uuid', '_popen'],
  [advisory('GHSA-r48f-3986-4f9c'), 'linecache', 'getlines'],
  [advisory('GHSA-r48f-3986-4f9c'), 'difflib', 'restore'],
  [advisory('GHSA-r48f-3986-4f9c'), 'gc', 'get_objects'],
  [advisory('GHSA-5cxw-w2xg-2m8h'), 'platform', 'popen'],
  [advisory('GHSA-m6fh-58r7-x697'), '_posixsubprocess', 'fork_exec'],
  [advisory('GHSA-m6fh-58r7-x697'), 'site', 'addsitedir'],
  [advisory('GHSA-m6fh-58r7-x697'), 'atexit', 'register'],
  [advisory('GHSA-pc6j-px3p-rrj4'), 'test.support', 'run_in_subinterp'],
  [advisory('GHSA-6ggj-6f2q-f7mx'), '_interpreters', 'run_string'],
  [advisory('GHSA-6ggj-6f2q-f7mx'), '_xxsubinterpreters', 'run_string'],
  // fickling runtime-hook advisories: the deserializer entry points themselves
  [advisory('GHSA-wccx-j62j-r448'), '_pickle', 'loads'],
  [advisory('GHSA-fphw-536r-4p88'), 'pickle', '_Unpickler'],
];

describe('advisory regressions: gadgets', () => {
  it.each(GADGETS)('%s: %s.%s is Critical', async (_link, module, name) => {
    const findings = await scan(reducePickle(module, name));
    expect(findings[0], summary(findings).join('\n')).toMatchObject({ ruleId: 'pickle.dangerous-global', severity: 'Critical' });
  });
});

const critical = async (bytes: Uint8Array, path?: string): Promise<string[]> =>
  (await scan(bytes, path ? { path } : {})).filter((f) => f.severity === 'Critical').map((f) => f.ruleId);

describe('advisory regressions: parser and routing', () => {
  // §2.1 row 1 (CTF "Safe Pickle", picklescan issue #22): names stored in the memo, decoys pushed,
  // fetched back for STACK_GLOBAL.
  it('picklescan#22: memo indirection with decoy strings', async () => {
    const bytes = pickle(
      op.proto(4), op.shortBinunicode('os'), op.binput(5), op.shortBinunicode('system'), op.binput(6), op.pop(), op.pop(),
      op.shortBinunicode('torch'), op.shortBinunicode('LongStorage'), op.pop(), op.pop(),
      op.binget(5), op.binget(6), op.stackGlobal(), op.shortBinunicode('id'), op.tuple1(), op.reduce(), op.stop(),
    );
    expect(await critical(bytes)).toEqual(['pickle.dangerous-global']);
  });

  // §2.1 row 2: INST was not parsed.
  it('picklescan 40001cd: INST', async () => {
    expect(await critical(pickle(op.mark(), op.unicode('id'), op.inst('os', 'system'), op.stop()))).toEqual(['pickle.dangerous-global']);
  });

  // §2.1 row 4 (nullifAI, ReversingLabs): payload, then a broken stream.
  it('nullifAI: payload before a broken stream is still reported, with the break', async () => {
    const bytes = pickle(op.proto(2), op.global('os', 'system'), op.binunicode('id'), op.tuple1(), op.reduce(), [0x01, 0x02]);
    const rules = (await scan(bytes)).map((f) => f.ruleId);
    expect(rules).toEqual(['pickle.dangerous-global', 'pickle.malformed']);
  });

  // §2.1 row 13, CVE-2025-71325: STACK_GLOBAL with protocol-0 STRING operands.
  it(`${advisory('GHSA-9gvj-pp9x-gcfr')}: STRING operands`, async () => {
    const bytes = pickle(op.proto(4), op.string("'os'"), op.string("'system'"), op.stackGlobal(), op.stop());
    expect(await critical(bytes)).toEqual(['pickle.dangerous-global']);
  });

  // §2.1 row 16, CVE-2025-10155: a raw pickle named like a PyTorch file is analysed by content.
  it(`${advisory('GHSA-jgw4-cr84-mqxg')}: raw pickle named pytorch_model.bin`, async () => {
    expect(await critical(reducePickle('os', 'system'), 'pytorch_model.bin')).toEqual(['pickle.dangerous-global']);
  });

  // §2.1 row 7, CVE-2025-1889: a pickle member under a non-standard name is analysed by content.
  it(`${advisory('GHSA-769v-p64c-89pr')}: pickle member named data.txt`, async () => {
    expect(await critical(reducePickle('os', 'system'), 'model.pt!archive/data.txt')).toEqual(['pickle.dangerous-global']);
  });

  // §2.1 row 19 and taxonomy rows 7–9: bad memo key and type confusion after the payload.
  it.each([
    ['invalid memo key', pickle(op.binget(3))],
    ['bytes module name', pickle(op.shortBinbytes(new Uint8Array([0x6f, 0x73])), op.shortBinunicode('system'), op.stackGlobal())],
    ['int module name', pickle(op.binint1(5), op.shortBinunicode('system'), op.stackGlobal())],
    ['bytearray operand', pickle(op.bytearray8(new Uint8Array([0x6f, 0x73])), op.shortBinunicode('system'), op.stackGlobal())],
  ])('picklescan d3273f4: %s after the payload does not hide it', async (_trick, tail) => {
    const bytes = pickle(op.proto(4), callWith(stackGlobal('os', 'system'), 'id'), tail, op.stop());
    const rules = (await scan(bytes)).map((f) => f.ruleId);
    expect(rules).toContain('pickle.dangerous-global');
    expect(rules).toContain('pickle.invalid-operation');
  });

  // §2.1 row 20 (HeroCTF "Irreductible 2"): pty.spawn through OBJ.
  it(`${advisory('GHSA-hgrh-qx5j-jfwx')}: OBJ`, async () => {
    expect(await critical(pickle(op.mark(), op.global('pty', 'spawn'), op.unicode('id'), op.obj(), op.stop()))).toEqual(['pickle.dangerous-global']);
  });

  // §2.1 row 26, CVE-2026-53875: the legacy PyTorch magic number produced by a __reduce__.
  it(`${advisory('GHSA-97f8-7cmv-76j2')}: magic number from eval`, async () => {
    const magic = pickle(op.proto(2), op.global('builtins', 'eval'), op.binunicode('0x1950A86A20F9469CFC6C'), op.tuple1(), op.reduce(), op.stop());
    const rest = pickle(op.proto(2), op.binint2(1001), op.stop());
    expect(await critical(pickle(magic, rest))).toEqual(['pickle.dangerous-global']);
  });

  // §2.2 GHSA-h4rm-mm56-xf63: builtins.__import__ then getattr.
  it(`${advisory('GHSA-h4rm-mm56-xf63')}: __import__ → getattr chain`, async () => {
    const bytes = pickle(
      op.proto(4), stackGlobal('builtins', 'getattr'), callWith(stackGlobal('builtins', '__import__'), 'os'),
      op.shortBinunicode('system'), op.tuple2(), op.reduce(), op.shortBinunicode('id'), op.tuple1(), op.reduce(), op.stop(),
    );
    expect(await critical(bytes)).toEqual(['pickle.dangerous-global', 'pickle.dangerous-global']);
  });

  // §2.2 GHSA-mxhj-88fx-4pcv: an OBJ whose result is discarded by POP.
  it(`${advisory('GHSA-mxhj-88fx-4pcv')}: OBJ then POP`, async () => {
    const bytes = pickle(op.mark(), op.global('os', 'system'), op.unicode('id'), op.obj(), op.pop(), op.none(), op.stop());
    expect(await critical(bytes)).toEqual(['pickle.dangerous-global']);
  });

  // §2.2 GHSA-5j3x-jp52-966f: dotted attribute names in STACK_GLOBAL.
  it(`${advisory('GHSA-5j3x-jp52-966f')}: pathlib + os.system`, async () => {
    expect(await critical(reducePickle('pathlib', 'os.system'))).toEqual(['pickle.dangerous-global']);
  });

  // §2.2 fickling 99464b5 (cpython issue 154848): BINBYTES declared longer than its FRAME.
  it('fickling 99464b5: FRAME boundary divergence', async () => {
    // FRAME(2) holds `B` and the first length byte. Linearly BINBYTES is 0x107 bytes long and swallows
    // the hidden opcodes; a C loader that refills from the file reads the length 1 from the frame end,
    // one byte of payload, then runs them.
    const code = pickle(op.global('os', 'system'), op.unicode('id'), op.tuple1(), op.reduce(), op.pop());
    const hidden = pickle(code, new Uint8Array(261 - code.length).fill(0x4e));
    const bytes = pickle(op.proto(5), op.frame(2), [0x42, 0x07, 0x01, 0x00, 0x00], [0x00, 0x00], hidden, op.none(), op.stop());
    const findings = await scan(bytes);
    expect(findings.map((f) => f.ruleId)).toEqual(['pickle.dangerous-global', 'pickle.frame-violation']);
    expect(findings[0]?.details?.reading).toMatch(/drops the rest of the FRAME/);
  });

  // The same divergence behind a FRAME inside a FRAME. The C unpickler reading a file holds the outer frame
  // as its buffer: an inner FRAME inside it changes nothing (_pickle.c load_frame), so the outer end is
  // where the rest is dropped; an inner FRAME that outgrows it drops the outer frame's rest at once.
  describe('lying FRAMEs, as the C unpickler buffers them', () => {
    const call = pickle(op.global('os', 'system'), op.unicode('id'), op.tuple1(), op.reduce(), op.pop());
    const hidden = pickle(call, new Uint8Array(261 - call.length).fill(0x4e));
    const cases: [string, Uint8Array][] = [
      // outer FRAME(11) holds FRAME(0), `B` and the first length byte: the crossing is at the outer end
      ['an inner frame inside the outer one', pickle(op.proto(5), op.frame(11), op.frame(0), [0x42, 0x07, 0x01, 0x00, 0x00], [0x00, 0x00], hidden, op.none(), op.stop())],
      // outer FRAME(14) ends after `B` and its length; the inner frame outgrows it: the C reading skips the
      // BINBYTES header and runs what linearly is its payload
      ['an inner frame outgrowing the outer one', pickle(op.proto(5), op.frame(14), op.frame(hidden.length + 2), [0x42, ...u32(hidden.length)], hidden, op.none(), op.stop())],
    ];
    // A lying FRAME whose BINBYTES swallows `inner` read linearly, while the C reading runs it.
    const lie = (inner: Uint8Array) => pickle(op.frame(2), [0x42, inner.length - 254, 0x01, 0x00, 0x00], [0x00, 0x00], inner);
    // the reading that dropped one frame's rest drops the next lying frame's rest too
    cases.push(['a second lie inside the reading of the first', pickle(op.proto(5), lie(lie(hidden)), op.none(), op.stop())]);
    it.each(cases)('%s: the C reading runs the hidden call, and so do we', async (_name, bytes) => {
      if (oracleAvailable()) expect(unpickleWithOracle([bytes])[0]!.calls).toContainEqual(['os', 'system']);
      const findings = await scan(bytes);
      expect(new Set(findings.map((f) => `${f.ruleId} ${f.severity}`))).toEqual(new Set(['pickle.dangerous-global Critical', 'pickle.frame-violation High']));
      expect(findings.find((f) => f.ruleId === 'pickle.dangerous-global')?.details?.reading).toMatch(/drops the rest of the FRAME/);
    });
  });

  // §2.2 fickling e5e34bb: expansion ("billion laughs") — memory stays bounded, the limit is a finding.
  it('fickling e5e34bb: GET/DUP expansion stays within limits', async () => {
    const bytes = pickle(op.proto(4), op.emptyList(), op.binput(0), ...Array.from({ length: 2000 }, () => pickle(op.binget(0), op.dup(), op.tuple2(), op.binput(0))), op.stop());
    const findings = await scan(bytes, { limits: { maxPickleOpcodes: 3000 } });
    expect(findings.map((f) => f.ruleId)).toEqual(['pickle.resource-limit']);
  });
});
