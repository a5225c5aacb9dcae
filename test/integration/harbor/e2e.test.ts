/**
 * End to end as Harbor drives it: the Harbor simulator (v1.0 headers, 5 s timeouts, no redirects,
 * Refresh-After as int8, one poller per MIME type, robot Basic credentials) against a real scanner
 * server pulling from Debian's docker-registry in every variant (plain, basic, token, redirect).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortDigest } from '../../../server/report/context.js';
import { REPORT_MIME } from '../../../spec/mime.js';
import { ModelSecurityReportSchema, VulnerabilityReportSchema, type VulnerabilityReport } from '../../../spec/schemas.js';
import { HarborSimulator, type ScanOutcome } from '../../harbor-sim/index.js';
import { blobHostLog, REGISTRIES, ROBOT_USER, TEST_USER, uniqueRepository, type RegistryEndpoint } from '../../services/endpoints.js';
import { OCI_MANIFEST, sha256Digest } from '../../services/push.js';
import { HOSTILE_SAFETENSORS, pushImageIndex, pushModelImage, pushModelPack, type PushedModel } from '../../support/model-artifacts.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';

/** Harbor's waits, shrunk: the protocol is unchanged, only the clock runs faster. */
const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;
const robot = { name: ROBOT_USER.username, secret: ROBOT_USER.password };

function vulnerabilityReport(outcome: ScanOutcome): VulnerabilityReport {
  expect(outcome.error).toBeUndefined();
  const report = outcome.reports.find((r) => r.mimeType === REPORT_MIME.vulnerabilityV1_1);
  return VulnerabilityReportSchema.parse(JSON.parse(report?.body ?? 'null'));
}

async function scanImage(harbor: HarborSimulator, registry: RegistryEndpoint, model: PushedModel, digest = model.digest): Promise<ScanOutcome> {
  return harbor.scan({
    artifact: { repository: model.repository, digest, tag: model.tag, manifestMediaType: OCI_MANIFEST, size: model.harborSize, harborType: 'IMAGE' },
    registry: { url: registry.url, robot },
  });
}

describe('Harbor → scanner → registry', () => {
  let scanner: TestScanner;
  let harbor: HarborSimulator;

  beforeAll(async () => {
    scanner = await startTestScanner();
    harbor = new HarborSimulator({ url: scanner.url, timing: FAST });
  });
  afterAll(async () => scanner.stop());

  it('should pass upstream Harbor\'s "Test connection"', async () => {
    await expect(harbor.ping()).resolves.toMatchObject({ scanner: { name: 'harbor-scanner-models' } });
  });

  describe.each(Object.values(REGISTRIES))('through the $name registry', (registry) => {
    it('should report the hostile model file of an image and keep the good one clean', async () => {
      const model = await pushModelImage({ registry, account: TEST_USER }, uniqueRepository('e2e-image'));
      const report = vulnerabilityReport(await scanImage(harbor, registry, model));
      expect(report.artifact).toMatchObject({ repository: model.repository, digest: model.digest });
      const bad = report.vulnerabilities.filter((v) => v.package === 'models/bad.safetensors');
      expect(bad.map((v) => v.id)).toContain('safetensors.offset-overlap');
      // The layer is tar+gzip: the member's own digest, hashed while streaming, is its version.
      expect(new Set(bad.map((v) => v.version))).toEqual(new Set([shortDigest(sha256Digest(HOSTILE_SAFETENSORS))]));
      expect(report.vulnerabilities.filter((v) => v.package === 'models/good.safetensors')).toEqual([]);
      expect(report.severity).toBe('High');
    });
  });

  it('should scan every manifest of an image index', async () => {
    const registry = REGISTRIES.plain;
    const model = await pushModelImage({ registry }, uniqueRepository('e2e-index'));
    const indexDigest = await pushImageIndex({ registry }, model);
    const report = vulnerabilityReport(await scanImage(harbor, registry, model, indexDigest));
    expect(report.vulnerabilities.map((v) => v.package)).toContain('models/bad.safetensors');
  });

  it('should never send credentials to the host a blob redirect points at', async () => {
    const registry = REGISTRIES.redirect;
    const model = await pushModelImage({ registry }, uniqueRepository('e2e-redirect'));
    vulnerabilityReport(await scanImage(harbor, registry, model));
    const layerDigest = model.layers[0]!.digest.replace('sha256:', '');
    const served = (await blobHostLog()).filter((entry) => entry.path.includes(layerDigest));
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((entry) => entry.authorization === 'absent')).toBe(true);
  });

  it('should fail the scan with a clear message when the robot credentials are wrong', async () => {
    const registry = REGISTRIES.basic;
    const model = await pushModelImage({ registry, account: TEST_USER }, uniqueRepository('e2e-denied'));
    const outcome = await harbor.scan({
      artifact: { repository: model.repository, digest: model.digest, tag: 'v1', manifestMediaType: OCI_MANIFEST, size: model.harborSize },
      registry: { url: registry.url, robot: { name: robot.name, secret: 'wrong' } },
    });
    expect(outcome.error).toMatch(/500/);
    expect(outcome.error).toMatch(/credentials|unauthori[sz]ed|401/i);
    expect(outcome.error).not.toContain('wrong');
  });
});

describe('model-security Harbor → scanner', () => {
  let scanner: TestScanner;

  beforeAll(async () => {
    scanner = await startTestScanner({ SCANNER_MODEL_SECURITY: 'true' });
  });
  afterAll(async () => scanner.stop());

  it('should scan a ModelPack artifact with raw and tar layers into a model-security report', async () => {
    const harbor = new HarborSimulator({ url: scanner.url, flavor: 'model-security', timing: FAST });
    const registry = REGISTRIES.token;
    const model = await pushModelPack({ registry, account: TEST_USER }, uniqueRepository('e2e-modelpack'));
    const outcome = await harbor.scan({
      artifact: { repository: model.repository, digest: model.digest, tag: model.tag, manifestMediaType: OCI_MANIFEST, size: model.harborSize, harborType: 'CNAI' },
      registry: { url: registry.url, robot },
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.reports.map((r) => r.mimeType)).toEqual([REPORT_MIME.modelSecurityV1_0]);
    const report = ModelSecurityReportSchema.parse(JSON.parse(outcome.reports[0]!.body!));
    expect(report.findings.filter((f) => f.file === 'weights/bad.safetensors').map((f) => f.id)).toContain('safetensors.offset-overlap');
    expect(report.findings.filter((f) => f.file === 'weights/good.safetensors')).toEqual([]);
    expect(report.summary.files_scanned).toBe(3);
  });
});
