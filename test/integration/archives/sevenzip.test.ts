/**
 * A 7z-wrapped pickle (nullifAI, model-scanners.md §2.1 row 5) in a model pushed to a real registry and
 * scanned as Harbor drives it: the archive is a raw layer, so its header is read by Range from the end
 * of the blob and each folder is streamed once; inside a tar+gzip image layer it is read from memory.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_MIME } from '../../../spec/mime.js';
import { VulnerabilityReportSchema } from '../../../spec/schemas.js';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER, TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST, pushArtifact, sha256Digest } from '../../services/push.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { tarArchive, tarEntry } from '../../support/tar-builder.js';

const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;
const registry = REGISTRIES.token;
const sevenZip = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/archive/7z/${name}`, import.meta.url)));

describe('7z archives in pushed models', () => {
  let scanner: TestScanner;
  beforeAll(async () => void (scanner = await startTestScanner()));
  afterAll(async () => scanner.stop());

  /** Pushes the layers as one image and scans it as Harbor does; the vulnerability report. */
  async function scan(repository: string, layers: Array<{ mediaType: string; bytes: Uint8Array; annotations?: Record<string, string> }>, config: object) {
    const target = { registry, account: TEST_USER };
    const artifact = await pushArtifact(target, repository, 'v1', { config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: new TextEncoder().encode(JSON.stringify(config)) }, layers });
    const outcome = await new HarborSimulator({ url: scanner.url, timing: FAST }).scan({
      artifact: { repository, digest: artifact.digest, tag: 'v1', manifestMediaType: OCI_MANIFEST, size: 0, harborType: 'IMAGE' },
      registry: { url: registry.url, robot: { name: ROBOT_USER.username, secret: ROBOT_USER.password } },
    });
    expect(outcome.error).toBeUndefined();
    return VulnerabilityReportSchema.parse(JSON.parse(outcome.reports.find((r) => r.mimeType === REPORT_MIME.vulnerabilityV1_1)!.body!));
  }

  it('should find the pickle in every member of 7z archives shipped as raw layers', async () => {
    const layers = ['nullifai.7z', 'large-solid.7z'].map((name) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      bytes: sevenZip(name),
      annotations: { 'org.opencontainers.image.title': `models/${name}` },
    }));
    const report = await scan(uniqueRepository('7z-raw'), layers, { rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256Digest(l.bytes)) } });
    const critical = report.vulnerabilities.filter((v) => v.id === 'pickle.dangerous-global').map((v) => v.package);
    expect(critical).toEqual(expect.arrayContaining(['models/nullifai.7z!pytorch_model.bin', 'models/large-solid.7z!b-malicious.pkl']));
    expect(report.severity).toBe('Critical');
  });

  it('should find it in a 7z archive inside a tar+gzip image layer', async () => {
    const tar = tarArchive([tarEntry({ name: 'opt/model/weights.7z' }, sevenZip('malicious-lzma.7z'))]);
    const report = await scan(uniqueRepository('7z-image'), [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: gzipSync(tar) }], {
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    });
    expect(report.vulnerabilities.map((v) => [v.id, v.package])).toContainEqual(['pickle.dangerous-global', 'opt/model/weights.7z!pytorch_model.bin']);
  });
});
