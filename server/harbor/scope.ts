/**
 * Which pushed artifacts the webhook mode scans. Upstream Harbor sends only artifacts of type `IMAGE` to
 * scanners (`hasCapability`, `src/controller/scan/checker.go`; harbor-scanner-api.md §3.8). The type
 * comes from the processor registered for `artifactType`, else the config media type, of a manifest
 * (`ResolveArtifactType`, `src/pkg/artifact/model.go`; `src/controller/artifact/manifest/v2.go`), or the
 * index media type for an index without `artifactType` (`manifest/index.go`); the image processors are
 * registered for the OCI/Docker image configs and the two index types
 * (`src/controller/artifact/processor/image/{manifest_v2,index}.go`). That is reproduced here from the
 * manifest, and media-types.ts decides whether the artifact is a model at all.
 */
import { classifyManifest, MEDIA_TYPES } from '../artifact/media-types.js';
import { parseManifest } from '../artifact/manifest.js';
import type { FetchedManifest } from '../registry/types.js';
import type { WebhookScope } from './settings.js';

export type ScopeDecision = { readonly take: true } | { readonly take: false; readonly reason: string };

/** Processor keys Harbor types `IMAGE`. */
const HARBOR_IMAGE_KEYS: ReadonlySet<string> = new Set([
  MEDIA_TYPES.ociImageConfig,
  MEDIA_TYPES.dockerImageConfig,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
]);

/** Whether the webhook mode takes the artifact `manifest` under `scope`, and why not. */
export function decideScope(manifest: FetchedManifest, scope: WebhookScope): ScopeDecision {
  // Signatures, SBOMs and our own reports refer to another manifest; scanning them would loop.
  if (manifest.body.subject !== undefined) return { take: false, reason: 'an accessory of another artifact (it has a subject)' };
  const parsed = parseManifest(manifest);
  const harborImage =
    parsed.kind === 'index'
      ? HARBOR_IMAGE_KEYS.has(parsed.artifactType ?? parsed.annotations['org.opencontainers.artifactType'] ?? parsed.mediaType)
      : HARBOR_IMAGE_KEYS.has(parsed.artifactType ?? parsed.config.mediaType);
  if (scope === 'non-image' && harborImage) {
    return { take: false, reason: 'Harbor types it IMAGE and sends it to its scanners itself (SCANNER_WEBHOOK_SCOPE=non-image)' };
  }
  // An index is judged by its artifactType; its manifests are classified when the scan resolves them.
  const model =
    parsed.kind === 'index'
      ? harborImage || classifyManifest({ ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}), config: NO_CONFIG, layers: [] }) !== undefined
      : classifyManifest(parsed) !== undefined;
  return model ? { take: true } : { take: false, reason: 'not a model or image artifact the scanner recognises' };
}

const NO_CONFIG = { mediaType: '', digest: '', size: 0 } as const;
