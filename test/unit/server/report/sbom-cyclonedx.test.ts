import { describe, expect, it } from 'vitest';
import { REPORT_MIME, SBOM_FORMAT } from '../../../../spec/mime.js';
import { HarborSbomReportSchema } from '../../../../spec/schemas.js';
import { SCANNER } from '../../../../server/http/scanner-info.js';
import { HarborReportRenderer } from '../../../../server/report/renderer.js';
import { toCycloneDx } from '../../../../server/report/sbom-cyclonedx.js';
import { buildSbomModel } from '../../../../server/report/sbom-model.js';
import { sbomModelOfJob } from '../../../../server/report/sbom-report.js';
import { SBOM_JOB } from './sbom-fixture.js';
import { CYCLONEDX_SCHEMA, cycloneDxValidator, describeErrors } from '../../../support/official-schemas.js';

type Bom = {
  metadata: { component: Record<string, unknown> };
  components: Array<Record<string, unknown>>;
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
};
const bom = () => toCycloneDx(sbomModelOfJob(SBOM_JOB, SCANNER)) as unknown as Bom & Record<string, unknown>;

describe('CycloneDX 1.6 ML-BOM', () => {
  it('should make the model a machine-learning-model component with model card data and base model ancestry', () => {
    const model = bom().metadata.component;
    expect(bom()).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 });
    expect(bom()['serialNumber']).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(model).toMatchObject({
      type: 'machine-learning-model',
      name: 'tiny-llama',
      version: 'v1',
      hashes: [{ alg: 'SHA-256', content: 'a'.repeat(64) }],
      licenses: [{ expression: 'LicenseRef-llama3.1', acknowledgement: 'declared' }],
      modelCard: { modelParameters: { task: 'text-generation', datasets: [{ type: 'dataset', name: 'org/data' }] } },
      pedigree: { ancestors: [{ type: 'machine-learning-model', name: 'meta-llama/Llama-3.1-8B', licenses: [{ expression: 'LicenseRef-llama3.1' }] }] },
    });
  });

  it('should list one file component per file with hashes, size and license, and make the model depend on them', () => {
    const { components, dependencies } = bom();
    expect(components.map((c) => [c['type'], c['name'], (c['hashes'] as unknown[] | undefined)?.length ?? 0])).toEqual([
      ['file', 'model.safetensors', 1],
      ['file', 'README.md', 0],
      ['file', 'LICENSE', 0],
      ['file', 'src/model.py', 0],
    ]);
    expect(components[3]).toMatchObject({ licenses: [{ expression: 'MIT OR Apache-2.0' }] });
    expect(components[0]!['properties']).toContainEqual({ name: 'harbor-scanner-models:size', value: '1024' });
    expect(dependencies[0]).toEqual({ ref: 'model', dependsOn: ['file-1', 'file-2', 'file-3', 'file-4'] });
  });

  it('should wrap the document in the Harbor SBOM report the renderer serves', () => {
    const renderer = new HarborReportRenderer({ docsUrl: 'https://example.test/rules.md' });
    const report = HarborSbomReportSchema.parse(renderer.render(REPORT_MIME.sbomV1_0, SBOM_JOB, { sbomMediaType: SBOM_FORMAT.cyclonedx }));
    expect(report).toMatchObject({ media_type: SBOM_FORMAT.cyclonedx, vendor_attributes: { 'spec-version': '1.6' }, artifact: { repository: 'library/tiny' } });
    expect(report.sbom['bomFormat']).toBe('CycloneDX');
    const spdx = HarborSbomReportSchema.parse(renderer.render(REPORT_MIME.sbomV1_0, SBOM_JOB, { sbomMediaType: SBOM_FORMAT.spdx }));
    expect(spdx.sbom['spdxVersion']).toBe('SPDX-2.3');
  });

  // Needs the dev dependency @cyclonedx/cyclonedx-library, which ships the official schemas.
  const validate = cycloneDxValidator();
  it.skipIf(!validate)(`should validate against the official CycloneDX 1.6 JSON schema (${CYCLONEDX_SCHEMA})`, () => {
    for (const doc of [bom(), toCycloneDx(buildSbomModel({ subject: {}, tool: SCANNER, generatedAt: new Date(), packaging: 'local', files: [], facts: [] }))])
      expect(validate!(doc), describeErrors(validate!)).toBe(true);
  });
});
