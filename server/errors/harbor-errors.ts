/**
 * Errors of Harbor's REST API client (webhook mode). The message is what an admin reads in the log or in
 * the backfill summary: it names the call, Harbor's own message and what to check. Never credentials.
 */
import { ScannerError } from './scanner-error.js';

/** What to check for each status Harbor answers with, for the robot account the scanner uses. */
const HINTS: Readonly<Record<number, string>> = {
  401: 'check SCANNER_HARBOR_ROBOT_NAME and the robot secret (robot accounts expire and can be disabled)',
  403: 'the robot account lacks a permission: it needs project read, repository list/pull/push, artifact read/list, artifact-label create/delete and label create/read (system scope for global labels)',
  404: 'the project, repository, artifact or label does not exist (any more)',
};

/** Harbor answered a REST call with an error status. */
export class HarborApiError extends ScannerError {
  override readonly name = 'HarborApiError';
  readonly code = 'E_HARBOR_API';
  constructor(
    readonly call: string,
    readonly status: number,
    harborMessage: string,
  ) {
    const hint = HINTS[status];
    super(`harbor ${call} answered HTTP ${status}${harborMessage ? ` (${harborMessage})` : ''}${hint ? `: ${hint}` : ''}`);
  }
}

/** Harbor could not be reached, or kept answering 429/5xx through the retries. */
export class HarborUnavailableError extends ScannerError {
  override readonly name = 'HarborUnavailableError';
  readonly code = 'E_HARBOR_UNAVAILABLE';
  constructor(call: string, detail: string, options?: { cause?: unknown }) {
    super(`harbor ${call} failed: ${detail}; check SCANNER_HARBOR_URL and that Harbor is up`, options);
  }
}

/** Harbor answered something the REST API's swagger does not allow (not JSON, wrong shape, too large). */
export class HarborProtocolError extends ScannerError {
  override readonly name = 'HarborProtocolError';
  readonly code = 'E_HARBOR_PROTOCOL';
  constructor(call: string, detail: string) {
    super(`unexpected answer from harbor ${call}: ${detail}; check that SCANNER_HARBOR_URL points at Harbor's core (not the registry)`);
  }
}
