import { describe, expect, it } from 'vitest';
import { RegistryTlsError } from '../../../../server/errors/registry-errors.js';
import { classifyNetworkError } from '../../../../server/registry/network-errors.js';
import { TransientError } from '../../../../server/registry/retry.js';

const target = { registry: 'https://r.example' };
const withCode = (code: string, message = `${code} happened`, wrap = false): Error => {
  const error = Object.assign(new Error(message), { code });
  return wrap ? new TypeError('fetch failed', { cause: error }) : error;
};

describe('classifyNetworkError', () => {
  it.each([
    { name: 'an untrusted certificate', error: withCode('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), expected: /TLS verification failed.*self-signed certificate.*CA file/ },
    { name: 'a host name mismatch', error: withCode('ERR_TLS_CERT_ALTNAME_INVALID'), expected: /TLS verification failed/ },
    { name: 'an expired certificate wrapped by fetch', error: withCode('CERT_HAS_EXPIRED', 'certificate has expired', true), expected: /TLS verification failed/ },
    { name: 'plain HTTP on an https URL', error: withCode('ERR_SSL_WRONG_VERSION_NUMBER', '80:error:0A00010B:SSL routines\nmore'), expected: /TLS handshake failed.*ERR_SSL_WRONG_VERSION_NUMBER; check that registry.url/ },
  ])('should give E_REGISTRY_TLS when the failure is $name', ({ error, expected }) => {
    const classified = classifyNetworkError(error, target, 'GET https://r.example/v2/');
    expect(classified).toBeInstanceOf(RegistryTlsError);
    expect(classified.message).toMatch(expected);
    expect(classified.message).not.toContain('\n');
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'EAI_AGAIN'])(
    'should be transient when the code is %s',
    (code) => {
      expect(classifyNetworkError(withCode(code), target, 'GET x')).toBeInstanceOf(TransientError);
    },
  );

  it('should pass a programming error through unchanged when undici rejects its arguments', () => {
    const error = withCode('UND_ERR_INVALID_ARG');
    expect(classifyNetworkError(error, target, 'GET x')).toBe(error);
  });
});
