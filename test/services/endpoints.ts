/**
 * Where the real-registry test environment listens and who may log in: import these instead of retyping
 * ports (plan from test-environment.md §1; all outside Node's fetch-blocked ports). The services are
 * started once per test run by ./global-setup.ts (or by hand: `npx tsx test/services/cli.ts up`).
 */
import { randomBytes } from 'node:crypto';

export const TEST_USER = Object.freeze({ username: 'testuser', password: 'testpass' });

/** Shaped like a Harbor scanner robot (`robot$<project>+scanner-<registration>-<id>`, harbor-scanner-api.md §3.5). */
export const ROBOT_USER = Object.freeze({ username: 'robot$models+scanner-test-0001', password: 'Rob0tSecret4Tests' });

/** Every account known to the basic-auth registry and the token server. */
export const TEST_ACCOUNTS: readonly { readonly username: string; readonly password: string }[] = [TEST_USER, ROBOT_USER];

/** How a registry variant wants to be authenticated for pushes (pulls: see each variant's notes). */
export type RegistryAuthMode = 'none' | 'basic' | 'token';

export interface RegistryEndpoint {
  readonly name: 'plain' | 'redirect' | 'basic' | 'token';
  readonly url: string;
  readonly port: number;
  readonly auth: RegistryAuthMode;
}

const registry = (name: RegistryEndpoint['name'], port: number, auth: RegistryAuthMode): RegistryEndpoint =>
  Object.freeze({ name, port, auth, url: `http://127.0.0.1:${port}` });

export const REGISTRIES = Object.freeze({
  /** No auth, filesystem storage. */
  plain: registry('plain', 5055, 'none'),
  /** Same storage as `plain`; blob GET/HEAD answer 307 to the blob host as `localhost` (cross-origin). */
  redirect: registry('redirect', 5057, 'none'),
  /** htpasswd (bcrypt); every request needs Basic credentials of a {@link TEST_ACCOUNTS} entry. */
  basic: registry('basic', 5058, 'basic'),
  /** Bearer JWTs from the token server; anonymous tokens may pull, accounts get what they ask for. */
  token: registry('token', 5059, 'token'),
});

export const TOKEN_SERVER = Object.freeze({
  url: 'http://127.0.0.1:5062',
  port: 5062,
  realm: 'http://127.0.0.1:5062/token',
  service: 'test-registry',
  issuer: 'test-issuer',
});

/**
 * The Range-capable static host the redirect registry points at. Registries redirect to
 * {@link BLOB_HOST.redirectBase} (`localhost`), while tests read its log at `url` (`127.0.0.1`).
 */
export const BLOB_HOST = Object.freeze({
  url: 'http://127.0.0.1:5056',
  port: 5056,
  redirectBase: 'http://localhost:5056/',
});

/** One request the blob host served, as `GET /_log` returns it. */
export interface BlobHostLogEntry {
  readonly method: string;
  readonly path: string;
  readonly range: string | null;
  readonly authorization: 'present' | 'absent';
  readonly status: number;
}

/** One token request, as the token server's `GET /_log` returns it. */
export interface TokenLogEntry {
  /** The account name, `anonymous`, or `rejected` for wrong credentials. */
  readonly user: string;
  readonly service: string | null;
  readonly scopes: readonly string[];
  readonly status: number;
}

/** A repository name no other test (or concurrent test run) uses. */
export function uniqueRepository(prefix: string): string {
  return `${prefix}/${randomBytes(6).toString('hex')}`;
}

/** The requests the blob host has served (all runs sharing the environment; filter by path). */
export async function blobHostLog(): Promise<BlobHostLogEntry[]> {
  return (await (await fetch(`${BLOB_HOST.url}/_log`)).json()) as BlobHostLogEntry[];
}

/** The token requests the token server has answered (filter by scope). */
export async function tokenServerLog(): Promise<TokenLogEntry[]> {
  return (await (await fetch(`${TOKEN_SERVER.url}/_log`)).json()) as TokenLogEntry[];
}

/** Harbor's `registry.authorization` for an account: `Basic base64(user:password)`. */
export function basicAuthorizationFor(account: { readonly username: string; readonly password: string }): string {
  return `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;
}
