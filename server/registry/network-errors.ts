/**
 * Classifies errors thrown by undici while connecting or reading: TLS failures are configuration
 * problems (not retried, reported with a hint); everything else on the wire is transient.
 */
import { RegistryTlsError, type RegistryTarget } from '../errors/registry-errors.js';
import { ScannerError } from '../errors/scanner-error.js';
import { TransientError } from './retry.js';

// OpenSSL certificate verification codes as Node reports them, and Node's own TLS/SSL error codes.
const VERIFICATION_CODE = /^(ERR_TLS_CERT_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY|DECRYPT)_|HOSTNAME_MISMATCH)/;
const HANDSHAKE_CODE = /^(ERR_SSL_|ERR_TLS_)/;
// Programming errors inside undici: retrying would only repeat them.
const NOT_TRANSIENT = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_ABORTED']);

/** Maps `error` (thrown while `doing` something at `target`) to the error the caller should handle. */
export function classifyNetworkError(error: unknown, target: RegistryTarget, doing: string): Error {
  if (error instanceof ScannerError || error instanceof TransientError) return error;
  const code = errorCode(error);
  // OpenSSL messages carry multi-line library internals; the first line is the readable part.
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() ?? '';
  if (code !== undefined && VERIFICATION_CODE.test(code)) {
    return new RegistryTlsError(target, `${doing}: ${code} ${message}`, 'verification', { cause: error });
  }
  if (code !== undefined && HANDSHAKE_CODE.test(code)) return new RegistryTlsError(target, `${doing}: ${code}`, 'handshake', { cause: error });
  if (code !== undefined && NOT_TRANSIENT.has(code)) return error instanceof Error ? error : new Error(message);
  return new TransientError(`${doing}: ${code === undefined ? '' : `${code} `}${message}`, undefined, { cause: error });
}

function errorCode(error: unknown): string | undefined {
  // fetch-style wrappers keep the socket error in `cause`; undici.request throws it directly.
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}
