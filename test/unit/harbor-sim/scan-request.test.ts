import { describe, expect, it } from 'vitest';
import { scanHandler } from '../../harbor-sim/scan-handlers.js';
import { buildScanRequest, robotBasicAuthorization } from '../../harbor-sim/scan-request.js';

describe('buildScanRequest', () => {
  it('should marshal the body with Harbor’s fields in Go field order', () => {
    const handler = scanHandler('vulnerability', { modelSecurity: false, modelArtifact: false });
    if (!handler) throw new Error('no handler');
    const body = buildScanRequest({
      registryUrl: 'http://core:8080',
      authorization: 'Basic abc',
      artifact: { repository: 'library/alpine', digest: 'sha256:1', size: 1022 },
      mimeType: 'application/vnd.oci.image.manifest.v1+json',
      handler,
    });
    expect(JSON.stringify(body)).toBe(
      '{"registry":{"url":"http://core:8080","authorization":"Basic abc","insecure":false},' +
        '"artifact":{"repository":"library/alpine","tag":"","digest":"sha256:1",' +
        '"mime_type":"application/vnd.oci.image.manifest.v1+json","size":1022},' +
        '"enabled_capabilities":[{"type":"vulnerability",' +
        '"produces_mime_types":["application/vnd.security.vulnerability.report; version=1.1"],"parameters":null}]}',
    );
  });
});

describe('robotBasicAuthorization', () => {
  it('should encode name:secret as Harbor does for robot accounts', () => {
    const value = robotBasicAuthorization({ name: 'robot$library+scanner-x-1', secret: 's3cret' });
    expect(value).toBe(`Basic ${Buffer.from('robot$library+scanner-x-1:s3cret').toString('base64')}`);
  });
});
