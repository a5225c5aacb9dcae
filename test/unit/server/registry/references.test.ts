import { describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../../../server/errors/registry-errors.js';
import { checkReference, checkRepository } from '../../../../server/registry/references.js';

describe('checkRepository', () => {
  it.each(['library/model', 'a', 'proj/sub_dir/model-v2.1', 'a__b/c--d'])('should accept %s', (name) => {
    expect(checkRepository(name)).toBe(name);
  });

  it.each(['../etc', 'Upper/case', 'a//b', '/lead', 'trail/', 'a/b?x=1', 'a%2fb', `a/${'b'.repeat(260)}`])(
    'should throw E_INVALID_REFERENCE when the name is %s',
    (name) => {
      expect(() => checkRepository(name)).toThrow(InvalidReferenceError);
    },
  );
});

describe('checkReference', () => {
  it.each(['v1', 'latest', '_x', `sha256:${'a'.repeat(64)}`])('should accept %s', (ref) => {
    expect(checkReference(ref)).toBe(ref);
  });

  it.each(['', '.hidden', '../x', 'a/b', 'sha256:xyz', 't'.repeat(129)])('should throw when the reference is %j', (ref) => {
    expect(() => checkReference(ref)).toThrow(InvalidReferenceError);
  });
});
