/**
 * Property-based fuzzing of the safetensors analyzer: whatever the bytes, it terminates, throws nothing
 * but the engine's LimitExceededError, produces serialisable safetensors findings, and never asks the
 * source for more than the header limit, whatever size the file claims.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { safetensorsAnalyzer } from '../../../../analyzers/safetensors/analyzer.js';
import { BufferSource, type ByteSource } from '../../../../analyzers/source.js';
import { buildRaw, buildSafetensors, padTo8, SAMPLE_TENSORS } from '../../../support/safetensors-builder.js';
import { runAnalyzer } from './context.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';

const limits = makeLimits({ maxHeaderBytes: 1 << 20 });
const VALID = buildSafetensors(SAMPLE_TENSORS, { format: 'pt' });

async function analyzeSafely(inner: ByteSource): Promise<void> {
  const source = new CountingSource(inner);
  try {
    const findings = await runAnalyzer(safetensorsAnalyzer, source, { limits });
    expect(findings.every((f) => f.ruleId.startsWith('safetensors.'))).toBe(true);
    expect(() => JSON.stringify(findings)).not.toThrow();
  } catch (error) {
    expect(error).toBeInstanceOf(LimitExceededError);
  }
  expect(source.largestRequest).toBeLessThanOrEqual(limits.maxHeaderBytes);
}

const mutations = fc.array(fc.record({ at: fc.nat({ max: VALID.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 12 });

function mutate(bytes: Uint8Array, edits: ReadonlyArray<{ at: number; value: number }>, cut: number | null): Uint8Array {
  const out = bytes.slice(0, cut ?? bytes.length);
  for (const { at, value } of edits) if (at < out.length) out[at] = value;
  return out;
}

describe('safetensorsAnalyzer under fuzzing', () => {
  it('should stay within its contract when given arbitrary bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), (bytes) => analyzeSafely(new BufferSource(bytes))), { numRuns: 500 });
  });

  it('should stay within its contract when a valid file is mutated or truncated', async () => {
    await fc.assert(
      fc.asyncProperty(mutations, fc.option(fc.nat({ max: VALID.length })), (edits, cut) => analyzeSafely(new BufferSource(mutate(VALID, edits, cut)))),
      { numRuns: 1000 },
    );
  });

  it('should stay within its contract when the header is arbitrary JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 4 }), fc.nat({ max: 64 }), (json, data) => analyzeSafely(new BufferSource(buildRaw(padTo8(json), data)))),
      { numRuns: 500 },
    );
  });

  it('should never request more than the header limit when the file claims any size and header length', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 8, max: 2 ** 45 }), (declared, size) =>
        analyzeSafely(new VirtualFileSource(buildRaw(padTo8('{}'), 0, declared), size)),
      ),
      { numRuns: 500 },
    );
  });
});
