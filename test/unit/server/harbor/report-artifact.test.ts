import { describe, expect, it } from 'vitest';
import { RULESET } from '../../../../analyzers/ruleset.js';
import { buildArtifact, EMPTY_CONFIG } from '../../../../server/harbor/oci-artifact.js';
import { buildReportArtifact, isCurrentReport, REPORT_ANNOTATIONS, REPORT_ARTIFACT_TYPE, REPORT_LAYER_TYPES } from '../../../../server/harbor/report-artifact.js';
import { buildSbomAccessory } from '../../../../server/harbor/sbom-accessory.js';
import { digestOf } from '../../../../server/registry/digest.js';
import { HARBOR_SBOM_ACCESSORY_TYPE } from '../../../../spec/mime.js';
import type { ModelSecurityReport } from '../../../../spec/schemas.js';

const SUBJECT = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(new TextEncoder().encode('model')), size: 812 };
const SCANNER = { name: 'harbor-scanner-models', vendor: 'harbor-scanner-models', version: '0.1.0' };
const REPORT: ModelSecurityReport = {
  generated_at: '2026-11-28T10:00:00.000Z',
  scanner: SCANNER,
  severity: 'High',
  summary: { total: 3, critical: 0, high: 2, medium: 1, low: 0, files_scanned: 4, bytes_scanned: 100, scanners: ['safetensors'] },
  findings: [],
};

const parse = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, any>;

describe('buildReportArtifact', () => {
  const artifact = buildReportArtifact({ subject: SUBJECT, report: REPORT, sarif: { version: '2.1.0' }, cyclonedx: { bomFormat: 'CycloneDX' }, scanner: SCANNER });
  const manifest = parse(artifact.manifest);

  it('should refer to the scanned manifest with our artifactType and the empty config', () => {
    expect(manifest).toMatchObject({ schemaVersion: 2, artifactType: REPORT_ARTIFACT_TYPE, subject: SUBJECT, config: { mediaType: EMPTY_CONFIG.mediaType, size: 2 } });
    expect(manifest['config'].digest).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('should carry one layer per document, each with its media type and the bytes pushed', () => {
    expect(manifest['layers'].map((l: { mediaType: string }) => l.mediaType)).toEqual([REPORT_LAYER_TYPES.modelSecurity, REPORT_LAYER_TYPES.sarif, REPORT_LAYER_TYPES.cyclonedx]);
    expect(artifact.blobs.map((b) => digestOf(b))).toEqual([manifest['config'].digest, ...manifest['layers'].map((l: { digest: string }) => l.digest)]);
    expect(parse(artifact.blobs[1]!)).toEqual(REPORT);
  });

  it('should annotate the outcome, counts, scanner, rule set and creation time', () => {
    expect(manifest['annotations']).toMatchObject({
      'org.opencontainers.image.created': REPORT.generated_at,
      [REPORT_ANNOTATIONS.rulesetVersion]: RULESET.version,
      [REPORT_ANNOTATIONS.severity]: 'High',
      [REPORT_ANNOTATIONS.total]: '3',
      [REPORT_ANNOTATIONS.high]: '2',
      [REPORT_ANNOTATIONS.medium]: '1',
      [REPORT_ANNOTATIONS.scannerVersion]: '0.1.0',
    });
  });

  it('should describe itself for a referrers list with its digest, artifactType and annotations', () => {
    expect(artifact.descriptor).toEqual({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digestOf(artifact.manifest),
      size: artifact.manifest.length,
      artifactType: REPORT_ARTIFACT_TYPE,
      annotations: manifest['annotations'],
    });
  });

  it('should produce the same bytes for the same result, so a repeated publication is idempotent', () => {
    const again = buildReportArtifact({ subject: SUBJECT, report: REPORT, sarif: { version: '2.1.0' }, cyclonedx: { bomFormat: 'CycloneDX' }, scanner: SCANNER });
    expect(again.descriptor.digest).toBe(artifact.descriptor.digest);
  });
});

describe('isCurrentReport', () => {
  const current = buildReportArtifact({ subject: SUBJECT, report: REPORT, sarif: {}, scanner: SCANNER }).descriptor;
  it.each([
    ['our report of this rule set', current, true],
    ['our report of another rule set', { ...current, annotations: { ...current.annotations, [REPORT_ANNOTATIONS.rulesetVersion]: '2000.01.01' } }, false],
    ['another artifact type', { ...current, artifactType: 'application/vnd.example+json' }, false],
    ['a referrer without annotations', { mediaType: current.mediaType, digest: current.digest, size: 1, artifactType: REPORT_ARTIFACT_TYPE }, false],
  ])('should answer for %s', (_name, descriptor, expected) => {
    expect(isCurrentReport(descriptor)).toBe(expected);
  });
});

describe('buildSbomAccessory', () => {
  it("should be shaped like Harbor's own SBOM accessory: sbom config type, one layer, Harbor's annotations", () => {
    const spdx = new TextEncoder().encode('{"spdxVersion":"SPDX-2.3"}');
    const accessory = buildSbomAccessory({ subject: SUBJECT, spdx, created: REPORT.generated_at, scannerName: SCANNER.name });
    const manifest = parse(accessory.manifest);
    expect(manifest['artifactType']).toBeUndefined();
    expect(manifest['config'].mediaType).toBe(HARBOR_SBOM_ACCESSORY_TYPE);
    expect(manifest['layers']).toEqual([{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(spdx), size: spdx.length }]);
    expect(manifest['subject']).toEqual(SUBJECT);
    expect(manifest['annotations']).toMatchObject({ created: REPORT.generated_at, 'created-by': SCANNER.name, 'org.opencontainers.artifact.description': 'SPDX JSON SBOM' });
    // A referrers list gives the config media type when a manifest has no artifactType.
    expect(accessory.descriptor.artifactType).toBe(HARBOR_SBOM_ACCESSORY_TYPE);
  });
});

describe('buildArtifact', () => {
  it('should keep layer annotations and leave artifactType out when none is given', () => {
    const built = buildArtifact({ config: EMPTY_CONFIG, layers: [{ mediaType: 'text/plain', bytes: new Uint8Array([1]), annotations: { a: 'b' } }], subject: SUBJECT, annotations: {} });
    const manifest = parse(built.manifest);
    expect(manifest['layers'][0].annotations).toEqual({ a: 'b' });
    expect('artifactType' in manifest).toBe(false);
  });
});
