/**
 * Issue 14 items 2, 4 and 6 through the fault proxy: an index nested deeper than the resolver follows
 * is a finding, not a silent skip; a registry that drips its answers ends at SCANNER_SCAN_TIMEOUT with a
 * "timed out" failure; a gzip image layer past the bomb ratio is `archive.decompression-bomb`.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueRepository } from '../../services/endpoints.js';
import { OCI_INDEX, OCI_MANIFEST, pushArtifact, pushIndex, sha256Digest } from '../../services/push.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { tarArchive, tarEntry } from '../../support/tar-builder.js';
import { blobPath, pushPickleModel, registry, scanThrough, vulnerabilityReport } from './support.js';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

async function pushImage(repository: string, tag: string, files: ReadonlyArray<readonly [string, Uint8Array | string]>) {
  const tar = tarArchive(files.map(([name, content]) => tarEntry({ name }, content)));
  const layer = gzipSync(tar);
  const pushed = await pushArtifact({ registry }, repository, tag, {
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] } }) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: layer }],
  });
  return { ...pushed, repository, mediaType: OCI_MANIFEST, size: pushed.manifestBytes.length + pushed.config.size + layer.length };
}

describe('limits through the fault proxy', () => {
  let scanner: TestScanner;
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(registry.url);
    scanner = await startTestScanner({ SCANNER_SCAN_TIMEOUT: '4s' });
  });
  afterAll(async () => {
    await scanner.stop();
    await proxy.close();
  });

  it('should report an index nested three deep beside a clean image as not analysed', async () => {
    const repository = uniqueRepository('fault-nested');
    const clean = await pushImage(repository, 'clean', [['app/README.md', '# clean\n']]);
    const hidden = await pushImage(repository, 'hidden', [['app/model.pkl', new Uint8Array(Buffer.from('800263706f7369780a73797374656d0a2e', 'hex'))]]);
    const inner = await pushIndex({ registry }, repository, 'inner', [hidden.descriptor]);
    const innerBytes = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [hidden.descriptor] });
    const middle = await pushIndex({ registry }, repository, 'middle', [{ mediaType: OCI_INDEX, digest: inner, size: innerBytes.length }]);
    const middleBytes = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_INDEX, digest: inner, size: innerBytes.length }] });
    const topManifests = [clean.descriptor, { mediaType: OCI_INDEX, digest: middle, size: middleBytes.length }];
    const top = await pushIndex({ registry }, repository, 'v1', topManifests);
    const topSize = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: topManifests }).length;

    // Harbor's scan request carries the manifest media type it accepted (as harbor/e2e.test.ts does for indexes).
    const report = vulnerabilityReport(await scanThrough(scanner.url, proxy, { repository, digest: top, mediaType: OCI_MANIFEST, size: topSize }));
    const notAnalysed = report.vulnerabilities.filter((v) => v.id === 'manifest.not-analysed');
    expect(notAnalysed.map((v) => v.severity)).toEqual(['High']);
    expect(notAnalysed[0]!.package).toBe(inner);
    expect(report.severity).not.toBe('None');
  });

  it.each(['manifests', 'the pickle layer'])('should end a scan whose registry drips %s one byte every 2 s at SCANNER_SCAN_TIMEOUT', async (what) => {
    const model = await pushPickleModel(uniqueRepository('fault-drip'));
    proxy.set({ path: what === 'manifests' ? '/manifests/' : blobPath(model.layers[0]!.digest), fault: { mode: 'drip', intervalMs: 2000 } });
    const outcome = await scanThrough(scanner.url, proxy, model);
    proxy.set();
    expect(proxy.hits.get('drip')).toBeGreaterThan(0);
    expect(outcome.error).toMatch(/exceeded the time limit of 4 s \(SCANNER_SCAN_TIMEOUT\)/);
  }, 40_000);

  it('should report a gzip image layer past the bomb ratio as archive.decompression-bomb', async () => {
    const repository = uniqueRepository('fault-bomb');
    // 16 MiB of zeros gzip to ~16 KiB: about 1000:1, past the 200:1 files get.
    const bomb = await pushImage(repository, 'v1', [['data/zeros.bin', new Uint8Array(16 * 1024 * 1024)]]);
    const report = vulnerabilityReport(await scanThrough(scanner.url, proxy, bomb));
    const bombs = report.vulnerabilities.filter((v) => v.id === 'archive.decompression-bomb');
    expect(bombs.length).toBeGreaterThan(0);
    expect(bombs[0]!.description ?? '').toMatch(/compressed size|limit/);
  });
});
