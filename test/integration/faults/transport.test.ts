/**
 * Issue 14 items 1 and 3: a registry fault while a file is read fails the scan with a message naming the
 * file and the registry error, never becomes a finding, and is not reused: once the registry recovers, a
 * rescan pulls again and reports the Critical pickle. A flipped byte in a gzip layer is the digest
 * mismatch it is; bytes swapped for Range requests are caught with SCANNER_VERIFY_BLOBS.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueRepository } from '../../services/endpoints.js';
import { pushArtifact, sha256Digest, OCI_MANIFEST } from '../../services/push.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../../support/fault-proxy.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { tarArchive, tarEntry } from '../../support/tar-builder.js';
import { BENIGN_PICKLE, blobPath, PICKLE, pushModel, pushPickleModel, registry, scanThrough, vulnerabilityReport } from './support.js';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('registry faults while files are read', () => {
  let scanner: TestScanner;
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(registry.url);
    scanner = await startTestScanner();
  });
  afterAll(async () => {
    await scanner.stop();
    await proxy.close();
  });

  it.each<{ name: string; fault: Fault; error: RegExp }>([
    { name: 'a 503 storm', fault: { mode: 'storm' }, error: /HTTP 503/ },
    { name: 'a connection reset mid-body', fault: { mode: 'reset', afterBytes: 8 }, error: /unavailable after 1 attempt/ },
    { name: 'a body cut short', fault: { mode: 'cut', afterBytes: 8 }, error: /unavailable after 1 attempt/ },
  ])('should fail the scan on $name in a raw ModelPack layer, and report the pickle once the registry recovers', async ({ fault, error }) => {
    const model = await pushPickleModel(uniqueRepository('fault-raw'));
    const pickle = model.layers[0]!.digest;
    proxy.set({ path: blobPath(pickle), fault });
    const failed = await scanThrough(scanner.url, proxy, model);
    expect(proxy.hits.get(fault.mode)).toBeGreaterThan(0);
    expect(failed.error).toMatch(/model\.pkl/);
    expect(failed.error).toMatch(error);
    expect(failed.reports.some((r) => r.body !== undefined)).toBe(false);

    proxy.set();
    const report = vulnerabilityReport(await scanThrough(scanner.url, proxy, model));
    expect(report.vulnerabilities.filter((v) => v.package === 'model.pkl').map((v) => v.severity)).toContain('Critical');
    expect(report.vulnerabilities.map((v) => v.id)).not.toContain('engine.analysis-failed');
  });

  it('should report a flipped byte in a gzip layer as a digest mismatch, not a malformed archive', async () => {
    const tar = tarArchive([tarEntry({ name: 'models/model.pkl' }, PICKLE), tarEntry({ name: 'models/notes.txt' }, 'x'.repeat(20_000))]);
    const layer = gzipSync(tar);
    const repository = uniqueRepository('fault-flip');
    const pushed = await pushArtifact({ registry }, repository, 'v1', {
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] } }) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: layer }],
    });
    proxy.set({ path: blobPath(pushed.layers[0]!.digest), fault: { mode: 'flip', offset: Math.floor(layer.length / 2) } });
    const size = pushed.manifestBytes.length + pushed.config.size + layer.length;
    const failed = await scanThrough(scanner.url, proxy, { repository, digest: pushed.digest, mediaType: OCI_MANIFEST, size });
    expect(proxy.hits.get('flip')).toBeGreaterThan(0);
    expect(failed.error).toMatch(/does not match its digest/);
    expect(failed.error).toContain(pushed.layers[0]!.digest);
    expect(failed.error).not.toMatch(/tar-malformed|malformed/);
    proxy.set();
  });
});

describe('bytes swapped for Range requests, with SCANNER_VERIFY_BLOBS=true', () => {
  let scanner: TestScanner;
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(registry.url);
    scanner = await startTestScanner({ SCANNER_VERIFY_BLOBS: 'true' });
  });
  afterAll(async () => {
    await scanner.stop();
    await proxy.close();
  });

  it('should fail the scan when a proxy serves another pickle inside an uncompressed tar layer by Range', async () => {
    const tar = tarArchive([tarEntry({ name: 'model.pkl' }, PICKLE)]);
    const model = await pushModel(uniqueRepository('fault-swap'), [{ mediaType: 'application/vnd.cncf.model.weight.v1.tar', bytes: tar, path: 'model.pkl' }]);
    proxy.set({ path: blobPath(model.layers[0]!.digest), fault: { mode: 'swap-range', find: PICKLE, replace: BENIGN_PICKLE } });
    const failed = await scanThrough(scanner.url, proxy, model);
    expect(proxy.hits.get('swap-range')).toBeGreaterThan(0);
    expect(failed.error).toMatch(/as served by Range/);
    expect(failed.error).toMatch(/does not match its digest/);

    proxy.set();
    const report = vulnerabilityReport(await scanThrough(scanner.url, proxy, model));
    expect(report.vulnerabilities.filter((v) => v.package === 'model.pkl').map((v) => v.severity)).toContain('Critical');
  });

  it('should report a flipped byte in the header of an uncompressed tar layer as a digest mismatch, not a malformed tar', async () => {
    const tar = tarArchive([tarEntry({ name: 'model.pkl' }, PICKLE), tarEntry({ name: 'notes.txt' }, `${Date.now()}`)]);
    const model = await pushModel(uniqueRepository('fault-tar-flip'), [{ mediaType: 'application/vnd.cncf.model.weight.v1.tar', bytes: tar, path: 'model.pkl' }]);
    // Byte 100 is the first header's mode field: its checksum no longer matches.
    proxy.set({ path: blobPath(model.layers[0]!.digest), fault: { mode: 'flip', offset: 100 } });
    const failed = await scanThrough(scanner.url, proxy, model);
    proxy.set();
    expect(proxy.hits.get('flip')).toBeGreaterThan(0);
    expect(failed.error).toMatch(/does not match its digest/);
    expect(failed.error).not.toMatch(/checksum/);
  });
});
