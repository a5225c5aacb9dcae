/** Helpers shared by the archive tests: fixture files and the payload the generator compressed. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { concat } from '../../../support/bytes.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/archive/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

/** The bytes `test/fixtures/archive/generate.py` compresses (same construction as its `payload()`). */
export function payload(): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < 2400; i++) parts.push(`line ${String(i).padStart(6, '0')}: the quick brown fox jumps over the lazy dog\n`);
  const lines = new TextEncoder().encode(parts.join(''));
  const noise = new Uint8Array(8192);
  let state = 12345;
  for (let i = 0; i < noise.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    noise[i] = (state >>> 16) & 0xff;
  }
  return concat(lines, noise, lines.subarray(0, 4096));
}

/** Yields `bytes` in pieces of `size` (default: all at once), to exercise chunk boundaries. */
export async function* chunked(bytes: Uint8Array, size = bytes.length || 1): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return concat(...parts);
}

/** Runs to completion; returns the bytes produced and the error thrown, if any. */
export async function drain(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: number; error?: unknown }> {
  let bytes = 0;
  try {
    for await (const c of chunks) bytes += c.length;
    return { bytes };
  } catch (error) {
    return { bytes, error };
  }
}
