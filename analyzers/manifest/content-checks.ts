/**
 * What layers declare against what their bytes are. Encodings: a layer declared as a tar (or compressed
 * tar) must be one. Contents: a config that declares a safe weight format (safetensors, GGUF, ONNX), or a
 * documentation layer, must not carry pickles or zips that can hold them (oci-model-formats.md §8.5).
 *
 * A file whose own name or media type contradicts its content is already the engine's
 * `engine.content-mismatch` (analyzers/declared-format.ts); such files are left to it.
 */
import { declaredFormats } from '../declared-format.js';
import { clip } from '../finding-budget.js';
import type { Format } from '../formats.js';
import { field, stringField } from './json.js';
import { MANIFEST_RULES } from './rules.js';
import type { EntryFacts, LayerEncoding, ManifestFacts } from './types.js';
import type { CheckContext } from './view.js';

/** Formats that can carry executable pickles: pickles themselves and zips (PyTorch archives). */
const CODE_CAPABLE: ReadonlySet<string> = new Set<Format>(['pickle', 'zip']);
/** Declared weight formats that promise no code, and the sniffed formats each admits. */
const SAFE_FORMATS: Readonly<Record<string, readonly Format[]>> = {
  safetensors: ['safetensors'],
  gguf: ['gguf'],
  onnx: ['protobuf', 'unknown'],
};

export function checkLayerEncodings({ view, report }: CheckContext): void {
  for (const manifest of view.manifests)
    for (const layer of manifest.layers) {
      const { declaredEncoding: declared, readEncoding: read } = layer;
      if (read === undefined || read === declared) continue;
      const notArchive = read === 'raw';
      report.add(MANIFEST_RULES.layerEncodingMismatch, layer.name, {
        message: notArchive
          ? `layer ${layer.digest} is declared as ${describe(declared)} (${layer.mediaType}) but its content is not an archive`
          : `layer ${layer.digest} is declared as ${describe(declared)} (${layer.mediaType}) but is ${describe(read)}`,
        ...(notArchive ? {} : { severity: 'Low' as const }),
        details: { manifest: manifest.digest, layer: layer.digest, mediaType: layer.mediaType, declared, found: read },
      });
    }
}

function describe(encoding: LayerEncoding): string {
  return { raw: 'a plain file', tar: 'an uncompressed tar', 'tar+gzip': 'a gzip-compressed tar', 'tar+zstd': 'a zstd-compressed tar' }[encoding];
}

export function checkLayerContents({ view, report }: CheckContext): void {
  for (const manifest of view.manifests) {
    const claim = declaredWeightFormat(manifest);
    const admitted = claim === undefined ? undefined : SAFE_FORMATS[claim.toLowerCase()];
    for (const layer of manifest.layers) {
      const reason = layer.kind === 'weight' && admitted ? `the config declares format ${JSON.stringify(clip(claim ?? ''))}` : layer.kind === 'doc' ? 'it is a documentation layer' : undefined;
      if (reason === undefined) continue;
      for (const entry of view.entriesOf(manifest, layer)) {
        if (!hidesCode(entry, layer.kind === 'doc' ? ['pickle'] : [...CODE_CAPABLE])) continue;
        report.add(MANIFEST_RULES.layerContentMismatch, entry.path, {
          message: `${JSON.stringify(clip(entry.path))} is a ${entry.format} in layer ${layer.digest}, but ${reason}`,
          details: { manifest: manifest.digest, layer: layer.digest, mediaType: layer.mediaType, sniffed: entry.format, ...(claim ? { declaredFormat: clip(claim) } : {}) },
        });
      }
    }
  }
}

/**
 * True when the entry's sniffed format is one of `formats` and nothing else reports it: the engine
 * already flags a file whose name or media type claims another format.
 */
function hidesCode(entry: EntryFacts, formats: readonly string[]): boolean {
  if (entry.type !== 'file' || entry.format === undefined || !formats.includes(entry.format)) return false;
  const declared = declaredFormats(entry.path, entry.mediaType);
  return declared === undefined || (declared as readonly string[]).includes(entry.format);
}

/** The weight format a model config declares: ModelPack and Docker model `config.format`, KitOps `model.format`. */
function declaredWeightFormat(manifest: ManifestFacts): string | undefined {
  const { json } = manifest.config;
  switch (manifest.packaging) {
    case 'modelpack':
    case 'docker-model':
      return stringField(field(json, 'config'), 'format');
    case 'kitops':
      return stringField(field(json, 'model'), 'format');
    default:
      return undefined;
  }
}
