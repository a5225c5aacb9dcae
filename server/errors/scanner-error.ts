/**
 * Base of the server's errors. `code` is stable (logs, metrics, tests match on it); `message` is what an
 * admin reads in Harbor's job log when a scan fails, so it says what went wrong and what to check.
 */
export abstract class ScannerError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A {@link ScannerError} thrown on an analysis thread, rebuilt on the server's thread from what crossed
 * the thread boundary: its code and message, and the code of the registry error behind it (for metrics).
 */
export class RelayedScannerError extends ScannerError {
  constructor(
    readonly code: string,
    message: string,
    readonly registryCode?: string,
  ) {
    super(message);
  }
}
