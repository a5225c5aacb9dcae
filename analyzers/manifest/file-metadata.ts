/**
 * The per-layer file metadata annotation (`org.cncf.model.file.metadata+json` and its legacy keys,
 * oci-model-formats.md §1.5: `{name, mode, uid, gid, size, mtime, typeflag}`) against the layer: a raw
 * layer's descriptor size, a tar layer's member. modctl restores a raw layer's mode from it, so a
 * setuid/setgid mode there is the archive rule's hazard.
 */
import { ARCHIVE_RULES } from '../archive/rules.js';
import { clip } from '../finding-budget.js';
import { field, isRecord } from './json.js';
import { FILE_METADATA_ANNOTATIONS } from './paths.js';
import { MANIFEST_RULES } from './rules.js';
import type { EntryFacts, EntryType, LayerFacts, ManifestFacts } from './types.js';
import { effectiveEncoding, isModelPackaging, type CheckContext } from './view.js';
import { SETUID_BITS } from './layer-entries.js';

/** Go's `os.FileMode` setuid and setgid bits, for producers that write the whole FileMode. */
const GO_SETUID_BITS = (1 << 23) | (1 << 22);
const DIRECTORY = 5;

interface FileMetadata {
  readonly size?: number;
  readonly mode?: number;
  /** 0–7; producers write either the number (modctl: 0) or the tar character code (48 = '0'). */
  readonly typeflag?: number;
}

export function checkFileMetadata(ctx: CheckContext): void {
  for (const manifest of ctx.view.manifests)
    for (const layer of manifest.layers) {
      const found = FILE_METADATA_ANNOTATIONS.map((key) => ({ key, value: layer.annotations[key] })).find((a) => a.value !== undefined);
      if (!found?.value) continue;
      const metadata = parseMetadata(found.value);
      const where = { location: `annotation ${found.key}` };
      if (typeof metadata === 'string') {
        ctx.report.add(MANIFEST_RULES.fileMetadataInvalid, layer.name, {
          ...where,
          message: `annotation ${found.key} ${metadata}`,
          details: { manifest: manifest.digest, layer: layer.digest, value: clip(found.value) },
        });
        continue;
      }
      if (effectiveEncoding(layer) === 'raw') checkRawLayer(metadata, layer, manifest, found.key, ctx);
      else checkTarLayer(metadata, layer, manifest, found.key, ctx);
    }
}

/** The metadata, or why it is invalid. */
function parseMetadata(text: string): FileMetadata | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'is not valid JSON';
  }
  if (!isRecord(json)) return 'is not a JSON object';
  const out: { size?: number; mode?: number; typeflag?: number } = {};
  for (const key of ['size', 'mode', 'typeflag'] as const) {
    const value = field(json, key);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return `has ${key} ${clip(JSON.stringify(value))}, not a non-negative integer`;
    out[key] = key === 'typeflag' && value >= 48 && value <= 55 ? value - 48 : value;
  }
  return out;
}

function checkRawLayer(metadata: FileMetadata, layer: LayerFacts, manifest: ManifestFacts, key: string, ctx: CheckContext): void {
  const differences: string[] = [];
  if (metadata.size !== undefined && metadata.size !== layer.size) differences.push(`size ${metadata.size} but the blob has ${layer.size} bytes`);
  if (metadata.typeflag !== undefined && entryType(metadata.typeflag) !== 'file')
    differences.push(`type ${typeName(metadata.typeflag)} but a raw layer is a regular file`);
  report(differences, layer, manifest, key, ctx);
  const mode = metadata.mode;
  if (mode !== undefined && isModelPackaging(manifest) && (mode & SETUID_BITS || mode & GO_SETUID_BITS))
    ctx.report.add(ARCHIVE_RULES.setuidBits, layer.name, {
      location: `annotation ${key}`,
      message: `annotation ${key} gives the file mode ${mode} (${mode & (0o4000 | (1 << 23)) ? 'setuid' : 'setgid'}), which consumers restore on extraction`,
      details: { manifest: manifest.digest, layer: layer.digest, mode },
    });
}

function checkTarLayer(metadata: FileMetadata, layer: LayerFacts, manifest: ManifestFacts, key: string, ctx: CheckContext): void {
  if (metadata.typeflag === DIRECTORY || ctx.view.layerFailed(manifest, layer)) return;
  const entries = ctx.view.entriesOf(manifest, layer);
  const member = entries.find((entry) => entry.path === layer.name) ?? (entries.length === 1 ? entries[0] : undefined);
  if (!member) return; // members outside the claimed path are the filepath check's
  const differences: string[] = [];
  if (metadata.typeflag !== undefined && entryType(metadata.typeflag) !== member.type)
    differences.push(`type ${typeName(metadata.typeflag)} but the member is a ${member.type}`);
  if (metadata.size !== undefined && member.type === 'file' && member.size !== undefined && metadata.size !== member.size)
    differences.push(`size ${metadata.size} but the member has ${member.size} bytes`);
  if (metadata.mode !== undefined && member.mode !== undefined && (metadata.mode & 0o777) !== (member.mode & 0o777))
    differences.push(`mode 0${(metadata.mode & 0o777).toString(8)} but the member has 0${(member.mode & 0o777).toString(8)}`);
  report(differences, layer, manifest, key, ctx, member);
}

function report(differences: string[], layer: LayerFacts, manifest: ManifestFacts, key: string, ctx: CheckContext, member?: EntryFacts): void {
  if (differences.length === 0) return;
  ctx.report.add(MANIFEST_RULES.fileMetadataMismatch, layer.name, {
    location: `annotation ${key}`,
    message: `annotation ${key} declares ${differences.join('; ')}`,
    details: { manifest: manifest.digest, layer: layer.digest, ...(member ? { member: clip(member.rawPath) } : {}) },
  });
}

const TYPES: Readonly<Record<number, EntryType | 'directory'>> = {
  0: 'file',
  1: 'hardlink',
  2: 'symlink',
  3: 'char-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'file', // contiguous file: a regular file to every modern reader
};

function entryType(typeflag: number): EntryType | 'directory' {
  return TYPES[typeflag] ?? 'other';
}

function typeName(typeflag: number): string {
  return `${typeflag} (${entryType(typeflag)})`;
}
