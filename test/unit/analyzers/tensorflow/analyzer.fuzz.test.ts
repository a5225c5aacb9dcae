/**
 * Property-based fuzzing of the SavedModel analyzer: mutated and truncated SavedModels never crash it,
 * it reports only tensorflow and keras findings (or the engine's limit and mismatch ones), and it never
 * asks the source for more than one window at a time.
 */
import fc from 'fast-check';
import { mutatedOrTruncated } from '../../../support/mutations.js';
import { describe, expect, it } from 'vitest';
import { tensorflowAnalyzer } from '../../../../analyzers/tensorflow/analyzer.js';
import { BufferSource, type ByteSource } from '../../../../analyzers/source.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';
import { scanBytes } from '../protobuf/scan-file.js';
import { bytes, concat } from '../protobuf/proto-writer.js';
import { DENSE_METADATA, kerasMetadataFile, nodeDef, tf2SavedModel } from './saved-model-builder.js';

const SAMPLE = tf2SavedModel({ functions: [{ name: 'f', nodes: [{ name: 'p', op: 'PrintV2', strings: { output_stream: 'file:///x' } }, { name: 'r', op: 'ReadFile' }] }] });
const KERAS_METADATA = kerasMetadataFile([
  { path: 'root', identifier: '_tf_keras_sequential', json: '{"class_name": "Sequential", "config": {"layers": []}}' },
  { path: 'root.layer-1', identifier: '_tf_keras_layer', json: DENSE_METADATA },
]);
const FROZEN_GRAPH = concat(...[{ name: 'input', op: 'Placeholder' }, { name: 'read', op: 'ReadFile' }, { name: 'out', op: 'Relu' }].map((n) => bytes(1, nodeDef(n))));
const ALLOWED = /^(tensorflow|keras)\.|^engine\.(limit-exceeded|content-mismatch)$/;

async function analyzeSafely(inner: ByteSource): Promise<void> {
  const source = new CountingSource(inner);
  const { findings } = await scanBytes('saved_model.pb', source, { analyzers: [tensorflowAnalyzer] });
  expect(findings.every((f) => ALLOWED.test(f.ruleId))).toBe(true);
  expect(() => JSON.stringify(findings)).not.toThrow();
  expect(source.largestRequest).toBeLessThanOrEqual(1024 * 1024);
}

describe('tensorflowAnalyzer under fuzzing', () => {
  it.each([
    ['a SavedModel', SAMPLE],
    ['a keras_metadata.pb', KERAS_METADATA],
    ['a frozen graph', FROZEN_GRAPH],
  ])('should stay within its contract when %s is mutated or truncated', async (_, sample) => {
    await fc.assert(
      fc.asyncProperty(mutatedOrTruncated(sample), (bytes) => analyzeSafely(new BufferSource(bytes))),
      { numRuns: 1500 },
    );
  });

  it('should never request more than a window when mutated lengths claim a huge file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: SAMPLE.length - 1 }), fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: SAMPLE.length, max: 2 ** 40 }), (at, value, size) => {
        const bytes = SAMPLE.slice();
        bytes[at] = value;
        return analyzeSafely(new VirtualFileSource(bytes, size));
      }),
      { numRuns: 1000 },
    );
  });
});
