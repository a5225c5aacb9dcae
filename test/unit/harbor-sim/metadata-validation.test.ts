import { describe, expect, it } from 'vitest';
import {
  validateMetadataModelSecurity,
  validateMetadataUpstream,
  type HarborMetadata,
} from '../../harbor-sim/metadata-validation.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const MODEL = 'application/vnd.cncf.model.manifest.v1+json';
const NATIVE = 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';
const GENERIC = 'application/vnd.security.vulnerability.report; version=1.1';
const SBOM = 'application/vnd.security.sbom.report+json; version=1.0';
const MODEL_REPORT = 'application/vnd.security.model.report+json; version=1.0';

/** Reference §2.7, v1.0/v1.1 style. */
const TRIVY_V1_1: HarborMetadata = {
  scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.4.0' },
  capabilities: [{ consumes_mime_types: [OCI, DOCKER], produces_mime_types: [NATIVE] }],
  properties: {
    'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability',
    'harbor.scanner-adapter/vulnerability-database-updated-at': '2019-08-13T08:16:33.345Z',
  },
};

/** Reference §2.7, v1.2 style. */
const TRIVY_V1_2: HarborMetadata = {
  scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.18.0' },
  capabilities: [
    { type: 'vulnerability', consumes_mime_types: [OCI, DOCKER], produces_mime_types: [GENERIC] },
    { type: 'sbom', consumes_mime_types: [OCI, DOCKER], produces_mime_types: [SBOM] },
  ],
  properties: { 'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability' },
};

/** Reference §5.2: the chlins/harbor-scanner-modelaudit metadata (scanner block as that adapter sends it). */
const FORK_EXAMPLE: HarborMetadata = {
  scanner: { name: 'ModelAudit', vendor: 'Promptfoo', version: '0.2.52' },
  capabilities: [
    { type: 'model-security', consumes_mime_types: [MODEL], produces_mime_types: [MODEL_REPORT] },
    { type: 'sbom', consumes_mime_types: [MODEL], produces_mime_types: [SBOM] },
  ],
  properties: { 'harbor.scanner-adapter/scanner-type': 'model' },
};

describe('metadata validators', () => {
  it.each([
    ['Trivy 1.0/1.1 example', TRIVY_V1_1],
    ['Trivy 1.2 example', TRIVY_V1_2],
  ])('should let both Harbors accept the %s', (_name, metadata) => {
    expect(validateMetadataUpstream(metadata)).toBeUndefined();
    expect(validateMetadataModelSecurity(metadata)).toBeUndefined();
  });

  it('should make upstream reject and the fork accept the fork example', () => {
    expect(validateMetadataUpstream(FORK_EXAMPLE)).toBe(`missing ${DOCKER} in consumes_mime_types`);
    expect(validateMetadataModelSecurity(FORK_EXAMPLE)).toBeUndefined();
  });

  it('should make upstream reject a model-security report as the only product even when Docker is consumed', () => {
    const metadata: HarborMetadata = {
      ...FORK_EXAMPLE,
      capabilities: [{ type: 'model-security', consumes_mime_types: [DOCKER, MODEL], produces_mime_types: [MODEL_REPORT] }],
    };
    expect(validateMetadataUpstream(metadata)).toBe(`missing ${NATIVE} or ${GENERIC} in produces_mime_types`);
    expect(validateMetadataModelSecurity(metadata)).toBeUndefined();
  });

  it('should make upstream accept a model capability that also consumes Docker and produces a known report', () => {
    const metadata: HarborMetadata = {
      ...TRIVY_V1_2,
      capabilities: [
        { type: 'vulnerability', consumes_mime_types: [OCI, DOCKER], produces_mime_types: [GENERIC] },
        { type: 'model-security', consumes_mime_types: [DOCKER, MODEL], produces_mime_types: [MODEL_REPORT, GENERIC] },
      ],
    };
    expect(validateMetadataUpstream(metadata)).toBeUndefined();
    expect(validateMetadataModelSecurity(metadata)).toBeUndefined();
  });

  it.each([
    ['the scanner is missing', { capabilities: TRIVY_V1_2.capabilities }, 'invalid scanner in metadata'],
    ['the vendor is blank', { ...TRIVY_V1_2, scanner: { name: 'a', vendor: '', version: '1' } }, 'invalid scanner in metadata'],
    ['there are no capabilities', { ...TRIVY_V1_2, capabilities: [] }, 'invalid capabilities in metadata'],
    ['capabilities is null', { ...TRIVY_V1_2, capabilities: null }, 'invalid capabilities in metadata'],
  ])('should make both reject metadata when %s', (_name, metadata, message) => {
    expect(validateMetadataUpstream(metadata as HarborMetadata)).toBe(message);
    expect(validateMetadataModelSecurity(metadata as HarborMetadata)).toBe(message);
  });

  it('should compare MIME types byte for byte, so a missing space before version fails both', () => {
    const metadata: HarborMetadata = {
      ...TRIVY_V1_2,
      capabilities: [{ consumes_mime_types: [DOCKER], produces_mime_types: ['application/vnd.security.vulnerability.report;version=1.1'] }],
    };
    expect(validateMetadataUpstream(metadata)).toMatch(/in produces_mime_types$/);
    expect(validateMetadataModelSecurity(metadata)).toBe(
      `missing one of [${NATIVE} ${GENERIC} ${SBOM} ${MODEL_REPORT}] in produces_mime_types`,
    );
  });

  it('should make the fork name its artifact types when a capability consumes none of them', () => {
    const metadata: HarborMetadata = { ...TRIVY_V1_2, capabilities: [{ consumes_mime_types: ['application/zip'], produces_mime_types: [GENERIC] }] };
    expect(validateMetadataModelSecurity(metadata)).toBe(`missing one of [${DOCKER} ${OCI} ${MODEL}] in consumes_mime_types`);
  });
});
