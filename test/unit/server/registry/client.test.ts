import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { digestOf } from '../../../../server/registry/digest.js';
import { createRegistryClient, type HttpRegistryClient, type RegistryClientOptions } from '../../../../server/registry/client.js';
import { OCI_MANIFEST } from '../../../../server/registry/manifest.js';
import type { RegistryCredentials } from '../../../../server/registry/types.js';
import { sendBytes, sendJson, startScriptedServer, type ScriptedServer } from './scripted-server.js';

const MANIFEST = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));
const MANIFEST_DIGEST = digestOf(MANIFEST);
const BLOB = new TextEncoder().encode('model weights, or close enough');
const BLOB_DIGEST = digestOf(BLOB);
const ROBOT: RegistryCredentials = { kind: 'basic', username: 'robot$proj+scanner-x', password: 'robot-secret-value' };

const servers: ScriptedServer[] = [];
const clients: HttpRegistryClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type Route = (req: IncomingMessage, res: ServerResponse, index: number) => boolean | void;

/** A scripted registry: `route` may answer (return true) or leave the request to the defaults. */
async function registry(route: Route = () => false): Promise<ScriptedServer> {
  const started = await startScriptedServer((req, res, index) => {
    if (route(req, res, index) === true) return;
    if (req.url === '/v2/') return sendJson(res, 200, {});
    if (req.url?.endsWith(`/manifests/v1`) || req.url?.endsWith(`/manifests/${MANIFEST_DIGEST}`)) {
      return void res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': MANIFEST_DIGEST }).end(MANIFEST);
    }
    if (req.url?.endsWith(`/blobs/${BLOB_DIGEST}`)) return sendBytes(req, res, BLOB);
    sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
  });
  servers.push(started);
  return started;
}

function client(url: string, options: Partial<RegistryClientOptions> = {}): HttpRegistryClient {
  const created = createRegistryClient({
    url,
    credentials: { kind: 'none' },
    timeoutMs: 5_000,
    maxRetries: 2,
    retryBaseDelayMs: 1,
    ...options,
  });
  clients.push(created);
  return created;
}

const manifestRequests = (s: ScriptedServer) => s.requests.filter((r) => r.path.includes('/manifests/'));

describe('RegistryClient retries', () => {
  it('should succeed when the registry answers 503 twice and then 200', async () => {
    const s = await registry((req, res) => {
      if (req.url?.includes('/manifests/') && manifestRequests(s).length <= 2) return sendJson(res, 503, {}), true;
    });
    const manifest = await client(s.url).getManifest('a/b', 'v1');
    expect(manifest.digest).toBe(MANIFEST_DIGEST);
    expect(manifestRequests(s)).toHaveLength(3);
  });

  it('should honour Retry-After when the registry answers 429', async () => {
    const s = await registry((req, res) => {
      if (req.url?.includes('/manifests/') && manifestRequests(s).length === 1) return sendJson(res, 429, {}, { 'retry-after': '0' }), true;
    });
    await expect(client(s.url).getManifest('a/b', 'v1')).resolves.toMatchObject({ digest: MANIFEST_DIGEST });
    expect(manifestRequests(s)).toHaveLength(2);
  });

  it('should retry when the connection is reset', async () => {
    const s = await registry((req) => {
      if (req.url?.includes('/manifests/') && manifestRequests(s).length === 1) return req.socket.destroy(), true;
    });
    await expect(client(s.url).getManifest('a/b', 'v1')).resolves.toMatchObject({ digest: MANIFEST_DIGEST });
  });

  it('should throw E_REGISTRY_UNAVAILABLE after maxRetries + 1 attempts when the registry keeps failing', async () => {
    const s = await registry((req, res) => (req.url?.includes('/manifests/') ? (sendJson(res, 502, {}), true) : false));
    await expect(client(s.url, { maxRetries: 3 }).getManifest('a/b', 'v1')).rejects.toMatchObject({
      code: 'E_REGISTRY_UNAVAILABLE',
      message: expect.stringMatching(/after 4 attempts: HTTP 502/),
    });
    expect(manifestRequests(s)).toHaveLength(4);
  });

  it('should throw E_REGISTRY_UNAVAILABLE when the registry never answers within the timeout', async () => {
    const s = await registry((req) => req.url?.includes('/manifests/') === true);
    await expect(client(s.url, { timeoutMs: 200, maxRetries: 1 }).getManifest('a/b', 'v1')).rejects.toMatchObject({
      code: 'E_REGISTRY_UNAVAILABLE',
    });
    expect(manifestRequests(s)).toHaveLength(2);
  });

  it.each([
    { status: 404, code: 'E_MANIFEST_UNKNOWN' },
    { status: 400, code: 'E_REGISTRY_PROTOCOL' },
    { status: 403, code: 'E_REGISTRY_AUTH' },
    { status: 412, code: 'E_REGISTRY_POLICY' },
  ])('should fail with $code without retrying when the registry answers $status', async ({ status, code }) => {
    const s = await registry((req, res) =>
      req.url?.includes('/manifests/') ? (sendJson(res, status, { errors: [{ code: 'X', message: 'registry says no' }] }), true) : false,
    );
    const failing = client(s.url).getManifest('a/b', 'v1');
    await expect(failing).rejects.toMatchObject({ code });
    expect(manifestRequests(s)).toHaveLength(1);
  });

  it('should quote the registry error message when a manifest is unknown', async () => {
    const s = await registry();
    await expect(client(s.url).getManifest('a/b', 'missing')).rejects.toThrow(/manifest missing not found in http.*\/a\/b \(NAME_UNKNOWN: repository name not known/);
  });

  it('should throw E_REGISTRY_PROTOCOL naming registry.url when /v2/ is not a registry', async () => {
    const s = await registry((req, res) => (req.url === '/v2/' ? (sendJson(res, 404, {}), true) : false));
    await expect(client(s.url).getManifest('a/b', 'v1')).rejects.toThrow(/answered HTTP 404.*registry\.url/);
  });

  it('should probe /v2/ once when several requests follow', async () => {
    const s = await registry();
    const c = client(s.url);
    await Promise.all([c.getManifest('a/b', 'v1'), c.getManifest('a/b', 'v1'), c.getBlob('a/b', blobDescriptor(), 1000)]);
    expect(s.requestsTo('/v2/').filter((r) => r.path === '/v2/')).toHaveLength(1);
  });

  it('should keep a path prefix when registry.url has one', async () => {
    const s = await registry((req, res) => (req.url === '/prefix/v2/' ? (sendJson(res, 200, {}), true) : false));
    await client(`${s.url}/prefix/`).getManifest('a/b', 'v1');
    expect(s.requests.map((r) => r.path)).toEqual(['/prefix/v2/', '/prefix/v2/a/b/manifests/v1']);
  });
});

describe('RegistryClient authentication', () => {
  /** A registry with a distribution token service at /token that accepts ROBOT's Basic credentials. */
  async function tokenRegistry(options: { expiresIn?: number; rejectFirstToken?: boolean } = {}): Promise<ScriptedServer> {
    let issued = 0;
    const s = await registry((req, res) => {
      const challenge = { 'www-authenticate': `Bearer realm="${s.url}/token?extra=1",service="test-registry"` };
      if (req.url?.startsWith('/token')) {
        const expected = `Basic ${Buffer.from(`${ROBOT.kind === 'basic' ? `${ROBOT.username}:${ROBOT.password}` : ''}`).toString('base64')}`;
        if (req.headers.authorization !== expected) return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }), true;
        issued += 1;
        return sendJson(res, 200, { token: `token-${issued}`, ...(options.expiresIn === undefined ? {} : { expires_in: options.expiresIn }) }), true;
      }
      const auth = req.headers.authorization;
      const valid = auth?.startsWith('Bearer token-') === true && !(options.rejectFirstToken === true && auth === 'Bearer token-1');
      if (!valid) return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }, challenge), true;
    });
    return s;
  }

  it('should exchange Basic credentials for a token when the registry challenges with Bearer', async () => {
    const s = await tokenRegistry();
    await client(s.url, { credentials: ROBOT }).getManifest('proj/model', 'v1');
    const tokenRequest = s.requestsTo('/token')[0];
    expect(tokenRequest?.path).toBe('/token?extra=1&service=test-registry&scope=repository%3Aproj%2Fmodel%3Apull');
    expect(manifestRequests(s).at(-1)?.headers.authorization).toBe('Bearer token-1');
    // Harbor grants the scanner-pull bypass to v2 tokens only: Basic never goes to /v2/<repo>/.
    expect(manifestRequests(s).some((r) => r.headers.authorization?.startsWith('Basic'))).toBe(false);
  });

  it('should reuse the token when a second request needs the same scope', async () => {
    const s = await tokenRegistry();
    const c = client(s.url, { credentials: ROBOT });
    await c.getManifest('proj/model', 'v1');
    await c.getBlob('proj/model', blobDescriptor(), 1000);
    expect(s.requestsTo('/token')).toHaveLength(1);
  });

  it('should fetch a new token and retry once when the registry rejects a cached token', async () => {
    const s = await tokenRegistry({ rejectFirstToken: true });
    await client(s.url, { credentials: ROBOT }).getManifest('proj/model', 'v1');
    expect(s.requestsTo('/token')).toHaveLength(2);
    expect(manifestRequests(s).map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('should throw E_REGISTRY_AUTH without the secret when the token service rejects the credentials', async () => {
    const s = await tokenRegistry();
    const wrong: RegistryCredentials = { kind: 'basic', username: 'robot$proj+scanner-x', password: 'wrong-secret-value' };
    const failing = client(s.url, { credentials: wrong }).getManifest('proj/model', 'v1');
    await expect(failing).rejects.toMatchObject({ code: 'E_REGISTRY_AUTH', message: expect.stringMatching(/token service rejected/) });
    await expect(failing).rejects.not.toThrow(/wrong-secret-value|robot-secret-value/);
  });

  it('should send a Bearer token as it is when Harbor passed one', async () => {
    const s = await tokenRegistry();
    await client(s.url, { credentials: { kind: 'bearer', token: 'token-from-harbor' } }).getManifest('proj/model', 'v1');
    expect(s.requestsTo('/token')).toHaveLength(0);
    expect(manifestRequests(s)[0]?.headers.authorization).toBe('Bearer token-from-harbor');
  });

  it('should send Basic credentials when the registry challenges with Basic', async () => {
    const s = await registry((req, res) => {
      if (req.headers.authorization === undefined) return sendJson(res, 401, {}, { 'www-authenticate': 'Basic realm="test"' }), true;
    });
    await client(s.url, { credentials: ROBOT }).getManifest('a/b', 'v1');
    expect(manifestRequests(s)[0]?.headers.authorization).toMatch(/^Basic /);
  });

  it('should throw E_REGISTRY_AUTH saying credentials are missing when an anonymous client meets Basic', async () => {
    const s = await registry((req, res) => (req.url !== '/v2/' ? (sendJson(res, 401, {}, { 'www-authenticate': 'Basic realm="test"' }), true) : false));
    await expect(client(s.url).getManifest('a/b', 'v1')).rejects.toThrow(/requires credentials \(401\) for repository .*a\/b but none were given/);
  });

  it('should keep using tokens when Harbor answers a rejected token with a Basic challenge', async () => {
    // harbor-scanner-api.md §3.5: a request carrying an insufficient Authorization gets `Basic realm="harbor"`.
    const s = await registry((req, res) => {
      if (req.url?.startsWith('/token')) return sendJson(res, 200, { token: `t${s.requestsTo('/token').length}` }), true;
      const header = req.headers.authorization === undefined ? `Bearer realm="${s.url}/token",service="harbor-registry"` : 'Basic realm="harbor"';
      return sendJson(res, 401, {}, { 'www-authenticate': header }), true;
    });
    await expect(client(s.url, { credentials: ROBOT }).getManifest('a/b', 'v1')).rejects.toMatchObject({ code: 'E_REGISTRY_AUTH' });
    expect(manifestRequests(s).map((r) => r.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('should throw E_REGISTRY_PROTOCOL when a 401 has no challenge', async () => {
    const s = await registry((req, res) => (req.url === '/v2/' ? (sendJson(res, 401, {}), true) : false));
    await expect(client(s.url, { credentials: ROBOT }).getManifest('a/b', 'v1')).rejects.toThrow(/401 without a WWW-Authenticate/);
  });
});

function blobDescriptor(overrides: Partial<{ digest: string; size: number; data: string }> = {}) {
  return { mediaType: 'application/octet-stream', digest: BLOB_DIGEST, size: BLOB.length, ...overrides };
}

describe('RegistryClient manifests and blobs', () => {
  it('should send every manifest media type in Accept when fetching a manifest', async () => {
    const s = await registry();
    await client(s.url).getManifest('a/b', MANIFEST_DIGEST);
    expect(manifestRequests(s)[0]?.headers.accept).toBe(
      'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, ' +
        'application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json',
    );
  });

  it('should throw E_DIGEST_MISMATCH when the bytes differ from Docker-Content-Digest', async () => {
    const s = await registry((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': digestOf(new Uint8Array([1])) }).end(MANIFEST);
      return true;
    });
    await expect(client(s.url).getManifest('a/b', 'v1')).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
  });

  it.each([
    { name: 'Content-Length says so', chunked: false },
    { name: 'a chunked body grows past the cap', chunked: true },
  ])('should throw E_TOO_LARGE when a manifest is over the cap and $name', async ({ chunked }) => {
    const big = new Uint8Array(5_000).fill(0x20);
    const s = await registry((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST, ...(chunked ? {} : { 'content-length': String(big.length) }) });
      res.end(big);
      return true;
    });
    await expect(client(s.url, { maxManifestBytes: 1_000 }).getManifest('a/b', 'v1')).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
  });

  it('should return the verified bytes when a blob is read whole', async () => {
    const s = await registry();
    const c = client(s.url);
    expect(Buffer.from(await c.getBlob('a/b', blobDescriptor(), 1000)).toString()).toBe('model weights, or close enough');
    expect(c.bytesFetched).toBe(BLOB.length);
  });

  it.each([
    { name: 'the descriptor is over maxBytes', descriptor: blobDescriptor(), maxBytes: 5, code: 'E_TOO_LARGE', requests: 0 },
    { name: 'the registry does not have the blob', descriptor: blobDescriptor({ digest: digestOf(new Uint8Array([9])) }), maxBytes: 1000, code: 'E_BLOB_UNKNOWN', requests: 1 },
    { name: 'the registry sends more than declared', descriptor: blobDescriptor({ size: 5 }), maxBytes: 1000, code: 'E_SIZE_MISMATCH', requests: 1 },
    { name: 'the registry sends less than declared', descriptor: blobDescriptor({ size: 500 }), maxBytes: 1000, code: 'E_SIZE_MISMATCH', requests: 1 },
  ])('should throw $code when $name', async ({ descriptor, maxBytes, code, requests }) => {
    const s = await registry();
    await expect(client(s.url).getBlob('a/b', descriptor, maxBytes)).rejects.toMatchObject({ code });
    expect(s.requests.filter((r) => r.path.includes('/blobs/'))).toHaveLength(requests);
  });

  it('should throw E_DIGEST_MISMATCH when a blob body does not hash to its digest', async () => {
    const s = await registry((req, res) => (req.url?.includes('/blobs/') ? (sendBytes(req, res, new Uint8Array(BLOB.length)), true) : false));
    await expect(client(s.url).getBlob('a/b', blobDescriptor(), 1000)).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
  });

  it('should use inline data without a request when the descriptor carries it', async () => {
    const s = await registry();
    const c = client(s.url);
    const data = Buffer.from(BLOB).toString('base64');
    expect(await c.getBlob('a/b', blobDescriptor({ data }), 1000)).toEqual(new Uint8Array(BLOB));
    expect(await c.blobSource('a/b', blobDescriptor({ data })).read(0, 5)).toEqual(BLOB.subarray(0, 5));
    expect(s.requests).toHaveLength(0);
  });

  it('should throw E_DIGEST_MISMATCH when inline data does not match the digest', async () => {
    const s = await registry();
    const data = Buffer.from(new Uint8Array(BLOB.length)).toString('base64');
    await expect(client(s.url).getBlob('a/b', blobDescriptor({ data }), 1000)).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
  });

  it.each([
    { name: 'an invalid repository', call: (c: HttpRegistryClient) => c.getManifest('../x', 'v1'), code: 'E_INVALID_REFERENCE' },
    { name: 'an invalid tag', call: (c: HttpRegistryClient) => c.getManifest('a/b', 'v1/../x'), code: 'E_INVALID_REFERENCE' },
    { name: 'an unverifiable digest', call: (c: HttpRegistryClient) => c.getBlob('a/b', blobDescriptor({ digest: 'md5:00' }), 10), code: 'E_INVALID_REFERENCE' },
  ])('should refuse $name before any request', async ({ call, code }) => {
    const s = await registry();
    await expect(call(client(s.url))).rejects.toMatchObject({ code });
    expect(s.requests).toHaveLength(0);
  });
});

describe('createRegistryClient', () => {
  it.each([
    { name: 'not a URL', url: '//harbor-core:8080', message: /not an absolute URL/ },
    { name: 'not http(s)', url: 'ftp://harbor', message: /unsupported scheme ftp:/ },
    { name: 'carrying user info', url: 'https://robot:secret@harbor', message: /must not contain user info/ },
  ])('should throw E_REGISTRY_CONFIG when registry.url is $name', ({ url, message }) => {
    expect(() => createRegistryClient({ url, credentials: { kind: 'none' }, timeoutMs: 1000, maxRetries: 0 })).toThrow(message);
    expect(() => createRegistryClient({ url, credentials: { kind: 'none' }, timeoutMs: 1000, maxRetries: 0 })).not.toThrow(/secret/);
  });
});
