/**
 * File paths that layers claim through annotations (oci-model-formats.md §1.5, §3.3) and how they are
 * judged: attacker-controlled strings that consumers join to their output directory.
 */
import { unsafeNameReason } from '../archive/zip-format.js';
import type { LayerFacts } from './types.js';

/** Keys naming a layer's file, in the order consumers prefer them (modctl, Harbor ≤ 2.15, ORAS). */
export const FILEPATH_ANNOTATIONS = ['org.cncf.model.filepath', 'org.cnai.model.filepath', 'org.opencontainers.image.title'] as const;

/** Keys of the per-layer file metadata JSON (ModelPack v0.0.7+, v0.0.5–v0.0.6, v0.0.4). */
export const FILE_METADATA_ANNOTATIONS = [
  'org.cncf.model.file.metadata+json',
  'org.cnai.model.file.metadata+json',
  'org.cnai.model.file.metadata',
] as const;

export interface ClaimedPath {
  readonly key: string;
  readonly value: string;
}

/** Every file path annotation the layer carries, in preference order. */
export function claimedPaths(layer: LayerFacts): ClaimedPath[] {
  return FILEPATH_ANNOTATIONS.flatMap((key) => {
    const value = layer.annotations[key];
    return value === undefined ? [] : [{ key, value }];
  });
}

/**
 * Why a claimed path is unsafe to join to an output directory: absolute, drive letters, `..`, NUL (the
 * archive rules' test), plus backslashes, which are separators on Windows, and the empty path.
 */
export function unsafePathReason(raw: string): string | undefined {
  if (raw === '') return 'is empty';
  return unsafeNameReason(raw) ?? (raw.includes('\\') ? 'contains a backslash, a directory separator on Windows' : undefined);
}

/** True when `path` is `root` or lies under it (normalised, `/`-separated paths). */
export function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/** The last component of a `/`-separated path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
