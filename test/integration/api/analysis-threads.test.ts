/**
 * The HTTP thread never analyses (ARCHITECTURE.md): while a scan decompresses a zstd layer of 2 GiB of
 * zeros — seconds of CPU without a single I/O wait, which on the HTTP thread would hold every request
 * until it ends — Harbor's metadata and report calls keep being answered. Counted in answers, not in
 * milliseconds: each metadata request is sent once the previous one is answered, and while the report
 * still says "running" many of them must get through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_MIME, REPORT_MIME } from '../../../spec/mime.js';
import { REGISTRIES, uniqueRepository } from '../../services/endpoints.js';
import { pushArtifact } from '../../services/push.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { zstdZerosTar } from '../../support/zstd-zeros.js';
import { pollReport, pushModelVariant, submitScan } from '../redis/replica-support.js';

describe('analysis threads', () => {
  let scanner: TestScanner;
  beforeAll(async () => {
    scanner = await startTestScanner({ SCANNER_SCAN_TIMEOUT: '10m' });
  });
  afterAll(async () => scanner.stop());

  it('should keep answering metadata and report polls while a scan analyses a zstd bomb', async () => {
    // A scan first, so that the bomb's analysis thread is up: starting one is not what is counted.
    const warmUp = await pushModelVariant(REGISTRIES.plain, uniqueRepository('analysis-threads'), 'v1', String(Math.random()));
    await pollReport(scanner.url, await submitScan(scanner.url, REGISTRIES.plain.url, warmUp));
    const repository = uniqueRepository('analysis-threads');
    const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
    const artifact = await pushArtifact({ registry: REGISTRIES.plain }, repository, 'v1', {
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: new TextEncoder().encode(JSON.stringify(config)) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', bytes: zstdZerosTar(2 * 1024 ** 3) }],
    });
    const id = await submitScan(scanner.url, REGISTRIES.plain.url, { ...artifact, repository, tag: 'v1', harborSize: 0 });

    let answeredWhileRunning = 0;
    let report: Response;
    for (;;) {
      report = await fetch(`${scanner.url}/api/v1/scan/${id}/report`, { headers: { accept: REPORT_MIME.vulnerabilityV1_1 }, redirect: 'manual' });
      if (report.status !== 302) break;
      const metadata = await fetch(`${scanner.url}/api/v1/metadata`, { headers: { accept: API_MIME.metadataV1_0 } });
      expect(metadata.status).toBe(200);
      answeredWhileRunning++;
    }

    expect(report.status).toBe(200);
    expect(answeredWhileRunning).toBeGreaterThan(50);
  });
});
