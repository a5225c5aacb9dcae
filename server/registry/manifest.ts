/**
 * Turning a manifest response into a {@link FetchedManifest}: digest check, media type, JSON
 * (oci-model-formats.md §5.3).
 */
import { DigestMismatchError, RegistryProtocolError, type RegistryTarget } from '../errors/registry-errors.js';
import { digestOf, isDigest, parseDigest } from './digest.js';
import type { FetchedManifest } from './types.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST]);

/**
 * All four types, always: distribution answers 404 MANIFEST_UNKNOWN ("OCI manifest found, but accept
 * header does not support OCI manifests") when the OCI types are missing (test-environment.md §2.4).
 */
export const MANIFEST_ACCEPT = [...MANIFEST_MEDIA_TYPES].join(', ');

/** distribution's `maxManifestBodySize` (registry/handlers/manifests.go): nothing larger can be pushed. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface ManifestResponse {
  readonly bytes: Uint8Array;
  /** The tag or digest that was asked for. */
  readonly reference: string;
  readonly contentType: string | undefined;
  /** The `Docker-Content-Digest` response header. */
  readonly contentDigest: string | undefined;
}

/**
 * Verifies the bytes against the requested digest (or, for a tag, against `Docker-Content-Digest`),
 * settles the media type (Content-Type, else the body's `mediaType`, which KitOps omits) and parses JSON.
 */
export function interpretManifest(response: ManifestResponse, target: RegistryTarget): FetchedManifest {
  const digest = verifiedDigest(response, target);
  const body = parseJsonObject(response.bytes, target, response.reference);
  const headerType = response.contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
  const bodyType = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  const fromHeader = headerType !== undefined && MANIFEST_MEDIA_TYPES.has(headerType) ? headerType : undefined;
  if (fromHeader !== undefined && bodyType !== undefined && bodyType !== fromHeader) {
    throw new RegistryProtocolError(
      target,
      `manifest ${response.reference} is served as ${fromHeader} but its body says mediaType ${JSON.stringify(bodyType.slice(0, 100))}`,
    );
  }
  const mediaType = fromHeader ?? bodyType ?? headerType;
  if (mediaType === undefined || !MANIFEST_MEDIA_TYPES.has(mediaType)) {
    throw new RegistryProtocolError(
      target,
      `manifest ${response.reference} has unsupported media type ${JSON.stringify((mediaType ?? 'none').slice(0, 100))}`,
    );
  }
  return { mediaType, digest, bytes: response.bytes, body };
}

function verifiedDigest(response: ManifestResponse, target: RegistryTarget): string {
  const header = response.contentDigest?.trim();
  const expected = isDigest(response.reference) ? response.reference : header;
  if (expected === undefined || expected === '') return digestOf(response.bytes);
  if (!isDigest(expected)) {
    throw new RegistryProtocolError(target, `Docker-Content-Digest ${JSON.stringify(expected.slice(0, 150))} is not a sha256/sha512 digest`);
  }
  const actual = digestOf(response.bytes, parseDigest(expected).algorithm);
  if (actual !== expected) throw new DigestMismatchError(target, expected, actual, `manifest ${response.reference}`);
  return expected;
}

/** A JSON object from UTF-8 bytes; a protocol error naming `reference` otherwise. */
export function parseJsonObject(bytes: Uint8Array, target: RegistryTarget, reference: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new RegistryProtocolError(target, `manifest ${reference} is not valid UTF-8 JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RegistryProtocolError(target, `manifest ${reference} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
