/**
 * Keeping the referrers tag schema up to date on a registry without the referrers API
 * (opencontainers/distribution-spec `spec.md` "Pushing Manifests with Subject"): when a manifest with a
 * `subject` was pushed and the registry did not answer `OCI-Subject`, the client pulls the index tagged
 * `sha256-<hex>`, adds the new descriptor and pushes it back. distribution 2.8 has no conditional PUT,
 * so a concurrent writer can replace the index between the read and the write; the write is checked by
 * reading it back and repeated when the entry went missing.
 */
import { ManifestUnknownError, RegistryProtocolError, type RegistryTarget } from '../errors/registry-errors.js';
import { OCI_INDEX } from './manifest.js';
import { referrerDescriptors, referrersTag } from './referrers.js';
import type { Descriptor, RegistryPushClient } from './types.js';

/** Read-modify-write rounds before giving up on a contended tag. */
const ATTEMPTS = 3;

interface TagIndex {
  /** The index as found (other fields are kept on rewrite); undefined when the tag does not exist. */
  readonly body?: Record<string, unknown>;
  readonly manifests: readonly Descriptor[];
}

/**
 * Adds `referrer` (the pushed manifest's descriptor, with its `artifactType` and annotations) to the
 * referrers tag index of `subjectDigest`, keeping every other entry. Does nothing when it is listed.
 */
export async function addToReferrersTag(
  client: RegistryPushClient,
  target: Required<RegistryTarget>,
  subjectDigest: string,
  referrer: Descriptor,
): Promise<void> {
  const { repository } = target;
  const tag = referrersTag(subjectDigest);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const current = await readTagIndex(client, target, tag);
    if (current.manifests.some((d) => d.digest === referrer.digest)) return;
    const index = {
      ...(current.body ?? {}),
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [...current.manifests, referrer],
    };
    await client.pushManifest(repository, tag, new TextEncoder().encode(JSON.stringify(index)), OCI_INDEX);
    const written = await readTagIndex(client, target, tag);
    if (written.manifests.some((d) => d.digest === referrer.digest)) return;
  }
  throw new RegistryProtocolError(
    target,
    `the referrers tag ${tag} kept changing while ${referrer.digest} was added (${ATTEMPTS} attempts); another client is rewriting it`,
  );
}

async function readTagIndex(client: RegistryPushClient, target: Required<RegistryTarget>, tag: string): Promise<TagIndex> {
  try {
    const index = await client.getManifest(target.repository, tag);
    // A malformed index is refused rather than overwritten: it may hold referrers we cannot read.
    return { body: index.body, manifests: referrerDescriptors(index.body, target, `referrers tag ${tag}`) };
  } catch (error) {
    if (error instanceof ManifestUnknownError) return { manifests: [] };
    throw error;
  }
}
