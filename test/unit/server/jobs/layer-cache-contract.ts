/**
 * The behaviour every LayerResultCache must have (SQLite, Redis), run by each implementation's test file:
 * values come back as stored, the byte budget holds, and what goes first is what was used least recently.
 */
import { expect, it } from 'vitest';
import type { LayerResultCache } from '../../../../server/jobs/layer-cache.js';

export interface CacheUnderTest {
  readonly cache: LayerResultCache;
  usage(): Promise<{ bytes: number; entries: number }>;
}

const value = (fill: number, size: number): Uint8Array => new Uint8Array(size).fill(fill);

/** `open(maxBytes)` opens a fresh, empty cache; `second` a second connection to the same one (another replica or thread). */
export function layerCacheContract(open: (maxBytes: number) => Promise<CacheUnderTest & { second(): Promise<LayerResultCache> }>): void {
  it('should return what was stored, and nothing for other keys', async () => {
    const { cache } = await open(10_000);
    await cache.put('a', value(1, 100));
    expect(await cache.get('a')).toEqual(value(1, 100));
    expect(await cache.get('b')).toBeUndefined();
    await cache.put('a', value(2, 50));
    expect(await cache.get('a')).toEqual(value(2, 50));
  });

  it('should evict the least recently used entries to stay within the byte budget', async () => {
    const under = await open(1_000);
    const { cache } = under;
    for (const key of ['a', 'b', 'c', 'd']) await cache.put(key, value(key.charCodeAt(0), 240));
    expect(await under.usage()).toEqual({ bytes: 960, entries: 4 });
    // A read makes `a` the most recently used: `b` is the oldest now.
    expect(await cache.get('a')).toBeDefined();
    await cache.put('e', value(5, 240));
    expect(await cache.get('b')).toBeUndefined();
    for (const key of ['a', 'c', 'd', 'e']) expect(await cache.get(key), key).toBeDefined();
    expect(await under.usage()).toEqual({ bytes: 960, entries: 4 });
    // A larger entry pushes out as many of the oldest as it needs.
    await cache.put('f', value(6, 250));
    await cache.put('g', value(7, 250));
    const { bytes } = await under.usage();
    expect(bytes).toBeLessThanOrEqual(1_000);
    expect(await cache.get('g')).toBeDefined();
    expect(await cache.get('f')).toBeDefined();
  });

  it('should count a replaced entry once', async () => {
    const under = await open(1_000);
    await under.cache.put('a', value(1, 200));
    await under.cache.put('a', value(2, 240));
    expect(await under.usage()).toEqual({ bytes: 240, entries: 1 });
  });

  it('should drop an entry larger than a quarter of the budget instead of flushing the others', async () => {
    const under = await open(1_000);
    await under.cache.put('small', value(1, 200));
    await under.cache.put('huge', value(2, 251));
    expect(await under.cache.get('huge')).toBeUndefined();
    expect(await under.cache.get('small')).toBeDefined();
  });

  it('should be shared by a second connection, budget and recency included', async () => {
    const under = await open(1_000);
    const other = await under.second();
    await under.cache.put('a', value(1, 240));
    expect(await other.get('a')).toEqual(value(1, 240));
    for (const key of ['b', 'c', 'd']) await other.put(key, value(2, 240));
    expect(await under.cache.get('a')).toBeDefined();
    await other.put('e', value(3, 240));
    expect(await under.cache.get('b')).toBeUndefined();
    expect(await under.cache.get('a')).toBeDefined();
    expect((await under.usage()).bytes).toBeLessThanOrEqual(1_000);
  });
}
