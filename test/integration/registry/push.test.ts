/**
 * The registry client's pushes and referrers against Debian's docker-registry (distribution 2.8.2) in
 * each auth variant: blob upload, a manifest with `subject` (accepted, no `OCI-Subject`), the referrers
 * API answering 404, and the `sha256-<hex>` tag index the client maintains instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistryClient, type HttpRegistryClient } from '../../../server/registry/client.js';
import { parseRegistryAuthorization } from '../../../server/registry/credentials.js';
import { digestOf } from '../../../server/registry/digest.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../server/registry/manifest.js';
import { addToReferrersTag } from '../../../server/registry/referrers-tag.js';
import { basicAuthorizationFor, REGISTRIES, ROBOT_USER, tokenServerLog, uniqueRepository, type RegistryEndpoint } from '../../services/endpoints.js';
import { pushArtifact } from '../../services/push.js';

const REPORT_TYPE = 'application/vnd.example.report.v1+json';
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(new TextEncoder().encode('{}')), size: 2 };
const clients: HttpRegistryClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function robotClient(registry: RegistryEndpoint): HttpRegistryClient {
  const credentials = registry.auth === 'none' ? { kind: 'none' as const } : parseRegistryAuthorization(basicAuthorizationFor(ROBOT_USER));
  const client = createRegistryClient({ url: registry.url, credentials, timeoutMs: 10_000, maxRetries: 1, retryBaseDelayMs: 10 });
  clients.push(client);
  return client;
}

/** Pushes a referrer of `subject` (empty config, one JSON layer) through the client under test. */
async function pushReferrer(client: HttpRegistryClient, repository: string, subject: { digest: string; size: number }, text: string) {
  const layer = new TextEncoder().encode(JSON.stringify({ text }));
  await client.pushBlob(repository, new TextEncoder().encode('{}'));
  const layerDigest = await client.pushBlob(repository, layer);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: REPORT_TYPE,
    config: EMPTY,
    layers: [{ mediaType: 'application/json', digest: layerDigest, size: layer.length }],
    subject: { mediaType: OCI_MANIFEST, ...subject },
    annotations: { text },
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const pushed = await client.pushManifest(repository, digestOf(bytes), bytes, OCI_MANIFEST);
  return { pushed, descriptor: { mediaType: OCI_MANIFEST, digest: pushed.digest, size: bytes.length, artifactType: REPORT_TYPE, annotations: { text } } };
}

describe.each([REGISTRIES.plain, REGISTRIES.basic, REGISTRIES.token])('pushes to the $name registry', (registry) => {
  it('should push a referrer, keep the tag index and list it back through the tag schema', async () => {
    const repository = uniqueRepository('it-push');
    const subject = await pushArtifact({ registry }, repository, 'v1', { layers: [{ mediaType: 'application/octet-stream', bytes: new Uint8Array([1, 2, 3]) }] });
    const client = robotClient(registry);
    const subjectRef = { digest: subject.digest, size: subject.manifestBytes.length };

    const first = await pushReferrer(client, repository, subjectRef, 'first');
    // distribution 2.8 stores the subject but does not index it (test-environment.md §2.3).
    expect(first.pushed.subject).toBeUndefined();
    await addToReferrersTag(client, { registry: registry.url, repository }, subject.digest, first.descriptor);
    const second = await pushReferrer(client, repository, subjectRef, 'second');
    await addToReferrersTag(client, { registry: registry.url, repository }, subject.digest, second.descriptor);

    const tagIndex = await client.getManifest(repository, `sha256-${subject.digest.slice(7)}`);
    expect(tagIndex.mediaType).toBe(OCI_INDEX);
    expect(tagIndex.body['manifests']).toEqual([first.descriptor, second.descriptor]);

    const referrers = await client.getReferrers(repository, subject.digest, REPORT_TYPE);
    expect(referrers).toEqual({ source: 'tag-schema', manifests: [first.descriptor, second.descriptor] });
    const pulled = await client.getManifest(repository, second.pushed.digest);
    expect(pulled.body['subject']).toMatchObject({ digest: subject.digest });
  });
});

describe('pushes with token auth', () => {
  it('should ask the token service for pull,push on the pushed repository', async () => {
    const registry = REGISTRIES.token;
    const repository = uniqueRepository('it-push-scope');
    await robotClient(registry).pushBlob(repository, new TextEncoder().encode(repository));
    const scopes = (await tokenServerLog()).filter((e) => e.user === ROBOT_USER.username).flatMap((e) => e.scopes);
    expect(scopes).toContain(`repository:${repository}:pull,push`);
  });

  it('should fail with E_REGISTRY_AUTH when anonymous credentials cannot push', async () => {
    const registry = REGISTRIES.token;
    const client = createRegistryClient({ url: registry.url, credentials: { kind: 'none' }, timeoutMs: 10_000, maxRetries: 0 });
    clients.push(client);
    await expect(client.pushBlob(uniqueRepository('it-push-anon'), new Uint8Array([9]))).rejects.toMatchObject({ code: 'E_REGISTRY_AUTH' });
  });
});
