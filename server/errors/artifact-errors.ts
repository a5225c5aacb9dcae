/**
 * Errors from turning a manifest into files (server/artifact). Grouped in one file because they share one
 * stage of the scan; each has a stable `code` and a message an admin can act on from Harbor's job log.
 */
import { ScannerError } from './scanner-error.js';

/** Nothing in the manifest (or any manifest of the index) identifies a model or an image. */
export class UnsupportedArtifactError extends ScannerError {
  override readonly name = 'UnsupportedArtifactError';
  readonly code = 'E_UNSUPPORTED_ARTIFACT';
  constructor(
    readonly mediaTypesSeen: readonly string[],
    detail = 'no ModelPack, KitOps, Docker model, Ollama, ORAS or container image packaging recognised',
  ) {
    super(`resolving artifact: ${detail}; media types seen: ${mediaTypesSeen.join(', ') || 'none'}`);
  }
}

/** The manifest or index JSON does not have the shape the OCI image spec requires. */
export class InvalidManifestError extends ScannerError {
  override readonly name = 'InvalidManifestError';
  readonly code = 'E_INVALID_MANIFEST';
  constructor(
    readonly digest: string,
    detail: string,
  ) {
    super(`parsing manifest ${digest}: ${detail}`);
  }
}

/** The artifact is larger than the resolver accepts (index children, layers, config bytes, tree entries). */
export class ArtifactLimitError extends ScannerError {
  override readonly name = 'ArtifactLimitError';
  readonly code = 'E_ARTIFACT_LIMIT';
  constructor(
    readonly limit: string,
    readonly value: number,
    readonly max: number,
  ) {
    super(`resolving artifact: ${limit} limit exceeded (${value} > ${max}); raise the limit in the scanner configuration if the artifact is legitimate`);
  }
}

/**
 * Content disagrees with a digest the artifact itself states: a streamed layer's uncompressed bytes vs the
 * config's diff ID, inline descriptor data vs its descriptor. (Blobs vs their registry digest are the
 * registry client's `DigestMismatchError`.)
 */
export class ContentDigestMismatchError extends ScannerError {
  override readonly name = 'ContentDigestMismatchError';
  readonly code = 'E_CONTENT_DIGEST_MISMATCH';
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`verifying ${what}: expected ${expected}, got ${actual}`);
  }
}

/** One layer could not be read to the end (malformed tar, decompression failure, digest mismatch…). */
export class LayerReadError extends ScannerError {
  override readonly name = 'LayerReadError';
  readonly code = 'E_LAYER_UNREADABLE';
  constructor(
    readonly layerDigest: string,
    readonly manifestDigest: string,
    cause: unknown,
    /** The path the layer claims (annotation, config), so a failed scan names the file an admin knows. */
    layerName?: string,
  ) {
    const named = layerName === undefined || layerName === layerDigest ? '' : ` (${layerName})`;
    super(`reading layer ${layerDigest}${named}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * A transport failure (registry error, digest or size mismatch) while a file was read: the scan fails,
 * never becomes a finding. Keeps the code of the registry error, so metrics and tests see what broke.
 */
export class FileReadError extends ScannerError {
  override readonly name = 'FileReadError';
  readonly code: string;
  constructor(
    readonly path: string,
    cause: Error,
  ) {
    super(`reading ${path} from the registry failed, so the scan cannot vouch for it: ${cause.message}`, { cause });
    this.code = cause instanceof ScannerError ? cause.code : 'E_REGISTRY_UNAVAILABLE';
  }
}

/** A compressed layer expands past the bomb limits files get (ratio or absolute size). */
export class DecompressionBombError extends ScannerError {
  override readonly name = 'DecompressionBombError';
  readonly code = 'E_DECOMPRESSION_BOMB';
  constructor(
    detail: string,
    readonly details: Readonly<Record<string, unknown>>,
  ) {
    super(`decompression bomb: ${detail}`);
  }
}
