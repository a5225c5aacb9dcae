/**
 * What every manifest check gets: the facts indexed by (manifest, layer), and one place to report to.
 */
import type { FindingInput, Rule } from '../finding.js';
import type { ArtifactFacts, EntryFacts, LayerEncoding, LayerFacts, ManifestFacts } from './types.js';

/** Where checks report; the analyzer caps each rule across the whole artifact. */
export interface ArtifactReporter {
  add(rule: Rule, file: string, input: FindingInput): void;
}

export interface CheckContext {
  readonly view: ArtifactView;
  readonly report: ArtifactReporter;
}

/** A check over the whole artifact. */
export type ArtifactCheck = (ctx: CheckContext) => void;

const key = (manifestDigest: string, layerDigest: string): string => `${manifestDigest}\n${layerDigest}`;

export class ArtifactView {
  private readonly entriesByLayer = new Map<string, EntryFacts[]>();
  private readonly failedLayers = new Set<string>();

  constructor(readonly facts: ArtifactFacts) {
    for (const entry of facts.entries) {
      const k = key(entry.manifestDigest, entry.layerDigest);
      const list = this.entriesByLayer.get(k);
      if (list) list.push(entry);
      else this.entriesByLayer.set(k, [entry]);
    }
    for (const error of facts.layerErrors) this.failedLayers.add(key(error.manifestDigest, error.layerDigest));
  }

  get manifests(): readonly ManifestFacts[] {
    return this.facts.manifests;
  }

  /** Files and special entries the walk met in one layer of one manifest. */
  entriesOf(manifest: ManifestFacts, layer: LayerFacts): readonly EntryFacts[] {
    return this.entriesByLayer.get(key(manifest.digest, layer.digest)) ?? [];
  }

  /** True when the walk could not read the layer to the end (its entries are then incomplete). */
  layerFailed(manifest: ManifestFacts, layer: LayerFacts): boolean {
    return this.failedLayers.has(key(manifest.digest, layer.digest));
  }

  /** How findings name a layer of a manifest, by digest (its digest when the manifest does not list it). */
  layerName(manifestDigest: string, layerDigest: string): string {
    const manifest = this.facts.manifests.find((m) => m.digest === manifestDigest);
    return manifest?.layers.find((layer) => layer.digest === layerDigest)?.name ?? layerDigest;
  }
}

/** The encoding a layer really has: as read when known, else as declared. */
export function effectiveEncoding(layer: LayerFacts): LayerEncoding {
  return layer.readEncoding ?? layer.declaredEncoding;
}

/** Packagings whose layers are extracted as a model directory (not a container root filesystem). */
export function isModelPackaging(manifest: ManifestFacts): boolean {
  return manifest.packaging !== 'image';
}
