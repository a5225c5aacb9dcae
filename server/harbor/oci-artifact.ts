/**
 * Building and pushing an OCI artifact that refers to another manifest through `subject`
 * (opencontainers/image-spec `manifest.md`, OCI 1.1), and keeping the referrers tag schema when the
 * registry does not index the subject itself (no `OCI-Subject` in the PUT answer).
 */
import { RULESET } from '../../analyzers/ruleset.js';
import { digestOf } from '../registry/digest.js';
import { OCI_MANIFEST } from '../registry/manifest.js';
import { addToReferrersTag } from '../registry/referrers-tag.js';
import type { Descriptor, RegistryPushClient } from '../registry/types.js';

/** A blob to push, with the descriptor fields it gets in the manifest. */
export interface ArtifactBlob {
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ArtifactSpec {
  readonly artifactType?: string;
  readonly config: ArtifactBlob;
  readonly layers: readonly ArtifactBlob[];
  /** The manifest this artifact is about: media type, digest and size of its manifest bytes. */
  readonly subject: Descriptor;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface BuiltArtifact {
  readonly blobs: readonly Uint8Array[];
  readonly manifest: Uint8Array;
  /** The descriptor a referrers list holds for it: artifactType and annotations included. */
  readonly descriptor: Descriptor;
}

/** The OCI empty descriptor's content (image-spec `manifest.md` "Guidance for an Empty Descriptor"). */
export const EMPTY_CONFIG: ArtifactBlob = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: new TextEncoder().encode('{}') };

/** Manifest bytes and blobs of `spec`; pure, so the exact bytes can be checked in tests. */
export function buildArtifact(spec: ArtifactSpec): BuiltArtifact {
  const describe = (blob: ArtifactBlob): Descriptor => ({
    mediaType: blob.mediaType,
    digest: digestOf(blob.bytes),
    size: blob.bytes.length,
    ...(blob.annotations ? { annotations: blob.annotations } : {}),
  });
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(spec.artifactType ? { artifactType: spec.artifactType } : {}),
    config: describe(spec.config),
    layers: spec.layers.map(describe),
    subject: { mediaType: spec.subject.mediaType, digest: spec.subject.digest, size: spec.subject.size },
    annotations: spec.annotations,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return {
    blobs: [spec.config.bytes, ...spec.layers.map((l) => l.bytes)],
    manifest: bytes,
    descriptor: {
      mediaType: OCI_MANIFEST,
      digest: digestOf(bytes),
      size: bytes.length,
      // A referrers list gives the config media type when the manifest has no artifactType (spec "Listing Referrers").
      artifactType: spec.artifactType ?? spec.config.mediaType,
      annotations: spec.annotations,
    },
  };
}

/**
 * Pushes blobs, then the manifest by digest (untagged: it is reached through its subject), then adds it
 * to the subject's referrers tag when the registry did not answer `OCI-Subject`.
 */
export async function pushArtifact(
  client: RegistryPushClient,
  target: { readonly registry: string; readonly repository: string },
  artifact: BuiltArtifact,
  subjectDigest: string,
): Promise<{ readonly digest: string; readonly referrersTag: boolean }> {
  for (const blob of artifact.blobs) await client.pushBlob(target.repository, blob);
  const pushed = await client.pushManifest(target.repository, artifact.descriptor.digest, artifact.manifest, OCI_MANIFEST);
  if (pushed.subject !== undefined) return { digest: pushed.digest, referrersTag: false };
  await addToReferrersTag(client, target, subjectDigest, artifact.descriptor);
  return { digest: pushed.digest, referrersTag: true };
}

/** `org.opencontainers.image.created` and the rule-set version every attached artifact carries. */
export function commonAnnotations(created: string): Record<string, string> {
  return { 'org.opencontainers.image.created': created, [RULESET_ANNOTATION]: RULESET.version };
}

/** Annotation keys of our own, under the project's reverse-DNS prefix. */
export const ANNOTATION_PREFIX = 'io.github.harbor-scanner-models.';
export const RULESET_ANNOTATION = `${ANNOTATION_PREFIX}ruleset.version`;
