import { describe, expect, it } from 'vitest';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ggufAnalyzer } from '../../../../analyzers/gguf/analyzer.js';
import { GGUF_RULES as RULES } from '../../../../analyzers/gguf/rules.js';
import { TEMPLATE_RULES } from '../../../../analyzers/template/rules.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';
import { ruleIds, runAnalyzer } from '../safetensors/context.js';
import { buildGguf, sampleGguf, SAMPLE_METADATA, SAMPLE_TENSORS, str, u32, type KvValue } from '../../../support/gguf-builder.js';

const analyze = (bytes: Uint8Array) => runAnalyzer(ggufAnalyzer, new BufferSource(bytes));
const ARCH: readonly [string, KvValue] = ['general.architecture', str('llama')];
const tiny = (metadata: ReadonlyArray<readonly [string | Uint8Array, KvValue]>) => buildGguf({ metadata: [ARCH, ...metadata] }).bytes;
const withTemplate = (template: string, key = 'tokenizer.chat_template') => tiny([[key, str(template)]]);
const F32x8 = { name: 'a', dims: [8], type: 0 };

function patch(bytes: Uint8Array, at: number, values: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, at);
  return out;
}
const u64le = (v: bigint) => [...new Uint8Array(new BigUint64Array([v]).buffer)];

describe('ggufAnalyzer', () => {
  it.each([
    ['version 3, little-endian', sampleGguf().bytes],
    ['version 2', sampleGguf({ version: 2 }).bytes],
    ['version 3, big-endian', sampleGguf({ bigEndian: true }).bytes],
    ['alignment 64', sampleGguf({ metadata: [...SAMPLE_METADATA, ['general.alignment', u32(64)]], alignment: 64 }).bytes],
    ['no tensors (vocabulary only)', buildGguf({ metadata: SAMPLE_METADATA }).bytes],
  ])('should report nothing when the file is valid: %s', async (_, bytes) => {
    expect(await analyze(bytes)).toEqual([]);
  });

  it('should only note the legacy version when the file is valid GGUF v1', async () => {
    const findings = await analyze(sampleGguf({ version: 1 }).bytes);
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([[RULES.unsupportedVersion.id, 'Low']]);
  });

  const valid = sampleGguf();
  const hostile: Array<[string, Uint8Array]> = [
    [RULES.badMagic.id, patch(valid.bytes, 0, [0x47, 0x47, 0x55, 0x58])],
    [RULES.truncated.id, tiny([['x', u32(1)]]).subarray(0, 80)], // ends inside the value type of "x"
    [RULES.unsupportedVersion.id, sampleGguf({ version: 4 }).bytes],
    [RULES.unsupportedVersion.id, patch(valid.bytes, 4, [0, 0, 0, 0])],
    [RULES.countOutOfBounds.id, sampleGguf({ tensorCount: 2n ** 40n }).bytes],
    [RULES.countOutOfBounds.id, sampleGguf({ metadataCount: 2n ** 62n }).bytes],
    [RULES.lengthOutOfBounds.id, patch(valid.bytes, 24, u64le(2n ** 40n))], // first key's length
    [RULES.lengthOutOfBounds.id, tiny([['x', { type: 'raw', typeId: 9, bytes: new Uint8Array([8, 0, 0, 0, ...u64le(2n ** 50n)]) }]])],
    [RULES.lengthOutOfBounds.id, tiny([['x', { type: 'raw', typeId: 8, bytes: new Uint8Array(u64le(2n ** 31n)) }]])],
    [RULES.invalidValueType.id, tiny([['x', { type: 'raw', typeId: 13, bytes: new Uint8Array(4) }]])],
    [RULES.invalidValueType.id, tiny([['x', { type: 'raw', typeId: 9, bytes: new Uint8Array([77, 0, 0, 0, ...u64le(1n), 0]) }]])],
    [RULES.nestingTooDeep.id, tiny([['x', nest(6)]])],
    [RULES.invalidString.id, tiny([[new Uint8Array([0x67, 0xff]), u32(1)]])],
    [RULES.invalidString.id, tiny([['x', str('a\0b')]])],
    [RULES.invalidString.id, tiny([['', u32(1)]])],
    [RULES.invalidBool.id, tiny([['x', { type: 'bool', value: 2 }]])],
    [RULES.invalidBool.id, tiny([['x', { type: 'array', elementType: 'bool', values: Array.from({ length: 100 }, (_, i) => ({ type: 'bool', value: i === 70 ? 7 : 0 }) as KvValue) }]])],
    [RULES.duplicateKey.id, tiny([['general.name', str('a')], ['general.name', str('b')]])],
    [RULES.missingArchitecture.id, buildGguf({ metadata: [['general.name', str('x')]] }).bytes],
    [RULES.invalidAlignment.id, buildGguf({ metadata: [ARCH, ['general.alignment', u32(48)]], tensors: [F32x8] }).bytes],
    [RULES.invalidAlignment.id, buildGguf({ metadata: [ARCH, ['general.alignment', { type: 'u64', value: 32n }]], tensors: [F32x8] }).bytes],
    [RULES.duplicateTensor.id, buildGguf({ metadata: [ARCH], tensors: [F32x8, { ...F32x8 }] }).bytes],
    [RULES.invalidTensorInfo.id, buildGguf({ metadata: [ARCH], tensors: [{ ...F32x8, name: 'n'.repeat(64) }] }).bytes],
    [RULES.invalidTensorInfo.id, buildGguf({ metadata: [ARCH], tensors: [{ ...F32x8, dims: [1, 1, 1, 1, 8] }] }).bytes],
    [RULES.invalidTensorInfo.id, buildGguf({ metadata: [ARCH], tensors: [{ name: 'q', dims: [31], type: 2 }] }).bytes],
    [RULES.invalidTensorInfo.id, buildGguf({ metadata: [ARCH], tensors: [{ name: 'big', dims: [2n ** 62n, 4], type: 0 }], withData: false }).bytes],
    [RULES.unknownTensorType.id, buildGguf({ metadata: [ARCH], tensors: [{ ...F32x8, type: 4 }] }).bytes],
    [RULES.unknownTensorType.id, buildGguf({ metadata: [ARCH], tensors: [{ ...F32x8, type: 99 }] }).bytes],
    [RULES.misalignedTensor.id, buildGguf({ metadata: [ARCH], tensors: [F32x8, { ...F32x8, name: 'b', offset: 40n }] }).bytes],
    [RULES.tensorOutOfBounds.id, valid.bytes.subarray(0, valid.bytes.length - 100)],
    [RULES.tensorOverlap.id, buildGguf({ metadata: [ARCH], tensors: [{ ...F32x8, dims: [16] }, { ...F32x8, name: 'b', offset: 32n }] }).bytes],
    [RULES.tensorLayout.id, buildGguf({ metadata: [ARCH], tensors: [F32x8, { ...F32x8, name: 'b', offset: 64n }] }).bytes],
    [RULES.nonzeroPadding.id, patch(valid.bytes, valid.tableEnd, [0xaa])],
    [RULES.trailingData.id, withExtraData(valid.bytes, 100)],
    [RULES.trailingData.id, withExtraData(buildGguf({ metadata: [ARCH] }).bytes, 64)],
    [TEMPLATE_RULES.codeReach.id, withTemplate("{{ ''.__class__.__mro__[1].__subclasses__() }}")],
    [TEMPLATE_RULES.codeReach.id, withTemplate("{{ x | attr('popen') }}", 'tokenizer.chat_template.tool_use')],
    [TEMPLATE_RULES.sandboxEscape.id, withTemplate("{% set f = '{0.__class__}'.format %}{{ f(messages) }}")],
    [TEMPLATE_RULES.loadsTemplate.id, withTemplate("{% include '/etc/passwd' %}")],
    [TEMPLATE_RULES.unparsed.id, withTemplate('{% for m in messages %}{{ m.content }}')],
    [TEMPLATE_RULES.malformed.id, withTemplate('{% for m in messages %}{{ m.content }}')],
    [TEMPLATE_RULES.malformed.id, tiny([['tokenizer.chat_template', u32(7)]])],
  ];

  it.each(hostile)('should report %s when the file breaks that rule', async (rule, bytes) => {
    const findings = await analyze(bytes);
    expect(ruleIds(findings)).toContain(rule);
    expect(findings.find((f) => f.ruleId === rule)!.location).toBeTruthy();
  });

  it('should have a hostile fixture for every rule it declares', () => {
    const covered = new Set(hostile.map(([rule]) => rule));
    expect(ggufAnalyzer.rules.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it('should rate the CVE-2024-34359 payload Critical and name the key and attribute', async () => {
    const payload =
      "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}{{ x()._module.__builtins__['__import__']('os').popen('id').read() }}{% endif %}{% endfor %}";
    const findings = await analyze(withTemplate(payload));
    const dunder = findings.filter((f) => f.ruleId === TEMPLATE_RULES.codeReach.id);
    expect(dunder.every((f) => f.severity === 'Critical')).toBe(true);
    // The Jinja parser rejects the empty tuple `()` that Jinja2 accepts: judged by the token scanner, and said so.
    expect(dunder.map((f) => f.details?.['detail'])).toEqual(expect.arrayContaining(['.__class__', '.__subclasses__', '.__builtins__', '._module']));
    expect(dunder[0]!.location).toMatch(/^key tokenizer\.chat_template, template offset \d+$/);
    expect(ruleIds(findings)).toContain(TEMPLATE_RULES.unparsed.id);
  });

  it('should check both templates when a chat template key is duplicated', async () => {
    const bytes = tiny([
      ['tokenizer.chat_template', str('{{ messages[0].content }}')],
      ['tokenizer.chat_template', str('{{ lipsum.__globals__ }}')],
    ]);
    const findings = await analyze(bytes);
    expect(ruleIds(findings)).toEqual([RULES.duplicateKey.id, TEMPLATE_RULES.codeReach.id]);
    expect(findings.filter((f) => f.ruleId === TEMPLATE_RULES.codeReach.id).map((f) => f.details?.['detail'])).toEqual(
      expect.arrayContaining(['template global lipsum', 'dunder attribute __globals__ (.)']),
    );
  });

  it('should report the tensor by name when its offset is misaligned', async () => {
    const bytes = buildGguf({ metadata: [ARCH], tensors: [F32x8, { ...F32x8, name: 'blk.1.w', offset: 40n }] }).bytes;
    const finding = (await analyze(bytes)).find((f) => f.ruleId === RULES.misalignedTensor.id);
    expect(finding?.location).toBe('tensor blk.1.w');
  });

  it('should report nothing and record the licence and model card from the same read when a valid file goes through the scan engine', async () => {
    const engine = new ScanEngine({ analyzers: [ggufAnalyzer], limits: makeLimits(), settings: DEFAULT_SETTINGS });
    const { bytes } = buildGguf({ metadata: SAMPLE_METADATA, tensors: SAMPLE_TENSORS });
    const result = await engine.scanFile({ path: 'model.gguf', size: bytes.length }, new BufferSource(bytes));
    expect(result).toMatchObject({ findings: [], format: 'gguf' });
    expect(result.facts).toMatchObject([
      { kind: 'license', source: 'gguf', spdx: 'Apache-2.0' },
      { kind: 'model-card', source: 'gguf', name: 'Tiny Llama Test' },
    ]);
  });
});

function nest(depth: number): KvValue {
  let value: KvValue = { type: 'array', elementType: 'u8', values: [{ type: 'u8', value: 1 }] };
  for (let i = 1; i < depth; i++) value = { type: 'array', elementType: 'array', values: [value] };
  return value;
}

function withExtraData(bytes: Uint8Array, extra: number): Uint8Array {
  const out = new Uint8Array(bytes.length + extra);
  out.set(bytes);
  return out;
}
