/**
 * Turns a resolved artifact and its layer walk into the plain facts the manifest analyzer checks
 * (analyzers/manifest/types.ts). The recorder watches the files as the walk yields them, keeps the
 * layer failures that are about content (a transport failure still ends the scan), and assembles the
 * facts once the files have been scanned.
 */
import { LimitExceededError } from '../../analyzers/engine-rules.js';
import { TarFormatError } from '../../analyzers/archive/tar-reader.js';
import { clip } from '../../analyzers/finding-budget.js';
import type {
  ArtifactFacts,
  EntryFacts,
  LayerErrorCause,
  LayerErrorFacts,
  LayerFacts,
  ManifestFacts,
} from '../../analyzers/manifest/types.js';
import { ContentDigestMismatchError, DecompressionBombError, type LayerReadError } from '../errors/artifact-errors.js';
import { ScannerError } from '../errors/scanner-error.js';
import type { ScannedFile } from '../jobs/model.js';
import type { LayerEncoding } from '../artifact/media-types.js';
import { normaliseArtifactPath } from '../artifact/paths.js';
import type { ModelFile, ResolvedArtifact, ResolvedManifest, SpecialEntry } from '../artifact/types.js';

/** One walk of an artifact's files (`ResolvedArtifact.files()` restarts the inventory, so one recorder per walk). */
export class ArtifactFactsRecorder {
  private readonly files: EntryFacts[] = [];
  private readonly readEncodings = new Map<string, LayerEncoding>();
  private readonly layerErrors: LayerErrorFacts[] = [];

  constructor(private readonly artifact: ResolvedArtifact) {}

  /** Note a file as the walk yields it, before it is scanned. */
  record(file: ModelFile): void {
    const key = layerKey(file.manifestDigest, file.layerDigest);
    if (!this.readEncodings.has(key)) this.readEncodings.set(key, file.layerEncoding);
    this.files.push({
      manifestDigest: file.manifestDigest,
      layerDigest: file.layerDigest,
      path: file.path,
      rawPath: file.rawPath,
      type: 'file',
      wholeLayer: file.layerEncoding === 'raw',
      ...(file.size === undefined ? {} : { size: file.size }),
      ...(file.mode === undefined ? {} : { mode: file.mode }),
      ...(file.mediaType === undefined ? {} : { mediaType: file.mediaType }),
    });
  }

  /**
   * For `FilesOptions.onLayerError`: a layer whose content is broken (digests, sizes, tar structure,
   * decompression, limits) is kept as a fact and the walk goes on; a registry that cannot be reached or
   * refuses access rethrows, failing the scan as before.
   */
  readonly onLayerError = (error: LayerReadError): void => {
    const cause = layerErrorCause(error, this.diffIdOf(error));
    if (cause === undefined) throw error;
    const reason = error.cause instanceof Error ? error.cause.message : error.message;
    this.layerErrors.push({ manifestDigest: error.manifestDigest, layerDigest: error.layerDigest, cause, message: clip(reason) });
  };

  /** The facts, with each file's sniffed format from `scanned` (ScanResult.files, in the order yielded). */
  facts(scanned: readonly ScannedFile[]): ArtifactFacts {
    const inventory = this.artifact.inventory;
    const formats = scanned.length === this.files.length ? scanned.map((file) => file.format) : [];
    return {
      digest: this.artifact.digest,
      manifests: this.artifact.manifests.map((manifest) => this.manifestFacts(manifest)),
      entries: [
        ...this.files.map((entry, i) => (formats[i] === undefined ? entry : { ...entry, format: formats[i] })),
        ...inventory.specialEntries.map(specialEntryFacts),
      ],
      collisions: inventory.collisions.map((c) => ({
        manifestDigest: c.manifestDigest,
        path: c.path,
        kind: c.kind,
        first: { rawPath: c.first.rawPath, layerDigest: c.first.layerDigest },
        second: { rawPath: c.second.rawPath, layerDigest: c.second.layerDigest },
      })),
      layerErrors: this.layerErrors,
      skippedManifests: this.artifact.skippedManifests
        .filter((skipped) => !skipped.expected)
        .map(({ digest, mediaType, reason }) => ({ digest, mediaType, reason })),
    };
  }

  private manifestFacts(manifest: ResolvedManifest): ManifestFacts {
    const { config } = manifest;
    return {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
      annotations: manifest.annotations,
      packaging: manifest.packaging,
      config: { digest: config.descriptor.digest, mediaType: config.descriptor.mediaType, size: config.descriptor.size, json: config.json },
      layers: manifest.layers.map((plan): LayerFacts => {
        const { descriptor } = plan;
        const readEncoding = this.readEncodings.get(layerKey(manifest.digest, descriptor.digest));
        // The name the walk gives a raw layer's file (files.ts): the claimed path normalised, else the digest.
        const claimed = plan.pathHint ?? manifest.layerFacts.get(descriptor.digest)?.path;
        const name = (claimed === undefined ? '' : normaliseArtifactPath(claimed).path) || descriptor.digest;
        return {
          digest: descriptor.digest,
          mediaType: descriptor.mediaType,
          size: descriptor.size,
          annotations: descriptor.annotations ?? {},
          kind: plan.kind,
          declaredEncoding: plan.encoding,
          ...(readEncoding === undefined ? {} : { readEncoding }),
          name,
        };
      }),
    };
  }

  private diffIdOf(error: LayerReadError): string | undefined {
    const manifest = this.artifact.manifests.find((m) => m.digest === error.manifestDigest);
    return manifest?.layerFacts.get(error.layerDigest)?.diffId;
  }
}

function layerKey(manifestDigest: string, layerDigest: string): string {
  return `${manifestDigest}\n${layerDigest}`;
}

function specialEntryFacts(entry: SpecialEntry): EntryFacts {
  return {
    manifestDigest: entry.manifestDigest,
    layerDigest: entry.layerDigest,
    path: entry.path,
    rawPath: entry.rawPath,
    type: entry.type,
    wholeLayer: false,
    mode: entry.mode,
    ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
  };
}

/**
 * What broke a layer, from the error and its causes (decompressors wrap what they read from); undefined
 * for failures that say nothing about the artifact (network, authentication, TLS, a vanished blob, a blob
 * whose size or digest is not the descriptor's: the registry served other bytes, a transport failure).
 */
export function layerErrorCause(error: LayerReadError, diffId: string | undefined): LayerErrorCause | undefined {
  for (let current: unknown = error.cause; current !== undefined; current = current instanceof Error ? current.cause : undefined) {
    // Inline descriptor data that does not match its digest fails the same way as a streamed diff ID.
    if (current instanceof ContentDigestMismatchError) return current.expected === diffId ? 'diff-id-mismatch' : 'digest-mismatch';
    if (current instanceof DecompressionBombError) return 'decompression-bomb';
    if (current instanceof TarFormatError) return 'tar-malformed';
    if (current instanceof LimitExceededError) return 'limit-exceeded';
    if (current instanceof ScannerError) return undefined;
  }
  return 'unreadable';
}
