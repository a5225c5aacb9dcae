/**
 * Property-based fuzzing of the zip reader (through the engine, both access modes) and of every
 * decompressor: mutated and arbitrary input must end in findings or a clear error — no escaped
 * exception, no hang (vitest's timeout), output within the limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompress, type CompressionFormat } from '../../../../analyzers/archive/decompress.js';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { chunked, drain, fixture } from './fixtures.js';
import { archiveEngine } from './harness.js';
import { buildZip } from './zip-writer.js';

const LIMITS = { maxBytesPerFile: 1 << 20, maxExpandedBytes: 4 << 20, maxMembers: 200, maxDepth: 4 };

const ZIP_SEEDS: Uint8Array[] = [
  buildZip([
    { name: 'archive/data.pkl', data: new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]) },
    { name: 'archive/data/0', data: 'x'.repeat(3000), method: 8 },
  ]),
  buildZip([{ name: 'a', data: 'zip64 member', zip64: true, dataDescriptor: 'signed64' }], { zip64End: true }),
  buildZip([{ name: 'inner.zip', data: buildZip([{ name: 'p', data: 'deep', method: 8 }]), method: 8 }]),
  fixture('torch-state-dict.pt'),
  fixture('python-methods.zip'),
];

/** Byte flips, a truncation and an insertion applied to a seed. */
const mutated = (seeds: Uint8Array[]) =>
  fc
    .record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 64 })), { nil: undefined }),
    })
    .map(({ seed, flips, cut, insert }) => {
      let bytes = seeds[seed]!.slice();
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      if (insert) {
        const at = insert[0] % (bytes.length + 1);
        bytes = new Uint8Array([...bytes.subarray(0, at), ...insert[1], ...bytes.subarray(at)]);
      }
      if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
      return bytes;
    });

describe('fuzzing', () => {
  it.each(['seekable', 'forward'] as const)('should turn any mutated zip into findings when read %s', async (mode) => {
    await fc.assert(
      fc.asyncProperty(mutated(ZIP_SEEDS), async (bytes) => {
        const { scan, reached } = archiveEngine(LIMITS);
        const findings = await scan('fuzz.zip', bytes, mode);
        expect(Array.isArray(findings)).toBe(true);
        for (const r of reached) expect(r.bytes.length).toBeLessThanOrEqual(LIMITS.maxBytesPerFile);
      }),
      { numRuns: 300 },
    );
  });

  it('should turn arbitrary bytes after a zip signature into findings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (tail) => {
        const { scan } = archiveEngine(LIMITS);
        await scan('fuzz.zip', new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...tail]));
      }),
      { numRuns: 300 },
    );
  });

  const SEEDS: Record<CompressionFormat, string> = {
    gzip: 'payload.gz',
    zlib: 'payload.zlib',
    bzip2: 'payload.bz2',
    xz: 'payload.xz',
    lzma: 'payload.lzma',
    lz4: 'payload.lz4',
    zstd: 'payload.zst',
  };

  it.each(Object.entries(SEEDS) as [CompressionFormat, string][])(
    'should end %s decompression of mutated input with data or a clear error, within the limit',
    async (format, name) => {
      const seed = fixture(name);
      await fc.assert(
        fc.asyncProperty(mutated([seed]), fc.integer({ min: 1, max: 5000 }), async (bytes, chunk) => {
          const { bytes: produced, error } = await drain(decompress(format, chunked(bytes, chunk), { maxOutputBytes: 1 << 20 }));
          expect(produced).toBeLessThanOrEqual(1 << 20);
          if (error !== undefined) {
            expect(error).toBeInstanceOf(Error);
            if (!(error instanceof LimitExceededError)) expect((error as Error).message.startsWith(`${format}: `)).toBe(true);
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  it.each(Object.keys(SEEDS) as CompressionFormat[])('should end %s decompression of arbitrary bytes with a clear error', async (format) => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        const { bytes: produced, error } = await drain(decompress(format, chunked(bytes, 512), { maxOutputBytes: 1 << 20 }));
        expect(produced).toBeLessThanOrEqual(1 << 20);
        if (error !== undefined) expect(error).toBeInstanceOf(Error);
      }),
      { numRuns: 200 },
    );
  });
});
