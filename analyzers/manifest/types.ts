/**
 * What the manifest analyzer is given: plain data about an artifact's manifests, configs and layers, and
 * what walking the layers found. The server builds it from the resolved artifact after every file was
 * scanned (server/scan/artifact-facts.ts); tests write it by hand. Analyzers never see the registry.
 *
 * The unions mirror server/artifact/media-types.ts; the server's conversion fails to compile if they
 * drift apart.
 */

/** How a manifest is packaged (oci-model-formats.md §1–§3). */
export type ArtifactPackaging = 'modelpack' | 'kitops' | 'docker-model' | 'ollama' | 'oras' | 'image';
/** What a layer holds, as its packaging declares it. */
export type LayerKind = 'weight' | 'config' | 'doc' | 'code' | 'dataset' | 'other';
/** How a layer's bytes wrap its files. */
export type LayerEncoding = 'raw' | 'tar' | 'tar+gzip' | 'tar+zstd';
/** Tar entry types the layer walk reports (directories are not reported). */
export type EntryType = 'file' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo' | 'other';

export interface ArtifactFacts {
  /** Digest of what was scanned (the index of a multi-manifest artifact); names artifact-wide summaries. */
  readonly digest: string;
  readonly manifests: readonly ManifestFacts[];
  /** Every file and special entry the layer walk met, files in the order they were scanned. */
  readonly entries: readonly EntryFacts[];
  /** Paths the layer walk met twice, or as both a file and a directory. */
  readonly collisions: readonly CollisionFacts[];
  /** Layers the walk could not read to the end, for reasons of their content. */
  readonly layerErrors: readonly LayerErrorFacts[];
  /** Index children that were not analysed (unrecognised packaging, nested too deep, not a manifest). */
  readonly skippedManifests?: readonly SkippedManifestFacts[];
}

export interface SkippedManifestFacts {
  readonly digest: string;
  readonly mediaType: string;
  readonly reason: string;
}

export interface ManifestFacts {
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly packaging: ArtifactPackaging;
  readonly config: ConfigFacts;
  /** Content layers in manifest order (empty-descriptor placeholders left out). */
  readonly layers: readonly LayerFacts[];
}

export interface ConfigFacts {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** The parsed config; undefined when its bytes are not JSON. */
  readonly json: unknown;
}

export interface LayerFacts {
  readonly digest: string;
  readonly mediaType: string;
  /** Size the descriptor declares. */
  readonly size: number;
  readonly annotations: Readonly<Record<string, string>>;
  readonly kind: LayerKind;
  /** Encoding the media type declares. */
  readonly declaredEncoding: LayerEncoding;
  /** Encoding found by sniffing the blob; undefined when no file of the layer was reached. */
  readonly readEncoding?: LayerEncoding;
  /**
   * How findings name the layer: its normalised file path (annotation or Kitfile), else its digest —
   * the same name the scan gives the file of a raw layer.
   */
  readonly name: string;
}

export interface EntryFacts {
  readonly manifestDigest: string;
  readonly layerDigest: string;
  /** Normalised path (what findings on the file's content are reported under). */
  readonly path: string;
  /** The path exactly as the tar header or annotation wrote it. */
  readonly rawPath: string;
  readonly type: EntryType;
  /** True when the entry is a whole raw layer (its path came from an annotation, not a tar header). */
  readonly wholeLayer: boolean;
  readonly size?: number;
  /** Permission bits, setuid/setgid included (tar members). */
  readonly mode?: number;
  readonly linkname?: string;
  /** Media type the scan passed to the engine with the file (raw layers). */
  readonly mediaType?: string;
  /** Format the engine sniffed from the file's content, once scanned. */
  readonly format?: string;
}

export interface CollisionFacts {
  readonly manifestDigest: string;
  readonly path: string;
  readonly kind: 'duplicate' | 'file-directory';
  readonly first: { readonly rawPath: string; readonly layerDigest: string };
  readonly second: { readonly rawPath: string; readonly layerDigest: string };
}

/** Why a layer could not be read to the end. */
export type LayerErrorCause =
  /** Uncompressed content does not hash to the config's diff ID. */
  | 'diff-id-mismatch'
  /** The blob does not hash to its descriptor digest. */
  | 'digest-mismatch'
  /** The blob is longer or shorter than its descriptor declares. */
  | 'size-mismatch'
  | 'tar-malformed'
  /** A compressed layer expands past the ratio or size limits compressed files get. */
  | 'decompression-bomb'
  | 'limit-exceeded'
  | 'unreadable';

export interface LayerErrorFacts {
  readonly manifestDigest: string;
  readonly layerDigest: string;
  readonly cause: LayerErrorCause;
  readonly message: string;
}
