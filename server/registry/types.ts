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
  blobSource(repository: string, descriptor: Descriptor): ByteSource;
  /** Bytes transferred from the registry so far (for metrics and "bytes fetched vs size"). */
  readonly bytesFetched: number;
}

/**
 * The slice of a logger the client uses (pino's `Logger` fits). Entries carry hosts, paths, statuses and
 * delays; never headers, credentials, tokens or query strings.
 */
export interface RegistryLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}
