/**
 * Protection of the adapter API with the credentials Harbor sends. A scanner registration has one of four
 * auth types, applied by Harbor's authorizer to every adapter call (../shared/reference/harbor-scanner-api.md
 * §3.2): none, `Basic` (`Authorization: Basic base64(user:password)`), `Bearer`
 * (`Authorization: Bearer <credential>`) and `APIKey` (`X-ScannerAdapter-API-Key: <credential>`).
 * Credentials are compared in constant time; failures answer 401 in the adapter's JSON error envelope.
 */
import type { Request, RequestHandler } from 'express';
import { API_ROUTES } from '../../spec/routes.js';
import type { Logger } from '../observability/logger.js';
import { METRICS_PATH } from '../observability/metrics.js';
import { SCANNER } from './scanner-info.js';
import { matchesSecret, secretDigest } from './secret-compare.js';
import { sendError } from './responses.js';

/** What a caller must present; the mode names match Harbor's registration auth types. */
export type ApiCredentials =
  | { readonly mode: 'none' }
  | { readonly mode: 'basic'; readonly username: string; readonly password: string }
  | { readonly mode: 'bearer'; readonly token: string }
  | { readonly mode: 'apikey'; readonly key: string };

export type ApiAuthMode = ApiCredentials['mode'];

export interface ApiAuthSettings {
  readonly credentials: ApiCredentials;
  /** Require credentials on /probe/* too (kubelet probes then need `httpHeaders`). */
  readonly protectProbes: boolean;
  /** Require credentials on /metrics too (the Prometheus scrape config then needs them). */
  readonly protectMetrics: boolean;
}

/** Harbor's header name for the `APIKey` auth type (`APIKeyScannerAdapter`); Node lower-cases header names. */
export const API_KEY_HEADER = 'x-scanneradapter-api-key';

/** How each mode's registration looks in Harbor's "New scanner" dialog, for error messages. */
const HARBOR_AUTH_TYPE: Record<Exclude<ApiAuthMode, 'none'>, string> = { basic: 'Basic', bearer: 'Bearer', apikey: 'APIKey' };

const PROBE_PATHS: readonly string[] = API_ROUTES.filter((r) => r.operationId === 'getHealthy' || r.operationId === 'getReady').map(
  (r) => r.path,
);

type Verdict = 'accepted' | 'missing' | 'rejected';

/**
 * Express middleware enforcing `settings` on every route except the open ones (probes and /metrics unless
 * configured otherwise). Unknown paths are protected too, so the route table is not probed anonymously.
 */
export function apiAuthentication(settings: ApiAuthSettings, logger?: Logger): RequestHandler {
  const { credentials } = settings;
  if (credentials.mode === 'none') return (_req, _res, next) => next();
  const open = new Set([...(settings.protectProbes ? [] : PROBE_PATHS), ...(settings.protectMetrics ? [] : [METRICS_PATH])]);
  const verify = verifier(credentials);
  const expected = HARBOR_AUTH_TYPE[credentials.mode];
  return (req, res, next) => {
    if (open.has(req.path)) return next();
    const verdict = verify(req);
    if (verdict === 'accepted') return next();
    // Never the presented value: it may be a near-miss of the real secret.
    logger?.warn({ method: req.method, path: req.path, remote: req.socket.remoteAddress, reason: verdict }, 'adapter API request rejected');
    const challenge = wwwAuthenticate(credentials.mode, verdict);
    if (challenge) res.set('WWW-Authenticate', challenge);
    sendError(
      res,
      401,
      verdict === 'missing'
        ? `unauthorized: no credentials; this scanner expects the "${expected}" authorization type in Harbor's scanner registration`
        : `unauthorized: invalid credentials; check the authorization type ("${expected}") and credential of Harbor's scanner registration`,
    );
  };
}

function verifier(credentials: Exclude<ApiCredentials, { mode: 'none' }>): (req: Request) => Verdict {
  switch (credentials.mode) {
    case 'basic': {
      // Harbor sends base64(access_credential) and the portal builds that as `user:password`.
      const expected = secretDigest(`${credentials.username}:${credentials.password}`);
      return (req) => {
        const value = schemeValue(req.headers.authorization, 'basic');
        return value === undefined ? 'missing' : matches(Buffer.from(value, 'base64').toString('utf8'), expected);
      };
    }
    case 'bearer': {
      const expected = secretDigest(credentials.token);
      return (req) => {
        const value = schemeValue(req.headers.authorization, 'bearer');
        return value === undefined ? 'missing' : matches(value, expected);
      };
    }
    case 'apikey': {
      const expected = secretDigest(credentials.key);
      return (req) => {
        const value = req.headers[API_KEY_HEADER];
        return typeof value !== 'string' || value === '' ? 'missing' : matches(value, expected);
      };
    }
  }
}

/** The credential after `<scheme> ` (scheme case-insensitive, RFC 9110 §11.1); undefined when absent or another scheme. */
function schemeValue(header: string | undefined, scheme: 'basic' | 'bearer'): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== scheme) return undefined;
  const value = header.slice(space + 1).trim();
  return value === '' ? undefined : value;
}

function matches(presented: string, expected: Buffer): Verdict {
  return matchesSecret(presented, expected) ? 'accepted' : 'rejected';
}

/** RFC 7617 §2 and RFC 6750 §3 challenges; the API-key header has no standard scheme to announce. */
function wwwAuthenticate(mode: ApiAuthMode, verdict: Verdict): string | undefined {
  const realm = `realm="${SCANNER.name}"`;
  if (mode === 'basic') return `Basic ${realm}, charset="UTF-8"`;
  if (mode === 'bearer') return verdict === 'rejected' ? `Bearer ${realm}, error="invalid_token"` : `Bearer ${realm}`;
  return undefined;
}
