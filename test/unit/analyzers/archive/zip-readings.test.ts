/**
 * Zips read the way the loaders read them (issue 11 class 4, issue 12 §5). Fixtures are hand-built by
 * test/fixtures/archive/readings/generate_zip.py, which checks each against CPython zipfile and PyTorch's
 * miniz reader; the payload pickle calls os.system.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';
import { fixture } from './fixtures.js';
import { archiveEngine, ruleIds } from './harness.js';
import { criticalMembers, scanAll, scanCounted } from './full-engine.js';
import { buildZip } from './zip-writer.js';

const readings = (name: string): Uint8Array => fixture(`readings/${name}`);
const PICKLE = new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);
const PAYLOAD = new TextEncoder().encode("cos\nsystem\n(S'touch pwned'\ntR.");

describe('zip readings', () => {
  it('should take the last end record even when its comment length runs past the file, as zipfile and miniz do', async () => {
    const findings = await scanAll('decoy.pt', readings('decoy-eocd.zip'));
    expect(criticalMembers(findings).some((f) => f.startsWith('decoy.pt!m/data.pkl:'))).toBe(true);
  });

  it('should analyse both central directories when the recorded offset disagrees with where the directory is', async () => {
    const findings = await scanAll('split.pt', readings('split-directory.zip'));
    // PyTorch reads the payload at the recorded offset; zipfile's concat adjustment reads the benign copy.
    expect(criticalMembers(findings).some((f) => f.startsWith('split.pt!m/data.pkl:'))).toBe(true);
    const ambiguity = findings.find((f) => f.ruleId === 'archive.reader-disagreement');
    expect(ambiguity?.severity).toBe('High');
    expect(ambiguity?.details).toMatchObject({ pytorchOnly: ['m/data.pkl', 'm/version'], zipfileOnly: ['m/data.pkl', 'm/version'] });
  });

  it('should analyse both ZIP64 end records when the locator points at another one than zipfile reads', async () => {
    const findings = await scanAll('z64.pt', readings('zip64-split.zip'));
    // miniz follows the locator to the payload's directory; zipfile takes the record before the locator.
    expect(criticalMembers(findings).some((f) => f.startsWith('z64.pt!m/data.pkl:'))).toBe(true);
    expect(findings.find((f) => f.ruleId === 'archive.reader-disagreement')?.details).toMatchObject({ pytorchOnly: ['m/data.pkl', 'm/version'] });
  });

  it('should read both copies of data.pkl and route both as pickles in the split directory', async () => {
    const { scan, reached } = archiveEngine();
    await scan('split.pt', readings('split-directory.zip'));
    expect(reached.filter((r) => r.path === 'split.pt!m/data.pkl').map((r) => r.format)).toEqual(['pickle', 'pickle']);
  });

  it('should analyse a member whose mode says symlink as the file zipfile and PyTorch read', async () => {
    const findings = await scanAll('link.pt', readings('symlink-mode.zip'));
    expect(criticalMembers(findings).some((f) => f.startsWith('link.pt!m/data.pkl:'))).toBe(true);
  });

  it('should still report a symlink member that escapes, and analyse its bytes', async () => {
    const { scan, reached } = archiveEngine();
    const findings = await scan('l.zip', buildZip([{ name: 'a/link', data: '../../../etc/passwd', unixMode: 0o120777 }]));
    expect(ruleIds(findings)).toContain('archive.link-escape');
    expect(reached.map((r) => r.path)).toEqual(['l.zip!a/link']);
  });

  it('should analyse a member flagged as encrypted whose bytes are plain, and say so', async () => {
    for (const name of ['flagged-plain.zip', 'flagged-plain-local.zip']) {
      const findings = await scanAll('f.pt', readings(name));
      expect(criticalMembers(findings).some((f) => f.startsWith('f.pt!m/data.pkl:'))).toBe(true);
      expect(findings.some((f) => f.ruleId === 'archive.encrypted')).toBe(false);
    }
    const central = await scanAll('f.pt', readings('flagged-plain.zip'));
    expect(central.find((f) => f.ruleId === 'archive.zip-flag-bits')?.message).toMatch(/its bytes are plain/);
  });

  it('should say "encrypted, not inspected" for a member zip -P really encrypted', async () => {
    const { scan, reached } = archiveEngine();
    const findings = await scan('secret.zip', readings('zipcrypto.zip'));
    const encrypted = findings.find((f) => f.ruleId === 'archive.encrypted');
    expect(encrypted?.severity).toBe('High');
    expect(encrypted?.message).toMatch(/encrypted, not inspected/);
    // Stored ZipCrypto: the ciphertext is still handed over as the bytes a flag-ignoring reader would see.
    expect(reached.map((r) => r.path)).toEqual(['secret.zip!data.pkl']);
  });

  it('should not analyse an encrypted deflated member whose plain reading does not decompress', async () => {
    const { scan, reached } = archiveEngine();
    const bytes = buildZip([{ name: 'data.pkl', data: new Uint8Array(64), method: 8, flags: 1 }]);
    bytes[30 + 'data.pkl'.length] = 0xff; // block type 3 (reserved): not a deflate stream
    const findings = await scan('d.zip', bytes);
    expect(findings.find((f) => f.ruleId === 'archive.encrypted')?.message).toMatch(/does not decompress.*not inspected/);
    expect(reached).toEqual([]);
  });

  it('should keep a well-formed flagged-free zip quiet (no reader disagreement)', async () => {
    const { scan } = archiveEngine();
    expect(ruleIds(await scan('ok.zip', buildZip([{ name: 'a/data.pkl', data: PICKLE }])))).toEqual([]);
  });
});

describe('zip members whatever their headers say', () => {
  it('should analyse an .npz member whose mode says symlink, as numpy.load reads it', async () => {
    const findings = await scanAll('arrays.npz', readings('npz-symlink-member.npz'));
    expect(criticalMembers(findings).some((f) => f.startsWith('arrays.npz!weights.npy'))).toBe(true);
  });

  it.each([
    ['first', [PAYLOAD, PICKLE]],
    ['last', [PICKLE, PAYLOAD]],
  ])('should analyse every copy of a duplicated name, the payload being the %s one', async (_, [one, two]) => {
    const { scan, reached } = archiveEngine();
    // zipfile's NameToInfo keeps the last entry; miniz's sorted-name binary search may find either.
    const findings = await scan('dup.pt', buildZip([{ name: 'a/data.pkl', data: one! }, { name: 'a/data.pkl', data: two! }]));
    expect(reached.map((r) => Buffer.from(r.bytes).toString('latin1'))).toEqual([one, two].map((b) => Buffer.from(b!).toString('latin1')));
    expect(ruleIds(findings)).toContain('archive.duplicate-member');
  });
});

describe('zip reads (issue 15 §1)', () => {
  const noise = (n: number, seed = 7): Uint8Array => {
    const out = new Uint8Array(n);
    let state = seed;
    for (let i = 0; i < n; i++) out[i] = (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
    return out;
  };
  /** float32 weights as torch.save stores them: small values around zero. */
  const weights = (n: number, seed: number): Uint8Array => {
    const values = new Float32Array(n / 4);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.37 + seed) * 0.05;
    return new Uint8Array(values.buffer);
  };
  const DATA_PKL = new Uint8Array(readFileSync('test/fixtures/pickle/benign/torch_state_dict.data.pkl'));
  /** A torch.save layout: `data.pkl`, large stored storages, `version`; `extra` members replace storages. */
  const checkpoint = (extra: Record<number, Uint8Array> = {}): Uint8Array =>
    buildZip([
      { name: 'archive/data.pkl', data: DATA_PKL },
      ...Array.from({ length: 8 }, (_, i) => ({ name: `archive/data/${i}`, data: extra[i] ?? weights(2 << 20, i) })),
      { name: 'archive/version', data: '3\n' },
    ]);

  it('should read at most 1 % of a checkpoint besides the pickle it unpickles', async () => {
    const bytes = checkpoint();
    const { findings, bytesRead } = await scanCounted('model.pt', bytes);
    expect(findings).toEqual([]);
    expect(bytesRead).toBeLessThanOrEqual(0.01 * bytes.length + DATA_PKL.length);
  });

  it('should find a pickle hidden in a storage slot, reading it to its end however long it parses', async () => {
    // PROTO 4, a 3 MiB BINBYTES the payload hides behind, POP, then os.system.
    const padding = 3 << 20;
    const long = new Uint8Array([0x80, 0x04, 0x42, ...new Uint8Array(new Uint32Array([padding]).buffer), ...noise(padding), 0x30, ...PAYLOAD]);
    const bytes = checkpoint({ 3: PAYLOAD, 5: long });
    const { findings, bytesRead } = await scanCounted('model.pt', bytes);
    expect(criticalMembers(findings).map((f) => f.split(':')[0])).toEqual(expect.arrayContaining(['model.pt!archive/data/3', 'model.pt!archive/data/5']));
    expect(bytesRead).toBeLessThanOrEqual(0.01 * bytes.length + DATA_PKL.length + PAYLOAD.length + long.length);
  });

  it('should check the CRC of a member read whole and not re-read raw tensor bytes for theirs', async () => {
    const storage = noise(4 << 20);
    const bytes = buildZip([
      { name: 'a/data.pkl', data: PICKLE, crc: 1 },
      { name: 'a/data/0', data: storage, crc: 2 },
    ]);
    const { findings, bytesRead } = await scanCounted('m.pt', bytes);
    expect(findings.filter((f) => f.ruleId === 'archive.zip-crc-mismatch').map((f) => f.location)).toEqual(['member a/data.pkl']);
    // The end-record search (64 KiB), headers and heads: the storage is never read whole.
    expect(bytesRead).toBeLessThan(128 * 1024);
  });
});

describe('deflated zip members (issue 15 §1)', () => {
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: makeLimits({ maxExpandedBytes: 2 << 20 }), settings: DEFAULT_SETTINGS });
  const scan = async (bytes: Uint8Array) => (await engine.scanFile({ path: 'model.pt', size: bytes.length }, new BufferSource(bytes))).findings;
  const weights = new Uint8Array(new Float32Array(Array.from({ length: 2 << 20 }, (_, i) => Math.sin(i * 0.37) * 0.05)).buffer);

  it('should inflate a raw storage only as far as its analysis reads, not whole', async () => {
    // 8 MiB of weights against a 2 MiB expansion budget: inflating any storage whole would exhaust it.
    const findings = await scan(buildZip([{ name: 'archive/data.pkl', data: PICKLE, method: 8 }, { name: 'archive/data/0', data: weights, method: 8 }]));
    expect(findings).toEqual([]);
  });

  it('should still inflate and analyse a pickle hidden in a deflated storage slot', async () => {
    const findings = await scan(buildZip([{ name: 'archive/data/0', data: weights.subarray(0, 1 << 20), method: 8 }, { name: 'archive/data/1', data: PAYLOAD, method: 8 }]));
    expect(criticalMembers(findings).some((f) => f.startsWith('model.pt!archive/data/1:'))).toBe(true);
  });
});
