/**
 * Two scanner processes behind one URL, sharing one Redis (SCANNER_REDIS_URL): Harbor's requests
 * alternate between them, so the replica answering a poll is often not the one that accepted the scan.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_MIME } from '../../../spec/mime.js';
import { VulnerabilityReportSchema } from '../../../spec/schemas.js';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER, TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST } from '../../services/push.js';
import { REDIS } from '../../services/redis.js';
import { pushModelImage } from '../../support/model-artifacts.js';
import { startScannerProcess, type ScannerProcess } from '../../support/server-process.js';
import { FAST, pollReport, replicaEnv, roundRobinFetch, submitScan } from './replica-support.js';

describe('two replicas sharing one Redis', () => {
  let replicas: ScannerProcess[];

  beforeAll(async () => {
    const env = replicaEnv(REDIS.url);
    replicas = await Promise.all(
      [1, 2].map(() => startScannerProcess({ ...env, SCANNER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'scanner-replica-')) })),
    );
  });
  afterAll(async () => Promise.all(replicas.map((r) => r.kill())));

  it('should complete Harbor scans whose requests alternate between the replicas', async () => {
    const { fetch, served } = roundRobinFetch(replicas.map((r) => r.url));
    const harbor = new HarborSimulator({ url: replicas[0]!.url, timing: FAST, fetch });
    const models = await Promise.all([1, 2, 3].map(() => pushModelImage({ registry: REGISTRIES.basic, account: TEST_USER }, uniqueRepository('replicas'))));
    const outcomes = await Promise.all(
      models.map((model) =>
        harbor.scan({
          artifact: { repository: model.repository, digest: model.digest, tag: model.tag, manifestMediaType: OCI_MANIFEST, size: model.harborSize },
          registry: { url: REGISTRIES.basic.url, robot: { name: ROBOT_USER.username, secret: ROBOT_USER.password } },
        }),
      ),
    );
    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.error).toBeUndefined();
      const report = VulnerabilityReportSchema.parse(JSON.parse(outcome.reports.find((r) => r.mimeType === REPORT_MIME.vulnerabilityV1_1)!.body!));
      expect(report.artifact.repository).toBe(models[index]!.repository);
      expect(report.vulnerabilities.map((v) => v.package)).toContain('models/bad.safetensors');
    }
    expect([...served.values()].every((count) => count >= 3)).toBe(true);
  });

  it('should answer a poll on one replica for a scan the other accepted', async () => {
    const model = await pushModelImage({ registry: REGISTRIES.plain }, uniqueRepository('replicas-cross'));
    const id = await submitScan(replicas[0]!.url, REGISTRIES.plain.url, model);
    const report = VulnerabilityReportSchema.parse(JSON.parse(await pollReport(replicas[1]!.url, id)));
    expect(report.artifact).toMatchObject({ repository: model.repository, digest: model.digest });
  });
});
