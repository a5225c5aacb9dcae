import { describe, expect, it } from 'vitest';
import { PickleDecoder } from '../../../../analyzers/pickle/decoder.js';
import { PickleInterpreter, type InterpreterHost, type InterpreterLimits } from '../../../../analyzers/pickle/interpreter.js';
import { Observations } from '../../../../analyzers/pickle/observations.js';
import { policyFor } from '../../../../analyzers/pickle/policy.js';
import { Memo, PickleStack } from '../../../../analyzers/pickle/vm-state.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { callWith, op, pickle, stackGlobal } from './builder.js';
import { scan } from './helpers.js';

const rules = async (bytes: Uint8Array): Promise<string[]> =>
  (await scan(bytes)).map((f) => `${f.ruleId} ${f.severity}`);

describe('symbolic interpreter through the analyzer', () => {
  it.each([
    ['GET (protocol 0 text key)', pickle(op.proto(4), op.shortBinunicode('os'), op.put(7), op.pop(), op.get(7), op.shortBinunicode('system'), op.stackGlobal(), op.stop())],
    ['LONG_BINPUT / LONG_BINGET', pickle(op.proto(4), op.shortBinunicode('os'), op.longBinput(70000), op.pop(), op.longBinget(70000), op.shortBinunicode('system'), op.stackGlobal(), op.stop())],
    ['DUP', pickle(op.proto(4), op.shortBinunicode('os'), op.dup(), op.pop(), op.shortBinunicode('system'), op.stackGlobal(), op.stop())],
    ['BINUNICODE8', pickle(op.proto(4), op.binunicode8('os'), op.binunicode8('system'), op.stackGlobal(), op.stop())],
    ['builtins.str() of a name', pickle(op.proto(4), callWith(stackGlobal('builtins', 'str'), 'os'), op.shortBinunicode('system'), op.stackGlobal(), op.stop())],
    ['a name memoized inside a MARK frame', pickle(op.proto(4), op.mark(), op.shortBinunicode('os'), op.memoize(), op.popMark(), op.binget(0), op.shortBinunicode('system'), op.stackGlobal(), op.stop())],
  ])('should resolve a global whose name comes through %s', async (_how, bytes) => {
    expect(await rules(bytes)).toContain('pickle.dangerous-global Critical');
  });

  // The loader raises at each of these. Before any import or call nothing ran: at most Low (issue 17);
  // after one, the rejected operation is reported (an earlier version reported it in both cases).
  const REJECTED: ReadonlyArray<readonly [string, Uint8Array]> = [
    ['STOP on an empty stack', pickle(op.stop())],
    ['NEXT_BUFFER without buffers', pickle(op.proto(5), op.nextBuffer(), op.stop())],
    ['EXT1 code 0', pickle(op.proto(2), op.ext1(0), op.stop())],
    ['an unsupported protocol', pickle(op.proto(6), op.none(), op.stop())],
    ['OBJ without a class', pickle(op.mark(), op.obj(), op.stop())],
    ['calling a str', pickle(op.proto(4), op.shortBinunicode('x'), op.emptyTuple(), op.reduce(), op.stop())],
    ['a TUPLE without MARK', pickle(op.none(), op.tuple(), op.stop())],
    ['popping below a MARK', pickle(op.none(), op.mark(), op.tuple1(), op.stop())],
    ['an unparsable INT', pickle(op.int('x1'), op.stop())],
    ['a negative PUT key', pickle(op.none(), op.put(-1), op.stop())],
    ['a STRING without quotes', pickle(op.string('os'), op.stop())],
  ];
  it.each(REJECTED)('should report %s, before anything is imported, as Low at most', async (_what, bytes) => {
    expect((await rules(bytes)).filter((rule) => !rule.endsWith(' Low'))).toEqual([]);
  });

  const importFirst = (bytes: Uint8Array): Uint8Array =>
    Uint8Array.from([...pickle(op.global('collections', 'OrderedDict'), op.pop()), ...bytes]);
  it.each(REJECTED)('should report %s after an import as an invalid operation', async (_what, bytes) => {
    expect(await rules(importFirst(bytes))).toContain('pickle.invalid-operation Medium');
  });

  it('should pop the MARK when POP finds an empty frame, as CPython does', async () => {
    expect(await rules(pickle(op.none(), op.mark(), op.pop(), op.stop()))).toEqual([]);
  });

  it.each([
    ['copyreg._reconstructor', pickle(op.proto(2), op.global('copy_reg', '_reconstructor'), op.global('mylib', 'Thing'), op.global('__builtin__', 'object'), op.none(), op.tuple3(), op.reduce(), op.stop())],
    ['copyreg.__newobj__', pickle(op.proto(4), stackGlobal('copyreg', '__newobj__'), stackGlobal('mylib', 'Thing'), op.tuple1(), op.reduce(), op.stop())],
    ['sklearn newObj', pickle(op.proto(4), stackGlobal('sklearn.neighbors._kd_tree', 'newObj'), stackGlobal('mylib', 'Thing'), op.tuple1(), op.reduce(), op.stop())],
  ])('should judge the class a constructor trampoline (%s) builds as invoked', async (_via, bytes) => {
    const findings = await scan(bytes);
    expect(findings.map((f) => [f.ruleId, f.details?.global])).toEqual([['pickle.non-allowlisted-call', 'mylib.Thing']]);
  });

  it('should treat the class in a legacy PyTorch module persistent id as what NEWOBJ builds', async () => {
    const pid = (module: string, name: string): Uint8Array =>
      pickle(op.mark(), op.binunicode('module'), op.global(module, name), op.binunicode('file.py'), op.binunicode('source'), op.tuple(), op.binpersid());
    const allowed = pickle(op.proto(2), pid('torch.nn.modules.linear', 'Linear'), op.emptyTuple(), op.newobj(), op.stop());
    const unknown = pickle(op.proto(2), pid('mylib', 'Net'), op.emptyTuple(), op.newobj(), op.stop());
    expect(await rules(allowed)).toEqual([]);
    expect(await rules(unknown)).toEqual(['pickle.non-allowlisted-call High']);
  });

  it('should report calling a persistent object as a dynamic call', async () => {
    expect(await rules(pickle(op.persid('x'), op.emptyTuple(), op.reduce(), op.stop()))).toEqual(['pickle.dynamic-call High']);
  });

  it.each([
    ['APPEND', pickle(op.proto(4), stackGlobal('collections', 'OrderedDict'), op.none(), op.append(), op.stop())],
    ['APPENDS', pickle(op.proto(4), stackGlobal('collections', 'OrderedDict'), op.mark(), op.none(), op.appends(), op.stop())],
    ['SETITEMS', pickle(op.proto(4), stackGlobal('collections', 'OrderedDict'), op.mark(), op.none(), op.none(), op.setitems(), op.stop())],
    ['ADDITEMS', pickle(op.proto(4), stackGlobal('collections', 'OrderedDict'), op.mark(), op.none(), op.additems(), op.stop())],
    ['BUILD on an extension object', pickle(op.proto(2), op.ext1(5), op.emptyDict(), op.build(), op.stop())],
  ])('should report %s on an imported object as a mutation', async (_what, bytes) => {
    expect(await rules(bytes)).toContain('pickle.global-mutation Critical');
  });

  it('should not report a container update on an instance', async () => {
    const bytes = pickle(op.proto(4), stackGlobal('collections', 'OrderedDict'), op.emptyTuple(), op.reduce(), op.shortBinunicode('k'), op.none(), op.setitem(), op.stop());
    expect(await rules(bytes)).toEqual([]);
  });

  it('should note an opcode newer than the protocol the pickle declares', async () => {
    // SHORT_BINUNICODE and STACK_GLOBAL are protocol 4; EMPTY_SET too, in a pickle with no PROTO at all.
    expect(await rules(pickle(op.proto(2), stackGlobal('collections', 'OrderedDict'), op.stop()))).toEqual([
      'pickle.protocol-anomaly Low',
      'pickle.protocol-anomaly Low',
    ]);
    expect(await rules(pickle(op.emptySet(), op.stop()))).toEqual(['pickle.protocol-anomaly Low']);
  });

  it('should follow every container opcode without findings', async () => {
    const bytes = pickle(
      op.proto(4),
      op.mark(), op.int('1'), op.long('2L'), op.float('3.5'), op.string("'s'"), op.unicode('u'), op.list(),
      op.mark(), op.unicode('k'), op.newTrue(), op.dict(), op.emptySet(), op.mark(), op.int('01'), op.additems(),
      op.mark(), op.none(), op.frozenset(), op.tuple3(), op.stop(),
    );
    expect(await rules(bytes)).toEqual([]);
  });
});

describe('interpreter limits and state', () => {
  const run = (bytes: Uint8Array, limits: InterpreterLimits): { obs: Observations; interpreter: PickleInterpreter; aborted: boolean } => {
    const obs = new Observations(policyFor(DEFAULT_SETTINGS.pickle));
    let aborted = false;
    const host: InterpreterHost = { pickleEnd: () => undefined, inlineArray: () => undefined, abort: () => (aborted = true), rejected: () => undefined };
    const interpreter = new PickleInterpreter(obs, limits, host, { reportInvalid: true });
    const decoder = new PickleDecoder({ opcode: (o) => interpreter.opcode(o), frameViolation: () => undefined, failure: () => undefined });
    decoder.push(bytes);
    return { obs, interpreter, aborted };
  };
  const many = (part: number[] | Uint8Array, n: number): Uint8Array => pickle(...Array.from({ length: n }, () => part));
  const roomy = { maxOpcodes: 1e6, maxStack: 1e6, maxMemo: 1e6 };

  it.each([
    ['opcodes', { ...roomy, maxOpcodes: 10 }, many(op.none(), 20)],
    ['stack depth', { ...roomy, maxStack: 10 }, many(op.none(), 20)],
    ['memo size', { ...roomy, maxMemo: 10 }, pickle(op.none(), many(op.memoize(), 20))],
  ])('should turn the %s limit into a resource-limit observation', (_limit, limits, bytes) => {
    const { obs, aborted } = run(bytes, limits);
    expect(aborted).toBe(true);
    expect([...obs.events.values()].map((e) => e.kind)).toContain('resource-limit');
  });

  it('should keep the stack flat across APPENDS batches', () => {
    const batch = pickle(op.mark(), many(op.binfloat(), 1000), op.appends());
    const { interpreter } = run(pickle(op.proto(4), op.emptyList(), many(batch, 50)), roomy);
    expect(interpreter.stackDepth).toBe(1);
  });

  it('should keep one memo entry per key however often it is rewritten', () => {
    const { interpreter } = run(pickle(op.none(), many(op.binput(3), 5000)), roomy);
    expect(interpreter.memoSize).toBe(1);
  });

  it('should layer a forked memo over its parent without writing back', () => {
    const parent = new Memo();
    parent.set(1, 'a');
    const child = new Memo(parent);
    child.set(2, 'b');
    child.set(1, 'c');
    expect([child.get(1), child.get(2), child.size]).toEqual(['c', 'b', 3]);
    expect([parent.get(1), parent.get(2), parent.size]).toEqual(['a', undefined, 1]);
  });

  it('should copy a stack and its MARKs independently of the original', () => {
    const stack = new PickleStack();
    stack.push(1);
    stack.mark();
    const copy = stack.copy();
    copy.push(2);
    stack.truncate(0);
    expect([stack.length, copy.length, copy.at(0), copy.peek(), copy.fence]).toEqual([0, 2, 1, 2, 1]);
  });

  it('should not let pops reach below the last MARK', () => {
    const stack = new PickleStack();
    stack.push(1);
    stack.mark();
    expect([stack.pop(), stack.peek(), stack.discard(), stack.pop(), stack.popMark()]).toEqual([undefined, undefined, true, 1, undefined]);
  });
});
