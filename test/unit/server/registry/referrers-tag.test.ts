import { describe, expect, it } from 'vitest';
import { ManifestUnknownError } from '../../../../server/errors/registry-errors.js';
import { digestOf } from '../../../../server/registry/digest.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../../server/registry/manifest.js';
import { addToReferrersTag } from '../../../../server/registry/referrers-tag.js';
import type { Descriptor, FetchedManifest, RegistryPushClient } from '../../../../server/registry/types.js';

const TARGET = { registry: 'http://r.example', repository: 'proj/model' };
const SUBJECT = digestOf(new TextEncoder().encode('subject'));
const TAG = `sha256-${SUBJECT.slice(7)}`;
const entry = (name: string): Descriptor => ({ mediaType: OCI_MANIFEST, digest: digestOf(new TextEncoder().encode(name)), size: 10, artifactType: name });

/** Manifests by tag in memory; `interfere` runs after each push, as a concurrent writer would. */
function memoryRegistry(initial?: object, interfere?: (tags: Map<string, Uint8Array>) => void) {
  const tags = new Map<string, Uint8Array>();
  if (initial) tags.set(TAG, new TextEncoder().encode(JSON.stringify(initial)));
  let pushes = 0;
  const client = {
    async getManifest(_repository: string, reference: string): Promise<FetchedManifest> {
      const bytes = tags.get(reference);
      if (!bytes) throw new ManifestUnknownError(TARGET, reference, '');
      return { mediaType: OCI_INDEX, digest: digestOf(bytes), bytes, body: JSON.parse(Buffer.from(bytes).toString('utf8')) };
    },
    async pushManifest(_repository: string, reference: string, bytes: Uint8Array) {
      pushes += 1;
      tags.set(reference, bytes);
      interfere?.(tags);
      return { digest: digestOf(bytes) };
    },
  } as unknown as RegistryPushClient;
  const index = () => JSON.parse(Buffer.from(tags.get(TAG)!).toString('utf8')) as { manifests: Descriptor[]; annotations?: object };
  return { client, index, pushes: () => pushes };
}

describe('addToReferrersTag', () => {
  it('should create the index when the subject has no referrers tag yet', async () => {
    const registry = memoryRegistry();
    await addToReferrersTag(registry.client, TARGET, SUBJECT, entry('report'));
    expect(registry.index()).toMatchObject({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry('report')] });
  });

  it('should keep other referrers and fields of the existing index', async () => {
    const registry = memoryRegistry({ schemaVersion: 2, mediaType: OCI_INDEX, annotations: { keep: 'me' }, manifests: [entry('signature')] });
    await addToReferrersTag(registry.client, TARGET, SUBJECT, entry('report'));
    expect(registry.index().manifests).toEqual([entry('signature'), entry('report')]);
    expect(registry.index().annotations).toEqual({ keep: 'me' });
  });

  it('should not push when the referrer is already listed', async () => {
    const registry = memoryRegistry({ manifests: [entry('report')] });
    await addToReferrersTag(registry.client, TARGET, SUBJECT, entry('report'));
    expect(registry.pushes()).toBe(0);
  });

  it('should write again when a concurrent writer replaced the index after the first write', async () => {
    let interfered = false;
    const registry = memoryRegistry({ manifests: [] }, (tags) => {
      if (interfered) return;
      interfered = true;
      tags.set(TAG, new TextEncoder().encode(JSON.stringify({ manifests: [entry('signature')] })));
    });
    await addToReferrersTag(registry.client, TARGET, SUBJECT, entry('report'));
    expect(registry.index().manifests).toEqual([entry('signature'), entry('report')]);
  });

  it('should refuse to overwrite a malformed index', async () => {
    const registry = memoryRegistry({ manifests: 'not a list' });
    await expect(addToReferrersTag(registry.client, TARGET, SUBJECT, entry('report'))).rejects.toMatchObject({ code: 'E_REGISTRY_PROTOCOL' });
    expect(registry.pushes()).toBe(0);
  });
});
