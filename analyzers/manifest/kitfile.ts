/**
 * KitOps ModelKits: the config is the Kitfile as JSON, each model/part/code/dataset/doc entry carrying the
 * `digest` and `diffId` of its layer (oci-model-formats.md §2.1, kitops-ml/kitops `pkg/artifact/kitfile.go`
 * `LayerInfo`). Entries and layers must correspond one to one, their paths must stay inside the unpack
 * directory, and an uncompressed layer's diff ID is its digest.
 */
import { clip } from '../finding-budget.js';
import { field, isRecord, stringField } from './json.js';
import { unsafePathReason } from './paths.js';
import { MANIFEST_RULES } from './rules.js';
import type { LayerFacts, ManifestFacts } from './types.js';
import type { CheckContext } from './view.js';

interface KitfileEntry {
  /** Where the entry sits in the Kitfile, e.g. `model.parts[0]`. */
  readonly at: string;
  readonly path?: string;
  readonly digest?: string;
  readonly diffId?: string;
}

export function checkKitfiles(ctx: CheckContext): void {
  for (const manifest of ctx.view.manifests) {
    if (manifest.packaging !== 'kitops' || !isRecord(manifest.config.json)) continue;
    const entries = kitfileEntries(manifest.config.json);
    const layers = new Map(manifest.layers.map((layer) => [layer.digest, layer]));
    for (const entry of entries) checkEntry(entry, manifest, layers.get(entry.digest ?? ''), ctx);
    // A Kitfile that records no layer digests at all predates LayerInfo: nothing to match layers against.
    if (!entries.some((entry) => entry.digest !== undefined)) continue;
    const listed = new Set(entries.map((entry) => entry.digest));
    for (const layer of manifest.layers)
      if (!listed.has(layer.digest))
        ctx.report.add(MANIFEST_RULES.kitfileLayerUnlisted, layer.name, {
          message: `layer ${layer.digest} (${layer.mediaType}) belongs to no Kitfile entry`,
          details: { manifest: manifest.digest, layer: layer.digest },
        });
  }
}

function checkEntry(entry: KitfileEntry, manifest: ManifestFacts, layer: LayerFacts | undefined, { report }: CheckContext): void {
  const file = layer?.name ?? manifest.config.digest;
  const details = { manifest: manifest.digest, entry: entry.at, ...(entry.digest ? { layer: clip(entry.digest) } : {}) };
  const reason = entry.path === undefined ? undefined : unsafePathReason(entry.path);
  if (reason)
    report.add(MANIFEST_RULES.unsafeFilepath, file, {
      message: `Kitfile ${entry.at}.path ${JSON.stringify(clip(entry.path ?? ''))} ${reason}`,
      location: `key ${entry.at}.path`,
      details,
    });
  if (entry.digest === undefined) return;
  if (!layer) {
    report.add(MANIFEST_RULES.kitfileLayerMissing, file, {
      message: `Kitfile ${entry.at} (${JSON.stringify(clip(entry.path ?? ''))}) names layer ${clip(entry.digest)}, which the manifest does not have`,
      location: `key ${entry.at}.digest`,
      details,
    });
    return;
  }
  const uncompressed = layer.declaredEncoding === 'raw' || layer.declaredEncoding === 'tar';
  if (entry.diffId !== undefined && uncompressed && entry.diffId !== layer.digest)
    report.add(MANIFEST_RULES.diffIdMismatch, file, {
      message: `layer ${layer.digest} is stored uncompressed, so its diff ID must equal its digest, but Kitfile ${entry.at}.diffId is ${clip(entry.diffId)}`,
      location: `key ${entry.at}.diffId`,
      details: { ...details, diffId: clip(entry.diffId) },
    });
}

/** Entries that own a layer: `model`, `model.parts[]`, `code[]`, `datasets[]`, `docs[]` (and `prompts[]`, newer kit). */
function kitfileEntries(kitfile: Record<string, unknown>): KitfileEntry[] {
  const model = kitfile['model'];
  const entries: KitfileEntry[] = [];
  if (isRecord(model)) entries.push(entryAt('model', model));
  listAt(field(model, 'parts'), 'model.parts', entries);
  for (const key of ['code', 'datasets', 'docs', 'prompts']) listAt(kitfile[key], key, entries);
  return entries;
}

function listAt(value: unknown, at: string, entries: KitfileEntry[]): void {
  if (!Array.isArray(value)) return;
  value.forEach((item, index) => {
    if (isRecord(item)) entries.push(entryAt(`${at}[${index}]`, item));
  });
}

function entryAt(at: string, value: Record<string, unknown>): KitfileEntry {
  const path = stringField(value, 'path');
  const digest = stringField(value, 'digest');
  const diffId = stringField(value, 'diffId');
  return { at, ...(path === undefined ? {} : { path }), ...(digest === undefined ? {} : { digest }), ...(diffId === undefined ? {} : { diffId }) };
}
