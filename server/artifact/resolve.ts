/**
 * Reference → manifests → packaging, config and files. An index expands to its child manifests (keeping
 * each one's platform); attestation manifests and children with no recognised packaging are skipped and
 * listed. Only manifests and configs are read up front; layer bytes are read lazily by `files()`, by
 * Range where the encoding allows (oci-model-formats.md §8.2).
 */
import type { AnalyzerLimits } from '../../analyzers/limits.js';
import { ArtifactLimitError, UnsupportedArtifactError } from '../errors/artifact-errors.js';
import type { Descriptor, RegistryClient } from '../registry/types.js';
import { layerFacts, readConfig } from './config.js';
import { emptyInventory, manifestFiles, type MutableInventory, type WalkContext } from './files.js';
import { parseManifest, type ParsedIndex, type ParsedManifest } from './manifest.js';
import { ANNOTATIONS, classifyManifest } from './media-types.js';
import {
  DEFAULT_ARTIFACT_LIMITS,
  type ArtifactLimits,
  type FilesOptions,
  type ModelFile,
  type ResolvedArtifact,
  type ResolvedManifest,
  type SkippedManifest,
} from './types.js';

export interface ResolveOptions {
  /** Content limits for reading layers (tar entries, decompressed bytes, extended headers). */
  readonly limits: AnalyzerLimits;
  /** Structural limits; unset fields take {@link DEFAULT_ARTIFACT_LIMITS}. */
  readonly artifactLimits?: Partial<ArtifactLimits>;
}

/** An index may hold indexes (image-spec allows it); one level of nesting covers the packagings seen. */
const MAX_INDEX_DEPTH = 2;

/**
 * Resolve `repository:reference` (tag or digest) into its manifests and a lazy view of its files.
 * Throws {@link UnsupportedArtifactError} when no manifest is a model or image, {@link ArtifactLimitError}
 * when the structure exceeds the limits, {@link InvalidManifestError} for malformed manifests.
 *
 * @example
 * const artifact = await resolveArtifact(client, 'library/llama', 'sha256:…', { limits });
 * for await (const file of artifact.files()) await engine.scanFile(file, file.source);
 */
export async function resolveArtifact(
  client: RegistryClient,
  repository: string,
  reference: string,
  options: ResolveOptions,
): Promise<ResolvedArtifact> {
  const artifactLimits: ArtifactLimits = { ...DEFAULT_ARTIFACT_LIMITS, ...options.artifactLimits };
  const resolver = new ManifestResolver(client, repository, artifactLimits);
  const top = parseManifest(await client.getManifest(repository, reference));
  if (top.kind === 'manifest') {
    const manifest = await resolver.resolve(top, undefined);
    if (!manifest) throw new UnsupportedArtifactError(mediaTypesOf(top));
  } else {
    await resolver.expand(top, 1);
    if (resolver.manifests.length === 0)
      throw new UnsupportedArtifactError(resolver.mediaTypesSeen, 'no manifest of the index is a model or container image');
  }

  const { manifests, skipped } = resolver;
  const packagings = new Set(manifests.map((manifest) => manifest.packaging));
  const context: WalkContext = { client, repository, limits: options.limits, artifactLimits };
  let inventory: MutableInventory = emptyInventory();
  return {
    repository,
    reference,
    digest: top.digest,
    mediaType: top.mediaType,
    packaging: packagings.size === 1 ? manifests[0]!.packaging : 'mixed',
    manifests,
    skippedManifests: skipped,
    get inventory() {
      return inventory;
    },
    files(filesOptions: FilesOptions = {}): AsyncIterable<ModelFile> {
      inventory = emptyInventory();
      return allFiles(manifests, context, inventory, filesOptions);
    },
  };
}

async function* allFiles(
  manifests: readonly ResolvedManifest[],
  context: WalkContext,
  inventory: MutableInventory,
  options: FilesOptions,
): AsyncGenerator<ModelFile> {
  for (const manifest of manifests) yield* manifestFiles(manifest, context, inventory, options);
}

class ManifestResolver {
  readonly manifests: ResolvedManifest[] = [];
  readonly skipped: SkippedManifest[] = [];
  readonly mediaTypesSeen: string[] = [];
  private fetched = 0;

  constructor(
    private readonly client: RegistryClient,
    private readonly repository: string,
    private readonly limits: ArtifactLimits,
  ) {}

  /** Resolve the children of an index, depth-first in index order. */
  async expand(index: ParsedIndex, depth: number): Promise<void> {
    for (const child of index.manifests) {
      if (++this.fetched > this.limits.maxManifests)
        throw new ArtifactLimitError('manifests in an index', this.fetched, this.limits.maxManifests);
      let parsed: ParsedManifest | ParsedIndex;
      try {
        parsed = parseManifest(await this.client.getManifest(this.repository, child.digest));
      } catch (error) {
        if (!(error instanceof UnsupportedArtifactError)) throw error;
        this.mediaTypesSeen.push(...error.mediaTypesSeen);
        this.skip(child, 'not a manifest or index');
        continue;
      }
      if (parsed.kind === 'index') {
        if (depth >= MAX_INDEX_DEPTH) this.skip(child, `index nested deeper than ${MAX_INDEX_DEPTH} levels`);
        else await this.expand(parsed, depth + 1);
        continue;
      }
      // The annotation is the pusher's word: only a manifest that holds nothing but in-toto statements is
      // passed over as buildx's attestation; anything else is resolved like any child.
      if (child.annotations?.[ANNOTATIONS.dockerReferenceType] === 'attestation-manifest' && isAttestation(parsed)) {
        this.skip(child, 'attestation manifest (in-toto statements only)', true);
        continue;
      }
      if (!(await this.resolve(parsed, child.platform))) {
        this.mediaTypesSeen.push(...mediaTypesOf(parsed));
        this.skip(child, 'no model or container image packaging recognised');
      }
    }
  }

  /** Classify a manifest and read its config; undefined when it is neither a model nor an image. */
  async resolve(parsed: ParsedManifest, platform: Descriptor['platform']): Promise<ResolvedManifest | undefined> {
    if (parsed.layers.length > this.limits.maxLayers)
      throw new ArtifactLimitError('layers in a manifest', parsed.layers.length, this.limits.maxLayers);
    const classification = classifyManifest(parsed);
    if (!classification) return undefined;
    const config = await readConfig(this.client, this.repository, parsed.config, this.limits.maxConfigBytes);
    const manifest: ResolvedManifest = {
      digest: parsed.digest,
      mediaType: parsed.mediaType,
      ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
      annotations: parsed.annotations,
      ...(platform ? { platform } : {}),
      packaging: classification.packaging,
      config,
      layers: classification.layers,
      layerFacts: layerFacts(classification.packaging, parsed.layers, config.json),
    };
    this.manifests.push(manifest);
    return manifest;
  }

  /** `expected`: a child that carries no model content by construction (an attestation), not reported. */
  private skip(descriptor: Descriptor, reason: string, expected = false): void {
    this.skipped.push({ digest: descriptor.digest, mediaType: descriptor.mediaType, reason, ...(expected ? { expected } : {}) });
  }
}

const IN_TOTO = 'application/vnd.in-toto+json';

/** buildx attestation manifests: in-toto statement layers only (docker buildx `docs/attestations/attestation-storage.md`). */
function isAttestation(manifest: ParsedManifest): boolean {
  return manifest.layers.length > 0 && manifest.layers.every((layer) => layer.mediaType === IN_TOTO);
}

/** Every media type a manifest names, for "unsupported" messages. */
function mediaTypesOf(manifest: ParsedManifest): string[] {
  const types = [manifest.mediaType, manifest.artifactType, manifest.config.mediaType, ...manifest.layers.map((layer) => layer.mediaType)];
  return [...new Set(types.filter((type): type is string => type !== undefined && type !== ''))];
}
