import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { ggufAnalyzer } from '../../../../analyzers/gguf/analyzer.js';
import { parseGguf } from '../../../../analyzers/gguf/parse.js';
import { GGUF_RULES as RULES } from '../../../../analyzers/gguf/rules.js';
import { readGgufSummary, summarizeGguf } from '../../../../analyzers/gguf/summary.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { FindingBudget } from '../../../../analyzers/finding-budget.js';
import { BufferSource, ForwardSource } from '../../../../analyzers/source.js';
import { ruleIds, runAnalyzer } from '../safetensors/context.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';
import { buildGguf, sampleGguf, SAMPLE_METADATA, str, type KvValue } from '../../../support/gguf-builder.js';

const GB = 1024 ** 3;
const ARCH: readonly [string, KvValue] = ['general.architecture', str('llama')];

async function parse(bytes: Uint8Array) {
  const budget = new FindingBudget('m');
  const file = await parseGguf(new BufferSource(bytes), makeLimits(), budget);
  return { file, findings: budget.findings() };
}

describe('parseGguf', () => {
  it('should read every metadata value type when the file uses them all', async () => {
    const { file, findings } = await parse(sampleGguf().bytes);
    expect(findings).toEqual([]);
    const value = (key: string) => file.metadata.find((kv) => kv.key === key)?.value;
    expect(value('test.u8')).toBe(255);
    expect(value('test.i8')).toBe(-1);
    expect(value('test.u16')).toBe(65535);
    expect(value('test.i16')).toBe(-2);
    expect(value('test.i32')).toBe(-3);
    expect(value('test.u64')).toBe(2n ** 63n);
    expect(value('test.i64')).toBe(-4n);
    expect(value('test.f64')).toBe(0.5);
    expect(value('test.bool')).toBe(true);
    expect(value('llama.rope.freq_base')).toBe(10000);
    expect(value('general.tags')).toEqual({ elementType: 8, length: 2, values: ['text-generation', 'test'] });
    expect(value('tokenizer.ggml.tokens')).toEqual({ elementType: 8, length: 300 });
    expect(value('test.nested')).toEqual({ elementType: 9, length: 1 });
    expect(file.tensors.map((t) => [t.name, t.bytes])).toEqual([
      ['token_embd.weight', 2048n],
      ['blk.0.attn_q.weight', 288n],
      ['blk.0.ffn.weight', 54n],
      ['output_norm.weight', 16n],
    ]);
  });

  it('should read the same content when the file is big-endian', async () => {
    const little = await parse(sampleGguf().bytes);
    const big = await parse(sampleGguf({ bigEndian: true }).bytes);
    expect(big.file.littleEndian).toBe(false);
    expect(big.file.metadata).toEqual(little.file.metadata);
    expect(big.file.tensors).toEqual(little.file.tensors);
  });

  it('should read the header of a 10 GB file with one small read and no tensor data', async () => {
    const tensors = Array.from({ length: 160 }, (_, i) => ({ name: `blk.${i}.ffn_up.weight`, dims: [8192, 4096], type: 1 }));
    const built = buildGguf({ metadata: SAMPLE_METADATA, tensors, withData: false });
    expect(built.fileSize).toBeGreaterThan(10n * BigInt(GB));
    const source = new CountingSource(new VirtualFileSource(built.bytes, Number(built.fileSize)));
    expect(await runAnalyzer(ggufAnalyzer, source)).toEqual([]);
    expect(source.bytesRead).toBeLessThan(64 * 1024);
    expect(source.reads).toBe(1);
  });

  it('should read a large vocabulary in a few growing windows when the metadata is megabytes long', async () => {
    const tokens: KvValue = { type: 'array', elementType: 'string', values: Array.from({ length: 200_000 }, (_, i) => str(`token-${i}`)) };
    const built = buildGguf({ metadata: [ARCH, ['tokenizer.ggml.tokens', tokens]] });
    const source = new CountingSource(new BufferSource(built.bytes));
    expect(await runAnalyzer(ggufAnalyzer, source)).toEqual([]);
    expect(built.bytes.length).toBeGreaterThan(3_000_000);
    expect(source.reads).toBeLessThanOrEqual(10);
    expect(source.largestRequest).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it('should measure a stream of unknown size to find trailing data when the file comes from a compressed layer', async () => {
    const { bytes } = sampleGguf();
    const padded = new Uint8Array(bytes.length + 4096);
    padded.set(bytes);
    async function* chunks() {
      for (let at = 0; at < padded.length; at += 1000) yield padded.subarray(at, at + 1000);
    }
    expect(ruleIds(await runAnalyzer(ggufAnalyzer, new ForwardSource(chunks())))).toEqual([RULES.trailingData.id]);
  });

  it.each([
    ['the header is larger than maxHeaderBytes', makeLimits({ maxHeaderBytes: 4096 })],
    ['there are more tensors than maxMembers', makeLimits({ maxMembers: 2 })],
  ])('should throw LimitExceededError when %s', async (_, limits) => {
    await expect(parseGguf(new BufferSource(sampleGguf().bytes), limits, new FindingBudget('m'))).rejects.toBeInstanceOf(LimitExceededError);
  });

  it('should return what it read and mark the file incomplete when parsing stops early', async () => {
    const bytes = buildGguf({ metadata: [ARCH, ['general.name', str('kept')], ['x', { type: 'raw', typeId: 42, bytes: new Uint8Array(0) }], ['after', str('lost')]] }).bytes;
    const { file, findings } = await parse(bytes);
    expect(file.complete).toBe(false);
    expect(file.metadata.map((kv) => kv.key)).toEqual(['general.architecture', 'general.name']);
    expect(findings.map((f) => f.ruleId)).toEqual([RULES.invalidValueType.id]);
  });
});

describe('summarizeGguf', () => {
  it('should extract identity, licence and quantization when the file declares them', async () => {
    const summary = summarizeGguf((await parse(sampleGguf().bytes)).file);
    expect(summary).toEqual({
      version: 3,
      littleEndian: true,
      name: 'Tiny Llama Test',
      architecture: 'llama',
      license: 'apache-2.0',
      licenseLink: 'https://www.apache.org/licenses/LICENSE-2.0',
      licenseFields: { 'general.license': 'apache-2.0', 'general.license.link': 'https://www.apache.org/licenses/LICENSE-2.0' },
      baseModels: [{ name: 'Llama 3', organization: 'Meta' }],
      fileType: 15,
      fileTypeName: 'MOSTLY_Q4_K_M',
      quantizationVersion: 2,
      parameterCount: 512 + 512 + 96 + 8,
      tensorTypes: { F32: 1, Q4_K: 1, Q4_0: 1, F16: 1 },
      chatTemplateKeys: ['tokenizer.chat_template'],
      complete: true,
    });
  });

  it('should keep the first value when a key is duplicated', async () => {
    const bytes = buildGguf({ metadata: [ARCH, ['general.license', str('mit')], ['general.license', str('other')]] }).bytes;
    expect((await readGgufSummary(new BufferSource(bytes), makeLimits())).license).toBe('mit');
  });

  it('should not trust base_model.count beyond the keys present when the count is forged', async () => {
    const bytes = buildGguf({ metadata: [ARCH, ['general.base_model.count', { type: 'u64', value: 2n ** 60n }], ['general.base_model.0.name', str('b')]] }).bytes;
    expect((await readGgufSummary(new BufferSource(bytes), makeLimits())).baseModels).toEqual([{ name: 'b' }]);
  });
});
