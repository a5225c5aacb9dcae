/**
 * Helpers of the Redis-mode integration suites: the environment of replicas sharing one Redis, a fetch
 * that spreads Harbor's requests over the replicas (as a Service in front of them would), model images
 * whose digest depends only on a variant (so one model pushed under many names shares its digest), and
 * direct reads of a job's state in Redis.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { API_MIME, ARTIFACT_MIME, REPORT_MIME } from '../../../spec/mime.js';
import { ScanResponseSchema } from '../../../spec/schemas.js';
import { HarborAdapterClient, ReportNotReadyError } from '../../harbor-sim/index.js';
import { basicAuthorizationFor, TEST_USER, type RegistryEndpoint } from '../../services/endpoints.js';
import { pushArtifact } from '../../services/push.js';
import { GOOD_SAFETENSORS, HOSTILE_SAFETENSORS, type PushedModel } from '../../support/model-artifacts.js';
import { tarArchive, tarEntry } from '../../support/tar-builder.js';

/** Harbor's waits, shrunk: the protocol is unchanged, only the clock runs faster. */
export const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;

/** SCANNER_* variables of replicas sharing `redisUrl` under a fresh namespace (one deployment). */
export function replicaEnv(redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SCANNER_REDIS_URL: redisUrl,
    SCANNER_REDIS_NAMESPACE: `test-${randomBytes(6).toString('hex')}`,
    SCANNER_STORE_KEY: randomBytes(32).toString('base64'),
    SCANNER_REFRESH_AFTER: '1',
    ...extra,
  };
}

/** A fetch sending each request to the next replica in turn; `served` counts requests per replica. */
export function roundRobinFetch(replicaUrls: readonly string[]): { fetch: typeof fetch; served: Map<string, number> } {
  let next = 0;
  const served = new Map(replicaUrls.map((url) => [url, 0]));
  const roundRobin = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const original = new URL(input instanceof Request ? input.url : input);
    const replica = replicaUrls[next++ % replicaUrls.length]!;
    served.set(replica, served.get(replica)! + 1);
    const rewritten = new URL(original.pathname + original.search, replica);
    return fetch(rewritten, init);
  };
  return { fetch: roundRobin as typeof fetch, served };
}

/**
 * A model image (hostile and good safetensors in a tar+gzip layer) whose config carries `variant`: the
 * same variant pushed under any repository or tag has the same digest, another variant another digest.
 */
export async function pushModelVariant(registry: RegistryEndpoint, repository: string, tag: string, variant: string): Promise<PushedModel> {
  const layer = gzipSync(
    tarArchive([tarEntry({ name: 'models/bad.safetensors' }, HOSTILE_SAFETENSORS), tarEntry({ name: 'models/good.safetensors' }, GOOD_SAFETENSORS)]),
  );
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: { variant } } };
  const artifact = await pushArtifact({ registry }, repository, tag, {
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: new TextEncoder().encode(JSON.stringify(config)) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: layer }],
  });
  const harborSize = artifact.manifestBytes.length + artifact.config.size + artifact.layers.reduce((n, l) => n + l.size, 0);
  return { ...artifact, repository, tag, harborSize };
}

/** POST /scan as Harbor would, with the test account's Basic credentials; returns the scan id. */
export async function submitScan(scannerUrl: string, registryUrl: string, model: PushedModel): Promise<string> {
  const res = await fetch(`${scannerUrl}/api/v1/scan`, {
    method: 'POST',
    headers: { 'content-type': API_MIME.scanRequestV1_0, accept: API_MIME.scanResponseV1_0 },
    body: JSON.stringify({
      registry: { url: registryUrl, authorization: basicAuthorizationFor(TEST_USER) },
      artifact: { repository: model.repository, digest: model.digest, tag: model.tag, mime_type: ARTIFACT_MIME.ociManifest },
    }),
  });
  if (res.status !== 202) throw new Error(`POST /scan answered ${res.status}: ${await res.text()}`);
  return ScanResponseSchema.parse(await res.json()).id;
}

/** Polls one replica for the vulnerability report until it is ready (throws Harbor's error on failure). */
export async function pollReport(scannerUrl: string, id: string, attempts = 600): Promise<string> {
  const client = new HarborAdapterClient({ baseUrl: scannerUrl, auth: { type: '' } });
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await client.getScanReport(id, REPORT_MIME.vulnerabilityV1_1, '');
    } catch (error) {
      if (!(error instanceof ReportNotReadyError)) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`report ${id} never became ready`);
}

/** Waits until the job's state in Redis is `status` (a replica has taken it, for instance). */
export async function waitForJobStatus(redisUrl: string, namespace: string, id: string, status: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (let attempt = 0; attempt < 600; attempt++) {
      if ((await redis.hget(`${namespace}:job:${id}`, 'status')) === status) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`job ${id} never reached status ${status}`);
  } finally {
    redis.disconnect();
  }
}
