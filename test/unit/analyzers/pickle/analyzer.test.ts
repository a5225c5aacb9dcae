/**
 * Every technique class of model-scanners.md §2 against the fixtures written by generate.py (each
 * verified to execute with the real loader), and the benign files of the real libraries.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../../../../analyzers/finding.js';
import { DEFAULT_SETTINGS, type AnalyzerSettings } from '../../../../analyzers/settings.js';
import { atLeast, fixture, FIXTURES, scan, summary } from './helpers.js';

type Expected = ReadonlyArray<readonly [ruleId: string, severity: Severity]>;

const withPickle = (allow: string[], deny: string[]): AnalyzerSettings => ({ ...DEFAULT_SETTINGS, pickle: { allow, deny } });

const CRITICAL_GLOBAL = ['pickle.dangerous-global', 'Critical'] as const;

const MALICIOUS: ReadonlyArray<readonly [file: string, technique: string, expected: Expected]> = [
  ...[0, 1, 2, 3, 4, 5].map((p) => [`reduce_system_p${p}.pkl`, `os.system via __reduce__, protocol ${p}`, [CRITICAL_GLOBAL]] as const),
  ['dotted_builtins_exec.pkl', 'dotted name builtins + print.__self__.exec', [CRITICAL_GLOBAL]],
  ['dotted_pathlib_os_system.pkl', 'dotted name through an innocent module (pathlib + os.system)', [CRITICAL_GLOBAL]],
  ['dotted_torch_os_system.pkl', 'dotted name through an allowlisted package (torch + os.system)', [CRITICAL_GLOBAL]],
  ['dotted_allowlisted_torch_load.pkl', 'dotted component trick from an allowlisted module', [CRITICAL_GLOBAL]],
  ['compat_cpickle_loads.pkl', 'compat rename cPickle → pickle', [CRITICAL_GLOBAL]],
  ['compat_commands_getoutput.pkl', 'compat rename commands → subprocess', [CRITICAL_GLOBAL]],
  ['compat_commands_check_call.pkl', 'compat rename commands → subprocess', [CRITICAL_GLOBAL]],
  ['compat_builtin_eval_p0.pkl', 'compat rename __builtin__ → builtins, protocol 0', [CRITICAL_GLOBAL]],
  ['compat_urllib_urlopen.pkl', 'compat name mapping urllib.urlopen → urllib.request', [CRITICAL_GLOBAL]],
  ['misplaced_proto_compat.pkl', 'second PROTO switching compat renames on', [CRITICAL_GLOBAL, ['pickle.protocol-anomaly', 'Low']]],
  ['ext1_copyreg_add_extension.pkl', 'EXT1 after copyreg.add_extension', [CRITICAL_GLOBAL, ['pickle.extension-code', 'Critical']]],
  ['ext2_unregistered.pkl', 'EXT2', [['pickle.extension-code', 'Critical']]],
  ['ext4_unregistered.pkl', 'EXT4', [['pickle.extension-code', 'Critical']]],
  ['inst_str_memo_stack_global.pkl', 'INST builtins.str → memo → STACK_GLOBAL', [CRITICAL_GLOBAL]],
  ['memo_decoy_stack_global.pkl', 'names through the memo with decoy strings', [CRITICAL_GLOBAL]],
  ['dup_memoize_stack_global.pkl', 'names through MEMOIZE and DUP', [CRITICAL_GLOBAL]],
  ['string_opcode_stack_global.pkl', 'STACK_GLOBAL with protocol-0 STRING operands', [CRITICAL_GLOBAL]],
  ['binstring_stack_global.pkl', 'STACK_GLOBAL with BINSTRING operands', [CRITICAL_GLOBAL]],
  ['unicode_escape_stack_global.pkl', 'protocol-0 \\u escapes spelling os.system', [CRITICAL_GLOBAL]],
  ['long_dotted_name.pkl', 'dotted name too long to analyse', [['pickle.unresolved-global', 'Critical']]],
  ['computed_module_name.pkl', 'module name computed by a call', [['pickle.unresolved-global', 'Critical']]],
  ['getattr_chain.pkl', 'builtins.getattr(__import__(…)) chain', [CRITICAL_GLOBAL, ['pickle.dynamic-call', 'High']]],
  ['introspection_subclasses.pkl', 'dunder introspection chain', [CRITICAL_GLOBAL]],
  ['types_codetype.pkl', 'types.CodeType / FunctionType', [CRITICAL_GLOBAL]],
  ['pkgutil_resolve_name.pkl', 'pkgutil.resolve_name trampoline', [CRITICAL_GLOBAL]],
  ['multiprocessing_spawnv_passfds.pkl', 'alternative process primitive', [CRITICAL_GLOBAL]],
  ['yaml_unsafe_load.pkl', 'nested YAML deserializer', [CRITICAL_GLOBAL]],
  ['torch_load_from_bytes.pkl', 'nested torch.load', [CRITICAL_GLOBAL]],
  ['nested_pickle_loads.pkl', 'nested pickle.loads', [CRITICAL_GLOBAL]],
  ['linecache_getline.pkl', 'file read primitive (CVE-2025-46417 stage 1)', [CRITICAL_GLOBAL]],
  ['torch_collect_env_run.pkl', 'torch-internal exec gadget', [CRITICAL_GLOBAL]],
  ['obj_pop_invisible.pkl', 'OBJ whose result is popped', [CRITICAL_GLOBAL]],
  ['inst_os_system.pkl', 'INST os.system', [CRITICAL_GLOBAL]],
  ['newobj_ex_popen.pkl', 'NEWOBJ_EX subprocess.Popen', [CRITICAL_GLOBAL]],
  ['build_on_global.pkl', 'BUILD on an imported class', [['pickle.global-mutation', 'Critical']]],
  ['setitem_on_global.pkl', 'SETITEM on an imported class', [['pickle.global-mutation', 'Critical']]],
  ['unknown_class_build.pkl', 'unknown class built and set (__setstate__)', [['pickle.non-allowlisted-call', 'High']]],
  ['unknown_function_import.pkl', 'unknown function only imported', [['pickle.non-allowlisted-import', 'Medium']]],
  ['dynamic_call.pkl', 'calling a call result', [['pickle.dynamic-call', 'High']]],
  ['truncated_tail.pkl', 'payload then a truncated BINUNICODE', [CRITICAL_GLOBAL, ['pickle.malformed', 'High']]],
  ['junk_after_payload.pkl', 'payload then garbage (nullifAI)', [CRITICAL_GLOBAL, ['pickle.malformed', 'High']]],
  ['bad_memo_key_after_payload.pkl', 'payload then an invalid memo key', [CRITICAL_GLOBAL, ['pickle.invalid-operation', 'Medium']]],
  ['type_confusion_bytes_module.pkl', 'payload then bytes STACK_GLOBAL operand', [CRITICAL_GLOBAL, ['pickle.invalid-operation', 'Medium']]],
  ['type_confusion_int_module.pkl', 'payload then int STACK_GLOBAL operand', [CRITICAL_GLOBAL, ['pickle.invalid-operation', 'Medium']]],
  ['bytearray8_operand.pkl', 'payload then BYTEARRAY8 STACK_GLOBAL operand', [CRITICAL_GLOBAL, ['pickle.invalid-operation', 'Medium']]],
  ['multiple_pickles.pkl', 'payload in the second of two pickles', [CRITICAL_GLOBAL]],
  ['junk_between_pickles.pkl', 'payload pickle after junk', [CRITICAL_GLOBAL, ['pickle.trailing-data', 'Low']]],
  ['frame_lie.pkl', 'FRAME length lie (fickling vector)', [CRITICAL_GLOBAL, ['pickle.frame-violation', 'High']]],
  ['frame_inside_frame.pkl', 'FRAME inside FRAME', [CRITICAL_GLOBAL, ['pickle.frame-violation', 'High']]],
  ['legacy_torch_magic_reduce.pt', 'legacy PyTorch magic produced by __reduce__', [CRITICAL_GLOBAL]],
  ['legacy_torch_payload.pt', 'legacy stacked PyTorch file, payload in the 4th pickle', [CRITICAL_GLOBAL]],
  ['joblib_array_then_payload.joblib', 'joblib inline array before the payload', [CRITICAL_GLOBAL]],
  ['joblib_object_array_payload.joblib', 'joblib object array (nested pickle)', [CRITICAL_GLOBAL]],
  ['joblib_fake_array_hides_payload.pkl', 'opcodes hidden in bytes joblib skips', [CRITICAL_GLOBAL]],
  ['npy_object_payload.npy', '.npy object array', [CRITICAL_GLOBAL, ['npy.object-array', 'Low']]],
  ['torch_zip_payload.data.pkl', 'PyTorch zip data.pkl', [CRITICAL_GLOBAL]],
];

describe('pickle analyzer on technique fixtures', () => {
  it('should cover every malicious fixture when the generator adds one', () => {
    const files = readdirSync(join(FIXTURES, 'malicious')).sort();
    expect(MALICIOUS.map(([file]) => file).sort()).toEqual(files);
  });

  it.each(MALICIOUS)('should report %s (%s)', async (file, _technique, expected) => {
    const findings = await scan(fixture(`malicious/${file}`));
    const got = findings.map((f) => [f.ruleId, f.severity]);
    for (const want of expected) expect(got, summary(findings).join('\n')).toContainEqual([...want]);
  });

  it.each(MALICIOUS.flatMap(([file]) => [[file, 7], [file, 5000]] as const))(
    'should report the same for %s when it arrives in %i-byte chunks',
    async (file, chunkSize) => {
      const bytes = fixture(`malicious/${file}`);
      const whole = await scan(bytes);
      const chunked = await scan(bytes, { chunkSize });
      expect(summary(chunked).sort()).toEqual(summary(whole).sort());
    },
  );
});

const BENIGN = readdirSync(join(FIXTURES, 'benign')).sort();

describe('pickle analyzer on files written by torch, numpy, scikit-learn and joblib', () => {
  it('should have benign fixtures from every library', () => {
    for (const prefix of ['torch_', 'torchscript', 'sklearn_', 'numpy_', 'joblib_', 'plain_containers_'])
      expect(BENIGN.some((f) => f.startsWith(prefix))).toBe(true);
  });

  it.each(BENIGN)('should report nothing at Medium or above for %s', async (file) => {
    const findings = await scan(fixture(`benign/${file}`));
    expect(summary(atLeast(findings, 'Medium'))).toEqual([]);
  });

  it.each(BENIGN.flatMap((file) => [[file, 1000], [file, 5000]] as const))(
    'should report nothing at Medium or above for %s read in %i-byte chunks',
    async (file, chunkSize) => {
      const findings = await scan(fixture(`benign/${file}`), { chunkSize });
      expect(summary(atLeast(findings, 'Medium'))).toEqual([]);
    },
  );

  it('should report a Low note for numpy object arrays', async () => {
    const findings = await scan(fixture('benign/numpy_object_array.npy'));
    expect(findings.map((f) => f.ruleId)).toEqual(['npy.object-array']);
  });

  it('should report file path, location and details on findings', async () => {
    const [finding] = await scan(fixture('malicious/reduce_system_p4.pkl'), { path: 'models/evil.bin' });
    expect(finding).toMatchObject({
      ruleId: 'pickle.dangerous-global',
      analyzer: 'pickle',
      file: 'models/evil.bin',
      location: expect.stringMatching(/^offset \d+$/),
      details: { global: 'posix.system', invoked: true, category: 'process' },
    });
  });
});

describe('pickle analyzer settings', () => {
  it('should quiet a global the configuration allows', async () => {
    const bytes = fixture('malicious/unknown_class_build.pkl');
    const settings = withPickle(['mylib.models.Custom'], []);
    expect(await scan(bytes, { settings })).toEqual([]);
  });

  it('should make a configured deny entry Critical even for an allowlisted global', async () => {
    const settings = withPickle([], ['collections.OrderedDict']);
    const findings = await scan(fixture('benign/torch_state_dict.data.pkl'), { settings });
    expect(findings.map((f) => [f.ruleId, f.severity, f.details?.category])).toContainEqual([
      'pickle.dangerous-global',
      'Critical',
      'user-denied',
    ]);
  });

  it('should never let an allow entry override a built-in exact deny', async () => {
    const settings = withPickle(['os.system', 'posix.system'], []);
    const findings = await scan(fixture('malicious/reduce_system_p2.pkl'), { settings });
    expect(findings[0]?.severity).toBe('Critical');
  });

  it('should report the opcode limit as a finding and keep what was found before it', async () => {
    const findings = await scan(fixture('malicious/multiple_pickles.pkl'), { limits: { maxPickleOpcodes: 5 } });
    expect(findings.map((f) => f.ruleId)).toContain('pickle.resource-limit');
  });

  it.each([
    ['stack', { maxPickleStack: 4 }, /stack deeper than 4/],
    ['memo', { maxPickleMemo: 2 }, /memo larger than 2/],
  ] as const)('should report the %s limit of AnalyzerLimits as a finding', async (_name, limits, message) => {
    const findings = await scan(fixture('benign/sklearn_pipeline.pkl'), { limits });
    expect(findings.find((f) => f.ruleId === 'pickle.resource-limit')?.message).toMatch(message);
  });

  it('should report the byte limit as a finding', async () => {
    const findings = await scan(fixture('benign/sklearn_pipeline.pkl'), { limits: { maxBytesPerFile: 64 } });
    expect(findings.map((f) => f.ruleId)).toContain('pickle.resource-limit');
  });
});
