/**
 * What artifact resolution hands to the scan: the manifests behind a reference, how each is packaged,
 * its config, and the model files it carries, each readable through a ByteSource.
 */
import type { Fact } from '../../analyzers/analyzer.js';
import type { Finding } from '../../analyzers/finding.js';
import type { ByteSource } from '../../analyzers/source.js';
import type { TarEntryType } from '../../analyzers/archive/tar-reader.js';
import type { LayerReadError } from '../errors/artifact-errors.js';
import type { ArtifactConfig, LayerFacts } from './config.js';
import type { LayerEncoding, LayerKind, LayerPlan, Packaging } from './media-types.js';
import type { PathCollision, PathIssue } from './paths.js';

/** Bounds on the artifact's structure (content limits are the analyzers' {@link AnalyzerLimits}). */
export interface ArtifactLimits {
  /** Child manifests expanded from an index (nested indexes included). */
  readonly maxManifests: number;
  /** Layers per manifest. */
  readonly maxLayers: number;
  /** Bytes of a config blob, which is read whole. */
  readonly maxConfigBytes: number;
  /** Tar entries remembered per manifest for whiteouts and collisions (memory bound for images). */
  readonly maxTreeEntries: number;
}

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = Object.freeze({
  maxManifests: 64,
  maxLayers: 4096,
  maxConfigBytes: 4 * 1024 * 1024, // CNCF distribution's manifest cap; configs are smaller still (§8.4)
  maxTreeEntries: 1_000_000,
});

export interface ResolvedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** The index entry's platform (container images in multi-platform indexes). */
  readonly platform?: Readonly<Record<string, unknown>>;
  readonly packaging: Packaging;
  readonly config: ArtifactConfig;
  readonly layers: readonly LayerPlan[];
  /** What the config says about each layer (diff ID, KitOps path), keyed by layer digest. */
  readonly layerFacts: ReadonlyMap<string, LayerFacts>;
}

/**
 * One regular file of the artifact. Files from a streamed (compressed) layer share one decompression
 * stream: read each file's `source` before asking the iterator for the next file; afterwards it throws.
 */
export interface ModelFile {
  /** Normalised relative path: never absolute, never climbing out with `..`. */
  readonly path: string;
  /** The path exactly as the annotation or tar header wrote it. */
  readonly rawPath: string;
  /** What normalising `rawPath` had to repair (empty when it was clean). */
  readonly pathIssues: readonly PathIssue[];
  /** Bytes; undefined only when a layer does not say. */
  readonly size: number | undefined;
  /** Set when the file is a whole layer blob (its descriptor digest, not re-verified on Range reads). */
  readonly digest?: string;
  /**
   * Members of a streamed (compressed) layer: `sha256:<hex>` of the file's bytes, hashed as the layer
   * streams past; known once the walk has moved beyond the file, undefined before or if the layer broke off.
   */
  readonly streamedDigest?: () => string | undefined;
  /** The layer media type, set when the file is a whole layer blob. */
  readonly mediaType?: string;
  /** Permission bits of tar members (setuid/setgid included). */
  readonly mode?: number;
  readonly kind: LayerKind;
  readonly layerDigest: string;
  readonly layerMediaType: string;
  /** The encoding the packaging declared for the layer. */
  readonly declaredEncoding: LayerEncoding;
  /** The encoding found by sniffing the blob, which is how it was read. */
  readonly layerEncoding: LayerEncoding;
  readonly manifestDigest: string;
  readonly platform?: Readonly<Record<string, unknown>>;
  readonly source: ByteSource;
  /**
   * Set when the file's layer was replayed from the layer result cache ({@link LayerReuse}): the file's
   * analysis, recorded when the layer was last read. `source` is then not to be read (it throws).
   */
  readonly analysis?: FileAnalysis;
  /** Set when the file's layer is being recorded for the cache: hand it the file's analysis once done. */
  readonly recordAnalysis?: (analysis: FileAnalysis) => void;
}

/** What the engine made of one file (`ScanEngine.scanFile`), as the layer result cache keeps it. */
export interface FileAnalysis {
  readonly format: string;
  readonly findings: readonly Finding[];
  readonly facts: readonly Fact[];
}

/** A tar entry without content that a scan may still care about (links, devices, FIFOs). */
export interface SpecialEntry {
  readonly path: string;
  readonly rawPath: string;
  readonly type: Exclude<TarEntryType, 'file' | 'directory'> | 'other';
  readonly linkname?: string;
  readonly mode: number;
  readonly layerDigest: string;
  readonly manifestDigest: string;
}

/** Facts gathered while `files()` runs; complete once it has been iterated to the end. */
export interface ArtifactInventory {
  readonly specialEntries: readonly SpecialEntry[];
  readonly collisions: ReadonlyArray<PathCollision & { readonly manifestDigest: string }>;
  /** Layers that could not be read to the end, when {@link FilesOptions.onLayerError} let iteration go on. */
  readonly layerErrors: readonly LayerReadError[];
  /** Entries of lower image layers hidden by whiteouts or shadowed by higher layers. */
  readonly hiddenEntries: number;
}

export interface FilesOptions {
  /**
   * Called when a layer cannot be read to the end; iteration then goes on with the next layer. Without
   * it the {@link LayerReadError} is thrown from the iterator (fail closed).
   */
  readonly onLayerError?: (error: LayerReadError) => void;
  readonly signal?: AbortSignal;
  /** Layer-level reuse (server/scan/layer-reuse.ts): replay layers read before, record the others. */
  readonly layers?: LayerReuse;
}

/**
 * What identifies one reading of a layer besides the rule set: the blob, and what the manifest says
 * about it that changes what its files are called or how it is read.
 */
export interface LayerIdentity {
  readonly plan: LayerPlan;
  /** The file's path if the layer turns out to be one raw file (annotation, config path, else the digest). */
  readonly rawPath: string;
  /** The config's diff ID, checked for streamed layers. */
  readonly diffId?: string;
}

/** One entry of a layer as the walk met it: every tar entry (directories and links too), in order. */
export interface RecordedEntry {
  readonly type: TarEntryType;
  readonly rawPath: string;
  readonly size?: number;
  readonly mode?: number;
  readonly linkname?: string;
  /** Members of streamed layers: the digest hashed as the layer streamed past. */
  readonly digest?: string;
  /** Regular files the scan analysed; absent for files the walk did not hand out (hidden by upper layers). */
  readonly analysis?: FileAnalysis;
}

/** A layer read to its end and verified, with the analysis of each of its files. */
export interface LayerReading {
  /** How the layer was read, after sniffing. */
  readonly encoding: LayerEncoding;
  readonly entries: readonly RecordedEntry[];
}

/** A layer being read for the first time, recorded entry by entry. */
export interface LayerRecording {
  /** Notes an entry as the layer yields it; for a regular file, returns where its analysis goes. */
  entry(item: RecordedEntry & { readonly streamedDigest?: () => string | undefined }): ((analysis: FileAnalysis) => void) | undefined;
  /** The layer was read to its end and verified: keep the reading. Never throws. */
  complete(): Promise<void>;
}

/**
 * Layer-level reuse, as the walk sees it: a layer read before (by any artifact, tag, repository or
 * replica) is replayed from its recorded reading instead of being fetched, once the job has shown it
 * may read the blob; any other layer is read and recorded.
 */
export interface LayerReuse {
  /**
   * A recorded reading of the layer to replay: one that `covers` (it analysed every file this walk will
   * hand out) and whose blob this job may read. Undefined otherwise: the layer is read.
   */
  find(layer: LayerIdentity, covers: (reading: LayerReading) => boolean): Promise<LayerReading | undefined>;
  /**
   * Starts recording a layer being read. `verified`, asked once the layer is read: every byte the reading
   * used was checked against the blob's digest (streamed layers; Range-read ones read front to back or
   * with SCANNER_VERIFY_BLOBS), else nothing is kept. Analyses a reading found but not covering held, and
   * this one lacks, are kept too.
   */
  record(layer: LayerIdentity, encoding: LayerEncoding, verified: () => boolean): LayerRecording | undefined;
}

export interface SkippedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly reason: string;
  /** Set for children that carry no model content by construction (attestations); the others are findings. */
  readonly expected?: boolean;
}

export interface ResolvedArtifact {
  readonly repository: string;
  readonly reference: string;
  /** Digest of what `reference` names (the index, for multi-manifest artifacts). */
  readonly digest: string;
  readonly mediaType: string;
  /** The packaging of every manifest, or `mixed` when an index holds several kinds. */
  readonly packaging: Packaging | 'mixed';
  readonly manifests: readonly ResolvedManifest[];
  /** Index entries not scanned: attestations, unsupported packagings. */
  readonly skippedManifests: readonly SkippedManifest[];
  /** Inventory of the latest `files()` iteration. */
  readonly inventory: ArtifactInventory;
  /**
   * The regular files of every manifest in order: model artifacts layer by layer, container images as
   * their merged file tree (top layer first, whiteouts and shadowed paths skipped). Each call reads the
   * layers again and starts a fresh inventory. Consume one file at a time (see {@link ModelFile}).
   */
  files(options?: FilesOptions): AsyncIterable<ModelFile>;
}
