/**
 * HDF5 user blocks: h5py skips them, pickle.load and torch.load read the file from byte 0. Fixtures:
 * test/fixtures/archive/readings/generate_hdf5.py (h5py with userblock_size, checked with pickletools
 * and tarfile).
 */
import { describe, expect, it } from 'vitest';
import { fixture } from './fixtures.js';
import { criticalMembers, scanAll } from './full-engine.js';

const readings = (name: string): Uint8Array => fixture(`readings/${name}`);

describe('HDF5 user blocks', () => {
  it('should analyse a pickle in the user block and report that h5py and pickle.load read different things', async () => {
    const findings = await scanAll('model.h5', readings('userblock-pickle.h5'));
    expect(criticalMembers(findings).some((f) => f.startsWith('model.h5!<hdf5 user block>:'))).toBe(true);
    expect(findings.find((f) => f.ruleId === 'archive.reader-disagreement')?.details).toMatchObject({ userBlockBytes: 512, userBlockFormat: 'pickle' });
  });

  it("should analyse a legacy torch tar in the user block, as torch.load's tar path reads it", async () => {
    const findings = await scanAll('model.h5', readings('userblock-tar.h5'));
    expect(criticalMembers(findings).some((f) => f.includes('pickle:'))).toBe(true);
  });

  it('should stay quiet about a text user block', async () => {
    const findings = await scanAll('model.h5', readings('userblock-text.h5'));
    expect(findings.filter((f) => f.ruleId.startsWith('archive.'))).toEqual([]);
    expect(criticalMembers(findings)).toEqual([]);
  });
});
