import { describe, expect, it } from 'vitest';
import { SCANNER } from '../../../../server/http/scanner-info.js';
import { buildSbomModel } from '../../../../server/report/sbom-model.js';
import { sbomModelOfJob } from '../../../../server/report/sbom-report.js';
import { toSpdx } from '../../../../server/report/sbom-spdx.js';
import { SBOM_JOB } from './sbom-fixture.js';
import { spdxSpecErrors } from './spdx-spec-schema.js';
import { describeErrors, SPDX_SCHEMA, spdxValidator } from '../../../support/official-schemas.js';

type Doc = { packages: Array<Record<string, unknown>>; relationships: Array<Record<string, string>>; hasExtractedLicensingInfos?: Array<Record<string, unknown>> };
const spdx = () => toSpdx(sbomModelOfJob(SBOM_JOB, SCANNER)) as unknown as Doc & Record<string, unknown>;

describe('SPDX 2.3 SBOM', () => {
  it('should describe the model as a package with its declared license, digest and purl', () => {
    const doc = spdx();
    expect(doc).toMatchObject({ spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', creationInfo: { created: '2026-01-02T03:04:05Z' } });
    expect(doc.packages[0]).toMatchObject({
      SPDXID: 'SPDXRef-Model',
      name: 'tiny-llama',
      versionInfo: 'v1',
      licenseDeclared: 'LicenseRef-llama3.1',
      checksums: [{ algorithm: 'SHA256', checksumValue: 'a'.repeat(64) }],
      externalRefs: [{ referenceType: 'purl', referenceLocator: `pkg:oci/tiny@sha256%3A${'a'.repeat(64)}?repository_url=harbor.example.test%2Flibrary%2Ftiny` }],
    });
  });

  it('should list one FILE package per file with its checksum when known and its own license when declared', () => {
    const files = spdx().packages.filter((p) => p['primaryPackagePurpose'] === 'FILE');
    expect(files.map((f) => [f['name'], f['licenseDeclared'], (f['checksums'] as unknown[] | undefined)?.length ?? 0])).toEqual([
      ['model.safetensors', 'LicenseRef-llama3.1', 1],
      ['README.md', 'LicenseRef-llama3.1', 0],
      ['LICENSE', 'LicenseRef-llama3.1', 0],
      ['src/model.py', 'MIT OR Apache-2.0', 0],
    ]);
  });

  it('should relate the document, model, files and base model, and describe every LicenseRef', () => {
    const doc = spdx();
    const types = doc.relationships.map((r) => r['relationshipType']);
    expect(types.filter((t) => t === 'CONTAINS')).toHaveLength(4);
    expect(types).toContain('DESCRIBES');
    expect(doc.relationships.find((r) => r['relationshipType'] === 'DESCENDANT_OF')).toMatchObject({ spdxElementId: 'SPDXRef-Model' });
    const ids = new Set(doc.packages.map((p) => p['SPDXID']));
    for (const r of doc.relationships) expect(r['spdxElementId'] === 'SPDXRef-DOCUMENT' || ids.has(r['spdxElementId']!)).toBe(true);
    expect(doc.hasExtractedLicensingInfos?.map((l) => l['licenseId'])).toEqual(['LicenseRef-llama3.1']);
  });

  it('should write NOASSERTION and no extracted licenses when nothing is declared', () => {
    const model = buildSbomModel({ subject: { name: 'bare' }, tool: SCANNER, generatedAt: new Date(0), packaging: 'local', files: [], facts: [] });
    const doc = toSpdx(model) as unknown as Doc;
    expect(doc.packages[0]).toMatchObject({ name: 'bare', licenseDeclared: 'NOASSERTION' });
    expect(doc.hasExtractedLicensingInfos).toBeUndefined();
  });

  const documents = () => [spdx(), toSpdx(buildSbomModel({ subject: {}, tool: SCANNER, generatedAt: new Date(), packaging: 'local', files: [], facts: [] }))];

  it('should conform to the SPDX 2.3 rules written from the specification', () => {
    for (const doc of documents()) expect(spdxSpecErrors(doc)).toEqual([]);
  });

  it('should have those rules reject what SPDX 2.3 forbids', () => {
    const broken = (edit: (doc: Doc & Record<string, unknown>) => void) => {
      const doc = spdx();
      edit(doc);
      return spdxSpecErrors(doc).join('; ');
    };
    expect(broken((d) => (d.packages[0]!['SPDXID'] = 'SPDXRef-a_b'))).toMatch(/pattern/);
    expect(broken((d) => (d.packages[0]!['licenseDeclared'] = 'Apache 2.0'))).toMatch(/spdx-license/);
    expect(broken((d) => (d.packages[0]!['primaryPackagePurpose'] = 'MODEL'))).toMatch(/allowed values/);
    expect(broken((d) => delete d.packages[1]!['filesAnalyzed'])).toMatch(/packageVerificationCode/);
    expect(broken((d) => (d.relationships[0]!['relatedSpdxElement'] = 'SPDXRef-Nowhere'))).toBe('relationship names undefined element SPDXRef-Nowhere');
    expect(broken((d) => delete d.hasExtractedLicensingInfos)).toMatch(/uses LicenseRef-llama3.1, not in hasExtractedLicensingInfos/);
  });

  // The official schema (spdx/spdx-spec schemas/spdx-schema.json, support/2.3) ships in no npm or Debian
  // package; it is read from ../shared/schemas/ or SPDX_SCHEMA_FILE (test/support/official-schemas.ts).
  const validate = spdxValidator();
  it.skipIf(!validate)(`should validate against the official SPDX 2.3 JSON schema (${SPDX_SCHEMA})`, () => {
    for (const doc of documents()) expect(validate!(doc), describeErrors(validate!)).toBe(true);
    expect(validate!({ ...spdx(), spdxVersion: 2.3 })).toBe(false);
  });
});
