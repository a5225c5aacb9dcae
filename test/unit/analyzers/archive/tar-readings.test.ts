/**
 * Tars read the way CPython's tarfile (torch.load's legacy path) reads them, and on as ignore_zeros does
 * (issue 11 class 4). Fixtures: test/fixtures/archive/readings/generate_tar.py, which checks each one
 * against tarfile; the payload pickle calls os.system.
 */
import { describe, expect, it } from 'vitest';
import { sniffFormat } from '../../../../analyzers/sniff.js';
import { fixture } from './fixtures.js';
import { archiveEngine } from './harness.js';
import { criticalMembers, scanAll } from './full-engine.js';

const readings = (name: string): Uint8Array => fixture(`readings/${name}`);
const EVIL = new TextEncoder().encode("cos\nsystem\n(S'touch pwned'\ntR.");

describe('tar readings', () => {
  it('should sniff a V7 tar without ustar magic as tar and analyse its pickle member', async () => {
    const bytes = readings('v7-legacy.tar');
    expect(sniffFormat(bytes.subarray(0, 4096), bytes.length)).toBe('tar');
    expect(criticalMembers(await scanAll('legacy.pt', bytes))).toContain('legacy.pt!pickle: pickle.dangerous-global');
  });

  it.each([
    ['an unknown typeflag, read as a regular file', 'unknown-typeflag.tar'],
    ['a global PAX size that makes the next header the content', 'pax-global-size.tar'],
    ['a PAX size that is not a number (0 for tarfile)', 'pax-bad-size.tar'],
  ])('should analyse the payload behind %s', async (_, name) => {
    const findings = await scanAll('legacy.pt', readings(name));
    expect(criticalMembers(findings).some((f) => f.startsWith('legacy.pt!pickle:'))).toBe(true);
  });

  it('should hand over exactly the bytes tarfile reads for a global PAX size', async () => {
    const { scan, reached } = archiveEngine();
    await scan('g.tar', readings('pax-global-size.tar'));
    expect(Buffer.from(reached.find((r) => r.path === 'g.tar!pickle')!.bytes).equals(Buffer.from(EVIL))).toBe(true);
  });

  it.each(['gnu-sparse.tar', 'pax-sparse-0.0.tar', 'pax-sparse-0.1.tar', 'pax-sparse-1.0.tar'])(
    'should fill the holes of the sparse member of %s as tarfile does',
    async (name) => {
      const { scan, reached } = archiveEngine();
      await scan('s.tar', readings(name));
      const content = reached.find((r) => r.path === 's.tar!pickle')!.bytes;
      expect(content.length).toBe(256 * 1024 + 4);
      expect(Buffer.from(content.subarray(0, EVIL.length)).equals(Buffer.from(EVIL))).toBe(true);
      expect(new TextDecoder().decode(content.subarray(-4))).toBe('tail');
      expect(content.subarray(EVIL.length, -4).every((b) => b === 0)).toBe(true);
    },
  );

  it.each([
    ['a lone zero block', 'zero-block-hidden.tar', 'a zero block'],
    ['an invalid header', 'bad-header-hidden.tar', 'an invalid header'],
  ])('should analyse the members after %s that only ignore_zeros reads, and report the ambiguity', async (_, name, reason) => {
    const findings = await scanAll('legacy.pt', readings(name));
    expect(criticalMembers(findings).some((f) => f.startsWith('legacy.pt!pickle:'))).toBe(true);
    const ambiguity = findings.find((f) => f.ruleId === 'archive.reader-disagreement');
    expect(ambiguity?.severity).toBe('High');
    expect(ambiguity?.details).toMatchObject({ endOffset: 1024, ignoreZerosOnly: ['pickle'] });
    expect(ambiguity?.message).toContain(reason);
  });

  it('should report no ambiguity for an ordinary tarfile archive padded with zero blocks', async () => {
    const findings = await scanAll('legacy.pt', readings('v7-legacy.tar'));
    expect(findings.some((f) => f.ruleId === 'archive.reader-disagreement' || f.ruleId === 'archive.tar-malformed')).toBe(false);
  });
});
