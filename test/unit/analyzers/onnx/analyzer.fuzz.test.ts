/**
 * Property-based fuzzing of the ONNX analyzer and the wire reader under it: whatever the bytes, the
 * analysis terminates, throws nothing, reports only onnx findings (or the engine's limit, content-mismatch and
 * none-of-declared-formats ones) and never asks the source for more than one window at a time, whatever
 * lengths the file claims.
 */
import fc from 'fast-check';
import { mutatedOrTruncated } from '../../../support/mutations.js';
import { describe, expect, it } from 'vitest';
import { onnxAnalyzer } from '../../../../analyzers/onnx/analyzer.js';
import { BufferSource, type ByteSource } from '../../../../analyzers/source.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';
import { concat, varint } from '../protobuf/proto-writer.js';
import { formatFixture, scanBytes } from '../protobuf/scan-file.js';
import { EXTERNAL, FLOAT, graph, graphAttribute, model, node, tensor, tensorAttribute } from './onnx-builder.js';

const MAX_REQUEST = 1024 * 1024;

const SAMPLE = model({
  graph: graph({
    nodes: [
      node({ op: 'If', attributes: [graphAttribute('then_branch', graph({ initializers: [tensor({ name: 'a', dims: [2], dataType: FLOAT, raw: 8 })] }))] }),
      node({ op: 'Constant', domain: 'custom', attributes: [tensorAttribute('value', tensor({ dims: [1], dataType: FLOAT, floats: 1 }))] }),
    ],
    initializers: [tensor({ name: 'w', dims: [2, 2], dataType: FLOAT, external: [['location', 'w.bin'], ['offset', '0'], ['length', '16']], dataLocation: EXTERNAL })],
  }),
  opsets: [['', 13], ['custom', 1]],
});

async function analyzeSafely(inner: ByteSource): Promise<void> {
  const source = new CountingSource(inner);
  const { findings } = await scanBytes('model.onnx', source, { analyzers: [onnxAnalyzer] });
  expect(findings.every((f) => f.ruleId.startsWith('onnx.') || f.ruleId === 'engine.limit-exceeded' || f.ruleId === 'engine.content-mismatch' || f.ruleId === 'engine.none-of-declared-formats')).toBe(true);
  expect(() => JSON.stringify(findings)).not.toThrow();
  expect(source.largestRequest).toBeLessThanOrEqual(MAX_REQUEST);
}

describe('onnxAnalyzer under fuzzing', () => {
  it('should stay within its contract when an ONNX head is followed by arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), (body) => analyzeSafely(new BufferSource(concat(varint(1, 8), body)))),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['a built model', SAMPLE],
    ['the onnx.save fixture', formatFixture('model.onnx')],
  ])('should stay within its contract when %s is mutated or truncated', async (_, valid) => {
    await fc.assert(
      fc.asyncProperty(mutatedOrTruncated(valid), (bytes) => analyzeSafely(new BufferSource(bytes))),
      { numRuns: 1500 },
    );
  });

  it('should never request more than a window when mutated lengths claim a huge file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: SAMPLE.length - 1 }), fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: SAMPLE.length, max: 2 ** 40 }), (at, value, size) => {
        const bytes = SAMPLE.slice();
        bytes[at] = value; // a continuation bit turns the next bytes into a longer length
        return analyzeSafely(new VirtualFileSource(bytes, size));
      }),
      { numRuns: 1000 },
    );
  });
});
