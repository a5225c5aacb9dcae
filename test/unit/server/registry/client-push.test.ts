/**
 * The registry client's push side (blobs, manifests) and referrers listing against scripted registries:
 * the cases a real distribution 2.8 does not produce on demand (the referrers API with pagination, a
 * cross-origin upload Location, a redirected upload, a token service that grants push separately).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistryClient, type HttpRegistryClient } from '../../../../server/registry/client.js';
import { digestOf } from '../../../../server/registry/digest.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../../server/registry/manifest.js';
import type { RegistryCredentials } from '../../../../server/registry/types.js';
import { sendJson, startScriptedServer, type ScriptedServer } from './scripted-server.js';

const ROBOT: RegistryCredentials = { kind: 'basic', username: 'robot$proj+webhook', password: 'robot-secret-value' };
const BLOB = new TextEncoder().encode('{"report":true}');
const BLOB_DIGEST = digestOf(BLOB);
const SUBJECT = digestOf(new TextEncoder().encode('subject manifest'));
const REPORT_TYPE = 'application/vnd.example.report.v1+json';

const servers: ScriptedServer[] = [];
const clients: HttpRegistryClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Received {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: Buffer;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | void;

/** A registry whose `route` answers what it wants; `/v2/` is open, anything else 404 NAME_UNKNOWN. */
async function registry(route: Route, received: Received[] = []): Promise<ScriptedServer> {
  const server = await startScriptedServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body,
      });
      if (route(req, res, body) === true) return;
      if (req.url === '/v2/') return sendJson(res, 200, {});
      sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
    });
  });
  servers.push(server);
  return server;
}

function client(url: string, credentials: RegistryCredentials = { kind: 'none' }): HttpRegistryClient {
  const created = createRegistryClient({ url, credentials, timeoutMs: 5_000, maxRetries: 1, retryBaseDelayMs: 1 });
  clients.push(created);
  return created;
}

const referrer = (n: number, artifactType = REPORT_TYPE) => ({
  mediaType: OCI_MANIFEST,
  digest: digestOf(new TextEncoder().encode(`referrer ${n}`)),
  size: 100 + n,
  artifactType,
  annotations: { n: String(n) },
});

describe('RegistryClient.headBlob', () => {
  it('should say whether the credentials reach the blob: 200 yes, 404 no, a refusal throws', async () => {
    const received: Received[] = [];
    const s = await registry((req, res) => {
      if (req.method !== 'HEAD') return;
      if (req.url === `/v2/proj/model/blobs/${BLOB_DIGEST}`) return res.writeHead(200, { 'content-length': String(BLOB.length) }).end(), true;
      if (req.url === `/v2/proj/other/blobs/${BLOB_DIGEST}`) return res.writeHead(403).end(), true;
      if (req.url?.startsWith('/v2/proj/flaky/')) return res.writeHead(503).end(), true;
      res.writeHead(404).end();
      return true;
    }, received);
    const c = client(s.url, ROBOT);
    expect(await c.headBlob('proj/model', BLOB_DIGEST)).toBe(true);
    expect(await c.headBlob('proj/model', SUBJECT)).toBe(false);
    await expect(c.headBlob('proj/other', BLOB_DIGEST)).rejects.toMatchObject({ code: 'E_REGISTRY_AUTH', status: 403 });
    await expect(c.headBlob('proj/flaky', BLOB_DIGEST)).rejects.toThrow(/unavailable after 2 attempts/);
    expect(received.filter((r) => r.path.includes('/blobs/')).every((r) => r.method === 'HEAD')).toBe(true);
    expect(c.bytesFetched).toBe(0);
  });
});

describe('RegistryClient.pushBlob', () => {
  it('should skip the upload when HEAD finds the blob', async () => {
    const received: Received[] = [];
    const s = await registry((req, res) => {
      if (req.method === 'HEAD' && req.url === `/v2/proj/model/blobs/${BLOB_DIGEST}`) return res.writeHead(200).end(), true;
    }, received);
    await expect(client(s.url).pushBlob('proj/model', BLOB)).resolves.toBe(BLOB_DIGEST);
    expect(received.map((r) => r.method)).not.toContain('PUT');
    expect(received.map((r) => r.method)).not.toContain('POST');
  });

  it('should POST then PUT the bytes with the digest and octet-stream when the blob is missing', async () => {
    const received: Received[] = [];
    const s = await registry((req, res) => {
      if (req.method === 'POST' && req.url === '/v2/proj/model/blobs/uploads/')
        return res.writeHead(202, { location: '/v2/proj/model/blobs/uploads/u-1?_state=opaque' }).end(), true;
      if (req.method === 'PUT' && req.url?.startsWith('/v2/proj/model/blobs/uploads/u-1')) return res.writeHead(201).end(), true;
    }, received);
    await client(s.url).pushBlob('proj/model', BLOB);
    const put = received.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/v2/proj/model/blobs/uploads/u-1?_state=opaque&digest=${encodeURIComponent(BLOB_DIGEST)}`);
    expect(put?.contentType).toBe('application/octet-stream');
    expect(put?.body.equals(Buffer.from(BLOB))).toBe(true);
  });

  it('should not send credentials when the upload Location points at another origin', async () => {
    const uploads: Received[] = [];
    const storage = await registry((_req, res) => {
      res.writeHead(201).end();
      return true;
    }, uploads);
    const s = await registry((req, res) => {
      if (req.method === 'POST') return res.writeHead(202, { location: `${storage.url}/upload/u-2` }).end(), true;
    });
    await client(s.url, ROBOT).pushBlob('proj/model', BLOB);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.authorization).toBeUndefined();
  });

  it('should ask the token service for pull,push when pushing', async () => {
    const s = await registry((req, res) => {
      if (req.url?.startsWith('/token')) return sendJson(res, 200, { token: 'push-token' }), true;
      if (req.headers.authorization !== 'Bearer push-token')
        return res.writeHead(401, { 'www-authenticate': `Bearer realm="${s.url}/token",service="reg"` }).end(), true;
      if (req.method === 'HEAD') return res.writeHead(200).end(), true;
    });
    await client(s.url, ROBOT).pushBlob('proj/model', BLOB);
    expect(s.requestsTo('/token').map((r) => new URL(r.path, s.url).searchParams.get('scope'))).toEqual(['repository:proj/model:pull,push']);
  });

  it('should refuse to follow a 302 in answer to an upload', async () => {
    const s = await registry((req, res) => {
      if (req.method === 'POST') return res.writeHead(202, { location: '/v2/proj/model/blobs/uploads/u-3' }).end(), true;
      if (req.method === 'PUT') return res.writeHead(302, { location: '/elsewhere' }).end(), true;
    });
    await expect(client(s.url).pushBlob('proj/model', BLOB)).rejects.toMatchObject({
      code: 'E_REGISTRY_PROTOCOL',
      message: expect.stringMatching(/uploads follow only 307\/308/),
    });
  });

  it('should name push permission when the registry forbids the upload', async () => {
    const s = await registry((req, res) => {
      if (req.method === 'POST') return sendJson(res, 403, { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }), true;
    });
    await expect(client(s.url, ROBOT).pushBlob('proj/model', BLOB)).rejects.toMatchObject({
      code: 'E_REGISTRY_AUTH',
      message: expect.stringMatching(/lack the push permission/),
    });
  });
});

describe('RegistryClient.pushManifest', () => {
  const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST }));

  it.each([
    ['the registry indexes the subject', { 'oci-subject': SUBJECT }, SUBJECT],
    ['the registry has no referrers API', {}, undefined],
  ])('should report OCI-Subject as the registry sent it when %s', async (_name, headers: Record<string, string>, subject) => {
    const received: Received[] = [];
    const s = await registry((req, res) => {
      if (req.method === 'PUT') return res.writeHead(201, headers).end(), true;
    }, received);
    const pushed = await client(s.url).pushManifest('proj/model', digestOf(manifest), manifest, OCI_MANIFEST);
    expect(pushed).toEqual({ digest: digestOf(manifest), ...(subject ? { subject } : {}) });
    const put = received.find((r) => r.method === 'PUT');
    expect(put?.contentType).toBe(OCI_MANIFEST);
    expect(put?.body.equals(Buffer.from(manifest))).toBe(true);
  });

  it('should throw with the registry message when the manifest is refused', async () => {
    const s = await registry((req, res) => {
      if (req.method === 'PUT') return sendJson(res, 400, { errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry' }] }), true;
    });
    await expect(client(s.url).pushManifest('proj/model', 'v1', manifest, OCI_MANIFEST)).rejects.toThrow(/MANIFEST_BLOB_UNKNOWN/);
  });
});

describe('RegistryClient.getReferrers', () => {
  it('should follow Link pages and keep only the asked artifactType when the registry ignores the filter', async () => {
    const s = await registry((req, res) => {
      const url = new URL(req.url ?? '', 'http://x');
      if (!url.pathname.startsWith(`/v2/proj/model/referrers/${SUBJECT}`)) return;
      if (url.searchParams.get('page') === '2') return sendJson(res, 200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [referrer(3)] }), true;
      return sendJson(res, 200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [referrer(1), referrer(2, 'application/other')] }, {
        link: `</v2/proj/model/referrers/${SUBJECT}?artifactType=x&page=2>; rel="next"`,
      }), true;
    });
    const referrers = await client(s.url).getReferrers('proj/model', SUBJECT, REPORT_TYPE);
    expect(referrers.source).toBe('api');
    expect(referrers.manifests.map((m) => m.annotations?.['n'])).toEqual(['1', '3']);
  });

  it('should read the sha256-<hex> tag when the referrers API answers 404', async () => {
    const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [referrer(1), referrer(2, 'x/y')] }));
    const tag = `sha256-${SUBJECT.slice('sha256:'.length)}`;
    const s = await registry((req, res) => {
      if (req.url === `/v2/proj/model/manifests/${tag}`)
        return res.writeHead(200, { 'content-type': OCI_INDEX, 'docker-content-digest': digestOf(index) }).end(index), true;
    });
    const referrers = await client(s.url).getReferrers('proj/model', SUBJECT, REPORT_TYPE);
    expect(referrers).toEqual({ source: 'tag-schema', manifests: [referrer(1)] });
  });

  it('should answer no referrers when neither the API nor the tag exists', async () => {
    const s = await registry(() => false);
    await expect(client(s.url).getReferrers('proj/model', SUBJECT)).resolves.toEqual({ source: 'tag-schema', manifests: [] });
  });

  it('should fail closed when the referrers index is malformed', async () => {
    const s = await registry((req, res) => {
      if (req.url?.includes('/referrers/')) return sendJson(res, 200, { manifests: [{ digest: 'nope' }] }), true;
    });
    await expect(client(s.url).getReferrers('proj/model', SUBJECT)).rejects.toMatchObject({ code: 'E_REGISTRY_PROTOCOL' });
  });
});
