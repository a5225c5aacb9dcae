import { describe, expect, it } from 'vitest';
import { REPORT_MIME } from '../../../spec/mime.js';
import {
  ErrorResponseSchema,
  HarborSbomReportSchema,
  ModelSecurityReportSchema,
  ScannerAdapterMetadataSchema,
  VulnerabilityReportSchema,
  VulnerabilityReportV1_0Schema,
  parseScanRequest,
} from '../../../spec/schemas.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** The body Harbor's jobservice POSTs (reference §3.4), field order as Go marshals it. */
function harborBody(): Record<string, unknown> {
  return {
    registry: { url: 'http://core:8080', authorization: 'Basic cm9ib3Q6c2VjcmV0', insecure: false },
    artifact: {
      repository: 'library/model',
      tag: 'v1',
      digest: DIGEST,
      mime_type: 'application/vnd.oci.image.manifest.v1+json',
      size: 1022,
    },
    enabled_capabilities: [
      {
        type: 'vulnerability',
        produces_mime_types: [REPORT_MIME.vulnerabilityV1_1],
        parameters: null,
      },
    ],
  };
}

function withPatch(patch: (body: Record<string, any>) => void): Record<string, unknown> {
  const body = harborBody();
  patch(body);
  return body;
}

describe('parseScanRequest', () => {
  it.each([
    ['Harbor sends its exact body', harborBody()],
    ['enabled_capabilities is absent (Harbor before 2.10)', withPatch((b) => delete b.enabled_capabilities)],
    ['enabled_capabilities is null', withPatch((b) => (b.enabled_capabilities = null))],
    ['produces_mime_types is absent', withPatch((b) => delete b.enabled_capabilities[0].produces_mime_types)],
    ['parameters is absent', withPatch((b) => delete b.enabled_capabilities[0].parameters)],
    ['unknown fields appear', withPatch((b) => ((b.artifact.namespace_id = 7), (b.extra = { x: 1 }), (b.registry.foo = 'bar')))],
    ['the URL is https with a path', withPatch((b) => (b.registry.url = 'https://harbor.example.com/prefix'))],
    ['authorization is empty (token fetch failed)', withPatch((b) => (b.registry.authorization = ''))],
    ['tag and mime_type are absent', withPatch((b) => (delete b.artifact.tag, delete b.artifact.mime_type))],
    ['the digest is sha512', withPatch((b) => (b.artifact.digest = `sha512:${'0'.repeat(128)}`))],
    [
      'an SBOM scan is requested',
      withPatch(
        (b) =>
          (b.enabled_capabilities = [
            {
              type: 'sbom',
              produces_mime_types: [REPORT_MIME.sbomV1_0],
              parameters: { sbom_media_types: ['application/spdx+json'] },
            },
          ]),
      ),
    ],
  ])('should accept the request when %s', (_name, body) => {
    const result = parseScanRequest(body);
    expect(result.ok ? 'ok' : result.message).toBe('ok');
  });

  it('should keep unknown fields and default a blank capability type to vulnerability', () => {
    const result = parseScanRequest(
      withPatch((b) => ((b.artifact.namespace_id = 7), (b.enabled_capabilities[0].type = ''))),
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.value.artifact).toMatchObject({ namespace_id: 7, size: 1022 });
    expect(result.value.enabled_capabilities?.[0]?.type).toBe('vulnerability');
  });

  it('should keep an unknown capability type so the server can answer 501', () => {
    const result = parseScanRequest(withPatch((b) => (b.enabled_capabilities[0].type = 'malware')));
    expect(result.ok && result.value.enabled_capabilities?.[0]?.type).toBe('malware');
  });

  it.each([
    ['the digest is absent', withPatch((b) => delete b.artifact.digest), 'missing artifact.digest'],
    ['the digest is blank', withPatch((b) => (b.artifact.digest = '')), 'missing artifact.digest'],
    ['the repository is absent', withPatch((b) => delete b.artifact.repository), 'missing artifact.repository'],
    ['the registry URL is absent', withPatch((b) => delete b.registry.url), 'missing registry.url'],
    ['the registry is absent', withPatch((b) => delete b.registry), 'missing registry'],
    ['the artifact is absent', withPatch((b) => delete b.artifact), 'missing artifact'],
    ['the artifact is null', withPatch((b) => (b.artifact = null)), 'invalid artifact: expected object'],
    ['the body is not an object', [], 'invalid body: expected object'],
    ['the URL has no scheme', withPatch((b) => (b.registry.url = 'core:8080/x')), 'invalid registry.url'],
    ['the URL is ftp', withPatch((b) => (b.registry.url = 'ftp://core')), 'invalid registry.url'],
    ['the digest has no algorithm', withPatch((b) => (b.artifact.digest = 'ab'.repeat(32))), 'invalid artifact.digest'],
    ['the sha256 digest is short', withPatch((b) => (b.artifact.digest = 'sha256:abc')), 'invalid artifact.digest'],
    ['the digest is upper-case', withPatch((b) => (b.artifact.digest = DIGEST.toUpperCase())), 'invalid artifact.digest'],
    ['size is a string', withPatch((b) => (b.artifact.size = '1022')), 'invalid artifact.size: expected number'],
    [
      'enabled_capabilities is an object',
      withPatch((b) => (b.enabled_capabilities = { type: 'sbom' })),
      'invalid enabled_capabilities: expected array',
    ],
  ])('should reject the request naming the field when %s', (_name, body, message) => {
    const result = parseScanRequest(body);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(message);
  });

  it('should name every bad field in one message when several are wrong', () => {
    const result = parseScanRequest({ registry: { url: 'nope' }, artifact: { digest: 'x' } });
    expect(result.ok ? '' : result.message).toBe(
      'invalid registry.url: expected an http:// or https:// URL; missing artifact.repository; ' +
        'invalid artifact.digest: expected <algorithm>:<hex>, e.g. sha256: followed by 64 lower-case hex digits',
    );
  });
});

describe('ScannerAdapterMetadataSchema', () => {
  it('should accept the Trivy v1.2 example metadata from the reference when parsed', () => {
    const trivy = {
      scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.18.0' },
      capabilities: [
        {
          type: 'vulnerability',
          consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'],
          produces_mime_types: [REPORT_MIME.vulnerabilityV1_1],
        },
        {
          type: 'sbom',
          consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json'],
          produces_mime_types: [REPORT_MIME.sbomV1_0],
          additional_attributes: { sbom_media_types: ['application/spdx+json', 'application/vnd.cyclonedx+json'] },
        },
      ],
      properties: { 'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability' },
    };
    expect(ScannerAdapterMetadataSchema.safeParse(trivy).success).toBe(true);
  });

  it.each([
    ['the scanner version is blank', { version: '' }],
    ['there is no capability', { capabilities: [] }],
    ['a property is not a string', { properties: { a: 1 } }],
    ['a capability type is unknown', { capabilities: [{ type: 'malware', consumes_mime_types: ['a/b'], produces_mime_types: ['c/d'] }] }],
    ['a stray key is present', { extra: true }],
  ])('should reject metadata when %s', (_name, patch) => {
    const base = {
      scanner: { name: 'n', vendor: 'v', version: '1' },
      capabilities: [{ consumes_mime_types: ['a/b'], produces_mime_types: ['c/d'] }],
    };
    const metadata =
      'version' in patch ? { ...base, scanner: { ...base.scanner, ...patch } } : { ...base, ...patch };
    expect(ScannerAdapterMetadataSchema.safeParse(metadata).success).toBe(false);
  });
});

describe('report schemas', () => {
  const scanner = { name: 'harbor-scanner-models', vendor: 'v', version: '1.0.0' };
  const artifact = { repository: 'library/model', digest: DIGEST };
  const item = { id: 'pickle.global-os-system', package: 'model.pkl', version: 'sha256:0123456789ab', severity: 'Critical' };

  it('should accept the reference 1.1 example shape when it carries v1.1 item fields', () => {
    const report = {
      generated_at: '2021-03-09T11:40:28.154072066Z',
      artifact,
      scanner,
      severity: 'High',
      vulnerabilities: [
        {
          ...item,
          fix_version: '',
          description: 'd',
          links: ['https://example.com/rules.md#x'],
          preferred_cvss: { score_v3: 7.5, vector_v3: 'CVSS:3.1/AV:N' },
          cwe_ids: ['CWE-502'],
          vendor_attributes: { analyzer: 'pickle' },
        },
      ],
    };
    expect(VulnerabilityReportSchema.safeParse(report).success).toBe(true);
    expect(VulnerabilityReportV1_0Schema.safeParse(report).success).toBe(false);
  });

  it.each([
    ['the report severity is None (not in the spec enum)', { severity: 'None' }],
    ['generated_at is not a timestamp', { generated_at: 'yesterday' }],
    ['an item misspells fix_version', { vulnerabilities: [{ ...item, fix_versions: '' }] }],
    ['an item has a blank version', { vulnerabilities: [{ ...item, version: '' }] }],
    ['a CWE id is malformed', { vulnerabilities: [{ ...item, cwe_ids: ['502'] }] }],
  ])('should reject a vulnerability report when %s', (_name, patch) => {
    const report = { generated_at: '2026-01-01T00:00:00.000Z', artifact, scanner, severity: 'Low', vulnerabilities: [], ...patch };
    expect(VulnerabilityReportSchema.safeParse(report).success).toBe(false);
  });

  it('should accept the fork example model-security report and reject it with an extra artifact key', () => {
    const report = {
      generated_at: '2026-09-18T06:55:59Z',
      scanner: { name: 'ModelAudit', vendor: 'Promptfoo', version: '0.2.52' },
      severity: 'Critical',
      summary: { total: 1, critical: 1, high: 0, medium: 0, low: 0, files_scanned: 2, bytes_scanned: 89, scanners: ['pickle'] },
      findings: [
        {
          id: 'S201',
          severity: 'Critical',
          message: 'Found REDUCE opcode invoking dangerous global: posix.system',
          why: '…',
          file: 'model.pkl',
          location: 'pos 64',
          scanner: 'pickle',
          details: { opcode: 'REDUCE' },
          links: ['https://www.promptfoo.dev/docs/model-audit/scanners/'],
        },
      ],
    };
    expect(ModelSecurityReportSchema.safeParse(report).success).toBe(true);
    expect(ModelSecurityReportSchema.safeParse({ ...report, artifact }).success).toBe(false);
    expect(ModelSecurityReportSchema.safeParse({ ...report, severity: 'Unknown' }).success).toBe(false);
  });

  it('should require the SBOM document to be an object when checking an SBOM report', () => {
    const report = { generated_at: '2026-01-01T00:00:00Z', artifact, scanner, media_type: 'application/spdx+json', sbom: {} };
    expect(HarborSbomReportSchema.safeParse(report).success).toBe(true);
    expect(HarborSbomReportSchema.safeParse({ ...report, sbom: '{}' }).success).toBe(false);
    expect(HarborSbomReportSchema.safeParse({ ...report, media_type: 'text/plain' }).success).toBe(false);
  });

  it('should require a non-empty message when checking an error body', () => {
    expect(ErrorResponseSchema.safeParse({ error: { message: 'boom' } }).success).toBe(true);
    expect(ErrorResponseSchema.safeParse({ error: { message: '' } }).success).toBe(false);
    expect(ErrorResponseSchema.safeParse({ message: 'boom' }).success).toBe(false);
  });
});
