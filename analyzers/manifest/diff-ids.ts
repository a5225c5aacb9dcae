/**
 * Diff IDs — the digests of each layer's uncompressed content that ModelPack (`modelfs.diffIds`, §1.3),
 * Docker model and image configs (`rootfs.diff_ids`) list in layer order — against the layers. An
 * uncompressed layer's diff ID is its digest (modctl writes exactly that); compressed layers are verified
 * while the resolver streams them, and a mismatch reaches us as a layer error (./layer-errors.ts).
 */
import { clip } from '../finding-budget.js';
import { field } from './json.js';
import { MANIFEST_RULES } from './rules.js';
import type { LayerEncoding, LayerFacts, ManifestFacts } from './types.js';
import type { CheckContext } from './view.js';

const MODELPACK_CONFIG = /^application\/vnd\.(?:cncf|cnai|cncf\.cnai)\.model\.config\./;

interface DeclaredDiffIds {
  readonly key: string;
  readonly list: readonly unknown[];
}

export function checkDiffIds({ view, report }: CheckContext): void {
  for (const manifest of view.manifests) {
    const declared = declaredDiffIds(manifest);
    if (!declared) continue;
    const { key, list } = declared;
    const layers = manifest.layers;
    if (list.length !== layers.length) {
      const compressed = layers.some((layer) => isCompressed(layer.declaredEncoding) || isCompressed(layer.readEncoding));
      report.add(MANIFEST_RULES.diffIdsCount, manifest.config.digest, {
        message:
          `config lists ${list.length} diff IDs in ${key}, but the manifest has ${layers.length} layers` +
          (compressed ? '; its compressed layers could not be verified against the config' : ''),
        location: `key ${key}`,
        ...(compressed ? { severity: 'High' as const } : {}),
        details: { manifest: manifest.digest, diffIds: list.length, layers: layers.length },
      });
      continue;
    }
    layers.forEach((layer, index) => {
      const diffId = list[index];
      if (typeof diffId !== 'string' || !isUncompressed(layer) || diffId === layer.digest) return;
      report.add(MANIFEST_RULES.diffIdMismatch, layer.name, {
        message: `layer ${layer.digest} is stored uncompressed, so its diff ID must equal its digest, but ${key}[${index}] is ${clip(diffId)}`,
        location: `key ${key}[${index}]`,
        details: { manifest: manifest.digest, layer: layer.digest, diffId: clip(diffId), index },
      });
    });
  }
}

/** The config's diff ID list, when its packaging defines one and it is a list (shape errors are the schema's). */
function declaredDiffIds(manifest: ManifestFacts): DeclaredDiffIds | undefined {
  const { json, mediaType } = manifest.config;
  let key: string;
  let list: unknown;
  if (manifest.packaging === 'modelpack' && MODELPACK_CONFIG.test(mediaType)) {
    key = 'modelfs.diffIds';
    list = field(field(json, 'modelfs'), 'diffIds');
  } else if (manifest.packaging === 'docker-model' || manifest.packaging === 'image') {
    key = 'rootfs.diff_ids';
    list = field(field(json, 'rootfs'), 'diff_ids');
  } else return undefined;
  return Array.isArray(list) ? { key, list } : undefined;
}

function isCompressed(encoding: LayerEncoding | undefined): boolean {
  return encoding === 'tar+gzip' || encoding === 'tar+zstd';
}

/** Declared and (when known) read without compression: the uncompressed content is the blob. */
function isUncompressed(layer: LayerFacts): boolean {
  return !isCompressed(layer.declaredEncoding) && !isCompressed(layer.readEncoding);
}
