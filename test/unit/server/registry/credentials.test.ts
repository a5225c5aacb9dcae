import { describe, expect, it } from 'vitest';
import { RegistryCredentialsError } from '../../../../server/errors/registry-errors.js';
import { basicAuthorization, parseRegistryAuthorization } from '../../../../server/registry/credentials.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('parseRegistryAuthorization', () => {
  it.each([
    { name: 'should be anonymous when the value is empty', value: '', expected: { kind: 'none' } },
    { name: 'should be anonymous when the value is absent', value: undefined, expected: { kind: 'none' } },
    { name: 'should be anonymous when the value is only spaces', value: '   ', expected: { kind: 'none' } },
    {
      name: 'should split user and secret when Harbor sends a robot account',
      value: `Basic ${b64('robot$library+scanner-trivy-1a2b:s3cr3tValue')}`,
      expected: { kind: 'basic', username: 'robot$library+scanner-trivy-1a2b', password: 's3cr3tValue' },
    },
    {
      name: 'should keep colons in the password when the secret contains them (RFC 7617 §2)',
      value: `Basic ${b64('user:pa:ss:')}`,
      expected: { kind: 'basic', username: 'user', password: 'pa:ss:' },
    },
    {
      name: 'should accept an empty password when the user has none',
      value: `Basic ${b64('user:')}`,
      expected: { kind: 'basic', username: 'user', password: '' },
    },
    {
      name: 'should decode UTF-8 when the user name is not ASCII',
      value: `Basic ${b64('jürgen:pässword')}`,
      expected: { kind: 'basic', username: 'jürgen', password: 'pässword' },
    },
    {
      name: 'should accept any scheme case and extra spaces when a client reformats the value',
      value: `  bAsIc    ${b64('u:p')}  `,
      expected: { kind: 'basic', username: 'u', password: 'p' },
    },
    {
      name: 'should keep the token when Harbor sends Bearer',
      value: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      expected: { kind: 'bearer', token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' },
    },
  ])('$name', ({ value, expected }) => {
    expect(parseRegistryAuthorization(value)).toEqual(expected);
  });

  const secret = 'TopSecretValue42';
  it.each([
    { name: 'no scheme', value: secret, problem: /does not start with "Basic " or "Bearer "/ },
    { name: 'an unknown scheme', value: `Token ${secret}`, problem: /does not start with/ },
    { name: 'Basic without credentials', value: 'Basic', problem: /has no credentials/ },
    { name: 'Basic with invalid base64', value: `Basic ${secret}!!`, problem: /not valid base64/ },
    { name: 'Basic without a colon', value: `Basic ${b64(secret)}`, problem: /no ":"/ },
    { name: 'Basic with an empty user', value: `Basic ${b64(`:${secret}`)}`, problem: /empty user name/ },
    { name: 'Basic that is not UTF-8', value: `Basic ${Buffer.from([0x75, 0x3a, 0xff, 0xfe]).toString('base64')}`, problem: /UTF-8/ },
    { name: 'Bearer without a token', value: 'Bearer ', problem: /no token/ },
    { name: 'Bearer with a space in the token', value: `Bearer ${secret} ${secret}`, problem: /invalid characters/ },
  ])('should throw E_REGISTRY_CREDENTIALS without echoing the secret when the value has $name', ({ value, problem }) => {
    let caught: unknown;
    try {
      parseRegistryAuthorization(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegistryCredentialsError);
    const error = caught as RegistryCredentialsError;
    expect(error.code).toBe('E_REGISTRY_CREDENTIALS');
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(b64(secret));
  });
});

describe('basicAuthorization', () => {
  it('should round-trip through parseRegistryAuthorization when the password has a colon and non-ASCII', () => {
    const header = basicAuthorization('robot$p+s', 'a:ü');
    expect(parseRegistryAuthorization(header)).toEqual({ kind: 'basic', username: 'robot$p+s', password: 'a:ü' });
  });
});
