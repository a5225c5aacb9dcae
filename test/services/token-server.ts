/**
 * A distribution token server for the token-auth test registry (test-environment.md §2.8): RS256 JWTs
 * whose `x5c` header carries the certificate the registry trusts (`rootcertbundle`).
 *
 * Policy: anonymous callers get `pull` only; a known account gets the actions it asks for; wrong
 * credentials get 401. `GET /_log` lists the requests (user, scopes, status) so tests can check that a
 * client really exchanged its Basic credentials; `GET /healthz` is the readiness probe.
 */
import { randomUUID, sign, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TokenLogEntry } from './endpoints.js';
import { closeServer, listen } from './http-server.js';

export interface TokenServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly keyPem: string;
  readonly certPem: string;
  /** JWT `iss`; must equal the registry's `auth.token.issuer`. */
  readonly issuer: string;
  /** JWT `aud`; must equal the registry's `auth.token.service`. */
  readonly service: string;
  readonly accounts: readonly { readonly username: string; readonly password: string }[];
  readonly lifetimeSeconds?: number;
}

export interface RunningTokenServer {
  readonly url: string;
  close(): Promise<void>;
}

interface Access {
  readonly type: string;
  readonly name: string;
  readonly actions: string[];
}

const LOG_LIMIT = 10_000;

export async function startTokenServer(options: TokenServerOptions): Promise<RunningTokenServer> {
  const x5c = new X509Certificate(options.certPem).raw.toString('base64');
  const log: TokenLogEntry[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    if (req.method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/_log') return sendJson(res, 200, log);
    if (req.method !== 'GET' || url.pathname !== '/token') return sendJson(res, 404, { error: 'not found' });
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter((s) => s !== '');
    const user = authenticate(req, options.accounts);
    const record = (status: number) => {
      log.push({ user: user ?? 'rejected', service: url.searchParams.get('service'), scopes, status });
      if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
    };
    if (user === undefined) {
      record(401);
      res.setHeader('www-authenticate', 'Basic realm="test-token-server"');
      return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'wrong credentials' }] });
    }
    record(200);
    const access = scopes.map(parseScope).filter((a): a is Access => a !== undefined).map((a) => grant(a, user));
    const lifetime = options.lifetimeSeconds ?? 300;
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      { typ: 'JWT', alg: 'RS256', x5c: [x5c] },
      { iss: options.issuer, sub: user, aud: options.service, exp: now + lifetime, nbf: now - 10, iat: now, jti: randomUUID(), access },
      options.keyPem,
    );
    sendJson(res, 200, { token, access_token: token, expires_in: lifetime, issued_at: new Date(now * 1000).toISOString() });
  });
  const address = await listen(server, options.port, options.host ?? '127.0.0.1');
  return { url: `http://${address.address}:${address.port}`, close: () => closeServer(server) };
}

/** The account name, `anonymous` without credentials, undefined for wrong ones. */
function authenticate(req: IncomingMessage, accounts: TokenServerOptions['accounts']): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return 'anonymous';
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const account = accounts.find((a) => a.username === decoded.slice(0, colon) && a.password === decoded.slice(colon + 1));
  return colon > 0 ? account?.username : undefined;
}

/** `type:name:actions`: the name is everything between the first and the last colon. */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter((a) => a !== '') };
}

function grant(access: Access, user: string): Access {
  return user === 'anonymous' ? { ...access, actions: access.actions.filter((a) => a === 'pull') } : access;
}

function signJwt(header: object, claims: object, keyPem: string): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), keyPem).toString('base64url')}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
