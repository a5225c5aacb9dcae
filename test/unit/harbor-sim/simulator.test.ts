import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HarborSimulator, type ScanTask } from '../../harbor-sim/simulator.js';
import { json, startFakeAdapter, type FakeAdapter, type RecordedRequest } from './fake-adapter.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const MODEL = 'application/vnd.cncf.model.manifest.v1+json';
const GENERIC = 'application/vnd.security.vulnerability.report; version=1.1';
const RAW = 'application/vnd.scanner.adapter.vuln.report.raw';
const SBOM = 'application/vnd.security.sbom.report+json; version=1.0';
const MODEL_REPORT = 'application/vnd.security.model.report+json; version=1.0';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const ROBOT = { name: 'robot$library+scanner-sim-1', secret: 's3cret' };
const ROBOT_BASIC = `Basic ${Buffer.from(`${ROBOT.name}:${ROBOT.secret}`).toString('base64')}`;
const FAST = { firstCheckDelayMs: 10, refreshSecondMs: 5, requestTimeoutMs: 2_000 };

const VULN_REPORT = { generated_at: '2026-01-01T00:00:00Z', severity: 'High', vulnerabilities: [{ id: 'r', package: 'p', version: 'v', severity: 'High' }] };

function metadata(capabilities: unknown[], properties: Record<string, string> = {}) {
  return { scanner: { name: 'harbor-scanner-models', vendor: 'v', version: '1' }, capabilities, properties };
}

const UPSTREAM_METADATA = metadata([
  { type: 'vulnerability', consumes_mime_types: [OCI, DOCKER], produces_mime_types: [GENERIC] },
  { type: 'sbom', consumes_mime_types: [OCI, DOCKER], produces_mime_types: [SBOM] },
]);

function task(overrides: Partial<ScanTask> = {}): ScanTask {
  return {
    artifact: { repository: 'library/model', digest: DIGEST, tag: 'v1', manifestMediaType: OCI, size: 4096 },
    registry: { url: 'http://core:8080', robot: ROBOT },
    ...overrides,
  };
}

/** Answers 302 `notReady` times (with the given Refresh-After), then `finish`. */
function reportAfter(notReady: number, refreshAfter: string | undefined, finish: (res: ServerResponse, req: RecordedRequest) => void) {
  let calls = 0;
  return (req: RecordedRequest, res: ServerResponse) => {
    calls += 1;
    if (calls <= notReady) res.writeHead(302, { ...(refreshAfter === undefined ? {} : { 'Refresh-After': refreshAfter }), Location: req.url }).end();
    else finish(res, req);
  };
}

describe('HarborSimulator', () => {
  let adapter: FakeAdapter;
  beforeEach(async () => {
    adapter = await startFakeAdapter();
    adapter.routes.set('POST /api/v1/scan', (_req, res) => json(res, 202, { id: 'scan-1' }));
  });
  afterEach(() => adapter.close());

  const byPath = (path: string) => adapter.requests.filter((r) => r.url.startsWith(path));

  it('should run a vulnerability scan exactly as upstream Harbor does', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) => json(res, 200, UPSTREAM_METADATA));
    adapter.routes.set('GET /api/v1/scan/scan-1/report', reportAfter(2, '1', (res) => json(res, 200, VULN_REPORT)));
    const sim = new HarborSimulator({ url: adapter.url, timing: FAST });

    const outcome = await sim.scan(task());

    expect(outcome.error).toBeUndefined();
    expect(outcome.scanId).toBe('scan-1');
    const [submit] = byPath('/api/v1/scan');
    expect(submit?.method).toBe('POST');
    expect(submit?.headers['content-type']).toBe('application/vnd.scanner.adapter.scan.request+json; version=1.0');
    expect(JSON.parse(submit?.body ?? '')).toEqual({
      registry: { url: 'http://core:8080', authorization: ROBOT_BASIC, insecure: false },
      artifact: { repository: 'library/model', tag: 'v1', digest: DIGEST, mime_type: OCI, size: 4096 },
      enabled_capabilities: [{ type: 'vulnerability', produces_mime_types: [GENERIC], parameters: null }],
    });
    expect(outcome.reports).toHaveLength(1);
    expect(outcome.reports[0]?.mimeType).toBe(GENERIC);
    expect(outcome.reports[0]?.polls).toEqual([
      { outcome: 'not-ready', refreshAfterHeader: '1', retryAfterSeconds: 1 },
      { outcome: 'not-ready', refreshAfterHeader: '1', retryAfterSeconds: 1 },
      { outcome: 'ready' },
    ]);
    expect(JSON.parse(outcome.reports[0]?.body ?? '')).toEqual(VULN_REPORT);
    expect(byPath('/api/v1/scan/scan-1/report').every((r) => r.headers['accept'] === GENERIC)).toBe(true);
  });

  it.each([
    ['128', 5],
    [undefined, 5],
    ['-1', -1],
    ['abc', 5],
  ])('should derive the wait from Refresh-After %j as %i seconds', async (header, seconds) => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) => json(res, 200, UPSTREAM_METADATA));
    adapter.routes.set('GET /api/v1/scan/scan-1/report', reportAfter(1, header, (res) => json(res, 200, VULN_REPORT)));
    const outcome = await new HarborSimulator({ url: adapter.url, timing: { ...FAST, refreshSecondMs: 1 } }).scan(task());
    expect(outcome.reports[0]?.polls[0]).toMatchObject({ outcome: 'not-ready', retryAfterSeconds: seconds });
    expect(outcome.error).toBeUndefined();
  });

  it('should refuse to scan when upstream validation rejects the fork-style metadata', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) =>
      json(res, 200, metadata([{ type: 'model-security', consumes_mime_types: [MODEL], produces_mime_types: [MODEL_REPORT] }])),
    );
    await expect(new HarborSimulator({ url: adapter.url, timing: FAST }).scan(task())).rejects.toThrow(
      `missing ${DOCKER} in consumes_mime_types`,
    );
    expect(byPath('/api/v1/scan')).toHaveLength(0);
  });

  it('should scan a ModelPack artifact in the fork with the model manifest type and the model report', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) =>
      json(
        res,
        200,
        metadata([
          { type: 'vulnerability', consumes_mime_types: [OCI, DOCKER], produces_mime_types: [GENERIC] },
          { type: 'model-security', consumes_mime_types: [MODEL, DOCKER], produces_mime_types: [MODEL_REPORT] },
        ]),
      ),
    );
    adapter.routes.set('GET /api/v1/scan/scan-1/report', (_req, res) =>
      json(res, 200, { severity: 'None', summary: { total: 0 }, findings: [] }),
    );
    const sim = new HarborSimulator({ url: adapter.url, flavor: 'model-security', timing: FAST });

    const outcome = await sim.scan(task({ artifact: { ...task().artifact, harborType: 'CNAI' } }));

    expect(outcome.error).toBeUndefined();
    expect(outcome.request.artifact.mime_type).toBe(MODEL);
    expect(outcome.request.enabled_capabilities[0]).toEqual({ type: 'model-security', produces_mime_types: [MODEL_REPORT], parameters: null });
    expect(outcome.reports.map((r) => r.mimeType)).toEqual([MODEL_REPORT]);
  });

  it('should never send a ModelPack artifact to the scanner in upstream Harbor', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) => json(res, 200, UPSTREAM_METADATA));
    const sim = new HarborSimulator({ url: adapter.url, name: 'models', timing: FAST });
    await expect(sim.scan(task({ artifact: { ...task().artifact, harborType: 'CNAI' } }))).rejects.toThrow(
      `the configured scanner models does not support scanning artifact with mime type ${OCI}`,
    );
  });

  it('should poll every produced MIME type and fail the whole job when the raw report is not a vuln.Report', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) =>
      json(res, 200, metadata([{ consumes_mime_types: [OCI, DOCKER], produces_mime_types: [GENERIC, RAW] }])),
    );
    adapter.routes.set('GET /api/v1/scan/scan-1/report', (req, res) =>
      req.headers['accept'] === RAW ? res.writeHead(200).end('["raw"]') : json(res, 200, VULN_REPORT),
    );
    const outcome = await new HarborSimulator({ url: adapter.url, timing: FAST }).scan(task());
    expect(outcome.reports.map((r) => r.mimeType)).toEqual([GENERIC, RAW]);
    expect(outcome.reports[0]?.error).toBeUndefined();
    expect(outcome.error).toBe('json: cannot unmarshal array into Go value of type vuln.Report');
  });

  it('should merge per-MIME errors as Harbor does when the scan failed', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) =>
      json(res, 200, metadata([{ consumes_mime_types: [OCI, DOCKER], produces_mime_types: [GENERIC, RAW] }])),
    );
    adapter.routes.set('GET /api/v1/scan/scan-1/report', (_req, res) => json(res, 500, { error: { message: 'manifest unknown' } }));
    const outcome = await new HarborSimulator({ url: adapter.url, timing: FAST }).scan(task());
    const each = (mime: string) =>
      `scan job: fetch scan report, mimetype ${mime}: manifest unknown: general response handler: unexpected status code: 500, expected: 200`;
    expect(outcome.reports.map((r) => r.error)).toEqual([each(GENERIC), each(RAW)]);
    expect(outcome.error).toBe(`${each(GENERIC)}: ${each(RAW)}`);
  });

  it('should fail the report when its body is not what Harbor can unmarshal', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) => json(res, 200, UPSTREAM_METADATA));
    adapter.routes.set('GET /api/v1/scan/scan-1/report', (_req, res) => json(res, 200, { vulnerabilities: [{ version: 1 }] }));
    const outcome = await new HarborSimulator({ url: adapter.url, timing: FAST }).scan(task());
    expect(outcome.error).toContain('Go struct field vuln.Report.vulnerabilities.version of type string');
  });

  it('should fail the task with Harbor’s text when the submit is not answered with exactly 202', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) => json(res, 200, UPSTREAM_METADATA));
    adapter.routes.set('POST /api/v1/scan', (_req, res) => json(res, 400, { error: { message: 'missing artifact.digest' } }));
    await expect(new HarborSimulator({ url: adapter.url, timing: FAST }).scan(task())).rejects.toThrow(
      'scan job: submit scan request: v1 client: submit scan: missing artifact.digest: general response handler: unexpected status code: 400, expected: 202',
    );
  });

  it('should request an SPDX SBOM with the sbom_media_type parameter on every poll', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) => json(res, 200, UPSTREAM_METADATA));
    adapter.routes.set('GET /api/v1/scan/scan-1/report', reportAfter(1, '1', (res) => json(res, 200, { media_type: 'application/spdx+json', sbom: {} })));
    const outcome = await new HarborSimulator({ url: adapter.url, timing: FAST }).scan(task({ scanType: 'sbom' }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.request.enabled_capabilities[0]).toEqual({
      type: 'sbom',
      produces_mime_types: [SBOM],
      parameters: { sbom_media_types: ['application/spdx+json'] },
    });
    const polls = byPath('/api/v1/scan/scan-1/report');
    expect(polls).toHaveLength(2);
    for (const poll of polls) expect(poll.url).toBe('/api/v1/scan/scan-1/report?sbom_media_type=application%2Fspdx%2Bjson');
  });

  it('should exchange the robot credentials for a token when the adapter asks for Bearer', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) =>
      json(res, 200, { ...UPSTREAM_METADATA, properties: { 'harbor.scanner-adapter/registry-authorization-type': 'Bearer' } }),
    );
    adapter.routes.set('GET /service/token', (req, res) =>
      req.headers['authorization'] === ROBOT_BASIC ? json(res, 200, { token: 'jwt-1' }) : res.writeHead(401).end(),
    );
    adapter.routes.set('GET /api/v1/scan/scan-1/report', (_req, res) => json(res, 200, VULN_REPORT));
    const outcome = await new HarborSimulator({ url: adapter.url, timing: FAST }).scan(
      task({ registry: { url: adapter.url, robot: ROBOT } }),
    );
    expect(byPath('/service/token')[0]?.url).toBe('/service/token?scope=repository%3Alibrary%2Fmodel%3Apull&service=harbor-registry');
    expect(outcome.request.registry.authorization).toBe('Bearer jwt-1');
  });

  it('should submit an empty authorization when the token exchange fails, as Harbor does', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) =>
      json(res, 200, { ...UPSTREAM_METADATA, properties: { 'harbor.scanner-adapter/registry-authorization-type': 'Bearer' } }),
    );
    adapter.routes.set('GET /api/v1/scan/scan-1/report', (_req, res) => json(res, 200, VULN_REPORT));
    const outcome = await new HarborSimulator({ url: adapter.url, timing: FAST }).scan(task({ registry: { url: adapter.url, robot: ROBOT } }));
    expect(outcome.request.registry.authorization).toBe('');
  });

  it('should send the adapter credentials on every call and keep a registration path prefix', async () => {
    const prefix = '/scanner';
    adapter.routes.set(`GET ${prefix}/api/v1/metadata`, (_req, res) => json(res, 200, UPSTREAM_METADATA));
    adapter.routes.set(`POST ${prefix}/api/v1/scan`, (_req, res) => json(res, 202, { id: 'p1' }));
    adapter.routes.set(`GET ${prefix}/api/v1/scan/p1/report`, (_req, res) => json(res, 200, VULN_REPORT));
    const sim = new HarborSimulator({ url: `${adapter.url}${prefix}/`, auth: { type: 'Bearer', credential: 'adapter-token' }, timing: FAST });
    const outcome = await sim.scan(task());
    expect(outcome.error).toBeUndefined();
    expect(adapter.requests).toHaveLength(3);
    for (const request of adapter.requests) expect(request.headers['authorization']).toBe('Bearer adapter-token');
  });

  it('should stop polling without an error when the user stops the scan', async () => {
    adapter.routes.set('GET /api/v1/metadata', (_req, res) => json(res, 200, UPSTREAM_METADATA));
    const stop = new AbortController();
    adapter.routes.set('GET /api/v1/scan/scan-1/report', (req, res) => {
      stop.abort();
      res.writeHead(302, { 'Refresh-After': '1', Location: req.url }).end();
    });
    const outcome = await new HarborSimulator({ url: adapter.url, timing: FAST }).scan(task({ signal: stop.signal }));
    expect(outcome.stopped).toBe(true);
    expect(outcome.error).toBeUndefined();
    expect(byPath('/api/v1/scan/scan-1/report')).toHaveLength(1);
  });

  it('should default to Harbor’s timing', () => {
    const sim = new HarborSimulator({ url: adapter.url });
    expect(sim.flavor).toBe('upstream');
    expect(sim.timing).toEqual({ requestTimeoutMs: 5_000, firstCheckDelayMs: 2_000, refreshSecondMs: 1_000 });
  });
});
