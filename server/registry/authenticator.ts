/**
 * Decides the `Authorization` header for each registry request, following the registry's challenge:
 *
 * - Bearer credentials from Harbor are sent as they are.
 * - A Bearer challenge starts the distribution token flow (oci-model-formats.md §5.2): GET the realm
 *   with `service` and `scope`, with Basic credentials when we have them. With Basic credentials this is
 *   always done rather than sending Basic to `/v2/`, because Harbor grants the scanner-pull policy bypass
 *   only to a v2 token (harbor-scanner-api.md §3.5).
 * - A Basic challenge gets Basic credentials.
 *
 * Tokens are cached per (realm, service, scope) until shortly before `expires_in` (default 60 s).
 */
import {
  RegistryAuthError,
  RegistryProtocolError,
  type RegistryTarget,
} from '../errors/registry-errors.js';
import { readBody, readRegistryErrorMessage, type ByteCounter } from './body.js';
import { basicAuthorization } from './credentials.js';
import { describeUrl, type HttpTransport } from './http-transport.js';
import type { RegistryCredentials, RegistryLogger } from './types.js';
import {
  AuthenticateHeaderError,
  findBearerChallenge,
  hasBasicChallenge,
  parseWwwAuthenticate,
  type BearerChallenge,
} from './www-authenticate.js';

type KnownChallenge = { readonly kind: 'none' } | { readonly kind: 'basic' } | { readonly kind: 'bearer'; readonly bearer: BearerChallenge };

interface CachedToken {
  readonly value: string;
  /** When to stop using it: a little before the registry would. */
  readonly refreshAt: number;
}

/** distribution `docs/spec/auth/token.md`: "When omitted, this defaults to 60 seconds". */
const DEFAULT_TOKEN_SECONDS = 60;
const TOKEN_RESPONSE_LIMIT = 1024 * 1024;

/** The `scope` for pulling from `repository` (distribution token scope grammar). */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/**
 * The `scope` for pushing to `repository`. `pull` comes along because a push HEADs and reads what it
 * updates (blobs, the referrers tag), and one token then serves the whole sequence.
 */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export interface AuthenticatorOptions {
  readonly credentials: RegistryCredentials;
  readonly transport: HttpTransport;
  readonly counter: ByteCounter;
  readonly logger?: RegistryLogger;
  /** Clock for token expiry (tests). */
  readonly now?: () => number;
}

export class RegistryAuthenticator {
  #challenge: KnownChallenge = { kind: 'none' };
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<CachedToken>>();
  readonly #now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** True when there is anything to authenticate with. */
  get hasCredentials(): boolean {
    return this.options.credentials.kind !== 'none';
  }

  /** Learns the registry's challenge from a 401 (the `/v2/` probe or any later request). */
  noteChallenge(header: string | undefined, target: RegistryTarget): void {
    if (header === undefined || header.trim() === '') {
      throw new RegistryProtocolError(target, 'HTTP 401 without a WWW-Authenticate challenge');
    }
    let challenges;
    try {
      challenges = parseWwwAuthenticate(header);
    } catch (error) {
      if (error instanceof AuthenticateHeaderError) throw new RegistryProtocolError(target, error.message, { cause: error });
      throw error;
    }
    const bearer = findBearerChallenge(challenges);
    if (bearer !== undefined) this.#challenge = { kind: 'bearer', bearer };
    else if (hasBasicChallenge(challenges)) {
      // Harbor answers a request whose token was insufficient with `Basic realm="harbor"`
      // (harbor-scanner-api.md §3.5); switching to Basic would lose the scanner-pull bypass, so a
      // known Bearer challenge stays.
      if (this.#challenge.kind !== 'bearer') this.#challenge = { kind: 'basic' };
    } else {
      const schemes = challenges.map((c) => c.scheme).join(', ') || 'none';
      throw new RegistryProtocolError(target, `unsupported authentication scheme(s) in the challenge: ${schemes}`);
    }
  }

  /** The header value for a request needing `scope`, or undefined to go anonymous. */
  async authorization(scope: string, target: RegistryTarget): Promise<string | undefined> {
    const credentials = this.options.credentials;
    if (credentials.kind === 'bearer') return `Bearer ${credentials.token}`;
    const challenge = this.#challenge;
    switch (challenge.kind) {
      case 'none':
        return undefined;
      case 'basic':
        return credentials.kind === 'basic' ? basicAuthorization(credentials.username, credentials.password) : undefined;
      case 'bearer':
        return `Bearer ${(await this.#token(challenge.bearer, scope, target)).value}`;
    }
  }

  /** Forgets the cached token for `scope` (after the registry refused it). */
  invalidate(scope: string): void {
    if (this.#challenge.kind !== 'bearer') return;
    this.#tokens.delete(cacheKey(this.#challenge.bearer, scope));
  }

  async #token(challenge: BearerChallenge, scope: string, target: RegistryTarget): Promise<CachedToken> {
    const key = cacheKey(challenge, scope);
    const cached = this.#tokens.get(key);
    if (cached !== undefined && this.#now() < cached.refreshAt) return cached;
    // Concurrent reads of one repository share a single exchange.
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#exchange(challenge, scope, target).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const token = await pending;
    this.#tokens.set(key, token);
    return token;
  }

  async #exchange(challenge: BearerChallenge, scope: string, target: RegistryTarget): Promise<CachedToken> {
    let url: URL;
    try {
      url = new URL(challenge.realm);
    } catch {
      throw new RegistryProtocolError(target, 'the Bearer challenge has an invalid realm URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RegistryProtocolError(target, `the Bearer challenge realm uses an unsupported scheme ${url.protocol}`);
    }
    if (challenge.service !== undefined) url.searchParams.append('service', challenge.service);
    url.searchParams.append('scope', scope);
    const credentials = this.options.credentials;
    const tokenTarget: RegistryTarget = { ...target, registry: url.origin };
    const response = await this.options.transport.send(
      {
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
        ...(credentials.kind === 'basic' ? { authorization: basicAuthorization(credentials.username, credentials.password) } : {}),
      },
      tokenTarget,
    );
    if (response.status === 401 || response.status === 403) {
      await readRegistryErrorMessage(response.body, this.options.counter, tokenTarget);
      const access = scope.endsWith(',push') ? 'push' : 'pull';
      throw new RegistryAuthError(target, response.status, credentials.kind === 'none' ? 'missing' : 'token-rejected', access);
    }
    if (response.status !== 200) {
      const message = await readRegistryErrorMessage(response.body, this.options.counter, tokenTarget);
      throw new RegistryProtocolError(
        tokenTarget,
        `token service ${describeUrl(url)} answered HTTP ${response.status}${message ? ` (${message})` : ''}`,
      );
    }
    const bytes = await readBody(response.body, TOKEN_RESPONSE_LIMIT, this.options.counter, tokenTarget, () =>
      new RegistryProtocolError(tokenTarget, `token response larger than ${TOKEN_RESPONSE_LIMIT} bytes`),
    );
    const token = parseTokenResponse(bytes, tokenTarget, this.#now());
    this.options.logger?.debug({ tokenService: describeUrl(url), scope, refreshInMs: token.refreshAt - this.#now() }, 'obtained registry token');
    return token;
  }
}

function cacheKey(challenge: BearerChallenge, scope: string): string {
  return `${challenge.realm}\n${challenge.service ?? ''}\n${scope}`;
}

/** `token` and `access_token` are equivalent; `expires_in` is seconds from issue. */
function parseTokenResponse(bytes: Uint8Array, target: RegistryTarget, now: number): CachedToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RegistryProtocolError(target, 'token response is not JSON');
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const value = [fields.token, fields.access_token].find((t): t is string => typeof t === 'string' && t !== '');
  if (value === undefined) throw new RegistryProtocolError(target, 'token response has neither "token" nor "access_token"');
  if (/[\s\u0000-\u001f\u007f]/.test(value)) throw new RegistryProtocolError(target, 'token response carries a token with invalid characters');
  const seconds = typeof fields.expires_in === 'number' && fields.expires_in > 0 ? fields.expires_in : DEFAULT_TOKEN_SECONDS;
  const lifetimeMs = seconds * 1000;
  // Refresh a little early so a token never expires between the check and the registry's.
  return { value, refreshAt: now + lifetimeMs - Math.min(5_000, lifetimeMs / 2) };
}
