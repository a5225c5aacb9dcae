/**
 * The SBOM as Harbor stores scanner SBOMs (harbor-scanner-api.md §3.11; `GenAccessoryArt` in
 * `src/pkg/scan/util.go`, annotations from `src/pkg/scan/sbom/sbom.go`): an OCI manifest whose config
 * media type is `application/vnd.goharbor.harbor.sbom.v1` (Harbor then records the accessory type
 * `sbom.harbor`, `src/server/middleware/subject/subject.go`), with exactly one layer holding the SPDX JSON
 * (Harbor's SBOM processor refuses any other layer count, `src/controller/artifact/processor/sbom/sbom.go`)
 * and `subject` = the scanned manifest. SPDX, because Harbor's portal renders SPDX only.
 */
import { HARBOR_SBOM_ACCESSORY_TYPE, SBOM_FORMAT } from '../../spec/mime.js';
import type { Descriptor } from '../registry/types.js';
import { buildArtifact, commonAnnotations, type BuiltArtifact } from './oci-artifact.js';

/** What `GenAccessoryArt` uses for the layer: the OCI tar layer type, although the bytes are the JSON. */
const HARBOR_SBOM_LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar';

export interface SbomAccessoryInput {
  readonly subject: Descriptor;
  /** The SPDX 2.3 JSON document. */
  readonly spdx: Uint8Array;
  /** RFC 3339 time of the scan. */
  readonly created: string;
  readonly scannerName: string;
}

export function buildSbomAccessory(input: SbomAccessoryInput): BuiltArtifact {
  return buildArtifact({
    config: { mediaType: HARBOR_SBOM_ACCESSORY_TYPE, bytes: new TextEncoder().encode('{}') },
    layers: [{ mediaType: HARBOR_SBOM_LAYER_TYPE, bytes: input.spdx }],
    subject: input.subject,
    annotations: {
      ...commonAnnotations(input.created),
      created: input.created,
      'created-by': input.scannerName,
      'org.opencontainers.artifact.created': input.created,
      'org.opencontainers.artifact.description': 'SPDX JSON SBOM',
      // The model-security fork records the SBOM format under this key (harbor-scanner-api.md §5.2).
      'io.goharbor.sbom.media-type': SBOM_FORMAT.spdx,
    },
  });
}
