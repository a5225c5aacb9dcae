import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressedName } from '../../../../analyzers/archive/compressed-analyzer.js';
import { fixture, payload } from './fixtures.js';
import { criticalMembers, scanCounted, scanDecompressing } from './full-engine.js';
import { archiveEngine, ruleIds } from './harness.js';
import { tarArchive, tarEntry } from '../../../support/tar-builder.js';

const PICKLE = new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);

describe('compressed analyzer', () => {
  it.each(['zlib', 'gzip', 'bz2', 'xz', 'lzma'])('should route compressed joblib (%s) to the pickle analyzer', async (method) => {
    const { scan, reached } = archiveEngine();
    const findings = await scan(`model.${method}.joblib`, fixture(`joblib.${method}.joblib`));
    expect(reached.map((r) => [r.path, r.format])).toEqual([[`model.${method}.joblib!<decompressed>`, 'pickle']]);
    expect(findings.filter((f) => f.ruleId.startsWith('archive.'))).toEqual([]);
  });

  it.each([
    ['payload.lz4', 'payload'],
    ['payload.zst', 'payload'],
    ['payload.multi.bz2', 'payload.multi'],
  ])('should hand the whole decompressed payload of %s to the member as %s', async (name, member) => {
    const { scan, reached } = archiveEngine();
    await scan(name, fixture(name));
    expect(reached[0]?.path).toBe(`${name}!${member}`);
    expect(Buffer.from(reached[0]!.bytes).equals(Buffer.from(payload()))).toBe(true);
  });

  it('should decompress content no loader unpickles only to the end of its first bzip2 block', async () => {
    // Raw bytes (a pickle attempt fails on the first) in blocks of 99,981 and 19 bytes, too incompressible
    // for the rest to be a bomb (bzip2-bound.ts): the sniff needs the first block only.
    const { findings, decompressedBytes } = await scanDecompressing('face.dat', fixture('noise.blocks.bz2'));
    expect(decompressedBytes).toBeGreaterThan(0);
    expect(decompressedBytes).toBeLessThanOrEqual(99_981);
    expect(ruleIds(findings).filter((id) => id.startsWith('archive.'))).toEqual([]);
  });

  it('should read the compressed bytes once to bound a bzip2 tail it leaves undecompressed', async () => {
    const bytes = fixture('noise.blocks.bz2');
    const { bytesRead } = await scanCounted('face.dat', bytes);
    // The sniffed head, then the stream once: as the decompressor takes it, then the part it left.
    expect(bytesRead).toBeLessThanOrEqual(bytes.length + 64 * 1024);
  });

  it('should decompress a bzip2 joblib pickle on to a payload past its first blocks', async () => {
    const bytes = readFileSync(new URL('../../../fixtures/pickle/containers/joblib_bz2_late_payload.joblib', import.meta.url));
    const { findings, decompressedBytes } = await scanDecompressing('model.joblib', bytes);
    expect(decompressedBytes).toBe(232_132); // all three blocks, as joblib.load reads them
    expect(criticalMembers(findings)).toEqual(['model.joblib!<decompressed>: pickle.dangerous-global']);
  });

  it('should route gzip → tar → pickle and write the path a!b!c', async () => {
    const { scan, reached } = archiveEngine();
    const layer = gzipSync(tarArchive([tarEntry({ name: 'model/data.pkl' }, PICKLE)]));
    await scan('layer.tar.gz', layer, 'forward');
    expect(reached.map((r) => [r.path, r.format])).toEqual([['layer.tar.gz!layer.tar!model/data.pkl', 'pickle']]);
  });

  it('should read a PyTorch zip front to back when it sits in a gzipped tar layer', async () => {
    const { scan, reached } = archiveEngine();
    const layer = gzipSync(tarArchive([tarEntry({ name: 'models/model.pt' }, fixture('torch-state-dict.pt'))]));
    const findings = await scan('layer.tar.gz', layer, 'forward');
    expect(reached.filter((r) => r.format === 'pickle').map((r) => r.path)).toEqual([
      'layer.tar.gz!layer.tar!models/model.pt!torch-state-dict/data.pkl',
    ]);
    expect(ruleIds(findings)).toEqual([]);
  });

  it.each(['bomb.gz', 'bomb.bz2', 'bomb.xz', 'bomb.lzma', 'bomb.lz4', 'bomb.zst'])(
    'should stop %s at the ratio limit with the numbers in the finding',
    async (name) => {
      const { scan } = archiveEngine({ maxCompressionRatio: 50 });
      const findings = await scan(name, fixture(name));
      const bomb = findings.find((f) => f.ruleId === 'archive.decompression-bomb');
      expect(bomb?.details).toMatchObject({ maxRatio: 50 });
      expect((bomb?.details?.['decompressedBytes'] as number) / (bomb?.details?.['compressedBytes'] as number)).toBeGreaterThan(50);
    },
  );

  it('should stop at maxBytesPerFile with a finding when the ratio is ordinary', async () => {
    const { scan, reached } = archiveEngine({ maxBytesPerFile: 10_000 });
    const findings = await scan('payload.gz', fixture('payload.gz'));
    expect(ruleIds(findings)).toContain('archive.decompression-bomb');
    expect(reached[0]?.bytes.length).toBe(10_000);
  });

  it('should report truncated data and still scan what came before', async () => {
    const { scan, reached } = archiveEngine();
    const bytes = fixture('payload.xz');
    const findings = await scan('payload.xz', bytes.subarray(0, bytes.length - 100));
    expect(ruleIds(findings)).toContain('archive.truncated');
    expect(reached[0]?.bytes.length).toBeGreaterThan(0);
  });

  it.each([
    ['model.pkl.gz', 'gzip', 'model.pkl'],
    ['layer.tgz', 'gzip', 'layer.tar'],
    ['a!b/weights.bin.zst', 'zstd', 'weights.bin'],
    ['model.joblib', 'zlib', '<decompressed>'],
    ['.gz', 'gzip', '<decompressed>'],
  ] as const)('should name the member of %s %s', (path, format, expected) => {
    expect(decompressedName(path, format)).toBe(expected);
  });
});
