import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RegistryProtocolError } from '../../../../server/errors/registry-errors.js';
import { drainBody } from '../../../../server/registry/body.js';
import { HttpTransport } from '../../../../server/registry/http-transport.js';
import { TransientError } from '../../../../server/registry/retry.js';
import { sendJson, startScriptedServer, type ScriptedServer } from './scripted-server.js';

const agent = new Agent({ headersTimeout: 5_000, bodyTimeout: 5_000 });
const transport = new HttpTransport(agent);
const target = { registry: 'http://registry', repository: 'a/b' };
const servers: ScriptedServer[] = [];

async function server(...args: Parameters<typeof startScriptedServer>): Promise<ScriptedServer> {
  const started = await startScriptedServer(...args);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => agent.close());

const send = (url: string, headers: Record<string, string> = {}) =>
  transport.send({ method: 'GET', url: new URL(url), headers, authorization: 'Bearer secret-token' }, target);

describe('HttpTransport redirects', () => {
  it('should keep Authorization when a redirect stays on the same origin', async () => {
    const registry = await server((req, res) => {
      if (req.url === '/v2/a/b/blobs/x') res.writeHead(307, { location: '/storage/x' }).end();
      else sendJson(res, 200, {});
    });
    const response = await send(`${registry.url}/v2/a/b/blobs/x`);
    await drainBody(response.body);
    expect(response.status).toBe(200);
    expect(registry.requestsTo('/storage/x')[0]?.headers.authorization).toBe('Bearer secret-token');
  });

  it('should drop Authorization but keep Range when a redirect goes to another origin', async () => {
    // 127.0.0.1 and localhost are different origins, like a registry and its S3 bucket.
    const storage = await server((_req, res) => res.writeHead(206, { 'content-range': 'bytes 0-1/2' }).end('ab'), 'localhost');
    const registry = await server((_req, res) => res.writeHead(307, { location: `${storage.url}/bucket/data?X-Amz-Signature=abc` }).end());
    const response = await send(`${registry.url}/v2/a/b/blobs/x`, { range: 'bytes=0-1' });
    await drainBody(response.body);
    expect(response.status).toBe(206);
    expect(response.url.origin).toBe(storage.url);
    expect(registry.requests[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(storage.requests[0]?.headers.authorization).toBeUndefined();
    expect(storage.requests[0]?.headers.range).toBe('bytes=0-1');
    expect(storage.requests[0]?.path).toBe('/bucket/data?X-Amz-Signature=abc');
  });

  it('should not send Authorization back when a chain leaves the origin and returns to it', async () => {
    const registry = await server((req, res) => {
      if (req.url === '/final') sendJson(res, 200, {});
      else res.writeHead(302, { location: `${other.url}/hop` }).end();
    });
    const other = await server((_req, res) => res.writeHead(302, { location: `${registry.url}/final` }).end(), 'localhost');
    const response = await send(`${registry.url}/start`);
    await drainBody(response.body);
    // Same origin as the first request: the credentials were meant for it, so they are sent again.
    expect(registry.requestsTo('/final')[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('should follow five redirects when the chain is that long', async () => {
    const registry = await server((req, res) => {
      const hop = Number(req.url?.slice(1));
      if (hop < 5) res.writeHead(307, { location: `/${hop + 1}` }).end();
      else sendJson(res, 200, {});
    });
    const response = await send(`${registry.url}/0`);
    await drainBody(response.body);
    expect(response.status).toBe(200);
    expect(registry.requests).toHaveLength(6);
  });

  it.each([
    { name: 'the chain has six redirects', location: (hop: number) => `/${hop + 1}`, message: /more than 5 redirects/ },
    { name: 'Location is missing', location: () => '', message: /without a Location header/ },
    { name: 'Location uses another scheme', location: () => 'ftp://host/blob', message: /unsupported scheme ftp:/ },
  ])('should throw E_REGISTRY_PROTOCOL when $name', async ({ location, message }) => {
    const registry = await server((req, res) => {
      const next = location(Number(req.url?.slice(1)));
      res.writeHead(307, next === '' ? {} : { location: next }).end();
    });
    const failing = send(`${registry.url}/0`);
    await expect(failing).rejects.toThrow(RegistryProtocolError);
    await expect(failing).rejects.toThrow(message);
  });
});

describe('HttpTransport failures', () => {
  it.each<{ status: number; headers: Record<string, string>; retryAfterMs: number | undefined }>([
    { status: 429, headers: { 'retry-after': '7' }, retryAfterMs: 7_000 },
    { status: 503, headers: {}, retryAfterMs: undefined },
    { status: 500, headers: {}, retryAfterMs: undefined },
  ])('should throw a transient error when the server answers $status', async ({ status, headers, retryAfterMs }) => {
    const registry = await server((_req, res) => sendJson(res, status, {}, headers));
    const failing = send(`${registry.url}/v2/`);
    await expect(failing).rejects.toBeInstanceOf(TransientError);
    await expect(failing).rejects.toMatchObject({ retryAfterMs });
  });

  it.each([400, 404, 416, 501])('should return the response when the server answers %i', async (status) => {
    const registry = await server((_req, res) => sendJson(res, status, {}));
    const response = await send(`${registry.url}/v2/`);
    await drainBody(response.body);
    expect(response.status).toBe(status);
  });

  it('should throw a transient error when the server resets the connection', async () => {
    const registry = await server((req) => req.socket.destroy());
    await expect(send(`${registry.url}/v2/`)).rejects.toBeInstanceOf(TransientError);
  });

  it('should throw a transient error when nothing listens on the port', async () => {
    const registry = await server(() => undefined);
    await registry.close();
    await expect(send(`${registry.url}/v2/`)).rejects.toBeInstanceOf(TransientError);
  });
});
