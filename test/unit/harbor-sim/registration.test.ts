import { describe, expect, it } from 'vitest';
import { adapterAuthHeaders, normalizeRegistrationUrl, validateRegistration } from '../../harbor-sim/registration.js';

describe('normalizeRegistrationUrl', () => {
  it.each([
    ['scanner:8080', { url: 'http://scanner:8080' }],
    [' https://scanner.example.com/ ', { url: 'https://scanner.example.com' }],
    ['http://scanner:8080/prefix/', { url: 'http://scanner:8080/prefix' }],
    ['http://scanner:8080/prefix?x=1', { url: 'http://scanner:8080/prefix' }],
    ['ftp://scanner', { error: 'invalid HTTP scheme: ftp' }],
    ['   ', { error: 'empty string' }],
  ])('should normalise %j as Harbor does', (input, expected) => {
    expect(normalizeRegistrationUrl(input)).toEqual(expected);
  });
});

describe('validateRegistration', () => {
  it('should require a credential when an auth type is set', () => {
    expect(validateRegistration({ name: 'x', url: 'http://a', auth: { type: 'APIKey', credential: '' } })).toEqual({
      error: 'access_credential is required for auth type APIKey',
    });
  });

  it('should require a name', () => {
    expect(validateRegistration({ name: '', url: 'http://a', auth: { type: '' } })).toEqual({ error: 'missing registration name' });
  });
});

describe('adapterAuthHeaders', () => {
  it.each([
    [{ type: '' } as const, {}],
    [{ type: 'Basic', credential: 'admin:s3cret' } as const, { Authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` }],
    [{ type: 'Bearer', credential: 'tok' } as const, { Authorization: 'Bearer tok' }],
    [{ type: 'APIKey', credential: 'key' } as const, { 'X-ScannerAdapter-API-Key': 'key' }],
  ])('should send the header Harbor sends for auth %j', (auth, headers) => {
    expect(adapterAuthHeaders(auth)).toEqual(headers);
  });
});
