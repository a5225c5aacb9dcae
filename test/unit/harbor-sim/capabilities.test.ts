import { describe, expect, it } from 'vitest';
import { hasCapability, producesMimeTypes, registryAuthorizationType } from '../../harbor-sim/capabilities.js';
import type { HarborMetadata } from '../../harbor-sim/metadata-validation.js';

const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const MODEL = 'application/vnd.cncf.model.manifest.v1+json';

const metadata: HarborMetadata = {
  scanner: { name: 'n', vendor: 'v', version: '1' },
  capabilities: [
    { consumes_mime_types: [DOCKER], produces_mime_types: ['untyped-first'] },
    { type: 'vulnerability', consumes_mime_types: [OCI, DOCKER], produces_mime_types: ['vuln-a', 'vuln-b'] },
    { type: 'model-security', consumes_mime_types: [MODEL, DOCKER], produces_mime_types: ['model'] },
    { type: 'sbom', consumes_mime_types: [OCI], produces_mime_types: ['sbom'] },
  ],
};

describe('producesMimeTypes', () => {
  it.each([
    ['an untyped capability counts as vulnerability and the first match wins', DOCKER, 'vulnerability', ['untyped-first']],
    ['OCI vulnerability', OCI, 'vulnerability', ['vuln-a', 'vuln-b']],
    ['model-security for a model', MODEL, 'model-security', ['model']],
    ['SBOM for OCI', OCI, 'sbom', ['sbom']],
    ['SBOM for Docker (no such capability)', DOCKER, 'sbom', []],
    ['vulnerability for a model (no such capability)', MODEL, 'vulnerability', []],
  ])('should pick the right placeholders for %s', (_name, mime, type, expected) => {
    expect(producesMimeTypes(metadata, mime, type)).toEqual(expected);
  });
});

describe('hasCapability', () => {
  it.each([
    [DOCKER, true],
    [MODEL, true],
    ['application/vnd.oci.image.index.v1+json', false],
    [`${OCI} `, false],
  ])('should say %j is consumable: %s', (mime, expected) => {
    expect(hasCapability(metadata, mime)).toBe(expected);
  });
});

describe('registryAuthorizationType', () => {
  it.each([
    [undefined, 'Basic'],
    ['Bearer', 'Bearer'],
    ['bearer', 'Basic'],
    ['Basic', 'Basic'],
    ['Token', 'Basic'],
  ])('should read %j as %s', (value, expected) => {
    const properties: Record<string, string> =
      value === undefined ? {} : { 'harbor.scanner-adapter/registry-authorization-type': value };
    expect(registryAuthorizationType({ ...metadata, properties })).toBe(expected);
  });
});
