/**
 * One entry point for every compression wrapper the scanner opens (gzip, zlib, bzip2, xz, LZMA alone,
 * LZ4 frame, zstd): compressed chunks in, decompressed chunks out, memory bounded by the decoders'
 * windows and never by what the data claims. Output beyond `maxOutputBytes` stops with
 * {@link LimitExceededError} after the bytes within the limit were delivered; corrupt or truncated
 * input throws an Error that says which format failed and why.
 */
import { Readable } from 'node:stream';
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import { LimitExceededError } from '../engine-rules.js';
import { decompressLz4Frames } from './lz4-decoder.js';
import { decompressLzmaAlone } from './lzma-decoder.js';

export const COMPRESSION_FORMATS = ['gzip', 'zlib', 'bzip2', 'xz', 'lzma', 'lz4', 'zstd'] as const;
export type CompressionFormat = (typeof COMPRESSION_FORMATS)[number];

export interface DecompressOptions {
  /** Decompressed bytes allowed; more is a {@link LimitExceededError}. */
  readonly maxOutputBytes: number;
}

/**
 * node:zlib goes through the thread pool once per output chunk, so its 16 KiB default makes the round
 * trips cost more than inflating (8× on a 512 MiB layer, benchmarks/streamed-layer.bench.ts). Memory
 * stays bounded by this size: node:zlib stops inflating a written chunk while its readable side is full,
 * so a bomb in one write holds one output chunk, not its expansion (checked in decompress.test.ts).
 */
const ZLIB_CHUNK_BYTES = 256 * 1024;

export function decompress(format: CompressionFormat, input: AsyncIterable<Uint8Array>, opts: DecompressOptions): AsyncGenerator<Uint8Array> {
  return limited(format, decoderFor(format, input, opts.maxOutputBytes), opts.maxOutputBytes);
}

/** Raw deflate (7z's Deflate coder), with the same output limit as {@link decompress}. */
export function inflateRaw(input: AsyncIterable<Uint8Array>, opts: DecompressOptions): AsyncGenerator<Uint8Array> {
  return limited('deflate', throughZlib(createInflateRaw({ chunkSize: ZLIB_CHUNK_BYTES }), input), opts.maxOutputBytes);
}

/** Stops at exactly `max` output bytes with a LimitExceededError; other errors name the format. */
async function* limited(format: string, output: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of output) {
      if (total + chunk.length > max) {
        if (max > total) yield chunk.subarray(0, max - total);
        throw new LimitExceededError('decompressed bytes', total + chunk.length, max);
      }
      total += chunk.length;
      yield chunk;
    }
  } catch (error) {
    throw describe(format, error);
  }
}

function decoderFor(format: CompressionFormat, input: AsyncIterable<Uint8Array>, max: number): AsyncIterable<Uint8Array> {
  switch (format) {
    case 'gzip':
      return throughZlib(createGunzip({ chunkSize: ZLIB_CHUNK_BYTES }), input);
    case 'zlib':
      return throughZlib(createInflate({ chunkSize: ZLIB_CHUNK_BYTES }), input);
    case 'bzip2':
      return onFirstUse(async () => (await import('./bzip2-decoder.js')).decompressBzip2(input, max));
    case 'xz':
      return onFirstUse(async () => (await import('./xz-decoder.js')).decompressXz(input));
    case 'lzma':
      return decompressLzmaAlone(input, max);
    case 'lz4':
      return decompressLz4Frames(input);
    case 'zstd':
      return onFirstUse(async () => (await import('./zstd-decoder.js')).decompressZstd(input));
  }
}

/**
 * A decoder built on an npm package (unbzip2-stream, xz-decompress, fzstd), loaded with its package
 * when the first stream in its format is read: most scans never see one, and every process (a CLI run
 * above all) would otherwise pay for loading all three at start.
 */
async function* onFirstUse(open: () => Promise<AsyncIterable<Uint8Array>>): AsyncGenerator<Uint8Array> {
  yield* await open();
}

/** node:zlib handles concatenated gzip members (multi-member files) itself. */
async function* throughZlib(transform: Gunzip | Inflate | InflateRaw, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const source = Readable.from(input, { objectMode: false });
  source.on('error', (error) => transform.destroy(error));
  source.pipe(transform);
  try {
    for await (const chunk of transform) yield chunk as Buffer;
  } finally {
    source.unpipe(transform);
    source.destroy();
    transform.destroy();
  }
}

/** Keeps limit errors as they are; prefixes everything else with the format so findings say what broke. */
function describe(format: string, error: unknown): unknown {
  if (error instanceof LimitExceededError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(`${format}:`)) return error;
  return new Error(`${format}: ${message}`, { cause: error });
}
