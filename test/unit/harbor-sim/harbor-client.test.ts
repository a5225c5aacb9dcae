import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HarborAdapterClient, ReportNotReadyError } from '../../harbor-sim/harbor-client.js';
import { json, startFakeAdapter, type FakeAdapter } from './fake-adapter.js';

const GENERIC = 'application/vnd.security.vulnerability.report; version=1.1';

describe('HarborAdapterClient', () => {
  let adapter: FakeAdapter;
  let client: HarborAdapterClient;

  beforeEach(async () => {
    adapter = await startFakeAdapter();
    client = new HarborAdapterClient({ baseUrl: `${adapter.url}/`, auth: { type: 'APIKey', credential: 'k' }, requestTimeoutMs: 300 });
  });
  afterEach(() => adapter.close());

  it('should send the v1.0 Accept and the adapter auth header when fetching metadata', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) => json(res, 200, { scanner: { name: 'n' } }));
    await expect(client.getMetadata()).resolves.toEqual({ scanner: { name: 'n' } });
    expect(adapter.requests[0]?.headers['accept']).toBe('application/vnd.scanner.adapter.metadata+json; version=1.0');
    expect(adapter.requests[0]?.headers['x-scanneradapter-api-key']).toBe('k');
  });

  it.each([
    // A non-empty body without `error.message` leaves an empty message in front, as in Harbor.
    [201, { scanner: {} }, 'v1 client: get metadata: : general response handler: unexpected status code: 201, expected: 200'],
    [500, { error: { message: 'db down' } }, 'v1 client: get metadata: db down: general response handler: unexpected status code: 500, expected: 200'],
    [503, 'oops', 'v1 client: get metadata: general response handler: '],
    [200, { properties: { a: 1 } }, 'v1 client: get metadata: json: cannot unmarshal number into Go struct field v1.ScannerAdapterMetadata.properties.a of type string'],
  ])('should fail metadata with Harbor’s message when the status is %i', async (status, body, message) => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) =>
      typeof body === 'string' ? res.writeHead(status).end(body) : json(res, status, body),
    );
    await expect(client.getMetadata()).rejects.toThrow(message);
  });

  it('should post the scan request with the v1.0 Content-Type and Accept and require 202', async () => {
    adapter.routes.set('POST /api/v1/scan', (_req, res) => json(res, 202, { id: 'abc' }));
    await expect(client.submitScan({ a: 1 })).resolves.toEqual({ id: 'abc' });
    const [request] = adapter.requests;
    expect(request?.headers['content-type']).toBe('application/vnd.scanner.adapter.scan.request+json; version=1.0');
    expect(request?.headers['accept']).toBe('application/vnd.scanner.adapter.scan.response+json; version=1.0');
    expect(request?.body).toBe('{"a":1}');
  });

  it('should not follow redirects when the adapter answers 307', async () => {
    adapter.routes.set('POST /api/v1/scan', (_req, res) => res.writeHead(307, { Location: '/api/v1/scan2' }).end());
    adapter.routes.set('POST /api/v1/scan2', (_req, res) => json(res, 202, { id: 'x' }));
    await expect(client.submitScan({})).rejects.toThrow('unexpected status code: 307, expected: 202');
    expect(adapter.requests).toHaveLength(1);
  });

  it('should give up after the request timeout with Go’s deadline message', async () => {
    adapter.routes.set('GET /api/v1/metadata', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      json(res, 200, {});
    });
    await expect(client.getMetadata()).rejects.toThrow(/^v1 client: get metadata: Get ".*\/api\/v1\/metadata": context deadline exceeded/);
  });

  it('should turn a 302 into ReportNotReady with the int8-parsed Refresh-After', async () => {
    adapter.routes.set('GET /api/v1/scan/s1/report', (_req, res) => res.writeHead(302, { 'Refresh-After': '128', Location: '/x' }).end());
    const error = await client.getScanReport('s1', GENERIC, '').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportNotReadyError);
    expect(error).toMatchObject({ retryAfterSeconds: 5, refreshAfterHeader: '128' });
    expect(adapter.requests[0]?.headers['accept']).toBe(GENERIC);
  });

  it('should append the URL parameter and return the body on 200', async () => {
    adapter.routes.set('GET /api/v1/scan/s1/report', (_req, res) => json(res, 200, { ok: true }));
    await expect(client.getScanReport('s1', GENERIC, 'sbom_media_type=application%2Fspdx%2Bjson')).resolves.toBe('{"ok":true}');
    expect(adapter.requests[0]?.url).toBe('/api/v1/scan/s1/report?sbom_media_type=application%2Fspdx%2Bjson');
  });

  it('should fail a 404 report without wrapping the message', async () => {
    await expect(client.getScanReport('nope', GENERIC, '')).rejects.toThrow(
      /^general response handler: unexpected status code: 404, expected: 200$/,
    );
  });
});
