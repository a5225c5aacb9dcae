/**
 * What the server's thread and an analysis thread (./scan-threads.ts, ./scan-thread-service.ts) tell each
 * other. Everything here crosses by structured clone (a finished result's bytes by transfer); registry
 * credentials only inside a `scan` task.
 */
import { RelayedScannerError, ScannerError } from '../errors/scanner-error.js';
import type { ScanTarget } from '../jobs/model.js';
import type { FinishedScan } from '../jobs/packed-result.js';
import { registryErrorCode } from '../observability/metrics.js';
import type { LogLevel } from './artifact-scanner.js';
import type { ScanRuntimeConfig } from './scan-runtime.js';

/** An analysis thread's `workerData`. */
export interface ScanThreadData {
  readonly config: ScanRuntimeConfig;
  /** The server logger's level: records below it are not sent across. */
  readonly logLevel: string;
}

export type ToScanThread =
  | { readonly type: 'scan'; readonly id: number; readonly target: ScanTarget; readonly authorization?: string }
  | { readonly type: 'abort'; readonly id: number; readonly reason: RelayedError };

export type FromScanThread =
  | { readonly type: 'opened'; readonly id: number; readonly packaging: string }
  | { readonly type: 'progress'; readonly id: number; readonly files: number; readonly bytes: number; readonly bytesFetched: number }
  | { readonly type: 'log'; readonly id: number | undefined; readonly level: LogLevel; readonly fields: Record<string, unknown>; readonly message: string }
  /** The packed result's bytes are transferred, not cloned. */
  | { readonly type: 'done'; readonly id: number; readonly outcome: FinishedScan }
  | { readonly type: 'failed'; readonly id: number; readonly error: RelayedError };

/** An error as it crosses: a ScannerError keeps its code; anything else arrives as an internal error. */
export interface RelayedError {
  readonly code?: string;
  readonly message: string;
  readonly registryCode?: string;
}

export function relayError(error: unknown): RelayedError {
  const message = error instanceof Error ? error.message : String(error);
  const registryCode = registryErrorCode(error);
  return {
    ...(error instanceof ScannerError ? { code: error.code } : {}),
    message,
    ...(registryCode ? { registryCode } : {}),
  };
}

export function rebuildError(error: RelayedError): Error {
  return error.code ? new RelayedScannerError(error.code, error.message, error.registryCode) : new Error(error.message);
}
