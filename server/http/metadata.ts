/**
 * The metadata Harbor validates on "Test connection", on registration and before every scan
 * (../shared/reference/harbor-scanner-api.md §3.3). By default it passes upstream Harbor's validator:
 * every capability consumes the Docker v2 manifest type and produces a report type Harbor knows. The
 * model-security capability of the `chlins/harbor` fork (§5.2) consumes only the model manifest type and
 * produces only the model report, which upstream's validator rejects; it is therefore added only when
 * SCANNER_MODEL_SECURITY=true, for Harbor builds with model scanning. The `sbom` capability (spec 1.2,
 * §2.7, §3.11) passes both validators: it consumes the image manifest types and produces the SBOM report.
 * Tests run both validators.
 */
import { RULESET } from '../../analyzers/ruleset.js';
import { ARTIFACT_MIME, REPORT_MIME, SBOM_FORMAT } from '../../spec/mime.js';
import type { ScannerAdapterMetadata, ScannerCapability } from '../../spec/schemas.js';
import { SCANNER } from './scanner-info.js';

export interface MetadataOptions {
  readonly modelSecurity: boolean;
  readonly registryAuthorizationType: 'Basic' | 'Bearer';
}

const IMAGE_MANIFESTS = [ARTIFACT_MIME.ociManifest, ARTIFACT_MIME.dockerManifestV2];

export function capabilities(options: Pick<MetadataOptions, 'modelSecurity'>): ScannerCapability[] {
  const list: ScannerCapability[] = [
    { type: 'vulnerability', consumes_mime_types: [...IMAGE_MANIFESTS], produces_mime_types: [REPORT_MIME.vulnerabilityV1_1] },
    {
      type: 'sbom',
      // The fork sends ModelPack artifacts with the model manifest type and asks them for CycloneDX (§5.2).
      consumes_mime_types: options.modelSecurity ? [...IMAGE_MANIFESTS, ARTIFACT_MIME.modelManifest] : [...IMAGE_MANIFESTS],
      produces_mime_types: [REPORT_MIME.sbomV1_0],
      additional_attributes: { sbom_media_types: [SBOM_FORMAT.spdx, SBOM_FORMAT.cyclonedx] },
    },
  ];
  if (options.modelSecurity)
    list.push({
      type: 'model-security',
      consumes_mime_types: [ARTIFACT_MIME.modelManifest],
      produces_mime_types: [REPORT_MIME.modelSecurityV1_0],
    });
  return list;
}

export function buildMetadata(options: MetadataOptions): ScannerAdapterMetadata {
  return {
    scanner: { ...SCANNER },
    capabilities: capabilities(options),
    properties: {
      'harbor.scanner-adapter/scanner-type': 'model',
      // Read by Harbor core to decide what to put in registry.authorization (§2.6, §3.5).
      'harbor.scanner-adapter/registry-authorization-type': options.registryAuthorizationType,
      // The portal renders this key as a date: the rule set plays the vulnerability database's role.
      'harbor.scanner-adapter/vulnerability-database-updated-at': RULESET.date,
      'harbor-scanner-models/rule-set-version': RULESET.version,
      'harbor-scanner-models/rule-set-date': RULESET.date,
    },
  };
}
