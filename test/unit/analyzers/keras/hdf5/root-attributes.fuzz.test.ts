/**
 * Property-based fuzzing of the HDF5 root-attribute reader behind the Keras analyzer: mutated and
 * truncated h5py files (attributes in the object header and in dense storage) never crash it, it reports only keras findings (or the engine's limit and
 * mismatch ones), and no single read exceeds the cap, whatever sizes and addresses the file claims.
 */
import fc from 'fast-check';
import { mutatedOrTruncated } from '../../../../support/mutations.js';
import { describe, expect, it } from 'vitest';
import { kerasAnalyzer } from '../../../../../analyzers/keras/analyzer.js';
import { BufferSource, type ByteSource } from '../../../../../analyzers/source.js';
import { CountingSource, VirtualFileSource } from '../../../../support/sources.js';
import { formatFixture, scanBytes } from '../../protobuf/scan-file.js';

const MAX_READ = 256 * 1024;
const ALLOWED = /^keras\.|^engine\.(limit-exceeded|content-mismatch|none-of-declared-formats)$/;

async function analyzeSafely(inner: ByteSource): Promise<void> {
  const source = new CountingSource(inner);
  const { findings } = await scanBytes('model.h5', source, { analyzers: [kerasAnalyzer], limits: { maxHeaderBytes: MAX_READ } });
  expect(findings.every((f) => ALLOWED.test(f.ruleId))).toBe(true);
  expect(() => JSON.stringify(findings)).not.toThrow();
  expect(source.largestRequest).toBeLessThanOrEqual(MAX_READ);
}

/** The structural part of each fixture: superblock, root object header, attributes, global heap. */
const HEADS = ['keras-lambda.h5', 'keras-lambda-vlen.h5', 'keras-lambda-v3.h5'].map((name) => [name, formatFixture(name), 3072] as const);
/** Dense stores: heap and name-index blocks lie all over these small files. */
const DENSE = ['keras-dense-lambda-indirect.h5', 'keras-dense-lambda-huge.h5'].map((name) => [name, formatFixture(name), formatFixture(name).length] as const);

describe('HDF5 root attributes under fuzzing', () => {
  it.each([...HEADS, ...DENSE])('should stay within its contract when %s is mutated or truncated', async (_, valid, editWithin) => {
    await fc.assert(
      fc.asyncProperty(mutatedOrTruncated(valid, { maxEdits: 6, editWithin }), (bytes) => analyzeSafely(new BufferSource(bytes))),
      { numRuns: 800 },
    );
  });

  it('should never read more than the cap when mutated sizes and addresses claim a huge file', async () => {
    const [, valid] = HEADS[1]!;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 2047 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: valid.length, max: 2 ** 40 }), (at, value, size) => {
        const bytes = valid.slice();
        bytes[at] = value;
        return analyzeSafely(new VirtualFileSource(bytes, size));
      }),
      { numRuns: 1000 },
    );
  });
});
