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
import type { ByteSource } from '../../analyzers/source.js';
import type {
  ArtifactInventory,
  ArtifactLimits,
  FilesOptions,
  LayerIdentity,
  LayerReading,
  LayerRecording,
  ModelFile,
  RecordedEntry,
  ResolvedManifest,
  SpecialEntry,
} from './types.js';

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
    let recording: LayerRecording | undefined;
    try {
      const identity: LayerIdentity = { plan, rawPath, ...(fact.diffId ? { diffId: fact.diffId } : {}) };
      // A layer read before is replayed when its reading covers every file this walk exposes from it.
      const found = options.layers ? await options.layers.find(identity, (reading) => replayable(reading, overlay, digest)) : undefined;
      if (found) layer = replayedLayer(found);
      else {
        layer = await openLayer(plan, {
          client: context.client,
          repository: context.repository,
          limits: context.limits,
          rawPath,
          ...(fact.diffId ? { diffId: fact.diffId } : {}),
        });
        recording = options.layers?.record(identity, layer.encoding, layer.verified);
      }
      for await (const item of layer.items) {
        options.signal?.throwIfAborted();
        if (++treeEntries > context.artifactLimits.maxTreeEntries)
          throw new ArtifactLimitError('tree entries per manifest', treeEntries, context.artifactLimits.maxTreeEntries);
        const recordAnalysis = recording?.entry(recordedEntry(item));
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
          ...(item.analysis ? { analysis: item.analysis } : {}),
          ...(recordAnalysis ? { recordAnalysis } : {}),
        };
      }
      await layer.verify?.();
      await recording?.complete();
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
 * True when `reading` holds the analysis of every regular file this walk will hand out from the layer:
 * its files without one (hidden by the upper layers of the image it was recorded in) must be hidden here
 * too. What the overlay hides depends on the layers above only, so this is known before the layer is read.
 */
function replayable(reading: LayerReading, overlay: ImageOverlay | undefined, digest: string): boolean {
  return reading.entries.every((entry) => {
    if (entry.type !== 'file' || entry.analysis) return true;
    const path = normaliseArtifactPath(entry.rawPath).path || (reading.encoding === 'raw' ? digest : '');
    return path === '' || (overlay !== undefined && overlay.peek(path, false) !== 'visible');
  });
}

/** A recorded reading as the walk reads a layer: the same entries in order, files carrying their analysis. */
function replayedLayer(reading: LayerReading): OpenedLayer {
  return {
    encoding: reading.encoding,
    // Not read, so nothing to record again.
    verified: () => false,
    items: (async function* () {
      for (const entry of reading.entries)
        yield {
          type: entry.type,
          rawPath: entry.rawPath,
          size: entry.size,
          ...(entry.mode === undefined ? {} : { mode: entry.mode }),
          ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
          ...(entry.type === 'file' ? { source: notRead(entry.size) } : {}),
          ...(entry.digest === undefined ? {} : { streamedDigest: () => entry.digest }),
          ...(entry.analysis ? { analysis: entry.analysis } : {}),
        };
    })(),
  };
}

function recordedEntry(item: LayerItem): RecordedEntry & { readonly streamedDigest?: () => string | undefined } {
  return {
    type: item.type,
    rawPath: item.rawPath,
    ...(item.size === undefined ? {} : { size: item.size }),
    ...(item.mode === undefined ? {} : { mode: item.mode }),
    ...(item.linkname === undefined ? {} : { linkname: item.linkname }),
    ...(item.streamedDigest ? { streamedDigest: item.streamedDigest } : {}),
  };
}

/** The source of a replayed file: its analysis is known, its bytes were not fetched. */
function notRead(size: number | undefined): ByteSource {
  const fail = (): never => {
    throw new Error('a file replayed from the layer result cache has no bytes to read');
  };
  return {
    size,
    seekable: true,
    read: async () => fail(),
    stream: async function* () {
      fail();
    },
  };
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

