/**
 * 7z archives written by the real `7z` (test/fixtures/archive/7z/generate.py): every coder the scanner
 * decodes, solid and encoded-header archives, the cases it must report instead, and hostile input.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../../analyzers/archive/crc32.js';
import { parseNextHeader, parseStartHeader, SevenZipFormatError } from '../../../../analyzers/archive/sevenzip-header.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource, ForwardSource } from '../../../../analyzers/source.js';
import { concat } from '../../../support/bytes.js';
import { gzipSync } from 'node:zlib';
import { chunked } from './fixtures.js';
import { archiveEngine, ruleIds } from './harness.js';

const DIR = new URL('../../../fixtures/archive/7z/', import.meta.url);
const sevenZip = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));
/** The pickle the generator puts in the malicious archives (protocol 0 `os.system`). */
const MALICIOUS = new TextEncoder().encode("cos\nsystem\n(S'echo pwned'\ntR.");

async function fullScan(name: string, bytes = sevenZip(name)) {
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: makeLimits(), settings: DEFAULT_SETTINGS });
  return (await engine.scanFile({ path: name, size: bytes.length }, new BufferSource(bytes))).findings;
}

describe('7z analyzer', () => {
  it.each(['lzma2', 'lzma', 'bzip2', 'deflate', 'copy'])('should decode a %s member and find the pickle in it', async (coder) => {
    const { scan, reached } = archiveEngine();
    const findings = await scan(`malicious-${coder}.7z`, sevenZip(`malicious-${coder}.7z`));
    expect(findings).toEqual([]);
    expect(reached.map((r) => [r.path, r.format])).toEqual([[`malicious-${coder}.7z!pytorch_model.bin`, 'pickle']]);
    expect(Buffer.from(reached[0]!.bytes).equals(Buffer.from(MALICIOUS))).toBe(true);
    const full = await fullScan(`malicious-${coder}.7z`);
    expect(full.map((f) => [f.ruleId, f.severity, f.file])).toEqual([['pickle.dangerous-global', 'Critical', `malicious-${coder}.7z!pytorch_model.bin`]]);
  });

  it('should catch nullifAI: a call in a 7z-compressed PyTorch file whose pickle breaks before STOP', async () => {
    const findings = await fullScan('nullifai.7z');
    expect(findings.map((f) => [f.ruleId, f.severity])).toContainEqual(['pickle.dangerous-global', 'Critical']);
  });

  it('should raise nothing for a benign pickle in a 7z archive', async () => {
    expect(await fullScan('benign.7z')).toEqual([]);
  });

  it('should read a solid archive behind an encoded header, skipping directories and empty files', async () => {
    const { scan, reached } = archiveEngine();
    expect(await scan('solid.7z', sevenZip('solid.7z'))).toEqual([]);
    expect(reached.map((r) => [r.path, r.format])).toEqual([
      ['solid.7z!README.md', 'text'],
      ['solid.7z!weights/a.pkl', 'pickle'],
      ['solid.7z!weights/z.pkl', 'pickle'],
    ]);
    expect(ruleIds(await fullScan('solid.7z'))).toEqual(['pickle.dangerous-global']);
  });

  it('should cut a solid LZMA2 folder into its members where a member starts inside a chunk', async () => {
    const { scan, reached } = archiveEngine();
    expect(await scan('large-solid.7z', sevenZip('large-solid.7z'))).toEqual([]);
    expect(reached.map((r) => r.path)).toEqual(['large-solid.7z!a-large.pkl', 'large-solid.7z!b-malicious.pkl']);
    expect(reached[0]!.bytes.subarray(0, 2)).toEqual(new Uint8Array([0x80, 0x04]));
    expect(Buffer.from(reached[1]!.bytes).equals(Buffer.from(MALICIOUS))).toBe(true);
  });

  it('should read a 7z archive inside a compressed stream from memory', async () => {
    const inner = sevenZip('malicious-lzma2.7z');
    const findings = await fullScan('model.7z.gz', new Uint8Array(gzipSync(inner)));
    expect(findings.map((f) => [f.ruleId, f.file])).toEqual([['pickle.dangerous-global', 'model.7z.gz!model.7z!pytorch_model.bin']]);
  });

  it('should report a forward-only 7z archive over the in-memory limit as not analysable', async () => {
    const bytes = sevenZip('malicious-lzma2.7z');
    const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: makeLimits(), settings: DEFAULT_SETTINGS });
    const size = 65 * 1024 * 1024;
    const { findings } = await engine.scanFile({ path: 'stream.7z', size }, new ForwardSource(chunked(bytes, 50), size));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['engine.not-analysable', 'High']]);
  });

  it.each([
    ['encrypted.7z', 'archive.encrypted', /7z member "model.pkl" is encrypted/],
    ['encrypted-header.7z', 'archive.encrypted', /file list is encrypted/],
  ])('should report %s instead of opening it', async (name, rule, message) => {
    const findings = await fullScan(name);
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([[rule, 'High']]);
    expect(findings[0]!.message).toMatch(message);
  });

  it('should stop a ratio bomb at the limit and say so', async () => {
    const { scan, reached } = archiveEngine();
    const findings = await scan('bomb.7z', sevenZip('bomb.7z'));
    expect(ruleIds(findings)).toEqual(['archive.decompression-bomb']);
    expect(reached.every((r) => r.bytes.length < 64 * 1024 * 1024)).toBe(true);
  });

  it('should report a truncated archive as malformed, naming the missing header', async () => {
    const bytes = sevenZip('large-solid.7z');
    const findings = await fullScan('cut.7z', bytes.subarray(0, bytes.length / 2));
    expect(findings.map((f) => f.ruleId)).toEqual(['archive.7z-malformed']);
    expect(findings[0]!.message).toMatch(/past the end of the archive/);
  });

  it('should report an archive cut inside its signature header as malformed', async () => {
    const findings = await fullScan('stub.7z', sevenZip('benign.7z').subarray(0, 20));
    expect(findings.map((f) => f.ruleId)).toEqual(['archive.7z-malformed']);
  });

  it('should report corrupt packed data and leave the later members unanalysed, not pass them', async () => {
    const bytes = sevenZip('large-solid.7z').slice();
    for (let i = 0; i < 64; i++) bytes[2000 + i * 97] = bytes[2000 + i * 97]! ^ 0x5a;
    const { scan } = archiveEngine();
    const findings = await scan('corrupt.7z', bytes);
    expect(ruleIds(findings)).toContain('archive.truncated');
    expect(findings.find((f) => f.message.includes('not analysed: the folder'))?.message).toContain('"b-malicious.pkl"');
  });

  it('should report the same member path twice and a path leaving the archive', async () => {
    const header = plainHeader(['../evil.pkl', 'a.pkl', 'a.pkl']);
    const findings = await fullScan('paths.7z', header);
    expect(ruleIds(findings)).toEqual(expect.arrayContaining(['archive.path-traversal', 'archive.duplicate-member']));
  });
});

describe('7z header', () => {
  it('should refuse a start header whose CRC does not match', () => {
    const bytes = sevenZip('benign.7z').slice(0, 32);
    bytes[20] = bytes[20]! ^ 1;
    expect(() => parseStartHeader(bytes, 1000)).toThrow(/start header CRC/);
  });

  it('should refuse counts the header bytes cannot hold, before allocating them', () => {
    // kHeader, kFilesInfo, 2^40 files.
    const bytes = new Uint8Array([0x01, 0x05, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 0x00]);
    expect(() => parseNextHeader(bytes, 1_000_000)).toThrow(SevenZipFormatError);
  });

  it('should refuse more files than the member limit', () => {
    expect(() => parseNextHeader(plainNextHeader(['a', 'b', 'c']), 2)).toThrow(/more than the 2 analysed/);
  });

  it('should end in a finding or a format error for any mutated archive', async () => {
    const seeds = ['solid.7z', 'malicious-lzma.7z', 'malicious-lzma2.7z', 'malicious-bzip2.7z', 'malicious-deflate.7z', 'large-solid.7z', 'filter-bcj2.7z', 'filter-ia64.7z', 'filter-delta.7z', 'py7zr-default.7z'].map(sevenZip);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (seed, flips, inHeader) => {
          const bytes = seeds[seed]!.slice();
          const start = parseStartHeader(bytes, bytes.length);
          for (const [at, value] of flips) {
            // Flips in the header are rewritten with a valid CRC, so the parser (not the CRC) meets them.
            const offset = inHeader ? start.nextHeaderOffset + (at % start.nextHeaderSize) : at % bytes.length;
            bytes[offset] = value;
          }
          if (inHeader) resealHeader(bytes, start.nextHeaderOffset, start.nextHeaderSize);
          const { scan } = archiveEngine({ maxBytesPerFile: 8 << 20, maxExpandedBytes: 16 << 20 });
          const findings = await scan('fuzz.7z', bytes);
          // Damage is a 7z finding, never an exception escaping the analyzer.
          expect(findings.filter((f) => f.ruleId === 'engine.analysis-failed' && f.file === 'fuzz.7z').map((f) => f.message)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Rewrites the start header's next-header CRC (and its own CRC) after the next header changed. */
function resealHeader(bytes: Uint8Array, offset: number, size: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint32(28, crc32(bytes.subarray(offset, offset + size)), true);
  view.setUint32(8, crc32(bytes.subarray(12, 32)), true);
}

/** A header listing `names` as empty files (kEmptyStream + kEmptyFile all set), so no folder is needed. */
function plainNextHeader(names: readonly string[]): Uint8Array {
  const n = names.length;
  const bits = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
  const nameBytes = concat(new Uint8Array([0]), ...names.map((name) => new Uint8Array(Buffer.from(`${name}\0`, 'utf16le'))));
  return concat(
    new Uint8Array([0x01, 0x05, n]),
    new Uint8Array([0x0e, bits.length]), bits,
    new Uint8Array([0x0f, bits.length]), bits,
    new Uint8Array([0x11, nameBytes.length]), nameBytes,
    new Uint8Array([0x00, 0x00]),
  );
}

/** A whole archive: signature header then {@link plainNextHeader}. */
function plainHeader(names: readonly string[]): Uint8Array {
  const next = plainNextHeader(names);
  const start = new Uint8Array(32);
  start.set([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]);
  const view = new DataView(start.buffer);
  view.setBigUint64(12, 0n, true);
  view.setBigUint64(20, BigInt(next.length), true);
  view.setUint32(28, crc32(next), true);
  view.setUint32(8, crc32(start.subarray(12, 32)), true);
  return concat(start, next);
}
