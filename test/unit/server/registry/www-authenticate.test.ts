import { describe, expect, it } from 'vitest';
import {
  AuthenticateHeaderError,
  findBearerChallenge,
  hasBasicChallenge,
  parseWwwAuthenticate,
  type AuthChallenge,
} from '../../../../server/registry/www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  const cases: { name: string; header: string; expected: AuthChallenge[] }[] = [
    {
      name: 'should read realm and service when distribution challenges /v2/',
      header: 'Bearer realm="http://127.0.0.1:5062/token",service="test-registry"',
      expected: [{ scheme: 'bearer', params: { realm: 'http://127.0.0.1:5062/token', service: 'test-registry' } }],
    },
    {
      // test-environment.md §2.8: the comma inside the quoted scope must not split the parameter.
      name: 'should keep a comma inside a quoted scope when the token lacks push',
      header:
        'Bearer realm="http://127.0.0.1:5062/token",service="test-registry",scope="repository:tok/model:pull,push",error="insufficient_scope"',
      expected: [
        {
          scheme: 'bearer',
          params: {
            realm: 'http://127.0.0.1:5062/token',
            service: 'test-registry',
            scope: 'repository:tok/model:pull,push',
            error: 'insufficient_scope',
          },
        },
      ],
    },
    {
      name: 'should read a Basic realm when Harbor refuses a request that carried credentials',
      header: 'Basic realm="harbor"',
      expected: [{ scheme: 'basic', params: { realm: 'harbor' } }],
    },
    {
      name: 'should lower-case scheme and parameter names when a server capitalises them',
      header: 'BEARER Realm="https://h/service/token", Service=harbor-registry',
      expected: [{ scheme: 'bearer', params: { realm: 'https://h/service/token', service: 'harbor-registry' } }],
    },
    {
      name: 'should unescape quoted-pairs when a value contains quotes and backslashes',
      header: 'Basic realm="say \\"hi\\" \\\\ bye"',
      expected: [{ scheme: 'basic', params: { realm: 'say "hi" \\ bye' } }],
    },
    {
      name: 'should split two challenges when one header carries Basic and Bearer',
      header: 'Basic realm="a, b", Bearer realm="https://r/token",service="s"',
      expected: [
        { scheme: 'basic', params: { realm: 'a, b' } },
        { scheme: 'bearer', params: { realm: 'https://r/token', service: 's' } },
      ],
    },
    {
      name: 'should allow spaces around "=" and empty list elements when a proxy reformats the header',
      header: ' , Bearer  realm = "x" ,, service= y ,',
      expected: [{ scheme: 'bearer', params: { realm: 'x', service: 'y' } }],
    },
    {
      name: 'should join repeated scope parameters with a space when a server sends one scope per param',
      header: 'Bearer realm="x",scope="repository:a:pull",scope="repository:b:pull"',
      expected: [{ scheme: 'bearer', params: { realm: 'x', scope: 'repository:a:pull repository:b:pull' } }],
    },
    {
      name: 'should read a token68 when a scheme carries one instead of parameters',
      header: 'Negotiate YIIC+/abc==, Basic realm="r"',
      expected: [
        { scheme: 'negotiate', params: {}, token68: 'YIIC+/abc==' },
        { scheme: 'basic', params: { realm: 'r' } },
      ],
    },
    {
      name: 'should accept a bare scheme when a challenge has no parameters',
      header: 'Bearer',
      expected: [{ scheme: 'bearer', params: {} }],
    },
    { name: 'should return no challenges when the header is blank', header: '  ', expected: [] },
  ];

  it.each(cases)('$name', ({ header, expected }) => {
    const parsed = parseWwwAuthenticate(header).map((c) => ({ ...c, params: { ...c.params } }));
    expect(parsed).toEqual(expected);
  });

  it.each([
    ['an unterminated quoted string', 'Bearer realm="http://x'],
    ['a parameter without a value', 'Bearer realm="a", service='],
    ['text that is not a scheme', '"quoted" realm=x'],
    ['parameters not separated by a comma', 'Bearer realm="a" service="b"'],
  ])('should throw AuthenticateHeaderError when the header has %s', (_, header) => {
    expect(() => parseWwwAuthenticate(header)).toThrow(AuthenticateHeaderError);
  });
});

describe('findBearerChallenge', () => {
  it('should split several space-separated scopes when the scope lists more than one', () => {
    const bearer = findBearerChallenge(parseWwwAuthenticate('Bearer realm="r",scope="repository:a:pull repository:b:pull,push"'));
    expect(bearer).toEqual({ realm: 'r', scopes: ['repository:a:pull', 'repository:b:pull,push'] });
  });

  it('should report the RFC 6750 error when the token was insufficient', () => {
    const bearer = findBearerChallenge(parseWwwAuthenticate('Bearer realm="r",service="s",error="insufficient_scope"'));
    expect(bearer?.error).toBe('insufficient_scope');
    expect(bearer?.service).toBe('s');
  });

  it('should skip a Bearer challenge without realm when a later one has it', () => {
    const bearer = findBearerChallenge(parseWwwAuthenticate('Bearer error="invalid_token", Bearer realm="r2"'));
    expect(bearer?.realm).toBe('r2');
  });

  it('should return undefined when only Basic is offered', () => {
    const challenges = parseWwwAuthenticate('Basic realm="test-registry"');
    expect(findBearerChallenge(challenges)).toBeUndefined();
    expect(hasBasicChallenge(challenges)).toBe(true);
  });
});
