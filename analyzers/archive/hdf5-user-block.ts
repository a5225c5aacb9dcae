/**
 * HDF5 user blocks (HDF5 File Format Specification §II.A): an HDF5 file may start with a user block of
 * 512, 1024, 2048… bytes that h5py and Keras skip. Readers that take the file from its first byte do
 * not: `pickle.load` unpickles it, `torch.load`'s legacy path opens it as a tar (tarfile stops at the
 * superblock, which is no tar header). So the user block is analysed as a member of its own, routed by
 * its content, and when it holds a format some loader reads (not text or zeros) the two readings are
 * reported.
 */
import type { Analyzer } from '../analyzer.js';
import { makeFinding, type Finding } from '../finding.js';
import { sniffFormat, SNIFF_BYTES } from '../sniff.js';
import { SliceSource } from '../source.js';
import { H5File } from '../keras/hdf5/file.js';
import { findSignature } from '../keras/hdf5/superblock.js';
import type { Format } from '../formats.js';
import { ARCHIVE_RULES } from './rules.js';

/** What an ordinary user block holds: nothing, or text written with `h5py`'s `userblock_size`. */
const INERT_FORMATS: ReadonlySet<Format> = new Set(['empty', 'text', 'json', 'unknown']);
export const USER_BLOCK_MEMBER = '<hdf5 user block>';

export const hdf5UserBlockAnalyzer: Analyzer = {
  name: 'archive',
  formats: ['hdf5'],
  rules: [ARCHIVE_RULES.readerDisagreement],
  async analyze(ctx) {
    let superblock: number;
    try {
      superblock = await findSignature(new H5File(ctx.source, 64));
    } catch {
      return []; // no superblock: the HDF5 analyzer reports the damage
    }
    if (superblock === 0) return [];
    const block = new SliceSource(ctx.source, 0, superblock);
    const head = await block.read(0, Math.min(SNIFF_BYTES, superblock));
    if (head.every((b) => b === 0)) return [];
    const findings: Finding[] = [];
    const format = sniffFormat(head, superblock);
    if (!INERT_FORMATS.has(format))
      findings.push(
        makeFinding(ARCHIVE_RULES.readerDisagreement, ctx.file.path, {
          location: USER_BLOCK_MEMBER,
          message: `the ${superblock}-byte HDF5 user block holds ${format} data: h5py and Keras skip it, loaders that read the file from its start (pickle.load, torch.load) read it. Both were analysed`,
          details: { userBlockBytes: superblock, userBlockFormat: format },
        }),
      );
    findings.push(...(await ctx.scanMember(USER_BLOCK_MEMBER, block)));
    return findings;
  },
};
