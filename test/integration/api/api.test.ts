/**
 * The adapter API as Harbor's client sees it: status codes, content types, validation, and the
 * metadata accepted by upstream Harbor's and the model-security fork's validators.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_MIME, ARTIFACT_MIME, REPORT_MIME } from '../../../spec/mime.js';
import { ErrorResponseSchema, ScanResponseSchema, ScannerAdapterMetadataSchema } from '../../../spec/schemas.js';
import { validateMetadataModelSecurity, validateMetadataUpstream } from '../../harbor-sim/metadata-validation.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';

const DIGEST = 'sha256:' + 'ab'.repeat(32);
const harborBody = (registryUrl: string) => ({
  registry: { url: registryUrl, authorization: 'Basic cm9ib3Q6c2VjcmV0', insecure: false },
  artifact: { repository: 'library/model', tag: 'v1', digest: DIGEST, mime_type: ARTIFACT_MIME.ociManifest, size: 1022 },
  enabled_capabilities: [{ type: 'vulnerability', produces_mime_types: [REPORT_MIME.vulnerabilityV1_1], parameters: null }],
});

async function post(base: string, body: unknown, contentType: string | undefined = API_MIME.scanRequestV1_0): Promise<Response> {
  return fetch(`${base}/api/v1/scan`, {
    method: 'POST',
    headers: { ...(contentType ? { 'content-type': contentType } : {}), accept: API_MIME.scanResponseV1_0 },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function errorMessage(res: Response): Promise<string> {
  return ErrorResponseSchema.parse(await res.json()).error.message;
}

describe('adapter API', () => {
  let scanner: TestScanner;
  // Nothing listens on this port: scans submitted here fail fast, which is all these tests need.
  const deadRegistry = 'http://127.0.0.1:59999';

  beforeAll(async () => {
    scanner = await startTestScanner();
  });
  afterAll(async () => scanner.stop());

  describe('GET /api/v1/metadata', () => {
    it('should pass upstream Harbor and model-security Harbor validation by default', async () => {
      const res = await fetch(`${scanner.url}/api/v1/metadata`, { headers: { accept: API_MIME.metadataV1_0 } });
      expect(res.status).toBe(200);
      const md = ScannerAdapterMetadataSchema.parse(await res.json());
      expect(validateMetadataUpstream(md)).toBeUndefined();
      expect(validateMetadataModelSecurity(md)).toBeUndefined();
      expect(md.properties?.['harbor.scanner-adapter/registry-authorization-type']).toBe('Basic');
      expect(md.properties?.['harbor-scanner-models/rule-set-version']).toMatch(/^\d{4}\.\d{2}\.\d{2}(\.\d+)?$/);
    });

    it('should offer model-security only when enabled, in a form the model-security Harbor accepts', async () => {
      const enabled = await startTestScanner({ SCANNER_MODEL_SECURITY: 'true' });
      try {
        const md = ScannerAdapterMetadataSchema.parse(await (await fetch(`${enabled.url}/api/v1/metadata`)).json());
        const model = md.capabilities.find((c) => c.type === 'model-security');
        expect(model?.consumes_mime_types).toEqual([ARTIFACT_MIME.modelManifest]);
        expect(model?.produces_mime_types).toEqual([REPORT_MIME.modelSecurityV1_0]);
        expect(validateMetadataModelSecurity(md)).toBeUndefined();
        // Documented trade-off: upstream Harbor refuses a capability without the Docker v2 type.
        expect(validateMetadataUpstream(md)).toMatch(/consumes_mime_types/);
      } finally {
        await enabled.stop();
      }
    });
  });

  describe('POST /api/v1/scan', () => {
    it.each([
      ['the v1.0 content type Harbor sends', API_MIME.scanRequestV1_0],
      ['the v1.1 content type', API_MIME.scanRequestV1_1],
      ['plain JSON', 'application/json'],
      ['no content type', undefined],
    ])('should answer 202 with an id for %s', async (_name, contentType) => {
      const res = await post(scanner.url, harborBody(deadRegistry), contentType);
      expect(res.status).toBe(202);
      expect(ScanResponseSchema.parse(await res.json()).id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('should accept a request without enabled_capabilities and with unknown fields', async () => {
      const body = { ...harborBody(deadRegistry), enabled_capabilities: undefined, extra: { anything: true } };
      expect((await post(scanner.url, body)).status).toBe(202);
    });

    it.each([
      ['missing artifact.digest', { ...harborBody(deadRegistry), artifact: { repository: 'a/b' } }, 'missing artifact.digest'],
      ['a bad registry URL', { ...harborBody(deadRegistry), registry: { url: 'ftp://x' } }, 'registry.url'],
      ['invalid JSON', '{"registry":', 'not valid JSON'],
    ])('should answer 400 naming the problem for %s', async (_name, body, expected) => {
      const res = await post(scanner.url, body);
      expect(res.status).toBe(400);
      expect(await errorMessage(res)).toContain(expected);
    });

    it('should answer 400 for a content type that is not a scan request', async () => {
      const res = await post(scanner.url, harborBody(deadRegistry), 'text/plain');
      expect(res.status).toBe(400);
    });

    it('should answer 501 for a capability type it does not offer', async () => {
      const body = { ...harborBody(deadRegistry), enabled_capabilities: [{ type: 'model-security', parameters: null }] };
      const res = await post(scanner.url, body);
      expect(res.status).toBe(501);
      expect(await errorMessage(res)).toContain('model-security');
    });
  });

  describe('GET /api/v1/scan/{id}/report', () => {
    it('should answer 404 for an unknown id', async () => {
      const res = await fetch(`${scanner.url}/api/v1/scan/nope/report`, { headers: { accept: REPORT_MIME.vulnerabilityV1_1 } });
      expect(res.status).toBe(404);
    });

    it('should answer 400 for a report type it does not produce', async () => {
      const { id } = ScanResponseSchema.parse(await (await post(scanner.url, harborBody(deadRegistry))).json());
      const res = await fetch(`${scanner.url}/api/v1/scan/${id}/report`, { headers: { accept: 'application/vnd.example.report+json' } });
      expect(res.status).toBe(400);
    });

    it('should answer 500 with the reason once a scan fails', async () => {
      const { id } = ScanResponseSchema.parse(await (await post(scanner.url, harborBody(deadRegistry))).json());
      let res: Response;
      for (;;) {
        res = await fetch(`${scanner.url}/api/v1/scan/${id}/report`, { headers: { accept: REPORT_MIME.vulnerabilityV1_1 }, redirect: 'manual' });
        if (res.status !== 302) break;
        const refresh = Number(res.headers.get('refresh-after'));
        expect(refresh).toBeGreaterThanOrEqual(1);
        expect(refresh).toBeLessThanOrEqual(127);
        expect(res.headers.get('location')).toBe(`/api/v1/scan/${id}/report`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(res.status).toBe(500);
      const message = await errorMessage(res);
      expect(message).toContain('127.0.0.1:59999');
      expect(message).not.toContain('cm9ib3Q6c2VjcmV0');
    });
  });

  it('should report healthy and ready', async () => {
    expect((await fetch(`${scanner.url}/probe/healthy`)).status).toBe(200);
    expect((await fetch(`${scanner.url}/probe/ready`)).status).toBe(200);
  });
});
