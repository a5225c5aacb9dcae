import { describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../../../server/errors/registry-errors.js';
import { digestOf, DigestVerifier, isDigest, parseDigest } from '../../../../server/registry/digest.js';

const bytes = new TextEncoder().encode('{}');
// The OCI empty descriptor's digest (image-spec manifest.md "Guidance for an Empty Descriptor").
const EMPTY_JSON = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

describe('digests', () => {
  it('should compute the OCI empty-config digest when hashing "{}"', () => {
    expect(digestOf(bytes)).toBe(EMPTY_JSON);
  });

  it('should verify streamed chunks when they add up to the digested bytes', () => {
    const verifier = new DigestVerifier(parseDigest(digestOf(bytes, 'sha512')));
    verifier.update(bytes.subarray(0, 1));
    verifier.update(bytes.subarray(1));
    expect(verifier.actual()).toBe(digestOf(bytes, 'sha512'));
  });

  it.each([
    ['sha256 with upper-case hex', EMPTY_JSON.toUpperCase().replace('SHA256', 'sha256')],
    ['sha256 with a short hex', 'sha256:abc'],
    ['an unregistered algorithm', `md5:${'a'.repeat(32)}`],
    ['a tag', 'latest'],
  ])('should refuse %s', (_, text) => {
    expect(isDigest(text)).toBe(false);
    expect(() => parseDigest(text)).toThrow(InvalidReferenceError);
  });
});
