/**
 * Referrers lists (opencontainers/distribution-spec `spec.md` "Listing Referrers", "Referrers Tag
 * Schema"; oci-model-formats.md §5.5): the OCI index the referrers API answers, and the
 * `<alg>-<ref>` tag that stands in for it on registries without the API (distribution 2.8 and 3.x,
 * test-environment.md §2.3).
 */
import { RegistryProtocolError, type RegistryTarget } from '../errors/registry-errors.js';
import { isDigest, parseDigest } from './digest.js';
import type { Descriptor } from './types.js';

/**
 * The fallback tag of `digest`: algorithm and encoded value joined by `-`, truncated to 32 and 64
 * characters so a sha512 digest still makes a valid tag (spec "Referrers Tag Schema").
 */
export function referrersTag(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm.slice(0, 32)}-${hex.slice(0, 64)}`;
}

/**
 * The `manifests` of a referrers index, each a descriptor with a digest and a size; anything else is a
 * protocol error (fail closed: a malformed list must not read as "no referrers").
 */
export function referrerDescriptors(body: Record<string, unknown>, target: RegistryTarget, what: string): Descriptor[] {
  const manifests = body.manifests ?? [];
  if (!Array.isArray(manifests)) throw new RegistryProtocolError(target, `${what}: "manifests" is not an array`);
  return manifests.map((entry: unknown, index) => {
    const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { mediaType, digest, size, artifactType, annotations } = item;
    if (typeof mediaType !== 'string' || typeof digest !== 'string' || !isDigest(digest) || !Number.isSafeInteger(size)) {
      throw new RegistryProtocolError(target, `${what}: manifests[${index}] is not a descriptor with mediaType, digest and size`);
    }
    return {
      mediaType,
      digest,
      size: size as number,
      ...(typeof artifactType === 'string' ? { artifactType } : {}),
      ...(isStringRecord(annotations) ? { annotations } : {}),
    };
  });
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
