/**
 * Walk a resolved manifest's layers and yield its regular files with safe paths. Model packagings are
 * read layer by layer; container images top layer first through {@link ImageOverlay}, so whiteouts and
 * shadowed lower-layer paths are skipped in a single pass. Directories are skipped, links and devices go
 * to the inventory, path collisions are kept and reported.
 */
import type { AnalyzerLimits } from '../../analyzers/limits.js';
import { ArtifactLimitError, LayerReadError } from '../errors/artifact-errors.js';
import { ScannerError } from '../errors/scanner-error.js';
import type { RegistryClient } from '../registry/types.js';
import type { LayerFacts } from './config.js';
import { openLayer, type LayerItem, type OpenedLayer } from './layer-reader.js';
import { ImageOverlay } from './overlay.js';
import { normaliseArtifactPath, PathRegistry } from './paths.js';
import type { ArtifactInventory, ArtifactLimits, FilesOptions, ModelFile, ResolvedManifest, SpecialEntry } from './types.js';

export interface WalkContext {
  readonly client: RegistryClient;
  readonly repository: string;
  readonly limits: AnalyzerLimits;
  readonly artifactLimits: ArtifactLimits;
}

/** The inventory as the walker fills it. */
export interface MutableInventory extends ArtifactInventory {
  readonly specialEntries: SpecialEntry[];
  readonly collisions: Array<ArtifactInventory['collisions'][number]>;
  readonly layerErrors: LayerReadError[];
  hiddenEntries: number;
}

export function emptyInventory(): MutableInventory {
  return { specialEntries: [], collisions: [], layerErrors: [], hiddenEntries: 0 };
}

export async function* manifestFiles(
  manifest: ResolvedManifest,
  context: WalkContext,
  inventory: MutableInventory,
  options: FilesOptions,
): AsyncGenerator<ModelFile> {
  const registry = new PathRegistry();
  const overlay = manifest.packaging === 'image' ? new ImageOverlay() : undefined;
  const layers = overlay ? [...manifest.layers].reverse() : manifest.layers;
  let treeEntries = 0;

  for (const plan of layers) {
    options.signal?.throwIfAborted();
    const { digest } = plan.descriptor;
    const fact: LayerFacts = manifest.layerFacts.get(digest) ?? {};
    const rawPath = plan.pathHint ?? fact.path ?? digest;
    let layer: OpenedLayer | undefined;
    try {
      layer = await openLayer(plan, {
        client: context.client,
        repository: context.repository,
        limits: context.limits,
        rawPath,
        ...(fact.diffId ? { diffId: fact.diffId } : {}),
      });
      for await (const item of layer.items) {
        options.signal?.throwIfAborted();
        if (++treeEntries > context.artifactLimits.maxTreeEntries)
          throw new ArtifactLimitError('tree entries per manifest', treeEntries, context.artifactLimits.maxTreeEntries);
        const normalised = normaliseArtifactPath(item.rawPath);
        // A whole-layer file whose claimed path normalises to nothing is named by its digest instead.
        const path = normalised.path || (layer.encoding === 'raw' ? digest : '');
        if (path === '') continue; // the archive root (`./`) or a nameless member: nothing to expose
        if (overlay) {
          const verdict = overlay.visit(path, item.type === 'directory');
          if (verdict === 'hidden') inventory.hiddenEntries++;
          if (verdict !== 'visible') continue;
        }
        if (item.type === 'directory') continue;
        const collision = registry.add(path, { rawPath: item.rawPath, layerDigest: digest });
        if (collision) inventory.collisions.push({ ...collision, manifestDigest: manifest.digest });
        if (item.type !== 'file' || !item.source) {
          inventory.specialEntries.push(specialEntry(item, path, digest, manifest.digest));
          continue;
        }
        yield {
          path,
          rawPath: item.rawPath,
          pathIssues: normalised.issues,
          size: item.size,
          ...(layer.encoding === 'raw' ? { digest, mediaType: plan.descriptor.mediaType } : {}),
          ...(item.streamedDigest ? { streamedDigest: item.streamedDigest } : {}),
          ...(item.mode === undefined ? {} : { mode: item.mode }),
          kind: plan.kind,
          layerDigest: digest,
          layerMediaType: plan.descriptor.mediaType,
          declaredEncoding: plan.encoding,
          layerEncoding: layer.encoding,
          manifestDigest: manifest.digest,
          ...(manifest.platform ? { platform: manifest.platform } : {}),
          source: item.source,
        };
      }
      await layer.verify?.();
    } catch (error) {
      if (error instanceof ArtifactLimitError || options.signal?.aborted) throw error;
      const failure = new LayerReadError(digest, manifest.digest, await verifiedFailure(layer, error), rawPath);
      if (!options.onLayerError) throw failure;
      inventory.layerErrors.push(failure);
      options.onLayerError(failure);
    } finally {
      overlay?.endLayer();
    }
  }
}

/**
 * A layer read by Range that broke on its content (a malformed tar header) is verified first when the
 * client verifies blobs: bytes changed in transit are the digest mismatch they are, not a finding.
 */
async function verifiedFailure(layer: OpenedLayer | undefined, error: unknown): Promise<unknown> {
  // The scanner's own errors (registry, limits) already say what happened; only content errors may hide a transport one.
  if (layer?.verify === undefined || error instanceof ScannerError) return error;
  try {
    await layer.verify();
  } catch (transport) {
    return transport;
  }
  return error;
}

function specialEntry(item: LayerItem, path: string, layerDigest: string, manifestDigest: string): SpecialEntry {
  return {
    path,
    rawPath: item.rawPath,
    type: item.type === 'file' || item.type === 'directory' ? 'other' : item.type,
    ...(item.linkname === undefined ? {} : { linkname: item.linkname }),
    mode: item.mode ?? 0,
    layerDigest,
    manifestDigest,
  };
}

