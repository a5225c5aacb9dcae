import { describe, expect, it } from 'vitest';
import { Bzip2Bound, bzip2Level } from '../../../../analyzers/archive/bzip2-bound.js';
import { chunked, fixture } from './fixtures.js';

const LIMITS = { maxRatio: 200, maxOutput: 64 * 1024 ** 3 };

async function mayExpand(bytes: Uint8Array, chunkSize?: number, limits = LIMITS): Promise<boolean> {
  const bound = new Bzip2Bound(bzip2Level(bytes)!, limits.maxRatio);
  for await (const chunk of chunked(bytes, chunkSize)) bound.push(chunk);
  return bound.mayExpandPast(limits.maxOutput);
}

describe('bzip2 expansion bound', () => {
  it.each([undefined, 1000, 7])('should clear incompressible data, whole or in %s-byte chunks', async (size) => {
    expect(await mayExpand(fixture('noise.blocks.bz2'), size)).toBe(false);
  });

  it.each(['bomb.bz2', 'payload.bz2', 'payload.multi.bz2'])('should not clear %s: its blocks could expand past 200×', async (name) => {
    expect(await mayExpand(fixture(name))).toBe(true);
  });

  it('should not clear a stream cut before its end marker', async () => {
    const bytes = fixture('noise.blocks.bz2');
    expect(await mayExpand(bytes.subarray(0, bytes.length - 20))).toBe(true);
  });

  it('should not clear a stream whose bound passes the output limit', async () => {
    // Two level-1 blocks: at most 2 × 5,180,000 bytes.
    expect(await mayExpand(fixture('noise.blocks.bz2'), undefined, { ...LIMITS, maxOutput: 10_000_000 })).toBe(true);
    expect(await mayExpand(fixture('noise.blocks.bz2'), undefined, { ...LIMITS, maxOutput: 10_360_000 })).toBe(false);
  });

  it.each([
    ['BZh9', 9],
    ['BZh1', 1],
    ['BZh0', undefined],
    ['BZx9', undefined],
  ])('should read the level of %s as %s', (head, level) => {
    expect(bzip2Level(new TextEncoder().encode(head))).toBe(level);
  });
});
