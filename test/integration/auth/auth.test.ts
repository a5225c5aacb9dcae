/**
 * Adapter API protection (SCANNER_API_AUTH) as Harbor exercises it: for each of the four registration auth
 * types (none, Basic, Bearer, APIKey; harbor-scanner-api.md §3.2) the Harbor simulator sends exactly
 * Harbor's headers. Matching credentials run a whole scan; wrong, missing or mismatched ones get 401 in
 * the adapter's JSON error envelope on every API route. Probes and /metrics stay open unless configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_MIME, REPORT_MIME } from '../../../spec/mime.js';
import { ErrorResponseSchema } from '../../../spec/schemas.js';
import { HarborSimulator, type AdapterAuth } from '../../harbor-sim/index.js';
import { adapterAuthHeaders } from '../../harbor-sim/registration.js';
import { REGISTRIES, ROBOT_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST } from '../../services/push.js';
import { pushModelImage } from '../../support/model-artifacts.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';

const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;

interface ModeCase {
  readonly mode: 'none' | 'basic' | 'bearer' | 'apikey';
  readonly env: Record<string, string>;
  /** What the admin enters in Harbor's registration for this scanner. */
  readonly registered: AdapterAuth;
  /** Same type, wrong credential; and another type carrying the right secret. */
  readonly wrong: AdapterAuth;
  readonly otherType: AdapterAuth;
  readonly challenge: RegExp | null;
}

const CASES: readonly ModeCase[] = [
  {
    mode: 'none',
    env: {},
    registered: { type: '' },
    wrong: { type: '' },
    otherType: { type: 'APIKey', credential: 'ignored' },
    challenge: null,
  },
  {
    mode: 'basic',
    // A password with colons: only the user name ends at the first one (RFC 7617).
    env: { SCANNER_API_AUTH: 'basic', SCANNER_API_AUTH_USERNAME: 'harbor', SCANNER_API_AUTH_PASSWORD: 'pa:ss:word-1' },
    registered: { type: 'Basic', credential: 'harbor:pa:ss:word-1' },
    wrong: { type: 'Basic', credential: 'harbor:pa:ss:word-2' },
    otherType: { type: 'Bearer', credential: 'harbor:pa:ss:word-1' },
    challenge: /^Basic realm="harbor-scanner-models", charset="UTF-8"$/,
  },
  {
    mode: 'bearer',
    env: { SCANNER_API_AUTH: 'bearer', SCANNER_API_AUTH_TOKEN: 'tok-3f9a0c1d7e' },
    registered: { type: 'Bearer', credential: 'tok-3f9a0c1d7e' },
    wrong: { type: 'Bearer', credential: 'tok-3f9a0c1d7f' },
    otherType: { type: 'APIKey', credential: 'tok-3f9a0c1d7e' },
    challenge: /^Bearer realm="harbor-scanner-models"/,
  },
  {
    mode: 'apikey',
    env: { SCANNER_API_AUTH: 'apikey', SCANNER_API_KEY: 'key-5b7c9e1a' },
    registered: { type: 'APIKey', credential: 'key-5b7c9e1a' },
    wrong: { type: 'APIKey', credential: 'key-5b7c9e1b' },
    otherType: { type: 'Bearer', credential: 'key-5b7c9e1a' },
    challenge: null,
  },
];

/** Harbor's headers for `auth` on one adapter route, as a raw request, to look at status, headers and body. */
async function callAs(url: string, auth: AdapterAuth, route: 'metadata' | 'scan' | 'report'): Promise<Response> {
  const headers = adapterAuthHeaders(auth);
  if (route === 'metadata') return fetch(`${url}/api/v1/metadata`, { headers: { ...headers, accept: API_MIME.metadataV1_0 } });
  if (route === 'report')
    return fetch(`${url}/api/v1/scan/00000000-0000-0000-0000-000000000000/report`, { headers: { ...headers, accept: REPORT_MIME.vulnerabilityV1_1 }, redirect: 'manual' });
  return fetch(`${url}/api/v1/scan`, { method: 'POST', headers: { ...headers, 'content-type': API_MIME.scanRequestV1_0 }, body: '{}' });
}

describe.each(CASES)('SCANNER_API_AUTH=$mode', (c) => {
  let scanner: TestScanner;

  beforeAll(async () => {
    scanner = await startTestScanner(c.env);
  });
  afterAll(async () => scanner.stop());

  it('should run a scan end to end when Harbor is registered with the matching credentials', async () => {
    const registry = REGISTRIES.plain;
    const model = await pushModelImage({ registry }, uniqueRepository(`auth-${c.mode}`));
    const harbor = new HarborSimulator({ url: scanner.url, auth: c.registered, timing: FAST });
    const outcome = await harbor.scan({
      artifact: { repository: model.repository, digest: model.digest, tag: model.tag, manifestMediaType: OCI_MANIFEST, size: model.harborSize },
      registry: { url: registry.url, robot: { name: ROBOT_USER.username, secret: ROBOT_USER.password } },
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.reports[0]?.body).toContain('safetensors.offset-overlap');
  });

  it.skipIf(c.mode === 'none').each(['wrong', 'otherType', 'missing'] as const)(
    'should fail Harbor\'s "Test connection" with 401 when the credential is %s',
    async (kind) => {
      const auth = kind === 'missing' ? ({ type: '' } as const) : c[kind];
      const harbor = new HarborSimulator({ url: scanner.url, auth });
      await expect(harbor.ping()).rejects.toThrow(/unauthorized: .*unexpected status code: 401, expected: 200/);
    },
  );

  it.skipIf(c.mode === 'none').each(['metadata', 'scan', 'report'] as const)(
    'should answer 401 with the JSON error envelope and no detail of the secret on the %s route',
    async (route) => {
      const res = await callAs(scanner.url, c.wrong, route);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')?.startsWith(API_MIME.errorV1_0)).toBe(true);
      const message = ErrorResponseSchema.parse(await res.json()).error.message;
      expect(message).toMatch(/^unauthorized: invalid credentials/);
      if (c.wrong.type !== '') expect(message).not.toContain(c.wrong.credential);
      const challenge = res.headers.get('www-authenticate');
      if (c.challenge) expect(challenge).toMatch(c.challenge);
      else expect(challenge).toBeNull();
    },
  );

  it('should keep the probes and /metrics open to requests without credentials', async () => {
    for (const path of ['/probe/healthy', '/probe/ready', '/metrics']) expect((await fetch(`${scanner.url}${path}`)).status, path).toBe(200);
  });

  it('should accept requests carrying another auth type when no auth is configured, and only then', async () => {
    const res = await callAs(scanner.url, c.otherType, 'metadata');
    expect(res.status).toBe(c.mode === 'none' ? 200 : 401);
  });
});

describe('SCANNER_API_AUTH_PROTECT_PROBES and _METRICS', () => {
  let scanner: TestScanner;
  const key = { type: 'APIKey', credential: 'probe-key-1' } as const;

  beforeAll(async () => {
    scanner = await startTestScanner({
      SCANNER_API_AUTH: 'apikey',
      SCANNER_API_KEY: key.credential,
      SCANNER_API_AUTH_PROTECT_PROBES: 'true',
      SCANNER_API_AUTH_PROTECT_METRICS: 'true',
    });
  });
  afterAll(async () => scanner.stop());

  it.each(['/probe/healthy', '/probe/ready', '/metrics'])('should require the credentials on %s when configured to', async (path) => {
    expect((await fetch(`${scanner.url}${path}`)).status).toBe(401);
    expect((await fetch(`${scanner.url}${path}`, { headers: adapterAuthHeaders(key) })).status).toBe(200);
  });

  it('should require the credentials for unknown paths too, so routes cannot be probed anonymously', async () => {
    expect((await fetch(`${scanner.url}/api/v2/anything`)).status).toBe(401);
    expect((await fetch(`${scanner.url}/api/v2/anything`, { headers: adapterAuthHeaders(key) })).status).toBe(404);
  });
});
