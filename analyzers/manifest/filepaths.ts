/**
 * The paths layers claim (annotations, oci-model-formats.md §1.5) and the paths their tars hold: unsafe
 * or ambiguous claims, two layers claiming one path (or a file where a directory is needed — Harbor's
 * "path conflicts"), and tar members outside the path their layer claims.
 */
import { ARCHIVE_RULES } from '../archive/rules.js';
import { clip } from '../finding-budget.js';
import { MANIFEST_RULES } from './rules.js';
import { baseName, claimedPaths, isWithin, unsafePathReason } from './paths.js';
import type { LayerFacts, ManifestFacts } from './types.js';
import type { CheckContext } from './view.js';

/** Members quoted when a layer holds files outside its claimed path. */
const QUOTED_MEMBERS = 5;

export function checkClaimedPaths({ view, report }: CheckContext): void {
  for (const manifest of view.manifests)
    for (const layer of manifest.layers) {
      const claims = claimedPaths(layer);
      for (const { key, value } of claims) {
        const reason = unsafePathReason(value);
        if (reason)
          report.add(MANIFEST_RULES.unsafeFilepath, layer.name, {
            message: `annotation ${key} ${JSON.stringify(clip(value))} ${reason}`,
            location: `annotation ${key}`,
            details: { manifest: manifest.digest, layer: layer.digest, annotation: key, value: clip(value) },
          });
      }
      const [first, ...others] = claims;
      const disagreeing = others.filter((other) => other.value !== first?.value && !(other.key.endsWith('.title') && other.value === baseName(first?.value ?? '')));
      if (first && disagreeing.length > 0)
        report.add(MANIFEST_RULES.filepathAmbiguous, layer.name, {
          message: `layer ${layer.digest} is ${[first, ...disagreeing].map((c) => `${JSON.stringify(clip(c.value))} by ${c.key}`).join(' but ')}`,
          details: { manifest: manifest.digest, layer: layer.digest, paths: Object.fromEntries([first, ...disagreeing].map((c) => [c.key, clip(c.value)])) },
        });
    }
}

interface Claim {
  readonly path: string;
  readonly directory: boolean;
  readonly layer: string;
}

/**
 * Collisions between the paths layers claim, and those the layer walk met. A duplicate inside one tar is
 * the archive rule's; across layers it is a manifest-level collision. Each path is reported once.
 */
export function checkCollisions({ view, report }: CheckContext): void {
  for (const manifest of view.manifests) {
    const reported = new Set<string>();
    for (const collision of claimCollisions(manifest)) {
      reported.add(collision.path);
      report.add(MANIFEST_RULES.pathCollision, collision.path, {
        message: collision.message,
        details: { manifest: manifest.digest, layers: collision.layers },
      });
    }
    for (const collision of view.facts.collisions) {
      if (collision.manifestDigest !== manifest.digest || reported.has(collision.path)) continue;
      reported.add(collision.path);
      const { first, second } = collision;
      const details = { manifest: manifest.digest, layers: [first.layerDigest, second.layerDigest], rawPaths: [clip(first.rawPath), clip(second.rawPath)] };
      if (collision.kind === 'duplicate' && first.layerDigest === second.layerDigest)
        report.add(ARCHIVE_RULES.duplicateMember, collision.path, {
          message: `layer ${first.layerDigest} holds ${JSON.stringify(clip(collision.path))} more than once`,
          location: `member ${clip(second.rawPath)}`,
          details,
        });
      else
        report.add(MANIFEST_RULES.pathCollision, collision.path, {
          message:
            collision.kind === 'duplicate'
              ? `layers ${first.layerDigest} and ${second.layerDigest} both hold ${JSON.stringify(clip(collision.path))}`
              : `${JSON.stringify(clip(collision.path))} is a file in one layer and a directory in another (${first.layerDigest}, ${second.layerDigest})`,
          details,
        });
    }
  }
}

function claimCollisions(manifest: ManifestFacts): Array<{ path: string; message: string; layers: string[] }> {
  const files = new Map<string, Claim>();
  const directories = new Map<string, Claim>();
  const found: Array<{ path: string; message: string; layers: string[] }> = [];
  for (const layer of manifest.layers) {
    const claim = claimOf(layer);
    if (!claim) continue;
    const conflict = files.get(claim.path) ?? (claim.directory ? undefined : directories.get(claim.path)) ?? fileAncestor(files, claim.path);
    if (conflict) {
      const same = conflict.path === claim.path && !conflict.directory && !claim.directory;
      found.push({
        path: conflict.path,
        layers: [conflict.layer, claim.layer],
        message: same
          ? `layers ${conflict.layer} and ${claim.layer} both claim ${JSON.stringify(clip(claim.path))}`
          : `${JSON.stringify(clip(conflict.path))} is a file for one of layers ${conflict.layer} and ${claim.layer} and a directory for the other`,
      });
    }
    if (!claim.directory && !files.has(claim.path)) files.set(claim.path, claim);
    for (const ancestor of ancestors(claim.path, claim.directory))
      if (!directories.has(ancestor)) directories.set(ancestor, { ...claim, path: ancestor, directory: true });
  }
  return found;
}

/** The path a layer claims by annotation, normalised (its name), unless normalising left nothing. */
function claimOf(layer: LayerFacts): Claim | undefined {
  const [first] = claimedPaths(layer);
  if (!first || layer.name === layer.digest) return undefined;
  // Harbor treats a trailing `/` as a directory (§1.5).
  return { path: layer.name, directory: first.value.endsWith('/'), layer: layer.digest };
}

function fileAncestor(files: ReadonlyMap<string, Claim>, path: string): Claim | undefined {
  for (const ancestor of ancestors(path, false)) {
    const file = files.get(ancestor);
    if (file) return file;
  }
  return undefined;
}

/** Directories a path implies: its parents, and the path itself when it is a directory. */
function ancestors(path: string, includeSelf: boolean): string[] {
  const out: string[] = [];
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) out.push(path.slice(0, slash));
  if (includeSelf) out.push(path);
  return out;
}

/**
 * ModelPack and KitOps extract a tar layer under its members' own names; each must be the path the layer
 * claims (annotation or Kitfile entry) or lie under it.
 */
export function checkMembersWithinClaim({ view, report }: CheckContext): void {
  for (const manifest of view.manifests) {
    if (manifest.packaging !== 'modelpack' && manifest.packaging !== 'kitops') continue;
    for (const layer of manifest.layers) {
      if (layer.name === layer.digest || layer.readEncoding === undefined || layer.readEncoding === 'raw') continue;
      if (view.layerFailed(manifest, layer)) continue;
      const outside = view.entriesOf(manifest, layer).filter((entry) => !isWithin(entry.path, layer.name));
      if (outside.length === 0) continue;
      const quoted = outside.slice(0, QUOTED_MEMBERS).map((entry) => JSON.stringify(clip(entry.rawPath)));
      const more = outside.length > QUOTED_MEMBERS ? ` and ${outside.length - QUOTED_MEMBERS} more` : '';
      report.add(MANIFEST_RULES.filepathMismatch, layer.name, {
        message: `layer ${layer.digest} claims ${JSON.stringify(clip(layer.name))} but also holds ${quoted.join(', ')}${more}`,
        details: { manifest: manifest.digest, layer: layer.digest, claimed: clip(layer.name), outside: outside.length },
      });
    }
  }
}
