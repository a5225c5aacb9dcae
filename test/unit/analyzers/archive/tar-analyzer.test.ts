import { describe, expect, it } from 'vitest';
import { fixture } from './fixtures.js';
import { archiveEngine, ruleIds } from './harness.js';
import { tarArchive, tarEntry, type HeaderSpec } from '../../../support/tar-builder.js';

const PICKLE = new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);

describe('tar analyzer', () => {
  it.each(['seekable', 'forward'] as const)('should route every legacy PyTorch member to the pickle analyzer (%s)', async (mode) => {
    const { scan, reached } = archiveEngine();
    const findings = await scan('legacy.pt', fixture('legacy-torch.tar'), mode);
    expect(reached.map((r) => [r.path, r.format])).toEqual([
      ['legacy.pt!sys_info', 'pickle'],
      ['legacy.pt!pickle', 'pickle'],
      ['legacy.pt!storages', 'pickle'],
      ['legacy.pt!tensors', 'pickle'],
    ]);
    expect(findings).toEqual([]);
  });

  const HOSTILE: ReadonlyArray<readonly [string, HeaderSpec, string]> = [
    ['a name with ../', { name: '../../etc/cron.d/job' }, 'archive.path-traversal'],
    ['an absolute name', { name: '/etc/passwd' }, 'archive.path-traversal'],
    ['a symlink leaving the root', { name: 'model/link', type: '2', linkname: '../../../etc/shadow' }, 'archive.link-escape'],
    ['an absolute symlink', { name: 'model/link', type: '2', linkname: '/etc/shadow' }, 'archive.link-escape'],
    ['a hardlink to an absolute path', { name: 'model/hard', type: '1', linkname: '/etc/shadow' }, 'archive.link-escape'],
    ['a character device', { name: 'dev/null', type: '3' }, 'archive.device-file'],
    ['a block device', { name: 'dev/sda', type: '4' }, 'archive.device-file'],
    ['a FIFO', { name: 'pipe', type: '6' }, 'archive.device-file'],
    ['a setuid file', { name: 'bin/tool', mode: 0o4755 }, 'archive.setuid'],
    ['a setgid file', { name: 'bin/tool', mode: 0o2755 }, 'archive.setuid'],
  ];

  it.each(HOSTILE)('should report %s', async (_, spec, rule) => {
    const { scan } = archiveEngine();
    expect(ruleIds(await scan('layer.tar', tarArchive([tarEntry(spec)])))).toEqual([rule]);
  });

  it.each([
    ['a symlink inside the root', { name: 'model/a/link', type: '2', linkname: '../weights.bin' }],
    ['a setgid directory', { name: 'shared/', type: '5', mode: 0o2775 }],
  ] as const)('should stay quiet on %s', async (_, spec) => {
    const { scan } = archiveEngine();
    expect(await scan('layer.tar', tarArchive([tarEntry(spec)]))).toEqual([]);
  });

  it('should report a duplicate path when two entries normalise to the same one', async () => {
    const { scan } = archiveEngine();
    const bytes = tarArchive([tarEntry({ name: 'model/data.pkl' }, PICKLE), tarEntry({ name: './model//data.pkl' }, PICKLE)]);
    expect(ruleIds(await scan('layer.tar', bytes))).toEqual(['archive.duplicate-member']);
  });

  it('should keep earlier findings and add a malformed finding when a later header is corrupt', async () => {
    const { scan, reached } = archiveEngine();
    const bytes = tarArchive([tarEntry({ name: '../x' }, PICKLE), tarEntry({ name: 'y', checksumDelta: 1 }, PICKLE)]);
    expect(ruleIds(await scan('layer.tar', bytes))).toEqual(['archive.path-traversal', 'archive.tar-malformed']);
    expect(reached).toHaveLength(1);
  });

  it('should report the member limit when a tar has more entries', async () => {
    const { scan, reached } = archiveEngine({ maxMembers: 3 });
    const bytes = tarArchive(Array.from({ length: 6 }, (_, i) => tarEntry({ name: `m${i}` }, PICKLE)));
    expect(ruleIds(await scan('layer.tar', bytes))).toEqual(['archive.too-many-members']);
    expect(reached.length).toBeLessThanOrEqual(3);
  });
});
