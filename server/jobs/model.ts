/**
 * Job state, kept apart from Harbor's wire format (spec/) and from analyzer output (analyzers/).
 * A job's result is stored once; every report format Harbor asks for is rendered from it on demand.
 */
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
}

export interface ScannedFile {
  readonly path: string;
  readonly size: number | undefined;
  readonly digest?: string;
  readonly mediaType?: string;
  /** Digest of the layer holding the file (tar members have no digest of their own). */
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
  readonly result?: ScanResult;
  readonly failure?: JobFailure;
}
