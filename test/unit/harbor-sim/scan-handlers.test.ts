import { describe, expect, it } from 'vitest';
import { resolveData, scanHandler } from '../../harbor-sim/scan-handlers.js';

const GENERIC = 'application/vnd.security.vulnerability.report; version=1.1';
const NATIVE = 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';

describe('scanHandler', () => {
  it('should ask for the 1.1 report with null parameters and no URL parameter for vulnerability scans', () => {
    const handler = scanHandler('vulnerability', { modelSecurity: false, modelArtifact: false });
    expect(handler).toMatchObject({ requestProducesMimeTypes: [GENERIC], requestParameters: null, urlParameter: '' });
  });

  it('should ask for SPDX upstream and CycloneDX for models in the fork', () => {
    expect(scanHandler('sbom', { modelSecurity: false, modelArtifact: false })).toMatchObject({
      requestParameters: { sbom_media_types: ['application/spdx+json'] },
      urlParameter: 'sbom_media_type=application%2Fspdx%2Bjson',
    });
    expect(scanHandler('sbom', { modelSecurity: true, modelArtifact: true })?.urlParameter).toBe(
      'sbom_media_type=application%2Fvnd.cyclonedx%2Bjson',
    );
  });

  it('should have a model-security handler only in the fork', () => {
    expect(scanHandler('model-security', { modelSecurity: false, modelArtifact: true })).toBeUndefined();
    expect(scanHandler('model-security', { modelSecurity: true, modelArtifact: true })?.requestProducesMimeTypes).toEqual([
      'application/vnd.security.model.report+json; version=1.0',
    ]);
  });

  it('should fail post-processing of a raw report that is not a vulnerability report JSON object', () => {
    const handler = scanHandler('vulnerability', { modelSecurity: false, modelArtifact: false });
    expect(handler?.postScan('["raw"]')).toMatch(/cannot unmarshal array/);
    expect(handler?.postScan('{"vulnerabilities":[]}')).toBeUndefined();
  });
});

describe('resolveData', () => {
  it.each([
    [GENERIC, '', 'empty JSON data'],
    [NATIVE, '[]', 'json: cannot unmarshal array into Go value of type vuln.Report'],
    [GENERIC, '{"severity":"High","vulnerabilities":[]}', undefined],
    ['application/vnd.security.model.report+json; version=1.0', 'not json', undefined],
    ['application/vnd.scanner.adapter.vuln.report.raw', '', undefined],
  ])('should check %s bodies only where Harbor does', (mime, body, expected) => {
    expect(resolveData(mime, body)).toBe(expected);
  });
});
