import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { safetensorsAnalyzer } from '../../../../analyzers/safetensors/analyzer.js';
import { FindingBudget } from '../../../../analyzers/finding-budget.js';
import { HEADER_CHUNK_BYTES, readSafetensorsHeader } from '../../../../analyzers/safetensors/header.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { SNIFF_BYTES } from '../../../../analyzers/sniff.js';
import { buildGguf, SAMPLE_METADATA, SAMPLE_TENSORS as GGUF_TENSORS } from '../../../support/gguf-builder.js';
import { SAFETENSORS_RULES } from '../../../../analyzers/safetensors/rules.js';
import { BufferSource, ForwardSource } from '../../../../analyzers/source.js';
import { buildRaw, buildSafetensors, padTo8, SAMPLE_TENSORS } from '../../../support/safetensors-builder.js';
import { ruleIds, runAnalyzer } from './context.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';

const GB = 1024 ** 3;

/** A header describing `count` F16 tensors that together fill exactly `dataSize` bytes. */
function headerFilling(dataSize: number, count: number): string {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const each = Math.floor(dataSize / count / 2) * 2;
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const bytes = i === count - 1 ? dataSize - offset : each;
    header[`model.layers.${i}.weight`] = { dtype: 'F16', shape: [bytes / 2], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  return padTo8(JSON.stringify(header));
}

describe('readSafetensorsHeader', () => {
  it('should read two small ranges and no tensor data when the file claims 10 GB of tensors', async () => {
    const size = 10 * GB;
    // The header length depends on the offsets it contains; settle it with a second pass.
    let json = headerFilling(size - 8 - 4096, 300);
    json = headerFilling(size - 8 - new TextEncoder().encode(json).length, 300);
    const source = new CountingSource(new VirtualFileSource(buildRaw(json), size));
    const findings = await runAnalyzer(safetensorsAnalyzer, source);
    expect(findings).toEqual([]);
    expect(source.reads).toBe(2);
    expect(source.bytesRead).toBeLessThan(64 * 1024);
    expect(source.largestRequest).toBe(json.length);
  });

  it('should report trailing bytes of a 10 GB file without reading them', async () => {
    const json = padTo8(JSON.stringify({ a: { dtype: 'U8', shape: [16], data_offsets: [0, 16] } }));
    const source = new CountingSource(new VirtualFileSource(buildRaw(json), 10 * GB));
    expect(ruleIds(await runAnalyzer(safetensorsAnalyzer, source))).toEqual([SAFETENSORS_RULES.trailingData.id]);
    expect(source.bytesRead).toBe(8 + json.length);
  });

  it('should not request the header when its length is beyond the file', async () => {
    const source = new CountingSource(new BufferSource(buildRaw('{}', 0, 50_000_000)));
    const budget = new FindingBudget('m');
    expect(await readSafetensorsHeader(source, makeLimits(), budget)).toBeUndefined();
    expect(source.largestRequest).toBe(8);
    expect(budget.findings().map((f) => f.ruleId)).toEqual([SAFETENSORS_RULES.headerOutOfBounds.id]);
  });

  it('should throw LimitExceededError when a legal header is above the configured limit', async () => {
    const bytes = buildSafetensors(SAMPLE_TENSORS);
    const source = new CountingSource(new BufferSource(bytes));
    await expect(readSafetensorsHeader(source, makeLimits({ maxHeaderBytes: 64 }), new FindingBudget('m'))).rejects.toBeInstanceOf(LimitExceededError);
    expect(source.largestRequest).toBe(8);
  });

  it.each([
    ['small', 300],
    ['streamed', 60_000],
  ])('should fetch a %s header once for every analyzer, the licence metadata included', async (_, count) => {
    const json = padTo8(headerFilling(1 << 20, count).trimEnd().replace('"format":"pt"', '"format":"pt","license":"mit"'));
    const bytes = buildRaw(json, 1 << 20);
    expect(json.length > HEADER_CHUNK_BYTES).toBe(count > 1000);
    const source = new CountingSource(new BufferSource(bytes));
    const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: makeLimits(), settings: DEFAULT_SETTINGS });
    const result = await engine.scanFile({ path: 'model.safetensors', size: bytes.length }, source);
    expect(result.findings).toEqual([]);
    expect(result.facts).toMatchObject([{ kind: 'license', source: 'safetensors', spdx: 'MIT' }]);
    // The sniffed head, the length prefix, the header: nothing twice.
    expect(source.bytesRead).toBe(SNIFF_BYTES + 8 + json.length);
  });

  it('should validate a header larger than one read when the file comes from a compressed layer', async () => {
    const json = headerFilling(1 << 20, 60_000).replace('"shape":[8]', '"shape":[7]');
    expect(json.length).toBeGreaterThan(HEADER_CHUNK_BYTES);
    const bytes = buildRaw(json, (1 << 20) + 3);
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 1 << 16) yield bytes.subarray(at, at + (1 << 16));
    }
    const findings = await runAnalyzer(safetensorsAnalyzer, new ForwardSource(chunks()));
    expect(ruleIds(findings)).toEqual([SAFETENSORS_RULES.sizeMismatch.id, SAFETENSORS_RULES.trailingData.id]);
  });

  it('should parse a GGUF header once for the format and licence analyses', async () => {
    const { bytes } = buildGguf({ metadata: SAMPLE_METADATA, tensors: GGUF_TENSORS });
    const source = new CountingSource(new BufferSource(bytes));
    const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: makeLimits(), settings: DEFAULT_SETTINGS });
    const result = await engine.scanFile({ path: 'model.gguf', size: bytes.length }, source);
    expect(result.facts.map((f) => f.kind)).toEqual(['license', 'model-card']);
    expect(source.reads).toBe(2); // the sniffed head, then the header window
  });

  it('should measure a stream of unknown size to check coverage when the file comes from a compressed layer', async () => {
    const bytes = buildRaw(padTo8(JSON.stringify({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } })), 4 + 3);
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 5) yield bytes.subarray(at, at + 5);
    }
    const findings = await runAnalyzer(safetensorsAnalyzer, new ForwardSource(chunks()));
    expect(ruleIds(findings)).toEqual([SAFETENSORS_RULES.trailingData.id]);
  });

  it('should report a truncated header when a stream of unknown size ends inside it', async () => {
    const bytes = buildSafetensors(SAMPLE_TENSORS).subarray(0, 40);
    async function* chunks() {
      yield bytes;
    }
    const findings = await runAnalyzer(safetensorsAnalyzer, new ForwardSource(chunks()));
    expect(ruleIds(findings)).toEqual([SAFETENSORS_RULES.headerOutOfBounds.id]);
  });
});
