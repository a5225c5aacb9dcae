import { describe, expect, it } from 'vitest';
import { authHeaderMatches } from '../../../../server/webhook/auth.js';

describe('authHeaderMatches', () => {
  const secret = 'Bearer s3cret-value';
  it.each([
    ['the exact value', secret, true],
    ['no header', undefined, false],
    ['another scheme', 'Basic s3cret-value', false],
    ['a prefix of the secret', 'Bearer s3cret', false],
    ['a longer value', `${secret}x`, false],
    ['another case', secret.toUpperCase(), false],
    ['an empty value', '', false],
  ])('should answer for %s', (_name, presented, expected) => {
    expect(authHeaderMatches(presented, secret)).toBe(expected);
  });
});
