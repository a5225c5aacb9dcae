/**
 * Descriptor content (inline `data` or the registry) and the facts a config blob gives about layers:
 * the uncompressed diff IDs used to verify streamed layers, and KitOps' per-layer Kitfile paths.
 */
import { BufferSource, type ByteSource } from '../../analyzers/source.js';
import { ArtifactLimitError, ContentDigestMismatchError } from '../errors/artifact-errors.js';
import type { Descriptor, RegistryClient, VerifiableSource } from '../registry/types.js';
import { verifyBytes } from './digest.js';
import type { LayerDescriptor, Packaging } from './media-types.js';

export interface ArtifactConfig {
  readonly descriptor: Descriptor;
  /** The verified bytes, at most the configured cap. */
  readonly bytes: Uint8Array;
  /** Parsed JSON; undefined when the bytes are not JSON (left for the integrity checks to report). */
  readonly json: unknown;
}

/** Fetch a config blob whole (digest-verified), refusing anything above `maxBytes`. */
export async function readConfig(
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
  maxBytes: number,
): Promise<ArtifactConfig> {
  if (descriptor.size > maxBytes) throw new ArtifactLimitError('config bytes', descriptor.size, maxBytes);
  const bytes = descriptor.data === undefined ? await client.getBlob(repository, descriptor, maxBytes) : inlineBytes(descriptor);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    json = undefined;
  }
  return { descriptor, bytes, json };
}

/** A layer's bytes: inline data when the descriptor carries it (verified), else the registry by Range. */
export function descriptorSource(client: RegistryClient, repository: string, descriptor: Descriptor): ByteSource & Partial<VerifiableSource> {
  return descriptor.data === undefined ? client.blobSource(repository, descriptor) : new BufferSource(inlineBytes(descriptor));
}

/** image-spec `descriptor.md`: inline `data` must match the descriptor's size and digest. */
function inlineBytes(descriptor: Descriptor): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(descriptor.data ?? '', 'base64'));
  const what = `inline data of ${descriptor.digest}`;
  if (bytes.length !== descriptor.size) throw new ContentDigestMismatchError(what, `${descriptor.size} bytes`, `${bytes.length} bytes`);
  verifyBytes(bytes, descriptor.digest, what);
  return bytes;
}

export interface LayerFacts {
  /** Digest of the uncompressed layer (config diff IDs), for verifying streamed layers. */
  readonly diffId?: string;
  /** Path the config names for this layer (KitOps Kitfile entries). */
  readonly path?: string;
}

/**
 * Per-layer facts from the config, keyed by layer digest: ModelPack `modelfs.diffIds` and image/Docker
 * model `rootfs.diff_ids` (one per layer, in order, §1.3 / image-spec `config.md`), KitOps entries with
 * `digest`, `diffId` and `path` (§2.1). Lists whose length disagrees with the layers are ignored.
 */
export function layerFacts(packaging: Packaging, layers: readonly LayerDescriptor[], json: unknown): Map<string, LayerFacts> {
  const facts = new Map<string, LayerFacts>();
  if (packaging === 'kitops') {
    for (const entry of kitfileEntries(json)) {
      const digest = stringField(entry, 'digest');
      if (digest === undefined) continue;
      const diffId = stringField(entry, 'diffId');
      const path = stringField(entry, 'path');
      facts.set(digest, { ...(diffId ? { diffId } : {}), ...(path ? { path } : {}) });
    }
    return facts;
  }
  const diffIds =
    packaging === 'modelpack' ? field(field(json, 'modelfs'), 'diffIds') : field(field(json, 'rootfs'), 'diff_ids');
  if (!Array.isArray(diffIds) || diffIds.length !== layers.length) return facts;
  layers.forEach((layer, i) => {
    const diffId = diffIds[i];
    if (typeof diffId === 'string') facts.set(layer.digest, { diffId });
  });
  return facts;
}

/** Kitfile entries that own a layer: `model`, `model.parts[]`, `code[]`, `datasets[]`, `docs[]`, `prompts[]`. */
function kitfileEntries(json: unknown): unknown[] {
  const model = field(json, 'model');
  return [model, ...list(field(model, 'parts')), ...['code', 'datasets', 'docs', 'prompts'].flatMap((key) => list(field(json, key)))];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

function stringField(value: unknown, key: string): string | undefined {
  const found = field(value, key);
  return typeof found === 'string' && found !== '' ? found : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
