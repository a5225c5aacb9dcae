import { describe, expect, it } from 'vitest';
import { DigestMismatchError, RegistryProtocolError } from '../../../../server/errors/registry-errors.js';
import { digestOf } from '../../../../server/registry/digest.js';
import { interpretManifest, OCI_INDEX, OCI_MANIFEST } from '../../../../server/registry/manifest.js';

const target = { registry: 'http://r.example', repository: 'a/b' };
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const manifest = encode({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] });
const digest = digestOf(manifest);

describe('interpretManifest', () => {
  it('should verify against the requested digest when fetched by digest', () => {
    const result = interpretManifest({ bytes: manifest, reference: digest, contentType: OCI_MANIFEST, contentDigest: undefined }, target);
    expect(result).toMatchObject({ digest, mediaType: OCI_MANIFEST, body: { schemaVersion: 2 } });
  });

  it('should verify against Docker-Content-Digest when fetched by tag', () => {
    const result = interpretManifest({ bytes: manifest, reference: 'v1', contentType: OCI_MANIFEST, contentDigest: digest }, target);
    expect(result.digest).toBe(digest);
  });

  it('should compute the digest when a tag response has no Docker-Content-Digest', () => {
    const result = interpretManifest({ bytes: manifest, reference: 'v1', contentType: OCI_MANIFEST, contentDigest: undefined }, target);
    expect(result.digest).toBe(digest);
  });

  it.each([
    { name: 'the requested digest', reference: digestOf(encode({ other: true })), contentDigest: undefined },
    { name: 'Docker-Content-Digest', reference: 'v1', contentDigest: digestOf(encode({ other: true })) },
  ])('should throw E_DIGEST_MISMATCH when the bytes do not match $name', ({ reference, contentDigest }) => {
    expect(() => interpretManifest({ bytes: manifest, reference, contentType: OCI_MANIFEST, contentDigest }, target)).toThrow(
      DigestMismatchError,
    );
  });

  it('should take the media type from the body when Content-Type is generic and the body says', () => {
    const result = interpretManifest({ bytes: manifest, reference: 'v1', contentType: 'application/json', contentDigest: undefined }, target);
    expect(result.mediaType).toBe(OCI_MANIFEST);
  });

  it('should take the media type from Content-Type, dropping parameters, when the body has none (KitOps)', () => {
    const bytes = encode({ schemaVersion: 2, manifests: [] });
    const result = interpretManifest({ bytes, reference: 'v1', contentType: `${OCI_INDEX}; charset=utf-8`, contentDigest: undefined }, target);
    expect(result.mediaType).toBe(OCI_INDEX);
  });

  it.each([
    { name: 'Content-Type and body disagree', bytes: manifest, contentType: OCI_INDEX, message: /body says mediaType/ },
    { name: 'the media type is unsupported', bytes: encode({ schemaVersion: 1 }), contentType: 'application/json', message: /unsupported media type/ },
    { name: 'the body is not JSON', bytes: new TextEncoder().encode('<html>'), contentType: OCI_MANIFEST, message: /not valid UTF-8 JSON/ },
    { name: 'the body is a JSON array', bytes: encode([1]), contentType: OCI_MANIFEST, message: /not a JSON object/ },
  ])('should throw E_REGISTRY_PROTOCOL when $name', ({ bytes, contentType, message }) => {
    expect(() => interpretManifest({ bytes, reference: 'v1', contentType, contentDigest: undefined }, target)).toThrow(
      RegistryProtocolError,
    );
    expect(() => interpretManifest({ bytes, reference: 'v1', contentType, contentDigest: undefined }, target)).toThrow(message);
  });
});
