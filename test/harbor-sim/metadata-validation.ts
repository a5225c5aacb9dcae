/**
 * The two metadata validators Harbor runs on Test connection, on registration and before every scan
 * (../shared/reference/harbor-scanner-api.md §3.3 and §5.2), ported from
 * `ScannerAdapterMetadata.Validate()` in `src/pkg/scan/rest/v1/models.go` of goharbor/harbor (upstream)
 * and of the chlins/harbor fork (model-security). Both compare MIME types as exact strings
 * (`slices.Contains`), so `version=1.0` without the space fails just as it does in Harbor.
 */
import { ARTIFACT_MIME, REPORT_MIME } from '../../spec/mime.js';

/** Metadata as Harbor holds it after `json.Unmarshal`: every field may be missing. */
export interface HarborMetadata {
  readonly scanner?: { readonly name?: string; readonly vendor?: string; readonly version?: string } | null;
  readonly capabilities?: ReadonlyArray<HarborCapability | null> | null;
  readonly properties?: Readonly<Record<string, string>> | null;
}

export interface HarborCapability {
  readonly type?: string | null;
  readonly consumes_mime_types?: readonly string[] | null;
  readonly produces_mime_types?: readonly string[] | null;
}

/** Harbor's `supportedMimeTypes` (upstream). */
const UPSTREAM_REPORT_TYPES: readonly string[] = [REPORT_MIME.harborVulnV1_0, REPORT_MIME.vulnerabilityV1_1, REPORT_MIME.sbomV1_0];
/** The fork's `supportedMimeTypes`: upstream's plus the model-security report. */
const FORK_REPORT_TYPES: readonly string[] = [...UPSTREAM_REPORT_TYPES, REPORT_MIME.modelSecurityV1_0];
/** The fork's `supportedArtifactMimeTypes`, in its order (it prints them in the error). */
const FORK_ARTIFACT_TYPES: readonly string[] = [ARTIFACT_MIME.dockerManifestV2, ARTIFACT_MIME.ociManifest, ARTIFACT_MIME.modelManifest];

/** Go's `%v` of a `[]string`. */
function goList(values: readonly string[]): string {
  return `[${values.join(' ')}]`;
}

function checkScanner(md: HarborMetadata): string | undefined {
  const s = md.scanner;
  if (!s || !s.name || !s.version || !s.vendor) return 'invalid scanner in metadata';
  if (!md.capabilities || md.capabilities.length === 0) return 'invalid capabilities in metadata';
  return undefined;
}

/**
 * Upstream Harbor (every release up to v2.15.x and `main` of 2026-08): every capability must consume
 * the Docker v2 manifest type and produce native 1.0, generic 1.1 or SBOM. Returns Harbor's error
 * message, or undefined when the metadata passes.
 */
export function validateMetadataUpstream(md: HarborMetadata): string | undefined {
  const invalid = checkScanner(md);
  if (invalid) return invalid;
  for (const capability of md.capabilities ?? []) {
    if (!(capability?.consumes_mime_types ?? []).includes(ARTIFACT_MIME.dockerManifestV2))
      return `missing ${ARTIFACT_MIME.dockerManifestV2} in consumes_mime_types`;
    if (!(capability?.produces_mime_types ?? []).some((type) => UPSTREAM_REPORT_TYPES.includes(type)))
      return `missing ${REPORT_MIME.harborVulnV1_0} or ${REPORT_MIME.vulnerabilityV1_1} in produces_mime_types`;
  }
  return undefined;
}

/**
 * The chlins/harbor model-security fork: every capability must consume one of the Docker, OCI or
 * model manifest types and produce one of native, generic, SBOM or model-security reports.
 */
export function validateMetadataModelSecurity(md: HarborMetadata): string | undefined {
  const invalid = checkScanner(md);
  if (invalid) return invalid;
  for (const capability of md.capabilities ?? []) {
    if (!(capability?.consumes_mime_types ?? []).some((type) => FORK_ARTIFACT_TYPES.includes(type)))
      return `missing one of ${goList(FORK_ARTIFACT_TYPES)} in consumes_mime_types`;
    if (!(capability?.produces_mime_types ?? []).some((type) => FORK_REPORT_TYPES.includes(type)))
      return `missing one of ${goList(FORK_REPORT_TYPES)} in produces_mime_types`;
  }
  return undefined;
}
