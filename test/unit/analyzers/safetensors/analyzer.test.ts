import { describe, expect, it } from 'vitest';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { safetensorsAnalyzer } from '../../../../analyzers/safetensors/analyzer.js';
import { SAFETENSORS_RULES } from '../../../../analyzers/safetensors/rules.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';
import { buildRaw, buildSafetensors, padTo8, SAMPLE_TENSORS, validHeader } from '../../../support/safetensors-builder.js';
import { ruleIds, runAnalyzer } from './context.js';

const analyze = (bytes: Uint8Array) => runAnalyzer(safetensorsAnalyzer, new BufferSource(bytes));
const tensor = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const header = (entries: Record<string, unknown>) => padTo8(JSON.stringify(entries));

describe('safetensorsAnalyzer', () => {
  it('should report nothing when the file is what the reference writer produces', async () => {
    expect(await analyze(buildSafetensors(SAMPLE_TENSORS, { format: 'pt' }))).toEqual([]);
  });

  it('should report nothing when the header has no tensors and no data', async () => {
    expect(await analyze(buildRaw(padTo8('{}')))).toEqual([]);
  });

  it('should report nothing when the header is not padded to 8 bytes', async () => {
    const { json, dataSize } = validHeader(SAMPLE_TENSORS);
    expect(await analyze(buildRaw(json, dataSize))).toEqual([]);
  });

  const U8x4 = tensor('U8', [4], [0, 4]);
  // One hostile file per rule: [rule, bytes].
  const hostile: Array<[string, Uint8Array]> = [
    [SAFETENSORS_RULES.truncated.id, new Uint8Array([1, 0, 0])],
    [SAFETENSORS_RULES.headerTooLarge.id, buildRaw('{}', 0, 100_000_001)],
    [SAFETENSORS_RULES.headerOutOfBounds.id, buildRaw('{}', 0, 4096)],
    [SAFETENSORS_RULES.invalidUtf8.id, buildRaw(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]))],
    [SAFETENSORS_RULES.invalidJson.id, buildRaw('{"a": }')],
    [SAFETENSORS_RULES.invalidJson.id, buildRaw(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))], // BOM
    [SAFETENSORS_RULES.invalidJson.id, buildRaw('{}\0\0\0\0\0\0')], // NUL padding
    [SAFETENSORS_RULES.headerNotObject.id, buildRaw('[1, 2]  ')],
    [SAFETENSORS_RULES.duplicateKey.id, buildRaw('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', 4)],
    [SAFETENSORS_RULES.duplicateKey.id, buildRaw('{"a":{"dtype":"U8","dtype":"F32","shape":[4],"data_offsets":[0,4]}}', 4)],
    [SAFETENSORS_RULES.headerPadding.id, buildRaw(`${JSON.stringify({ a: U8x4 })}\n\t`, 4)],
    [SAFETENSORS_RULES.headerPadding.id, buildRaw(`  ${JSON.stringify({ a: U8x4 })}`, 4)],
    [SAFETENSORS_RULES.invalidMetadata.id, buildRaw(header({ __metadata__: { format: 1 }, a: U8x4 }), 4)],
    [SAFETENSORS_RULES.invalidMetadata.id, buildRaw(header({ __metadata__: ['pt'], a: U8x4 }), 4)],
    [SAFETENSORS_RULES.invalidTensorInfo.id, buildRaw(header({ a: 5 }))],
    [SAFETENSORS_RULES.invalidTensorInfo.id, buildRaw(header({ a: { shape: [4], data_offsets: [0, 4] } }), 4)],
    [SAFETENSORS_RULES.invalidTensorInfo.id, buildRaw(header({ a: tensor('U8', [4], [0]) }), 4)],
    [SAFETENSORS_RULES.unexpectedField.id, buildRaw(header({ a: { ...U8x4, payload: 'x' } }), 4)],
    [SAFETENSORS_RULES.unknownDtype.id, buildRaw(header({ a: tensor('F128', [4], [0, 4]) }), 4)],
    [SAFETENSORS_RULES.invalidShape.id, buildRaw(header({ a: tensor('U8', [-4], [0, 4]) }), 4)],
    [SAFETENSORS_RULES.invalidShape.id, buildRaw(header({ a: tensor('U8', [1.5], [0, 4]) }), 4)],
    [SAFETENSORS_RULES.invalidShape.id, buildRaw('{"a":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,4]}}', 4)],
    [SAFETENSORS_RULES.invalidOffsets.id, buildRaw(header({ a: tensor('U8', [0], [4, 0]) }), 4)],
    [SAFETENSORS_RULES.sizeMismatch.id, buildRaw(header({ a: tensor('F32', [2], [0, 4]) }), 4)],
    [SAFETENSORS_RULES.sizeMismatch.id, buildRaw(header({ a: tensor('F4', [3], [0, 2]) }), 2)], // 12 bits
    [SAFETENSORS_RULES.sizeMismatch.id, buildRaw(header({ a: tensor('U8', [2 ** 40, 2 ** 40, 2 ** 40], [0, 4]) }), 4)],
    [SAFETENSORS_RULES.offsetGap.id, buildRaw(header({ a: U8x4, b: tensor('U8', [4], [8, 12]) }), 12)],
    [SAFETENSORS_RULES.offsetGap.id, buildRaw(header({ a: tensor('U8', [4], [4, 8]) }), 8)],
    [SAFETENSORS_RULES.offsetOverlap.id, buildRaw(header({ a: tensor('U8', [8], [0, 8]), b: tensor('U8', [8], [4, 12]) }), 12)],
    [SAFETENSORS_RULES.dataOutOfBounds.id, buildRaw(header({ a: tensor('U8', [16], [0, 16]) }), 8)],
    [SAFETENSORS_RULES.trailingData.id, buildRaw(header({ a: U8x4 }), 4 + 22)],
  ];

  it.each(hostile)('should report %s when the file breaks that rule', async (rule, bytes) => {
    const findings = await analyze(bytes);
    expect(ruleIds(findings)).toContain(rule);
    const finding = findings.find((f) => f.ruleId === rule)!;
    expect(finding.analyzer).toBe('safetensors');
    expect(finding.location).toBeTruthy();
  });

  it('should have a hostile fixture for every rule it declares', () => {
    const covered = new Set(hostile.map(([rule]) => rule));
    expect(safetensorsAnalyzer.rules.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it('should name the tensor when one entry is wrong', async () => {
    const findings = await analyze(buildRaw(header({ good: U8x4, 'layers.3.bad': tensor('X9', [4], [4, 8]) }), 8));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: SAFETENSORS_RULES.unknownDtype.id, location: 'tensor layers.3.bad' });
  });

  it('should rate trailing data and offset problems High and non-space padding Low', async () => {
    const trailing = await analyze(buildRaw(header({ a: U8x4 }), 5));
    expect(trailing.map((f) => [f.ruleId, f.severity])).toEqual([[SAFETENSORS_RULES.trailingData.id, 'High']]);
    const padding = await analyze(buildRaw(`${JSON.stringify({ a: U8x4 })}\n`, 4));
    expect(padding.map((f) => [f.ruleId, f.severity])).toEqual([[SAFETENSORS_RULES.headerPadding.id, 'Low']]);
  });

  it('should list twenty findings per rule and count the rest when a header repeats one mistake', async () => {
    const entries: Record<string, unknown> = {};
    for (let i = 0; i < 500; i++) entries[`t${i}`] = tensor('F128', [1], [i, i + 1]);
    const findings = await analyze(buildRaw(header(entries), 500));
    expect(findings).toHaveLength(21);
    expect(findings[20]!.details).toEqual({ suppressed: 480 });
  });

  it('should report nothing when a valid file goes through the scan engine', async () => {
    const engine = new ScanEngine({ analyzers: [safetensorsAnalyzer], limits: makeLimits(), settings: DEFAULT_SETTINGS });
    const bytes = buildSafetensors(SAMPLE_TENSORS);
    const result = await engine.scanFile({ path: 'model.safetensors', size: bytes.length }, new BufferSource(bytes));
    expect(result).toEqual({ findings: [], format: 'safetensors', facts: [] });
  });

  it('should report the analyzer finding when a hostile file goes through the scan engine', async () => {
    const engine = new ScanEngine({ analyzers: [safetensorsAnalyzer], limits: makeLimits(), settings: DEFAULT_SETTINGS });
    const bytes = buildRaw(header({ a: U8x4 }), 4 + 100);
    const result = await engine.scanFile({ path: 'model.safetensors', size: bytes.length }, new BufferSource(bytes));
    expect(ruleIds(result.findings)).toEqual([SAFETENSORS_RULES.trailingData.id]);
  });
});
