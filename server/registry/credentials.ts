/**
 * Harbor's `registry.authorization` value → {@link RegistryCredentials} (harbor-scanner-api.md §3.5):
 * `Basic base64("<robot name>:<secret>")` by default, `Bearer <token>` when the registration asks for
 * Bearer, and an empty string when Harbor's token fetch failed. Errors never echo the value.
 */
import { RegistryCredentialsError } from '../errors/registry-errors.js';
import type { RegistryCredentials } from './types.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// RFC 6750 §2.1 b64token, which covers JWTs and Harbor's opaque tokens.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses an Authorization header value; an absent or blank value means anonymous access. */
export function parseRegistryAuthorization(value: string | null | undefined): RegistryCredentials {
  const trimmed = (value ?? '').trim();
  if (trimmed === '') return { kind: 'none' };
  const space = trimmed.search(/\s/);
  const scheme = (space === -1 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  const payload = space === -1 ? '' : trimmed.slice(space).trim();
  switch (scheme) {
    case 'basic':
      return parseBasic(payload);
    case 'bearer':
      if (payload === '') throw new RegistryCredentialsError('the Bearer value has no token');
      if (!B64TOKEN.test(payload)) throw new RegistryCredentialsError('the Bearer token contains invalid characters');
      return { kind: 'bearer', token: payload };
    default:
      // The first word may be the secret itself (a value sent without a scheme), so it is not echoed.
      throw new RegistryCredentialsError(`the value does not start with "Basic " or "Bearer " (${trimmed.length} characters)`);
  }
}

function parseBasic(payload: string): RegistryCredentials {
  if (payload === '') throw new RegistryCredentialsError('the Basic value has no credentials');
  if (!BASE64.test(payload) || payload.length % 4 === 1) {
    throw new RegistryCredentialsError('the Basic value is not valid base64');
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(payload, 'base64'));
  } catch {
    throw new RegistryCredentialsError('the Basic value does not decode to UTF-8 text');
  }
  // RFC 7617 §2: the user-id cannot contain a colon; the password may.
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new RegistryCredentialsError('the decoded Basic value has no ":" between user and password');
  if (colon === 0) throw new RegistryCredentialsError('the decoded Basic value has an empty user name');
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The `Authorization` value for HTTP Basic (RFC 7617), UTF-8 encoded. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
