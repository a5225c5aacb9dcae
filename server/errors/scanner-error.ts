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
