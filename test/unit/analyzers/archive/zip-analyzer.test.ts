import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { severityRank } from '../../../../analyzers/finding.js';
import { fixture } from './fixtures.js';
import { archiveEngine, ruleIds } from './harness.js';
import { buildZip, type MemberSpec, type ZipSpec } from './zip-writer.js';

/** A protocol-2 pickle: `{}` (what the recorder should see routed as `pickle`). */
const PICKLE = new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);
const pickleMember = (name: string, extra: Partial<MemberSpec> = {}): MemberSpec => ({ name, data: PICKLE, ...extra });

describe('zip analyzer', () => {
  describe.each(['seekable', 'forward'] as const)('%s source', (mode) => {
    it('should route data.pkl of a real torch.save file to the pickle analyzer and stay quiet', async () => {
      const { scan, reached } = archiveEngine();
      const findings = await scan('model.pt', fixture('torch-state-dict.pt'), mode);
      expect(reached.filter((r) => r.format === 'pickle').map((r) => r.path)).toEqual(['model.pt!torch-state-dict/data.pkl']);
      expect(findings.filter((f) => severityRank(f.severity) >= severityRank('Medium'))).toEqual([]);
      // Read front to back (a zip in a compressed layer) an ordinary zip is no finding either (issue 13 §7).
      expect(ruleIds(findings)).toEqual([]);
    });

    it('should report a central directory that points elsewhere than the local headers, however the zip is read', async () => {
      const { scan } = archiveEngine();
      const findings = await scan('model.pt', buildZip([pickleMember('archive/data.pkl'), pickleMember('archive/hidden.pkl', { sameLocalHeaderAs: 0 })]), mode);
      expect(ruleIds(findings)).toContain(mode === 'forward' ? 'archive.zip-header-mismatch' : 'archive.decompression-bomb');
    });

    it('should route a pickle by content when its member name says otherwise', async () => {
      const { scan, reached } = archiveEngine();
      await scan('model.pt', buildZip([pickleMember('archive/data.txt'), pickleMember('archive/constants.pkl', { method: 8 })]), mode);
      expect(reached.map((r) => [r.path, r.format])).toEqual([
        ['model.pt!archive/data.txt', 'pickle'],
        ['model.pt!archive/constants.pkl', 'pickle'],
      ]);
    });

    it('should write nested members as a!b!c when a zip holds a zip', async () => {
      const { scan, reached } = archiveEngine();
      const inner = buildZip([pickleMember('archive/data.pkl')]);
      await scan('outer.zip', buildZip([{ name: 'model/pytorch_model.pt', data: inner, method: 8 }]), mode);
      expect(reached.map((r) => r.path)).toEqual(['outer.zip!model/pytorch_model.pt!archive/data.pkl']);
      expect(reached[0]?.format).toBe('pickle');
    });
  });

  it('should route every .npy member of an .npz, including the object array', async () => {
    const { scan, reached } = archiveEngine();
    await scan('arrays.npz', fixture('arrays.npz'));
    expect(reached.map((r) => [r.path, r.format])).toEqual([
      ['arrays.npz!numbers.npy', 'npy'],
      ['arrays.npz!objects.npy', 'npy'],
    ]);
  });

  it('should stop at the depth limit with a finding when zips nest deeper', async () => {
    const { scan, reached } = archiveEngine({ maxDepth: 3 });
    let bytes = buildZip([pickleMember('data.pkl')]);
    for (let level = 0; level < 4; level++) bytes = buildZip([{ name: `level${level}.zip`, data: bytes }]);
    const findings = await scan('nest.zip', bytes);
    expect(reached).toEqual([]);
    // nest.zip is depth 0, so level0.zip would be depth 4.
    expect(findings.map((f) => [f.ruleId, f.file])).toEqual([['engine.limit-exceeded', 'nest.zip!level3.zip!level2.zip!level1.zip!level0.zip']]);
  });

  const HOSTILE: ReadonlyArray<readonly [string, MemberSpec[], ZipSpec | undefined, string]> = [
    ['local and central names differ (CVE-2025-1944)', [pickleMember('a/data.pkl', { localName: 'a/x.txt' })], undefined, 'archive.zip-header-mismatch'],
    ['the encryption flag is set on plain data (CVE-2025-1945)', [pickleMember('a/data.pkl', { flags: 0x1 })], undefined, 'archive.zip-flag-bits'],
    ['the CRC does not match (CVE-2025-10156)', [pickleMember('a/data.pkl', { crc: 1 })], undefined, 'archive.zip-crc-mismatch'],
    ['a member uses AES (method 99)', [{ name: 'secret.bin', data: 'x', method: 99 }], undefined, 'archive.unsupported-method'],
    ['a name occurs twice', [pickleMember('a/data.pkl'), pickleMember('a//./data.pkl')], undefined, 'archive.duplicate-member'],
    ['a name climbs out with ..', [pickleMember('../../evil.pkl')], undefined, 'archive.path-traversal'],
    ['a name is absolute', [pickleMember('/etc/cron.d/evil')], undefined, 'archive.path-traversal'],
    ['a symlink points outside', [{ name: 'a/link', data: '../../../etc/passwd', unixMode: 0o120777 }], undefined, 'archive.link-escape'],
    ['two entries share one local header (overlap bomb)', [pickleMember('a'), pickleMember('b', { sameLocalHeaderAs: 0 })], undefined, 'archive.decompression-bomb'],
    // The prefix starts like a zip so the sniffer routes it here (a prefix without it is not sniffed as zip).
    ['data precedes the archive', [pickleMember('a/data.pkl')], { prefix: new Uint8Array([0x50, 0x4b, 3, 4, ...new Uint8Array(96)]) }, 'archive.zip-prefix-data'],
    ['the end record declares another entry count', [pickleMember('a/data.pkl')], { declaredEntries: 3 }, 'archive.zip-malformed'],
  ];

  it.each(HOSTILE)('should report %s', async (_, members, spec, rule) => {
    const { scan } = archiveEngine();
    expect(ruleIds(await scan('hostile.zip', buildZip(members, spec)))).toContain(rule);
  });

  it('should still scan the pickle when the zip hides it behind tolerated anomalies', async () => {
    const { scan, reached } = archiveEngine();
    await scan('x.pt', buildZip([pickleMember('a/data.pkl', { localName: 'a/q', flags: 0x41, crc: 5, dataDescriptor: 'signed' })]));
    expect(reached.map((r) => r.format)).toEqual(['pickle']);
  });

  it('should report a high-ratio member with its numbers and not expand it', async () => {
    const { scan, reached } = archiveEngine({ maxCompressionRatio: 100 });
    const findings = await scan('bomb.zip', buildZip([{ name: 'zeros.bin', data: new Uint8Array(8 << 20), method: 8 }]));
    const bomb = findings.find((f) => f.ruleId === 'archive.decompression-bomb');
    expect(bomb?.details).toMatchObject({ uncompressedSize: 8 << 20, maxRatio: 100 });
    expect(reached).toEqual([]);
  });

  it('should stop 42.zip-style nesting when the tree expands past the shared budget', async () => {
    const { scan, reached } = archiveEngine({ maxCompressionRatio: 1e9, maxExpandedBytes: 20 << 20 });
    const leaf = new Uint8Array(2 << 20);
    let level = buildZip(Array.from({ length: 4 }, (_, i) => ({ name: `leaf${i}.bin`, data: leaf, method: 8 })));
    for (let depth = 0; depth < 2; depth++)
      level = buildZip(Array.from({ length: 4 }, (_, i) => ({ name: `d${depth}-${i}.zip`, data: level, method: 8 })));
    const findings = await scan('42.zip', level);
    expect(reached.length).toBeLessThan(64);
    expect(ruleIds(findings).some((id) => id === 'archive.decompression-bomb' || id === 'engine.limit-exceeded')).toBe(true);
  });

  it('should report the member limit when a zip has more entries', async () => {
    const { scan, reached } = archiveEngine({ maxMembers: 5 });
    const findings = await scan('many.zip', buildZip(Array.from({ length: 9 }, (_, i) => pickleMember(`m${i}`))));
    expect(ruleIds(findings)).toContain('archive.too-many-members');
    expect(reached.length).toBeLessThanOrEqual(5);
  });

  it('should report a damaged zip instead of failing when members are unreadable', async () => {
    const { scan, reached } = archiveEngine();
    const bytes = buildZip([pickleMember('a/data.pkl'), pickleMember('b/data.pkl')]);
    bytes[30 + 'a/data.pkl'.length + PICKLE.length] = 0; // second local header gone
    const findings = await scan('broken.zip', bytes);
    expect(ruleIds(findings)).toEqual(['archive.zip-malformed']);
    expect(reached.map((r) => r.path)).toEqual(['broken.zip!a/data.pkl']);
  });

  it('should read members front to back and report it when there is no central directory', async () => {
    const { scan, reached } = archiveEngine();
    const findings = await scan('local-only.zip', buildZip([pickleMember('a/data.pkl', { method: 8 })], { localOnly: true }));
    expect(reached.map((r) => r.format)).toEqual(['pickle']);
    expect(ruleIds(findings)).toContain('archive.zip-malformed');
  });

  it('should decompress a deflated member and hand over exactly its bytes', async () => {
    const { scan, reached } = archiveEngine();
    const data = new TextEncoder().encode('{"config": true}');
    await scan('k.keras', buildZip([{ name: 'config.json', data, method: 8 }]));
    expect(reached[0]?.format).toBe('json');
    expect(Buffer.from(reached[0]!.bytes).equals(Buffer.from(data))).toBe(true);
    expect(deflateRawSync(data).length).toBeGreaterThan(0);
  });
});
