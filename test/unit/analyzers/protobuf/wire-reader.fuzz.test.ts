/**
 * Property-based fuzzing of the wire reader: walking every length-delimited field as a nested message
 * (the worst case for a schema-less walk) over arbitrary bytes terminates, fails only with
 * WireFormatError or LimitExceededError, and never asks the source for more than one window,
 * whatever lengths the bytes claim.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { WireFormatError, WireReader, type MessageRange } from '../../../../analyzers/protobuf/wire-reader.js';
import { BufferSource, ForwardSource, type ByteSource } from '../../../../analyzers/source.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';
import { bytes, concat, fixed32, fixed64, message, varint } from './proto-writer.js';

const LIMITS = { maxDepth: 12, maxFields: 20_000 };
const MAX_WINDOW = 1024 * 1024;

async function walkEverything(inner: ByteSource): Promise<number> {
  const source = new CountingSource(inner);
  const reader = new WireReader(source, LIMITS);
  let fields = 0;
  const walk = async (range: MessageRange): Promise<void> => {
    for await (const f of reader.fields(range)) {
      fields += 1;
      if (f.wireType === 2) {
        await reader.text(f, 64);
        try {
          await walk(reader.nested(f));
        } catch (error) {
          // A payload that is not a message (a string) is expected; only its own errors are.
          if (!(error instanceof WireFormatError)) throw error;
        }
      }
    }
  };
  try {
    await walk(reader.root());
  } catch (error) {
    if (!(error instanceof WireFormatError) && !(error instanceof LimitExceededError)) throw error;
  }
  expect(source.largestRequest).toBeLessThanOrEqual(MAX_WINDOW);
  return fields;
}

const SAMPLE = concat(varint(1, 7), message(2, bytes(1, 'name'), message(2, varint(3, -1), fixed32(4, 9))), fixed64(3, 5n), bytes(4, new Uint8Array(300)));

async function* chunks(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.slice(at, at + size);
}

describe('WireReader under fuzzing', () => {
  it('should fail only with wire-format or limit errors when the bytes are arbitrary', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), (data) => walkEverything(new BufferSource(data)).then(() => undefined)), { numRuns: 3000 });
  });

  it('should walk a forward-only source like a seekable one when the bytes are arbitrary', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 1, max: 64 }), async (data, chunk) => {
        const seekable = await walkEverything(new BufferSource(data));
        expect(await walkEverything(new ForwardSource(chunks(data, chunk), data.length))).toBe(seekable);
        // Without a size, a payload overrunning the data is only noticed once its field was seen.
        expect(await walkEverything(new ForwardSource(chunks(data, chunk)))).toBeGreaterThanOrEqual(seekable);
      }),
      { numRuns: 1000 },
    );
  });

  it('should stay within one window per request when a mutated message claims a huge file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: SAMPLE.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: SAMPLE.length, max: 2 ** 45 }), async (at, value, size) => {
        const data = SAMPLE.slice();
        data[at] = value;
        await walkEverything(new VirtualFileSource(data, size));
      }),
      { numRuns: 2000 },
    );
  });
});
