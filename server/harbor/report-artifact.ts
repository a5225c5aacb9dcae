/**
 * The scan report as an OCI artifact attached to the scanned manifest: the model-security report 1.0
 * (the `chlins/harbor` fork's format, harbor-scanner-api.md §5.2), the same findings as SARIF 2.1.0 and
 * the CycloneDX SBOM, one layer each, under our own `artifactType` (the SPDX SBOM goes to Harbor's own
 * SBOM accessory, ./sbom-accessory.ts, which holds exactly one document). Harbor records any manifest with a `subject` as an
 * accessory of type `subject.accessory` (`src/server/middleware/subject/subject.go`) and lists it under
 * the artifact; the annotations carry the outcome so a referrers listing answers "is there a current
 * result" without pulling the report.
 */
import { RULESET } from '../../analyzers/ruleset.js';
import { SBOM_FORMAT } from '../../spec/mime.js';
import type { ModelSecurityReport, Scanner } from '../../spec/schemas.js';
import type { Descriptor } from '../registry/types.js';
import { ANNOTATION_PREFIX, buildArtifact, commonAnnotations, EMPTY_CONFIG, RULESET_ANNOTATION, type BuiltArtifact } from './oci-artifact.js';

/** Our report artifact's `artifactType`; referrers are filtered by it. */
export const REPORT_ARTIFACT_TYPE = 'application/vnd.harbor-scanner-models.report.v1+json';

/**
 * Layer media types. The model-security report keeps the fork's type without its `version` parameter
 * (descriptor media types are bare RFC 6838 names); SARIF has its IANA registration.
 */
export const REPORT_LAYER_TYPES = {
  modelSecurity: 'application/vnd.security.model.report+json',
  sarif: 'application/sarif+json',
  cyclonedx: SBOM_FORMAT.cyclonedx,
} as const;

export const REPORT_ANNOTATIONS = {
  scannerName: `${ANNOTATION_PREFIX}scanner.name`,
  scannerVersion: `${ANNOTATION_PREFIX}scanner.version`,
  rulesetVersion: RULESET_ANNOTATION,
  severity: `${ANNOTATION_PREFIX}severity`,
  total: `${ANNOTATION_PREFIX}findings.total`,
  critical: `${ANNOTATION_PREFIX}findings.critical`,
  high: `${ANNOTATION_PREFIX}findings.high`,
  medium: `${ANNOTATION_PREFIX}findings.medium`,
  low: `${ANNOTATION_PREFIX}findings.low`,
  filesScanned: `${ANNOTATION_PREFIX}files.scanned`,
} as const;

export interface ReportArtifactInput {
  readonly subject: Descriptor;
  readonly report: ModelSecurityReport;
  readonly sarif: unknown;
  /** The CycloneDX document, when an SBOM could be made. */
  readonly cyclonedx?: unknown;
  readonly scanner: Scanner;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

export function buildReportArtifact(input: ReportArtifactInput): BuiltArtifact {
  const { report, scanner } = input;
  const { summary } = report;
  return buildArtifact({
    artifactType: REPORT_ARTIFACT_TYPE,
    config: EMPTY_CONFIG,
    layers: [
      { mediaType: REPORT_LAYER_TYPES.modelSecurity, bytes: json(report), annotations: { 'org.opencontainers.image.title': 'model-security-report.json' } },
      { mediaType: REPORT_LAYER_TYPES.sarif, bytes: json(input.sarif), annotations: { 'org.opencontainers.image.title': 'model-security.sarif' } },
      ...(input.cyclonedx === undefined
        ? []
        : [{ mediaType: REPORT_LAYER_TYPES.cyclonedx, bytes: json(input.cyclonedx), annotations: { 'org.opencontainers.image.title': 'sbom.cdx.json' } }]),
    ],
    subject: input.subject,
    annotations: {
      ...commonAnnotations(report.generated_at),
      'org.opencontainers.image.description': `Model security scan: ${report.severity === 'None' ? 'no findings' : `${summary.total} findings, highest ${report.severity}`}`,
      [REPORT_ANNOTATIONS.scannerName]: scanner.name,
      [REPORT_ANNOTATIONS.scannerVersion]: scanner.version,
      [REPORT_ANNOTATIONS.severity]: report.severity,
      [REPORT_ANNOTATIONS.total]: String(summary.total),
      [REPORT_ANNOTATIONS.critical]: String(summary.critical),
      [REPORT_ANNOTATIONS.high]: String(summary.high),
      [REPORT_ANNOTATIONS.medium]: String(summary.medium),
      [REPORT_ANNOTATIONS.low]: String(summary.low),
      [REPORT_ANNOTATIONS.filesScanned]: String(summary.files_scanned),
    },
  });
}

/** True for a referrer that is our report made with this process's rule set (no rescan needed). */
export function isCurrentReport(referrer: Descriptor): boolean {
  return referrer.artifactType === REPORT_ARTIFACT_TYPE && referrer.annotations?.[REPORT_ANNOTATIONS.rulesetVersion] === RULESET.version;
}
