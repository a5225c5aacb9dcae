/**
 * A scanner registration as Harbor keeps it: the adapter URL and how Harbor authenticates to the
 * adapter (`src/pkg/scan/dao/scanner/model.go` `Registration.Validate`, `src/lib/endpoint.go`
 * `ValidateHTTPURL`, `src/pkg/scan/rest/auth/*`; ../shared/reference/harbor-scanner-api.md §3.2).
 */

export type AdapterAuth =
  | { readonly type: '' }
  /** `credential` is `user:password`, as the portal builds it. */
  | { readonly type: 'Basic'; readonly credential: string }
  /** Sent verbatim after `Bearer `. */
  | { readonly type: 'Bearer'; readonly credential: string }
  /** Sent as `X-ScannerAdapter-API-Key`. */
  | { readonly type: 'APIKey'; readonly credential: string };

export interface Registration {
  readonly name: string;
  /** As the admin typed it; normalised by {@link normalizeRegistrationUrl}. */
  readonly url: string;
  readonly auth: AdapterAuth;
}

/**
 * `lib.ValidateHTTPURL`: trims spaces and trailing `/`, adds `http://` when there is no scheme, allows
 * only http and https, drops query and fragment, and keeps the path (so a path prefix works).
 * Returns the URL or Harbor's error message.
 */
export function normalizeRegistrationUrl(input: string): { url: string } | { error: string } {
  let s = input.replace(/^ +| +$/g, '').replace(/\/+$/, '');
  if (s.length === 0) return { error: 'empty string' };
  if (!s.includes('://')) s = `http://${s}`;
  if (!URL.canParse(s)) return { error: `invalid URL: ${s}` };
  const url = new URL(s);
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') return { error: `invalid HTTP scheme: ${scheme}` };
  return { url: `${scheme}://${url.host}${url.pathname === '/' ? '' : url.pathname}` };
}

/** `Registration.Validate` minus the UUID check. Returns the normalised registration or Harbor's message. */
export function validateRegistration(registration: Registration): { registration: Registration } | { error: string } {
  if (registration.name.length === 0) return { error: 'missing registration name' };
  const normalized = normalizeRegistrationUrl(registration.url);
  if ('error' in normalized) return { error: `scanner registration validate: ${normalized.error}` };
  const { auth } = registration;
  if (auth.type !== '' && auth.credential.length === 0)
    return { error: `access_credential is required for auth type ${auth.type}` };
  return { registration: { ...registration, url: normalized.url } };
}

/** The headers Harbor's authorizer adds to every adapter call for `auth`. */
export function adapterAuthHeaders(auth: AdapterAuth): Record<string, string> {
  switch (auth.type) {
    case '':
      return {};
    case 'Basic':
      return { Authorization: `Basic ${Buffer.from(auth.credential, 'utf8').toString('base64')}` };
    case 'Bearer':
      return { Authorization: `Bearer ${auth.credential}` };
    case 'APIKey':
      return { 'X-ScannerAdapter-API-Key': auth.credential };
  }
}
