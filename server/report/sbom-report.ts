/**
 * The SBOM report Harbor stores (`application/vnd.security.sbom.report+json; version=1.0`, spec 1.2
 * `HarborSbomReport`): the SPDX or CycloneDX document in `sbom`, the format in `media_type`. Harbor
 * pushes `sbom` as an accessory of the scanned artifact (harbor-scanner-api.md §3.11).
 */
import { SBOM_FORMAT } from '../../spec/mime.js';
import type { HarborSbomReport, ReportArtifact, Scanner } from '../../spec/schemas.js';
import type { DecodedJob, ScanJob, ScanResult } from '../jobs/model.js';
import { toCycloneDx, CYCLONEDX_SPEC_VERSION } from './sbom-cyclonedx.js';
import { buildSbomModel, type SbomModel } from './sbom-model.js';
import { SPDX_VERSION, toSpdx } from './sbom-spdx.js';

export type SbomFormat = (typeof SBOM_FORMAT)[keyof typeof SBOM_FORMAT];

export const SBOM_FORMATS: readonly SbomFormat[] = [SBOM_FORMAT.spdx, SBOM_FORMAT.cyclonedx];

export function isSbomFormat(value: string): value is SbomFormat {
  return (SBOM_FORMATS as readonly string[]).includes(value);
}

/** The SBOM document in one format. */
export function renderSbom(model: SbomModel, format: SbomFormat): Record<string, unknown> {
  return format === SBOM_FORMAT.spdx ? toSpdx(model) : toCycloneDx(model);
}

/** The SBOM model of a finished registry scan: the repository names the model unless its card does. */
export function sbomModelOfJob(job: DecodedJob, scanner: Scanner): SbomModel {
  const { target, result } = job;
  const host = target.registryUrl.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  const shortDigest = target.digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1');
  return buildSbomModel({
    subject: { name: target.repository, version: target.tag || shortDigest, digest: target.digest, repositoryUrl: `${host}/${target.repository}` },
    tool: scanner,
    generatedAt: new Date(result.generatedAt),
    packaging: result.packaging,
    files: result.files,
    facts: result.facts ?? [],
  });
}

export function toHarborSbomReport(job: DecodedJob, format: SbomFormat, artifact: ReportArtifact, scanner: Scanner): HarborSbomReport {
  return {
    generated_at: new Date(job.result.generatedAt).toISOString(),
    artifact,
    scanner: { ...scanner },
    vendor_attributes: {
      'spec-version': format === SBOM_FORMAT.spdx ? SPDX_VERSION : CYCLONEDX_SPEC_VERSION,
      'created-by': scanner.name,
    },
    media_type: format,
    sbom: renderSbom(sbomModelOfJob(job, scanner), format),
  };
}
