/**
 * 7z filter chains (test/fixtures/archive/7z/generate.py): each archive written by the real `7z -mf=…`
 * (or py7zr's defaults) holds `payload.bin` — random bytes full of the opcodes every filter converts —
 * and then a malicious pickle in the same solid folder. Decoding must give back `payload.bin` byte for
 * byte and reach the pickle after it; hostile and truncated filter input must end, never hang.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBcj2 } from '../../../../analyzers/archive/sevenzip-bcj2.js';
import { decodeBranchFilter, decodeDelta, type BranchFilter } from '../../../../analyzers/archive/sevenzip-filters.js';
import { parseNextHeader, parseStartHeader } from '../../../../analyzers/archive/sevenzip-header.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';
import { concat } from '../../../support/bytes.js';
import { chunked } from './fixtures.js';
import { archiveEngine } from './harness.js';

const DIR = new URL('../../../fixtures/archive/7z/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));
const PAYLOAD = fixture('payload.bin');
const MALICIOUS = new TextEncoder().encode("cos\nsystem\n(S'echo pwned'\ntR.");

async function fullScan(name: string, bytes = fixture(name)) {
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: makeLimits(), settings: DEFAULT_SETTINGS });
  return (await engine.scanFile({ path: name, size: bytes.length }, new BufferSource(bytes))).findings;
}

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return concat(...parts);
}

describe('7z filter chains', () => {
  it.each(['bcj', 'bcj2', 'arm', 'armt', 'arm64', 'ppc', 'sparc', 'ia64', 'delta', 'py7zr-default'])(
    'should decode %s in front of LZMA2 back to the bytes 7z was given, then reach the next member',
    async (name) => {
      const file = name.startsWith('py7zr') ? `${name}.7z` : `filter-${name}.7z`;
      const { scan, reached } = archiveEngine();
      expect(await scan(file, fixture(file))).toEqual([]);
      expect(reached.map((r) => r.path)).toEqual([`${file}!payload.bin`, `${file}!z-model.pkl`]);
      expect(Buffer.from(reached[0]!.bytes).equals(Buffer.from(PAYLOAD))).toBe(true);
      expect(Buffer.from(reached[1]!.bytes).equals(Buffer.from(MALICIOUS))).toBe(true);
      const findings = await fullScan(file);
      expect(findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([['pickle.dangerous-global', 'Critical', `${file}!z-model.pkl`]]);
    },
  );

  it('should decode a BCJ2 folder whose call and jump streams carry real targets (4 packed streams, 3 bind pairs)', () => {
    const bytes = fixture('filter-bcj2.7z');
    const start = parseStartHeader(bytes, bytes.length);
    const next = parseNextHeader(bytes.subarray(start.nextHeaderOffset, start.nextHeaderOffset + start.nextHeaderSize), 10);
    if (next.kind !== 'header') throw new Error('expected a plain header (-mhc=off)');
    const [folder] = next.header.folders;
    const bcj2 = folder!.coders.findIndex((c) => c.method === '0303011b');
    expect(folder!.coders[bcj2]!.inStreams).toBe(4);
    expect(folder!.packed).toHaveLength(4);
    expect(folder!.bindPairs).toHaveLength(3);
    // The call and jump streams hold hundreds of 4-byte targets: the round trip above converts them.
    const boundSizes = folder!.bindPairs.map((pair) => folder!.unpackSizes[pair.outIndex]!).sort((a, b) => a - b);
    expect(boundSizes[0]).toBeGreaterThan(400);
  });

  it('should open the single-file BCJ + LZMA2 archive and find its pickle', async () => {
    const findings = await fullScan('bcj-filter.7z');
    expect(findings.map((f) => [f.ruleId, f.file])).toEqual([['pickle.dangerous-global', 'bcj-filter.7z!model.pkl']]);
  });

  it.each(['empty.7z', 'py7zr-empty.7z'])('should read %s as an archive of no files, without a finding', async (name) => {
    expect(await fullScan(name)).toEqual([]);
  });

  it('should name PPMd as the method it cannot decode, High', async () => {
    const findings = await fullScan('ppmd.7z');
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['archive.unsupported-method', 'High']]);
    expect(findings[0]!.message).toMatch(/"model.pkl" is packed with PPMd, which the scanner cannot decode/);
  });
});

describe('branch filters as streams', () => {
  const filters: BranchFilter[] = ['x86', 'arm', 'armt', 'arm64', 'ppc', 'sparc', 'ia64'];

  it.each(filters)('%s: gives the same bytes whatever the chunking, and keeps the length', async (filter) => {
    const whole = await drain(decodeBranchFilter(filter, chunked(PAYLOAD, PAYLOAD.length)));
    expect(whole.length).toBe(PAYLOAD.length);
    expect(Buffer.from(whole).equals(Buffer.from(PAYLOAD))).toBe(false); // random bytes hold convertible instructions
    for (const size of [1, 3, 7, 1000]) expect(Buffer.from(await drain(decodeBranchFilter(filter, chunked(PAYLOAD, size)))).equals(Buffer.from(whole))).toBe(true);
  });

  it.each(filters)('%s: any input decodes to the same length and ends', async (filter) => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 40 }), async (bytes, size) => {
        expect((await drain(decodeBranchFilter(filter, chunked(bytes, size)))).length).toBe(bytes.length);
      }),
      { numRuns: 50 },
    );
  });

  it('should undo Delta:4 on a ramp', async () => {
    const encoded = new Uint8Array([1, 2, 3, 4, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect([...(await drain(decodeDelta(chunked(encoded, 5), 4)))]).toEqual([1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6]);
  });
});

describe('BCJ2', () => {
  const none = chunked(new Uint8Array(0), 1);

  it('should stop at the declared size and fail on a range coder stream cut short', async () => {
    const main = new Uint8Array([0x90, 0x90, 0x90]);
    const rc = new Uint8Array(5);
    expect([...(await drain(decodeBcj2([chunked(main, 1), none, none, chunked(rc, 1)], 2)))]).toEqual([0x90, 0x90]);
    await expect(drain(decodeBcj2([chunked(main, 1), none, none, chunked(rc.subarray(0, 3), 1)], 3))).rejects.toThrow(/range coder stream ends/);
  });

  it('should fail, not hang, when any stream ends early', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(...[0, 1, 2, 3].map(() => fc.uint8Array({ maxLength: 64 }))), fc.integer({ min: 0, max: 500 }), async (streams, size) => {
        const [main, call, jump, rc] = streams.map((s) => chunked(s, 7));
        const inputs = [main!, call!, jump!, rc!] as const;
        try {
          expect((await drain(decodeBcj2(inputs, size))).length).toBe(size);
        } catch (error) {
          expect((error as Error).message).toMatch(/BCJ2 .* stream ends unexpectedly/);
        }
      }),
      { numRuns: 100 },
    );
  });
});
