/**
 * Hazards of the tar entries the layer walk met (issue 4 §6, artifact level): member names that escape
 * the root, links that leave it, device files, setuid/setgid files and overlay whiteouts. They mean what
 * the archive rules mean for a tar file, so those rules are reported.
 *
 * Container images are only checked for escaping names: their links resolve inside the container's root
 * filesystem, and setuid binaries and device nodes are ordinary parts of base images. Model artifacts are
 * extracted into a directory by modctl, kit or an image volume, where none of these belongs.
 */
import { linkEscapeReason } from '../archive/member-paths.js';
import { ARCHIVE_RULES } from '../archive/rules.js';
import { unsafeNameReason } from '../archive/zip-format.js';
import { clip } from '../finding-budget.js';
import { baseName } from './paths.js';
import { MANIFEST_RULES } from './rules.js';
import type { EntryFacts, ManifestFacts } from './types.js';
import type { ArtifactReporter, CheckContext } from './view.js';
import { isModelPackaging } from './view.js';

/** POSIX setuid/setgid bits as tar headers carry them. */
export const SETUID_BITS = 0o4000 | 0o2000;
const DEVICE_TYPES: ReadonlySet<EntryFacts['type']> = new Set(['char-device', 'block-device', 'fifo']);
const WHITEOUT_PREFIX = '.wh.';

export function checkLayerEntries({ view, report }: CheckContext): void {
  for (const manifest of view.manifests)
    for (const layer of manifest.layers)
      for (const entry of view.entriesOf(manifest, layer)) {
        // A raw layer's path is its annotation, which the claimed-path check judges.
        if (entry.wholeLayer) continue;
        checkName(entry, manifest, report);
        if (isModelPackaging(manifest)) checkModelEntry(entry, manifest, report);
      }
}

function checkName(entry: EntryFacts, manifest: ManifestFacts, report: ArtifactReporter): void {
  const reason = unsafeNameReason(entry.rawPath);
  if (reason)
    report.add(ARCHIVE_RULES.pathTraversal, entry.path, {
      message: `layer ${entry.layerDigest} member ${JSON.stringify(clip(entry.rawPath))} ${reason}`,
      location: `member ${clip(entry.rawPath)}`,
      details: { ...where(entry, manifest), member: clip(entry.rawPath) },
    });
}

function checkModelEntry(entry: EntryFacts, manifest: ManifestFacts, report: ArtifactReporter): void {
  const at = { location: `member ${clip(entry.rawPath)}` };
  if ((entry.type === 'symlink' || entry.type === 'hardlink') && entry.linkname !== undefined) {
    // A symlink resolves from its own directory; a hardlink names another archive path from the root.
    const reason = entry.type === 'symlink' ? linkEscapeReason(entry.rawPath, entry.linkname) : unsafeNameReason(entry.linkname);
    if (reason)
      report.add(ARCHIVE_RULES.linkEscape, entry.path, {
        ...at,
        message: `${entry.type} ${JSON.stringify(clip(entry.rawPath))} → ${JSON.stringify(clip(entry.linkname))} ${reason}`,
        details: { ...where(entry, manifest), type: entry.type, target: clip(entry.linkname) },
      });
  }
  if (DEVICE_TYPES.has(entry.type))
    report.add(ARCHIVE_RULES.deviceFile, entry.path, {
      ...at,
      message: `layer ${entry.layerDigest} holds ${entry.type} ${JSON.stringify(clip(entry.rawPath))}`,
      details: { ...where(entry, manifest), type: entry.type },
    });
  if (entry.type === 'file' && entry.mode !== undefined && entry.mode & SETUID_BITS)
    report.add(ARCHIVE_RULES.setuidBits, entry.path, {
      ...at,
      message: `file ${JSON.stringify(clip(entry.rawPath))} has mode 0${entry.mode.toString(8)} (${entry.mode & 0o4000 ? 'setuid' : 'setgid'})`,
      details: { ...where(entry, manifest), mode: entry.mode },
    });
  if (baseName(entry.path).startsWith(WHITEOUT_PREFIX))
    report.add(MANIFEST_RULES.whiteoutEntry, entry.path, {
      ...at,
      message: `layer ${entry.layerDigest} holds whiteout entry ${JSON.stringify(clip(entry.rawPath))}`,
      details: where(entry, manifest),
    });
}

function where(entry: EntryFacts, manifest: ManifestFacts): { manifest: string; layer: string } {
  return { manifest: manifest.digest, layer: entry.layerDigest };
}
