/**
 * Job state, kept apart from Harbor's wire format (spec/) and from analyzer output (analyzers/).
 * A job's result is stored once, packed (./packed-result.ts); every report format Harbor asks for is
 * rendered from it on demand, off the thread that answers Harbor.
 */
import type { Fact } from '../../analyzers/analyzer.js';
import type { Finding } from '../../analyzers/finding.js';

export type JobStatus = 'queued' | 'running' | 'finished' | 'failed';

/** What a worker needs to run a scan, minus the registry credentials (held sealed, see sealed-secret.ts). */
export interface ScanTarget {
  readonly registryUrl: string;
  readonly repository: string;
  readonly digest: string;
  readonly tag?: string;
  readonly mimeType?: string;
  /** Artifact size as Harbor reported it (manifest + config + layers). */
  readonly size?: number;
  /** Capability types the scan request enabled (`enabled_capabilities[].type`), for metrics. */
  readonly capabilities?: readonly string[];
  /**
   * Who asked, when not Harbor's scanner API: the webhook mode's receiver or backfill. Such scans get
   * their results attached to the artifact (server/harbor/publisher.ts).
   */
  readonly origin?: 'webhook' | 'backfill';
}

export interface ScannedFile {
  readonly path: string;
  readonly size: number | undefined;
  /** The file's own digest: its blob's for a whole-layer file, hashed while streaming for a compressed layer's member. */
  readonly digest?: string;
  readonly mediaType?: string;
  /** Digest of the layer holding the file (members of uncompressed tar layers, read by Range, have no digest of their own). */
  readonly layerDigest?: string;
  readonly format: string;
}

export interface ScanResult {
  readonly generatedAt: string;
  /** Packaging recognised from the manifest (modelpack, kitops, image…). */
  readonly packaging: string;
  readonly files: readonly ScannedFile[];
  readonly filesScanned: number;
  readonly bytesScanned: number;
  readonly bytesFetched: number;
  readonly findings: readonly Finding[];
  /**
   * License declarations and model card data of every file and of the packaging (SBOMs, the CLI's
   * license list). Absent in results stored before facts existed.
   */
  readonly facts?: readonly Fact[];
}

export interface JobFailure {
  readonly code: string;
  readonly message: string;
}

export interface ScanJob {
  readonly id: string;
  readonly status: JobStatus;
  readonly target: ScanTarget;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly result?: PackedResult;
  readonly failure?: JobFailure;
}

/**
 * A finished scan's result as the server's thread holds, stores and shares it: the {@link ScanResult}'s
 * JSON, gzip-compressed by the analysis thread that produced it. A 100,000-file result is ~20 MB of JSON;
 * cloning, writing, reading or parsing it takes the thread that answers Harbor hundreds of milliseconds,
 * so only report rendering (its own thread) and the webhook publisher ever decode it.
 */
export interface PackedResult {
  readonly gzipJson: Uint8Array;
}

/** A finished job with its result decoded, as reports are rendered from it. */
export type DecodedJob = Omit<ScanJob, 'result'> & { readonly result: ScanResult };
