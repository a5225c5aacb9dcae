/**
 * SBOM generation as Harbor drives it (harbor-scanner-api.md §3.11, §5.2): upstream Harbor asks the
 * `sbom` capability for SPDX with `?sbom_media_type=application%2Fspdx%2Bjson`; the model-security fork
 * asks for CycloneDX for ModelPack artifacts. The scanner pulls a real ModelPack from a registry, and
 * the license of its config (`descriptor.licenses`) must reach the document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_MIME, REPORT_MIME, SBOM_FORMAT } from '../../../spec/mime.js';
import { HarborSbomReportSchema, ScannerAdapterMetadataSchema } from '../../../spec/schemas.js';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { validateMetadataModelSecurity, validateMetadataUpstream } from '../../harbor-sim/metadata-validation.js';
import { REGISTRIES, ROBOT_USER, TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST } from '../../services/push.js';
import { pushModelPack, type PushedModel } from '../../support/model-artifacts.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { cycloneDxValidator, describeErrors, spdxValidator } from '../../support/official-schemas.js';
import { spdxSpecErrors } from '../../unit/server/report/spdx-spec-schema.js';

const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;
const robot = { name: ROBOT_USER.username, secret: ROBOT_USER.password };
const registry = REGISTRIES.token;

function scanTask(model: PushedModel, harborType: 'IMAGE' | 'CNAI') {
  return {
    artifact: { repository: model.repository, digest: model.digest, tag: model.tag, manifestMediaType: OCI_MANIFEST, size: model.harborSize, harborType },
    registry: { url: registry.url, robot },
    scanType: 'sbom' as const,
  };
}

describe('SBOM generation through upstream Harbor', () => {
  let scanner: TestScanner;
  let model: PushedModel;

  beforeAll(async () => {
    scanner = await startTestScanner();
    model = await pushModelPack({ registry, account: TEST_USER }, uniqueRepository('sbom-spdx'));
  });
  afterAll(async () => scanner.stop());

  it('should advertise an sbom capability that both Harbor validators accept', async () => {
    const metadata = ScannerAdapterMetadataSchema.parse(await (await fetch(`${scanner.url}/api/v1/metadata`)).json());
    expect(metadata.capabilities.find((c) => c.type === 'sbom')).toMatchObject({
      produces_mime_types: [REPORT_MIME.sbomV1_0],
      additional_attributes: { sbom_media_types: [SBOM_FORMAT.spdx, SBOM_FORMAT.cyclonedx] },
    });
    expect(validateMetadataUpstream(metadata)).toBeUndefined();
    expect(validateMetadataModelSecurity(metadata)).toBeUndefined();
  });

  it('should produce a valid SPDX document carrying the ModelPack license when Harbor asks for SPDX', async () => {
    const harbor = new HarborSimulator({ url: scanner.url, timing: FAST });
    const outcome = await harbor.scan(scanTask(model, 'IMAGE'));
    expect(outcome.error).toBeUndefined();
    expect(outcome.request.enabled_capabilities).toEqual([
      { type: 'sbom', produces_mime_types: [REPORT_MIME.sbomV1_0], parameters: { sbom_media_types: [SBOM_FORMAT.spdx] } },
    ]);
    const report = HarborSbomReportSchema.parse(JSON.parse(outcome.reports[0]!.body!));
    expect(report).toMatchObject({ media_type: SBOM_FORMAT.spdx, artifact: { repository: model.repository, digest: model.digest } });
    const packages = report.sbom['packages'] as Array<Record<string, unknown>>;
    expect(packages[0]).toMatchObject({ SPDXID: 'SPDXRef-Model', name: 'demo-model', licenseDeclared: 'Apache-2.0' });
    expect(packages.filter((p) => p['primaryPackagePurpose'] === 'FILE').map((p) => p['name'])).toEqual(
      expect.arrayContaining(['weights/bad.safetensors', 'weights/good.safetensors', 'README.md']),
    );
    expect(spdxSpecErrors(report.sbom)).toEqual([]);
    const validate = spdxValidator();
    if (validate) expect(validate(report.sbom), describeErrors(validate)).toBe(true);
  });

  it('should answer 400 when the SBOM format is missing or unknown', async () => {
    const harbor = new HarborSimulator({ url: scanner.url, timing: FAST });
    const { scanId } = await harbor.scan(scanTask(model, 'IMAGE'));
    const report = (query: string) => fetch(`${scanner.url}/api/v1/scan/${scanId}/report${query}`, { headers: { accept: REPORT_MIME.sbomV1_0 } });
    expect((await report('')).status).toBe(400);
    expect((await report('?sbom_media_type=text%2Fplain')).status).toBe(400);
    expect((await report(`?sbom_media_type=${encodeURIComponent(SBOM_FORMAT.cyclonedx)}`)).status).toBe(200);
  });

  it('should refuse a scan request asking for an SBOM format it does not write', async () => {
    const body = {
      registry: { url: registry.url, authorization: '' },
      artifact: { repository: model.repository, digest: model.digest, mime_type: OCI_MANIFEST },
      enabled_capabilities: [{ type: 'sbom', produces_mime_types: [REPORT_MIME.sbomV1_0], parameters: { sbom_media_types: ['application/spdx+xml'] } }],
    };
    const res = await fetch(`${scanner.url}/api/v1/scan`, { method: 'POST', headers: { 'content-type': API_MIME.scanRequestV1_0 }, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/application\/spdx\+xml/);
  });
});

describe('SBOM generation through the model-security Harbor', () => {
  let scanner: TestScanner;

  beforeAll(async () => {
    scanner = await startTestScanner({ SCANNER_MODEL_SECURITY: 'true' });
  });
  afterAll(async () => scanner.stop());

  it('should produce a CycloneDX ML-BOM for a ModelPack artifact', async () => {
    const model = await pushModelPack({ registry, account: TEST_USER }, uniqueRepository('sbom-cdx'));
    const harbor = new HarborSimulator({ url: scanner.url, flavor: 'model-security', timing: FAST });
    const outcome = await harbor.scan(scanTask(model, 'CNAI'));
    expect(outcome.error).toBeUndefined();
    const report = HarborSbomReportSchema.parse(JSON.parse(outcome.reports[0]!.body!));
    expect(report.media_type).toBe(SBOM_FORMAT.cyclonedx);
    expect(report.sbom).toMatchObject({ bomFormat: 'CycloneDX', metadata: { component: { type: 'machine-learning-model', name: 'demo-model' } } });
    const validate = cycloneDxValidator();
    if (validate) expect(validate(report.sbom), describeErrors(validate)).toBe(true);
  });
});
