/**
 * Property-based fuzzing of the GGUF analyzer: whatever the bytes, it terminates, throws nothing but
 * the engine's LimitExceededError, produces serialisable gguf findings, and never asks the source for
 * more than the header limit, whatever counts, lengths or size the file claims.
 */
import fc from 'fast-check';
import { mutatedOrTruncated } from '../../../support/mutations.js';
import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { ggufAnalyzer } from '../../../../analyzers/gguf/analyzer.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { BufferSource, type ByteSource } from '../../../../analyzers/source.js';
import { runAnalyzer } from '../safetensors/context.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';
import { buildGguf, str, type KvValue } from '../../../support/gguf-builder.js';

const limits = makeLimits({ maxHeaderBytes: 1 << 20, maxMembers: 10_000 });

const SMALL = buildGguf({
  metadata: [
    ['general.architecture', str('llama')],
    ['general.alignment', { type: 'u32', value: 32 }],
    ['general.tags', { type: 'array', elementType: 'string', values: [str('a'), str('b')] }],
    ['flags', { type: 'array', elementType: 'bool', values: [{ type: 'bool', value: true }] }],
    ['nested', { type: 'array', elementType: 'array', values: [{ type: 'array', elementType: 'u16', values: [{ type: 'u16', value: 7 }] }] }],
    ['tokenizer.chat_template', str("{% for m in messages %}{{ m['content'] }}{% endfor %}")],
  ] as ReadonlyArray<readonly [string, KvValue]>,
  tensors: [
    { name: 'a', dims: [8, 2], type: 0 },
    { name: 'b', dims: [32], type: 8 },
    { name: 'c', dims: [4], type: 30 },
  ],
}).bytes;

async function analyzeSafely(inner: ByteSource): Promise<void> {
  const source = new CountingSource(inner);
  try {
    const findings = await runAnalyzer(ggufAnalyzer, source, { limits });
    expect(findings.every((f) => f.ruleId.startsWith('gguf.') || f.ruleId.startsWith('template.'))).toBe(true);
    expect(() => JSON.stringify(findings)).not.toThrow();
  } catch (error) {
    expect(error).toBeInstanceOf(LimitExceededError);
  }
  expect(source.largestRequest).toBeLessThanOrEqual(limits.maxHeaderBytes);
}

const header = (version: number) => new Uint8Array([0x47, 0x47, 0x55, 0x46, version, 0, 0, 0]);
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe('ggufAnalyzer under fuzzing', () => {
  it('should stay within its contract when a GGUF magic and version are followed by arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.uint8Array({ maxLength: 512 }), (version, body) => analyzeSafely(new BufferSource(concat(header(version), body)))),
      { numRuns: 1000 },
    );
  });

  it('should stay within its contract when a valid file is mutated or truncated', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedOrTruncated(SMALL), (bytes) => analyzeSafely(new BufferSource(bytes))),
      { numRuns: 2000 },
    );
  });

  it('should never request more than the header limit when a mutated header claims a huge file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 200 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: SMALL.length, max: 2 ** 45 }), (at, value, size) => {
        const bytes = SMALL.slice();
        new DataView(bytes.buffer).setBigUint64(Math.min(at, bytes.length - 8), value, true);
        return analyzeSafely(new VirtualFileSource(bytes, size));
      }),
      { numRuns: 1000 },
    );
  });
});
