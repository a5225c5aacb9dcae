/**
 * The registry client as the rest of the server sees it. Implementation: ./client.ts (Node's fetch,
 * distribution token flow, Range reads, redirects followed by hand).
 */
import type { ByteSource } from '../../analyzers/source.js';

/** Credentials as Harbor hands them in `registry.authorization` (or the CLI's flags). Never logged. */
export type RegistryCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string };

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
  readonly platform?: Readonly<Record<string, unknown>>;
  /** Inline content (base64), allowed by the OCI image spec. */
  readonly data?: string;
}

export interface FetchedManifest {
  /** Media type from the response Content-Type (parameters dropped), else from the body. */
  readonly mediaType: string;
  /** Digest verified against the bytes. */
  readonly digest: string;
  readonly bytes: Uint8Array;
  /** Parsed JSON body. */
  readonly body: Record<string, unknown>;
}

export interface RegistryClient {
  /** GET a manifest or index by tag or digest, with the full OCI + Docker Accept list; digest-verified. */
  getManifest(repository: string, reference: string): Promise<FetchedManifest>;
  /** A blob read whole and digest-verified (configs, small files), refused above `maxBytes`. */
  getBlob(repository: string, descriptor: Descriptor, maxBytes: number): Promise<Uint8Array>;
  /** Random access to a blob by HTTP Range (falls back to streaming when the server ignores Range). */
  blobSource(repository: string, descriptor: Descriptor): ByteSource & Partial<VerifiableSource>;
  /** Bytes transferred from the registry so far (for metrics and "bytes fetched vs size"). */
  readonly bytesFetched: number;
}

/** What a manifest PUT answered (distribution-spec "Pushing Manifests"). */
export interface PushedManifest {
  /** `sha256` of the bytes pushed: the reference the registry stores them under. */
  readonly digest: string;
  /**
   * The `OCI-Subject` response header: set by registries that index the manifest's `subject` (the
   * referrers API). Absent means the client keeps the referrers tag schema itself (distribution-spec
   * "Pushing Manifests with Subject").
   */
  readonly subject?: string;
}

/** Referrers of a manifest (oci-model-formats.md §5.5), and where the list came from. */
export interface Referrers {
  readonly manifests: readonly Descriptor[];
  /** `api`: `GET /v2/<name>/referrers/<digest>`; `tag-schema`: the `sha256-<hex>` index (no API, 404). */
  readonly source: 'api' | 'tag-schema';
}

/**
 * Pushing, for the results the scanner attaches to an artifact (webhook mode). Pushes ask the token
 * service for `pull,push`; pulls keep asking for `pull` only.
 */
export interface RegistryPushClient extends RegistryClient {
  /** Uploads a blob unless the registry already has it (HEAD first); returns its descriptor digest. */
  pushBlob(repository: string, bytes: Uint8Array): Promise<string>;
  /** PUTs a manifest or index under a tag or its digest, with `mediaType` as Content-Type. */
  pushManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<PushedManifest>;
  /** Referrers of `digest`, filtered by `artifactType`; the tag schema when the API answers 404. */
  getReferrers(repository: string, digest: string, artifactType?: string): Promise<Referrers>;
}

/**
 * The slice of a logger the client uses (pino's `Logger` fits). Entries carry hosts, paths, statuses and
 * delays; never headers, credentials, tokens or query strings.
 */
export interface RegistryLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * A blob source that can prove, after the fact, that what it served is the blob: `verifyServed` streams
 * the blob whole, checks its digest, and checks every range served so far against the streamed bytes
 * (a registry or proxy that answers Range requests with other bytes is caught). Only offered when the
 * client was created with `verifyBlobs`.
 */
export interface VerifiableSource {
  verifyServed(): Promise<void>;
  /**
   * Every byte fetched so far was part of one read from the blob's start to its end whose digest matched
   * (server/registry/blob-source.ts): true without `verifyBlobs` too, for a blob read front to back.
   */
  readonly wholeVerified: boolean;
}
