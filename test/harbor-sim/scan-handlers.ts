/**
 * Harbor's per-scan-type handlers (`src/pkg/scan/handler.go` and its implementations;
 * ../shared/reference/harbor-scanner-api.md §3.4, §3.6, §3.7, §3.11, §5.2): what goes into
 * `enabled_capabilities[0]`, the report URL parameter, and how each polled report is checked — first
 * when it is fetched (`report.ResolveData`), then when the handler post-processes it (`PostScan`).
 */
import { REPORT_MIME, SBOM_FORMAT } from '../../spec/mime.js';
import { HARBOR_TYPES, goUnmarshal, type GoType } from './go-json.js';

export interface ScanHandler {
  readonly type: string;
  /** `RequestProducesMineTypes`: what the request asks for, whatever the capability lists. */
  readonly requestProducesMimeTypes: readonly string[];
  /** `RequestParameters`: `null` (Go's nil map) unless the type has parameters. */
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  /** `URLParameter`: query string appended to every report poll of the job. */
  readonly urlParameter: string;
  /** `PostScan`'s parse of a fetched report: Harbor's error, or undefined. */
  postScan(body: string): string | undefined;
}

function unmarshalInto(type: GoType): (body: string) => string | undefined {
  return (body) => goUnmarshal(body, type).error;
}

/** `vulnerability/vul.go`: every polled type is converted as a `vuln.Report`, raw included. */
const VULNERABILITY: ScanHandler = {
  type: 'vulnerability',
  requestProducesMimeTypes: [REPORT_MIME.vulnerabilityV1_1],
  requestParameters: null,
  urlParameter: '',
  postScan: unmarshalInto(HARBOR_TYPES.vulnerabilityReport),
};

/** `sbom/sbom.go`: upstream hard-codes SPDX; the fork asks for CycloneDX for models (§5.2). */
function sbomHandler(format: string): ScanHandler {
  return {
    type: 'sbom',
    requestProducesMimeTypes: [REPORT_MIME.sbomV1_0],
    requestParameters: { sbom_media_types: [format] },
    urlParameter: `sbom_media_type=${encodeURIComponent(format)}`,
    postScan: unmarshalInto(HARBOR_TYPES.sbomReport),
  };
}

/** The fork's `modelsecurity` handler: the report is kept as a JSON blob after `Normalize`. */
const MODEL_SECURITY: ScanHandler = {
  type: 'model-security',
  requestProducesMimeTypes: [REPORT_MIME.modelSecurityV1_0],
  requestParameters: null,
  urlParameter: '',
  postScan: unmarshalInto(HARBOR_TYPES.modelSecurityReport),
};

/** The handler for a scan type, or undefined where that Harbor has none (`GetScanHandler`). */
export function scanHandler(type: string, options: { modelSecurity: boolean; modelArtifact: boolean }): ScanHandler | undefined {
  if (type === 'vulnerability') return VULNERABILITY;
  if (type === 'sbom') return sbomHandler(options.modelSecurity && options.modelArtifact ? SBOM_FORMAT.cyclonedx : SBOM_FORMAT.spdx);
  if (type === 'model-security' && options.modelSecurity) return MODEL_SECURITY;
  return undefined;
}

/**
 * `report.ResolveData` at poll time: only the two vulnerability report types are checked (they must
 * unmarshal into `vuln.Report`); every other type passes as raw data.
 */
export function resolveData(mimeType: string, body: string): string | undefined {
  if (mimeType !== REPORT_MIME.harborVulnV1_0 && mimeType !== REPORT_MIME.vulnerabilityV1_1) return undefined;
  if (body.length === 0) return 'empty JSON data';
  return goUnmarshal(body, HARBOR_TYPES.vulnerabilityReport).error;
}
