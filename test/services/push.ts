/**
 * Pushing test content to the registries of ./endpoints.ts, the way distribution 2.8 accepts it
 * (test-environment.md §2.3): blobs by POST then PUT with `Content-Type: application/octet-stream`,
 * manifests and indexes by PUT. Basic and token variants authenticate with a test account; the token
 * variant gets a `pull,push` token from the token server.
 */
import { createHash } from 'node:crypto';
import { TEST_USER, TOKEN_SERVER, basicAuthorizationFor, type RegistryEndpoint } from './endpoints.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

type Account = { readonly username: string; readonly password: string };

/** Where to push: a registry variant and, for basic/token, the account to push as (default testuser). */
export interface PushTarget {
  readonly registry: RegistryEndpoint;
  readonly account?: Account;
}

export interface PushedDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Record<string, string>;
  readonly artifactType?: string;
}

export interface ArtifactSpec {
  readonly artifactType?: string;
  /** Defaults to the OCI empty config `{}`. */
  readonly config?: { readonly mediaType: string; readonly bytes: Uint8Array };
  readonly layers: readonly { readonly mediaType: string; readonly bytes: Uint8Array; readonly annotations?: Record<string, string> }[];
  readonly annotations?: Record<string, string>;
}

export interface PushedArtifact {
  /** Digest of the manifest as pushed (distribution keeps the bytes, so this is what it serves). */
  readonly digest: string;
  readonly manifestBytes: Uint8Array;
  readonly descriptor: PushedDescriptor;
  readonly config: PushedDescriptor;
  readonly layers: readonly PushedDescriptor[];
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Uploads one blob (POST, then PUT with the digest) and returns its digest. */
export async function pushBlob(target: PushTarget, repository: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256Digest(bytes);
  const headers = await authHeaders(target, repository);
  const started = await fetch(`${target.registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers });
  await expectStatus(started, 202, `starting upload to ${repository}`);
  const location = started.headers.get('location');
  if (location === null) throw new Error(`push: upload to ${repository} answered 202 without Location`);
  const upload = new URL(location, target.registry.url);
  upload.searchParams.set('digest', digest);
  const finished = await fetch(upload, {
    method: 'PUT',
    // Without it distribution reads the body as a form and answers 400 DIGEST_INVALID (test-environment.md §2.3).
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  await expectStatus(finished, 201, `uploading blob ${digest} to ${repository}`);
  return digest;
}

/** PUTs a manifest or index (an object is serialised as JSON) under a tag or digest; returns its digest. */
export async function pushManifest(
  target: PushTarget,
  repository: string,
  reference: string,
  manifest: object | Uint8Array,
  mediaType: string = OCI_MANIFEST,
): Promise<string> {
  const bytes = manifest instanceof Uint8Array ? manifest : new TextEncoder().encode(JSON.stringify(manifest));
  const response = await fetch(`${target.registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...(await authHeaders(target, repository)), 'content-type': mediaType },
    body: bytes,
  });
  await expectStatus(response, 201, `pushing manifest ${reference} to ${repository}`);
  return sha256Digest(bytes);
}

/** Pushes config and layers, then an OCI image manifest tagged `tag`. */
export async function pushArtifact(target: PushTarget, repository: string, tag: string, spec: ArtifactSpec): Promise<PushedArtifact> {
  const configSpec = spec.config ?? { mediaType: OCI_EMPTY, bytes: new TextEncoder().encode('{}') };
  const config = await pushDescriptor(target, repository, configSpec.mediaType, configSpec.bytes);
  const layers: PushedDescriptor[] = [];
  for (const layer of spec.layers) {
    layers.push(await pushDescriptor(target, repository, layer.mediaType, layer.bytes, layer.annotations));
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(spec.artifactType === undefined ? {} : { artifactType: spec.artifactType }),
    config,
    layers,
    ...(spec.annotations === undefined ? {} : { annotations: spec.annotations }),
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const digest = await pushManifest(target, repository, tag, manifestBytes, OCI_MANIFEST);
  const descriptor: PushedDescriptor = {
    mediaType: OCI_MANIFEST,
    digest,
    size: manifestBytes.length,
    ...(spec.artifactType === undefined ? {} : { artifactType: spec.artifactType }),
  };
  return { digest, manifestBytes, descriptor, config, layers };
}

/** Pushes an OCI image index over already pushed manifests; returns its digest. */
export async function pushIndex(
  target: PushTarget,
  repository: string,
  tag: string,
  manifests: readonly PushedDescriptor[],
  artifactType?: string,
): Promise<string> {
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, ...(artifactType === undefined ? {} : { artifactType }), manifests };
  return pushManifest(target, repository, tag, index, OCI_INDEX);
}

async function pushDescriptor(
  target: PushTarget,
  repository: string,
  mediaType: string,
  bytes: Uint8Array,
  annotations?: Record<string, string>,
): Promise<PushedDescriptor> {
  const digest = await pushBlob(target, repository, bytes);
  return { mediaType, digest, size: bytes.length, ...(annotations === undefined ? {} : { annotations }) };
}

/** Tokens live 300 s at the token server; reuse them for a little less. */
const pushTokens = new Map<string, { readonly token: string; readonly until: number }>();
const PUSH_TOKEN_REUSE_MS = 240_000;

async function authHeaders(target: PushTarget, repository: string): Promise<Record<string, string>> {
  const account = target.account ?? TEST_USER;
  switch (target.registry.auth) {
    case 'none':
      return {};
    case 'basic':
      return { authorization: basicAuthorizationFor(account) };
    case 'token': {
      const key = `${account.username}\n${repository}`;
      let token = pushTokens.get(key)?.token;
      if (token === undefined || Date.now() > (pushTokens.get(key)?.until ?? 0)) {
        const url = new URL(TOKEN_SERVER.realm);
        url.searchParams.set('service', TOKEN_SERVER.service);
        url.searchParams.set('scope', `repository:${repository}:pull,push`);
        const response = await fetch(url, { headers: { authorization: basicAuthorizationFor(account) } });
        await expectStatus(response, 200, `getting a push token for ${repository}`);
        token = ((await response.json()) as { token: string }).token;
        pushTokens.set(key, { token, until: Date.now() + PUSH_TOKEN_REUSE_MS });
      }
      return { authorization: `Bearer ${token}` };
    }
  }
}

async function expectStatus(response: Response, status: number, doing: string): Promise<void> {
  if (response.status === status) {
    if (response.status !== 200) await response.body?.cancel();
    return;
  }
  const text = await response.text().catch(() => '');
  throw new Error(`push: ${doing}: HTTP ${response.status} (expected ${status}) ${text.slice(0, 300)}`);
}
