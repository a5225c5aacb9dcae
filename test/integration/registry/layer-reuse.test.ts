/**
 * Issue 17 item 4 against Debian's docker-registry: images that share a base layer (in other repositories,
 * under other tags) fetch only their own layers once the base has been analysed, and report what a cold
 * scan reports. A new rule set or policy never reuses; a job whose credentials cannot `HEAD` the base blob
 * reads it itself. Requests are counted by a proxy in front of the registry.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type AnalyzerSettings } from '../../../analyzers/settings.js';
import { REPORT_MIME } from '../../../spec/mime.js';
import type { LayerResultCache } from '../../../server/jobs/layer-cache.js';
import { SqliteLayerResultCache } from '../../../server/jobs/sqlite-layer-cache.js';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER } from '../../services/endpoints.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { baseLayer, comparable, pushPair, scanImage, SMALL_BASE, type PushedImage } from '../../support/shared-layers.js';

const registry = REGISTRIES.plain;

const caches: LayerResultCache[] = [];
const newCache = (): SqliteLayerResultCache => {
  const cache = new SqliteLayerResultCache(mkdtempSync(path.join(tmpdir(), 'layer-reuse-')), { maxBytes: 64 * 1024 * 1024 });
  caches.push(cache);
  return cache;
};


describe('layer-level reuse against a real registry', () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(registry.url);
  });
  afterAll(async () => {
    await proxy.close();
  });
  afterEach(async () => {
    proxy.set();
    await Promise.all(caches.splice(0).map((cache) => cache.close()));
  });

  /** Requests for `digest`'s blob since the last reset, as `METHOD` strings. */
  const blobRequests = (digest: string): string[] => proxy.requests.filter((r) => r.path.endsWith(`/blobs/${digest}`)).map((r) => r.method);

  it("should fetch only the second image's own layer, and report what a cold scan reports", async () => {
    const base = baseLayer(SMALL_BASE);
    const [first, second] = await pushPair({ registry }, base);
    const baseDigest = first.layers[0]!.digest;
    expect(second.layers[0]!.digest).toBe(baseDigest);
    const cache = newCache();

    proxy.requests.length = 0;
    const firstResult = await scanImage(proxy.url, first, { cache });
    expect(blobRequests(baseDigest)).toContain('GET');
    expect(firstResult.bytesFetched).toBeGreaterThan(base.gzip.length);

    proxy.requests.length = 0;
    const secondResult = await scanImage(proxy.url, second, { cache });
    // The job proved it may read the base blob, then never fetched it.
    expect(blobRequests(baseDigest)).toEqual(['HEAD']);
    expect(blobRequests(second.layers[1]!.digest)).toContain('GET');
    // Its own layer (sniffed by Range, then streamed), config and manifest; the first scan fetched the base besides.
    const own = second.layers[1]!.size + second.config.size + second.manifestBytes.length;
    expect(secondResult.bytesFetched).toBeGreaterThanOrEqual(own);
    expect(secondResult.bytesFetched).toBeLessThanOrEqual(2 * own);
    expect(firstResult.bytesFetched - secondResult.bytesFetched).toBeGreaterThanOrEqual(base.gzip.length);

    const cold = await scanImage(proxy.url, second);
    expect(comparable(secondResult)).toEqual(comparable(cold));
    expect(secondResult.findings.some((f) => f.file === 'opt/app/cache/evil.pkl' && f.severity === 'Critical')).toBe(true);
    expect(secondResult.facts?.filter((f) => f.kind === 'software-package')).toHaveLength(SMALL_BASE.packages);
  });

  it('should not reuse results of another rule set or policy', async () => {
    const [first, second] = await pushPair({ registry }, baseLayer(SMALL_BASE));
    const baseDigest = first.layers[0]!.digest;
    const cache = newCache();
    await scanImage(proxy.url, first, { cache });
    proxy.requests.length = 0;
    const policy: AnalyzerSettings = { ...DEFAULT_SETTINGS, pickle: { allow: [], deny: ['json.*'] } };
    const result = await scanImage(proxy.url, second, { cache, settings: policy });
    expect(blobRequests(baseDigest)).toContain('GET');
    // The new policy's findings are there: the cached ones could not have had them.
    expect(comparable(result)).toEqual(comparable(await scanImage(proxy.url, second, { settings: policy })));
  });

  it.each([403, 404, 401])('should read the base layer itself when the job is answered %i to its HEAD', async (status) => {
    const [first, second] = await pushPair({ registry }, baseLayer(SMALL_BASE));
    const baseDigest = first.layers[0]!.digest;
    const cache = newCache();
    await scanImage(proxy.url, first, { cache });
    proxy.set({ method: 'HEAD', path: `/blobs/${baseDigest}`, fault: { mode: 'status', status } });
    proxy.requests.length = 0;
    const result = await scanImage(proxy.url, second, { cache });
    expect(proxy.hits.get('status')).toBeGreaterThan(0);
    expect(blobRequests(baseDigest)).toContain('GET');
    proxy.set();
    expect(comparable(result)).toEqual(comparable(await scanImage(proxy.url, second)));
  });
});

describe('layer-level reuse in the service', () => {
  let proxy: FaultProxy;
  let cached: TestScanner;
  let uncached: TestScanner;

  beforeAll(async () => {
    proxy = await startFaultProxy(registry.url);
    [cached, uncached] = await Promise.all([startTestScanner(), startTestScanner({ SCANNER_LAYER_CACHE_BYTES: '0' })]);
  });
  afterAll(async () => {
    await Promise.all([cached.stop(), uncached.stop()]);
    await proxy.close();
  });

  const report = async (scanner: TestScanner, image: PushedImage): Promise<unknown> => {
    const harbor = new HarborSimulator({ url: scanner.url, timing: { firstCheckDelayMs: 20, refreshSecondMs: 20 } });
    const outcome = await harbor.scan({
      artifact: { repository: image.repository, digest: image.digest, tag: 'v1', manifestMediaType: image.mediaType, size: image.size, harborType: 'IMAGE' },
      registry: { url: proxy.url, robot: { name: ROBOT_USER.username, secret: ROBOT_USER.password } },
    });
    expect(outcome.error).toBeUndefined();
    const body = JSON.parse(outcome.reports.find((r) => r.mimeType === REPORT_MIME.vulnerabilityV1_1)?.body ?? 'null') as Record<string, unknown>;
    return { ...body, generated_at: '' };
  };

  it('should answer the second image of a shared base without fetching the base, with the report of a scanner without the cache', async () => {
    const [first, second] = await pushPair({ registry }, baseLayer(SMALL_BASE));
    const baseDigest = first.layers[0]!.digest;
    await report(cached, first);
    proxy.requests.length = 0;
    const reused = await report(cached, second);
    expect(proxy.requests.filter((r) => r.path.endsWith(`/blobs/${baseDigest}`)).map((r) => r.method)).toEqual(['HEAD']);
    expect(reused).toEqual(await report(uncached, second));
  });
});
