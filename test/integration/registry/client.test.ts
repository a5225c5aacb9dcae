/**
 * The registry client against real registries (Debian's docker-registry, CNCF distribution 2.8.2) in
 * every variant of the test environment: plain, basic auth, token auth and blob redirects.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient, type HttpRegistryClient } from '../../../server/registry/client.js';
import { parseRegistryAuthorization } from '../../../server/registry/credentials.js';
import { digestOf } from '../../../server/registry/digest.js';
import type { ByteSource } from '../../../analyzers/source.js';
import type { RegistryCredentials } from '../../../server/registry/types.js';
import {
  basicAuthorizationFor,
  blobHostLog,
  REGISTRIES,
  ROBOT_USER,
  TEST_USER,
  TOKEN_SERVER,
  tokenServerLog,
  uniqueRepository,
  type RegistryEndpoint,
} from '../../services/endpoints.js';
import { OCI_INDEX, OCI_MANIFEST, pushArtifact, pushIndex, type PushedArtifact } from '../../services/push.js';

const MODEL_ARTIFACT = 'application/vnd.cncf.model.manifest.v1+json';
const LAYER_SIZE = 200_000;

interface Fixture {
  readonly repository: string;
  readonly artifact: PushedArtifact;
  readonly indexDigest: string;
  /** Random per fixture, so its digest (and the blob host's log of it) belongs to one test only. */
  readonly layer: Uint8Array;
  readonly config: Uint8Array;
}

/** Pushes a small model artifact (config + one layer) tagged v1 and an index over it tagged idx. */
async function pushFixture(registry: RegistryEndpoint, name: string): Promise<Fixture> {
  const repository = uniqueRepository(`it-client/${name}`);
  const layer = new Uint8Array(randomBytes(LAYER_SIZE));
  const config = new TextEncoder().encode(JSON.stringify({ descriptor: { name: repository }, config: { format: 'pickle' } }));
  const artifact = await pushArtifact({ registry }, repository, 'v1', {
    artifactType: MODEL_ARTIFACT,
    config: { mediaType: 'application/vnd.cncf.model.config.v1+json', bytes: config },
    layers: [{ mediaType: 'application/vnd.cncf.model.weight.v1.raw', bytes: layer, annotations: { 'org.cncf.model.filepath': 'model.pkl' } }],
  });
  const indexDigest = await pushIndex({ registry }, repository, 'idx', [artifact.descriptor]);
  return { repository, artifact, indexDigest, layer, config };
}

function clientFor(registry: RegistryEndpoint, credentials: RegistryCredentials): HttpRegistryClient {
  return createRegistryClient({ url: registry.url, credentials, timeoutMs: 10_000, maxRetries: 1, retryBaseDelayMs: 10 });
}

/** Credentials as Harbor hands them over: the `registry.authorization` string. */
const harborCredentials = (account: { username: string; password: string }) => parseRegistryAuthorization(basicAuthorizationFor(account));

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

const VARIANTS: { name: string; registry: RegistryEndpoint; credentials: RegistryCredentials }[] = [
  { name: 'plain', registry: REGISTRIES.plain, credentials: { kind: 'none' } },
  { name: 'basic', registry: REGISTRIES.basic, credentials: harborCredentials(TEST_USER) },
  { name: 'token', registry: REGISTRIES.token, credentials: harborCredentials(ROBOT_USER) },
  // A Bearer token the registry ignores, so there is an Authorization header that must not reach storage.
  { name: 'redirect', registry: REGISTRIES.redirect, credentials: { kind: 'bearer', token: 'registry-only-token' } },
];

describe.each(VARIANTS)('registry client against the $name registry', ({ name, registry, credentials }) => {
  let fixture: Fixture;
  let client: HttpRegistryClient;
  let layer: ByteSource;

  beforeAll(async () => {
    fixture = await pushFixture(registry, name);
    client = clientFor(registry, credentials);
    const layerDescriptor = fixture.artifact.layers[0];
    if (layerDescriptor === undefined) throw new Error('fixture has no layer');
    layer = client.blobSource(fixture.repository, layerDescriptor);
  });
  afterAll(() => client.close());

  it('should fetch the manifest by tag with the digest it was pushed under', async () => {
    const manifest = await client.getManifest(fixture.repository, 'v1');
    expect(manifest.digest).toBe(fixture.artifact.digest);
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.body.artifactType).toBe(MODEL_ARTIFACT);
    expect(Buffer.from(manifest.bytes).equals(Buffer.from(fixture.artifact.manifestBytes))).toBe(true);
  });

  it('should fetch the manifest by digest', async () => {
    const manifest = await client.getManifest(fixture.repository, fixture.artifact.digest);
    expect(manifest.digest).toBe(fixture.artifact.digest);
  });

  it('should fetch an index by tag', async () => {
    const index = await client.getManifest(fixture.repository, 'idx');
    expect(index).toMatchObject({ mediaType: OCI_INDEX, digest: fixture.indexDigest });
    expect(index.body.manifests).toEqual([expect.objectContaining({ digest: fixture.artifact.digest })]);
  });

  it('should read the config blob whole, digest-verified', async () => {
    const bytes = await client.getBlob(fixture.repository, fixture.artifact.config, 1024 * 1024);
    expect(Buffer.from(bytes).toString()).toBe(Buffer.from(fixture.config).toString());
  });

  it('should refuse a blob larger than maxBytes without downloading it', async () => {
    const before = client.bytesFetched;
    await expect(client.getBlob(fixture.repository, fixture.artifact.config, 10)).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
    expect(client.bytesFetched).toBe(before);
  });

  it.each([
    { what: 'the head', offset: 0, length: 64, expectedLength: 64 },
    { what: 'the middle', offset: 123_456, length: 1_000, expectedLength: 1_000 },
    { what: 'a read across the end', offset: LAYER_SIZE - 10, length: 100, expectedLength: 10 },
    { what: 'a read past the end', offset: LAYER_SIZE + 10, length: 100, expectedLength: 0 },
  ])('should read $what of a layer by Range', async ({ offset, length, expectedLength }) => {
    const bytes = await layer.read(offset, length);
    expect(bytes.length).toBe(expectedLength);
    expect(Buffer.from(bytes).equals(Buffer.from(fixture.layer.subarray(offset, offset + expectedLength)))).toBe(true);
  });

  it('should fetch far less than the layer when only small ranges are read', async () => {
    const fresh = clientFor(registry, credentials);
    try {
      const source = fresh.blobSource(fixture.repository, fixture.artifact.layers[0]!);
      await source.read(0, 16);
      await source.read(LAYER_SIZE - 22, 22);
      expect(fresh.bytesFetched).toBeLessThan(LAYER_SIZE);
    } finally {
      await fresh.close();
    }
  });

  it('should stream the whole layer and verify its digest', async () => {
    expect(digestOf(await collect(layer.stream()))).toBe(fixture.artifact.layers[0]?.digest);
  });

  it('should throw E_MANIFEST_UNKNOWN when the tag does not exist', async () => {
    await expect(client.getManifest(fixture.repository, 'no-such-tag')).rejects.toMatchObject({ code: 'E_MANIFEST_UNKNOWN' });
  });

  it('should throw E_BLOB_UNKNOWN when the blob does not exist', async () => {
    const missing = { mediaType: 'application/octet-stream', digest: digestOf(randomBytes(8)), size: 8 };
    await expect(client.getBlob(fixture.repository, missing, 100)).rejects.toMatchObject({ code: 'E_BLOB_UNKNOWN' });
  });
});

describe('registry client with token auth', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await pushFixture(REGISTRIES.token, 'token-flow');
  });

  it('should exchange robot Basic credentials at the token service for a pull token', async () => {
    const client = clientFor(REGISTRIES.token, harborCredentials(ROBOT_USER));
    try {
      await client.getManifest(fixture.repository, 'v1');
    } finally {
      await client.close();
    }
    const exchanges = (await tokenServerLog()).filter((e) => e.scopes.includes(`repository:${fixture.repository}:pull`));
    expect(exchanges).toEqual([{ user: ROBOT_USER.username, service: TOKEN_SERVER.service, scopes: [`repository:${fixture.repository}:pull`], status: 200 }]);
  });

  it('should use a Bearer token as it is when Harbor passes one', async () => {
    const url = new URL(TOKEN_SERVER.realm);
    url.searchParams.set('service', TOKEN_SERVER.service);
    url.searchParams.set('scope', `repository:${fixture.repository}:pull`);
    const response = await fetch(url, { headers: { authorization: basicAuthorizationFor(ROBOT_USER) } });
    const { token } = (await response.json()) as { token: string };
    const client = clientFor(REGISTRIES.token, parseRegistryAuthorization(`Bearer ${token}`));
    try {
      await expect(client.getManifest(fixture.repository, 'v1')).resolves.toMatchObject({ digest: fixture.artifact.digest });
    } finally {
      await client.close();
    }
  });

  it('should pull anonymously when the token service grants anonymous pull', async () => {
    const client = clientFor(REGISTRIES.token, { kind: 'none' });
    try {
      await expect(client.getManifest(fixture.repository, 'v1')).resolves.toMatchObject({ digest: fixture.artifact.digest });
    } finally {
      await client.close();
    }
  });

  it('should throw E_REGISTRY_AUTH without the password when the robot secret is wrong', async () => {
    const client = clientFor(REGISTRIES.token, harborCredentials({ ...ROBOT_USER, password: 'WrongSecret123' }));
    try {
      const error = await client.getManifest(fixture.repository, 'v1').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_REGISTRY_AUTH', message: expect.stringContaining(fixture.repository) });
      expect((error as Error).message).not.toContain('WrongSecret123');
    } finally {
      await client.close();
    }
  });
});

describe('registry client with basic auth', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await pushFixture(REGISTRIES.basic, 'basic-auth');
  });

  it.each([
    { name: 'the password is wrong', credentials: harborCredentials({ ...TEST_USER, password: 'not-the-password' }), message: /rejected the credentials \(401\)/ },
    { name: 'no credentials are given', credentials: { kind: 'none' } as const, message: /requires credentials \(401\)/ },
  ])('should throw E_REGISTRY_AUTH when $name', async ({ credentials, message }) => {
    const client = clientFor(REGISTRIES.basic, credentials);
    try {
      const error = await client.getManifest(fixture.repository, 'v1').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_REGISTRY_AUTH', message: expect.stringMatching(message) });
      expect((error as Error).message).not.toContain('not-the-password');
    } finally {
      await client.close();
    }
  });
});

describe('registry client through blob redirects', () => {
  it('should read a blob from the redirect target without sending it the Authorization header', async () => {
    const fixture = await pushFixture(REGISTRIES.redirect, 'redirect-auth');
    const layerDescriptor = fixture.artifact.layers[0]!;
    const client = clientFor(REGISTRIES.redirect, { kind: 'bearer', token: 'registry-only-token' });
    try {
      const bytes = await client.blobSource(fixture.repository, layerDescriptor).read(1_000, 100);
      expect(Buffer.from(bytes).equals(Buffer.from(fixture.layer.subarray(1_000, 1_100)))).toBe(true);
      const config = await client.getBlob(fixture.repository, fixture.artifact.config, 10_000);
      expect(Buffer.from(config).toString()).toBe(Buffer.from(fixture.config).toString());
    } finally {
      await client.close();
    }
    const hex = layerDescriptor.digest.slice('sha256:'.length);
    const served = (await blobHostLog()).filter((e) => e.path.includes(hex));
    expect(served).toEqual([expect.objectContaining({ method: 'GET', range: 'bytes=1000-66535', status: 206, authorization: 'absent' })]);
    const configHex = fixture.artifact.config.digest.slice('sha256:'.length);
    expect((await blobHostLog()).filter((e) => e.path.includes(configHex))).toEqual([
      expect.objectContaining({ range: null, status: 200, authorization: 'absent' }),
    ]);
  });
});

describe('registry client and distribution 416 answers', () => {
  it('should throw E_SIZE_MISMATCH when the descriptor claims more bytes than the registry has', async () => {
    const fixture = await pushFixture(REGISTRIES.plain, 'range-416');
    const client = clientFor(REGISTRIES.plain, { kind: 'none' });
    try {
      const inflated = { ...fixture.artifact.layers[0]!, size: LAYER_SIZE + 100_000 };
      const read = client.blobSource(fixture.repository, inflated).read(LAYER_SIZE + 50_000, 10);
      await expect(read).rejects.toMatchObject({ code: 'E_SIZE_MISMATCH', message: expect.stringMatching(/answered 416/) });
    } finally {
      await client.close();
    }
  });
});
