import { describe, expect, it } from 'vitest';
import { referrerDescriptors, referrersTag } from '../../../../server/registry/referrers.js';

const TARGET = { registry: 'http://r.example', repository: 'proj/model' };
const SHA256 = `sha256:${'ab'.repeat(32)}`;

describe('referrersTag', () => {
  it.each([
    [SHA256, `sha256-${'ab'.repeat(32)}`],
    // sha512 hex is 128 characters; the tag schema truncates the value to 64 so the tag stays valid.
    [`sha512:${'cd'.repeat(64)}`, `sha512-${'cd'.repeat(32)}`],
  ])('should turn %s into %s', (digest, tag) => {
    expect(referrersTag(digest)).toBe(tag);
  });

  it('should refuse a value that is not a digest', () => {
    expect(() => referrersTag('latest')).toThrow(/invalid digest/);
  });
});

describe('referrerDescriptors', () => {
  it('should keep artifactType and string annotations of each descriptor', () => {
    const body = { manifests: [{ mediaType: 'm', digest: SHA256, size: 3, artifactType: 't', annotations: { a: 'b' }, extra: 1 }] };
    expect(referrerDescriptors(body, TARGET, 'list')).toEqual([{ mediaType: 'm', digest: SHA256, size: 3, artifactType: 't', annotations: { a: 'b' } }]);
  });

  it('should read an index without manifests as no referrers', () => {
    expect(referrerDescriptors({}, TARGET, 'list')).toEqual([]);
  });

  it.each([
    ['manifests is not an array', { manifests: {} }],
    ['a digest is invalid', { manifests: [{ mediaType: 'm', digest: 'sha256:zz', size: 1 }] }],
    ['a size is missing', { manifests: [{ mediaType: 'm', digest: SHA256 }] }],
  ])('should throw E_REGISTRY_PROTOCOL when %s', (_name, body) => {
    expect(() => referrerDescriptors(body, TARGET, 'list')).toThrow(expect.objectContaining({ code: 'E_REGISTRY_PROTOCOL' }));
  });
});
