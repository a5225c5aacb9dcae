/**
 * Errors of the OCI registry client. Each kind has a stable `code`; the message is what an admin reads in
 * Harbor's job log, so it names the registry host and repository, says what happened and what to check.
 * Messages never contain credentials, tokens or the query string of a (presigned) URL.
 */
import { ScannerError } from './scanner-error.js';

/** Where a registry request went, as safe to print: host and repository, never credentials. */
export interface RegistryTarget {
  /** `scheme://host[:port]` of the registry (or of the host a redirect led to). */
  readonly registry: string;
  /** Repository name, when the request was for one. */
  readonly repository?: string;
}

function where(target: RegistryTarget): string {
  return target.repository === undefined ? target.registry : `${target.registry}/${target.repository}`;
}

/** `registry.url`, the CA file or another client setting cannot be used. */
export class RegistryConfigError extends ScannerError {
  override readonly name = 'RegistryConfigError';
  readonly code = 'E_REGISTRY_CONFIG';
}

/** Harbor's `registry.authorization` value (or a CLI credential) is malformed. */
export class RegistryCredentialsError extends ScannerError {
  override readonly name = 'RegistryCredentialsError';
  readonly code = 'E_REGISTRY_CREDENTIALS';
  constructor(problem: string) {
    super(
      `reading registry credentials: ${problem}; expected "Basic <base64 of user:password>", ` +
        `"Bearer <token>" or an empty value`,
    );
  }
}

/** A repository name, tag or digest that is not valid in the OCI distribution grammar. */
export class InvalidReferenceError extends ScannerError {
  override readonly name = 'InvalidReferenceError';
  readonly code = 'E_INVALID_REFERENCE';
  constructor(what: 'repository' | 'reference' | 'digest', value: string) {
    // Cap the echo: the value comes from a request and may be arbitrary.
    super(`invalid ${what} ${JSON.stringify(value.slice(0, 200))}: not valid in the OCI distribution grammar`);
  }
}

/** 401/403 from the registry or its token service. */
export class RegistryAuthError extends ScannerError {
  override readonly name = 'RegistryAuthError';
  readonly code = 'E_REGISTRY_AUTH';
  constructor(
    readonly target: RegistryTarget,
    readonly status: number,
    reason: 'rejected' | 'missing' | 'forbidden' | 'token-rejected',
    /** What was being done: pulls come from scans, pushes from attaching results (webhook mode). */
    access: 'pull' | 'push' = 'pull',
  ) {
    const at = where(target);
    const text = {
      rejected:
        `registry rejected the credentials (${status}) for repository ${at}: check that the robot account ` +
        `still exists (Harbor deletes it when the scan task ends), has ${access} permission on the project, and ` +
        `that a Bearer token from Harbor has not expired`,
      missing:
        `registry requires credentials (${status}) for repository ${at} but none were given: check the ` +
        `scanner registration's registry authorization settings`,
      forbidden:
        `registry denied access (${status}) to repository ${at}: the credentials are valid but lack the ${access} ` +
        `permission (or a presigned storage URL was refused)`,
      'token-rejected':
        `token service rejected the credentials (${status}) while requesting ${access} access to ${at}: check ` +
        `that the robot account still exists and its secret is current`,
    }[reason];
    super(text);
  }
}

/** Harbor refused the pull by policy (412), e.g. "prevent vulnerable images" or content trust. */
export class RegistryPolicyError extends ScannerError {
  override readonly name = 'RegistryPolicyError';
  readonly code = 'E_REGISTRY_POLICY';
  constructor(readonly target: RegistryTarget, registryMessage: string) {
    super(
      `registry refused the pull of ${where(target)} by policy (412${registryMessage ? `: ${registryMessage}` : ''}); ` +
        `the scanner-pull bypass applies only to a token from the registry's token service: check that ` +
        `the registry answers /v2/ with a Bearer challenge and that the robot account has scanner-pull`,
    );
  }
}

export class ManifestUnknownError extends ScannerError {
  override readonly name = 'ManifestUnknownError';
  readonly code = 'E_MANIFEST_UNKNOWN';
  constructor(readonly target: RegistryTarget, readonly reference: string, registryMessage: string) {
    super(
      `manifest ${reference} not found in ${where(target)}${registryMessage ? ` (${registryMessage})` : ''}: ` +
        `check that the artifact was not deleted and that the repository name is right`,
    );
  }
}

export class BlobUnknownError extends ScannerError {
  override readonly name = 'BlobUnknownError';
  readonly code = 'E_BLOB_UNKNOWN';
  constructor(readonly target: RegistryTarget, readonly digest: string, registryMessage: string) {
    super(
      `blob ${digest} not found in ${where(target)}${registryMessage ? ` (${registryMessage})` : ''}: the ` +
        `manifest references a blob the registry does not have (garbage-collected or incompletely pushed)`,
    );
  }
}

/** The bytes served do not hash to the digest that names them. */
export class DigestMismatchError extends ScannerError {
  override readonly name = 'DigestMismatchError';
  readonly code = 'E_DIGEST_MISMATCH';
  constructor(readonly target: RegistryTarget, readonly expected: string, readonly actual: string, what: string) {
    super(
      `${what} from ${where(target)} does not match its digest: expected ${expected}, got ${actual}; the ` +
        `registry, a proxy or the storage behind a redirect served different bytes`,
    );
  }
}

/** The blob is longer or shorter than the size its descriptor declares. */
export class BlobSizeMismatchError extends ScannerError {
  override readonly name = 'BlobSizeMismatchError';
  readonly code = 'E_SIZE_MISMATCH';
  constructor(readonly target: RegistryTarget, readonly digest: string, detail: string) {
    super(`blob ${digest} from ${where(target)} does not have the size its descriptor declares: ${detail}`);
  }
}

/** Network failure, timeout, 429 or 5xx that persisted through the retries. */
export class RegistryUnavailableError extends ScannerError {
  override readonly name = 'RegistryUnavailableError';
  readonly code = 'E_REGISTRY_UNAVAILABLE';
  constructor(readonly target: RegistryTarget, detail: string, attempts: number, options?: { cause?: unknown }) {
    super(
      `registry ${where(target)} unavailable after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${detail}; ` +
        `check that the scanner can reach the registry URL Harbor sent and that the registry is healthy`,
      options,
    );
  }
}

/** The TLS handshake failed (untrusted or mismatched certificate, or no TLS at all). Not retried. */
export class RegistryTlsError extends ScannerError {
  override readonly name = 'RegistryTlsError';
  readonly code = 'E_REGISTRY_TLS';
  constructor(
    readonly target: RegistryTarget,
    detail: string,
    kind: 'verification' | 'handshake',
    options?: { cause?: unknown },
  ) {
    const hint =
      kind === 'verification'
        ? 'configure the registry CA file, or skip verification only for test registries'
        : 'check that registry.url uses the scheme the registry speaks (http or https)';
    super(`TLS ${kind} failed for ${target.registry}: ${detail}; ${hint}`, options);
  }
}

/** The registry answered something the distribution spec does not allow, or the client cannot use. */
export class RegistryProtocolError extends ScannerError {
  override readonly name = 'RegistryProtocolError';
  readonly code = 'E_REGISTRY_PROTOCOL';
  constructor(readonly target: RegistryTarget, detail: string, options?: { cause?: unknown }) {
    super(`unexpected answer from registry ${where(target)}: ${detail}`, options);
  }
}

/** A manifest or blob larger than the client accepts; refused before or while reading. */
export class TooLargeError extends ScannerError {
  override readonly name = 'TooLargeError';
  readonly code = 'E_TOO_LARGE';
  constructor(readonly target: RegistryTarget, what: string, readonly limit: number, size?: number) {
    super(
      `${what} from ${where(target)} is larger than the ${limit}-byte limit` +
        `${size === undefined ? '' : ` (${size} bytes)`}; raise the limit if such artifacts are expected`,
    );
  }
}
