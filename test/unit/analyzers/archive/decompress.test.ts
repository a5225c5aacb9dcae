import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompress, type CompressionFormat } from '../../../../analyzers/archive/decompress.js';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { concat } from '../../../support/bytes.js';
import { chunked, collect, drain, fixture, payload } from './fixtures.js';

const BIG = { maxOutputBytes: 1 << 30 };
const PAYLOAD = payload();

const VALID: ReadonlyArray<readonly [CompressionFormat, string]> = [
  ['gzip', 'payload.gz'],
  ['gzip', 'payload.multi.gz'],
  ['zlib', 'payload.zlib'],
  ['bzip2', 'payload.bz2'],
  ['bzip2', 'payload.multi.bz2'],
  ['xz', 'payload.xz'],
  ['xz', 'payload.multi.xz'],
  ['lzma', 'payload.lzma'],
  ['lz4', 'payload.lz4'],
  ['zstd', 'payload.zst'],
];

const BOMBS: ReadonlyArray<readonly [CompressionFormat, string]> = [
  ['gzip', 'bomb.gz'],
  ['bzip2', 'bomb.bz2'],
  ['xz', 'bomb.xz'],
  ['lzma', 'bomb.lzma'],
  ['lz4', 'bomb.lz4'],
  ['zstd', 'bomb.zst'],
];

describe('decompress', () => {
  describe.each(VALID)('%s %s', (format, name) => {
    it.each([1, 7, 4096, undefined])('should reproduce the payload when fed in chunks of %s bytes', async (size) => {
      const out = await collect(decompress(format, chunked(fixture(name), size), BIG));
      expect(out.length).toBe(PAYLOAD.length);
      expect(Buffer.from(out).equals(Buffer.from(PAYLOAD))).toBe(true);
    });

    it('should throw a format-named error when the input is truncated', async () => {
      const bytes = fixture(name);
      const { error } = await drain(decompress(format, chunked(bytes.subarray(0, bytes.length >> 1)), BIG));
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(new RegExp(`^${format}: `));
    });

    it('should stop at exactly maxOutputBytes with a LimitExceededError when the output is larger', async () => {
      const { bytes, error } = await drain(decompress(format, chunked(fixture(name), 999), { maxOutputBytes: 1000 }));
      expect(error).toBeInstanceOf(LimitExceededError);
      expect(bytes).toBe(1000);
    });
  });

  it('should decode two concatenated zstd frames when they follow each other', async () => {
    const out = await collect(decompress('zstd', chunked(fixture('payload.multi.zst'), 333), BIG));
    expect(Buffer.from(out).equals(Buffer.from(concat(PAYLOAD, PAYLOAD)))).toBe(true);
  });

  it.each(BOMBS)('should stop a %s bomb (%s) at the limit', async (format, name) => {
    const { bytes, error } = await drain(decompress(format, chunked(fixture(name), 4096), { maxOutputBytes: 1 << 20 }));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(bytes).toBe(1 << 20);
  });

  it.each(['gzip', 'zlib', 'bzip2', 'xz', 'lzma', 'lz4', 'zstd'] as const)(
    'should throw a clear error when %s input is junk or empty',
    async (format) => {
      for (const input of [new Uint8Array(0), new TextEncoder().encode('this is not compressed data at all, not even close')]) {
        const { error } = await drain(decompress(format, chunked(input), BIG));
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message.startsWith(`${format}: `)).toBe(true);
      }
    },
  );

  it('should decode xz inside xz when two decoders are alive at once', async () => {
    const inner = decompress('xz', chunked(fixture('nested.xz.xz'), 100), BIG);
    const out = await collect(decompress('xz', inner, BIG));
    expect(Buffer.from(out).equals(Buffer.from(PAYLOAD))).toBe(true);
  });

  it('should reject a zstd frame whose window exceeds the limit before allocating it', async () => {
    // Magic, frame header descriptor 0 (no single segment), window descriptor 0xF8: 2^41-byte window.
    const hostile = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
    const { error } = await drain(decompress('zstd', chunked(hostile), BIG));
    expect(error).toBeInstanceOf(LimitExceededError);
  });

  it('should reject an lzma header whose declared size exceeds the limit', async () => {
    const bytes = fixture('payload.lzma').slice();
    new DataView(bytes.buffer).setBigUint64(5, 1n << 40n, true);
    const { error } = await drain(decompress('lzma', chunked(bytes), BIG));
    expect(error).toBeInstanceOf(LimitExceededError);
  });

  it('should keep gzip data that follows a complete member when it is another member', async () => {
    const two = concat(gzipSync(Buffer.from('first ')), gzipSync(Buffer.from('second')));
    const out = await collect(decompress('gzip', chunked(two, 5), BIG));
    expect(new TextDecoder().decode(out)).toBe('first second');
  });

  it.each(['gzip', 'zlib'] as const)(
    'should hold about one output chunk, not the expansion, when a %s bomb arrives in one write and is read slowly',
    async (format) => {
      const zeros = Buffer.alloc(256 * 1024 * 1024);
      const bomb = format === 'gzip' ? gzipSync(zeros) : deflateSync(zeros);
      const before = process.memoryUsage().arrayBuffers;
      const output = decompress(format, (async function* () { yield bomb; })(), { maxOutputBytes: zeros.length })[Symbol.asyncIterator]();
      const first = await output.next();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the thread pool would go on inflating here
      const grown = process.memoryUsage().arrayBuffers - before;
      await output.return?.(undefined);
      expect((first.value as Uint8Array).length).toBeLessThanOrEqual(256 * 1024);
      expect(grown).toBeLessThan(32 * 1024 * 1024);
      expect(zeros.length).toBeGreaterThan(0); // kept alive, so its collection cannot hide growth
    },
  );
});
