/**
 * Shared setup of the webhook-mode integration tests: a small Harbor (test/harbor-api) in front of the
 * token-auth docker-registry, a scanner in webhook mode pointed at it, and helpers to wait for results
 * and read them back from the registry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createRegistryClient, type HttpRegistryClient } from '../../../server/registry/client.js';
import { REPORT_ARTIFACT_TYPE, REPORT_LAYER_TYPES } from '../../../server/harbor/report-artifact.js';
import type { Descriptor } from '../../../server/registry/types.js';
import { startHarborApi, type HarborApiServer } from '../../harbor-api/index.js';
import { REGISTRIES, ROBOT_USER, type RegistryEndpoint } from '../../services/endpoints.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';

export const WEBHOOK_AUTH = 'Bearer harbor-webhook-secret-4-tests';

export interface WebhookSetup {
  readonly harbor: HarborApiServer;
  readonly scanner: TestScanner;
  /** The registry as reached through the small Harbor (what `docker push harbor…` would use). */
  readonly viaHarbor: RegistryEndpoint;
  readonly webhookUrl: string;
  close(): Promise<void>;
}

export async function startWebhookSetup(
  env: Record<string, string> = {},
  options: { canCreateGlobalLabels?: boolean; referrersApi?: boolean } = {},
): Promise<WebhookSetup> {
  const registry = REGISTRIES.token;
  const harbor = await startHarborApi({ registry, robot: ROBOT_USER, ...options });
  const scanner = await startTestScanner({
    SCANNER_HARBOR_URL: harbor.url,
    SCANNER_HARBOR_ROBOT_NAME: ROBOT_USER.username,
    SCANNER_HARBOR_ROBOT_SECRET: ROBOT_USER.password,
    SCANNER_WEBHOOK_AUTH_HEADER: WEBHOOK_AUTH,
    ...env,
  });
  const webhookUrl = `${scanner.url}/api/v1/webhooks/harbor`;
  return {
    harbor,
    scanner,
    viaHarbor: { ...registry, url: harbor.url, port: Number(new URL(harbor.url).port) },
    webhookUrl,
    async close() {
      await harbor.settled();
      await scanner.stop();
      await harbor.close();
    },
  };
}

/** Waits until `check` answers a value (the scan runs in the background); fails after `limitMs`. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, limitMs = 45_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

/** The model-scan labels on an artifact of the small Harbor, once it has any. */
export function labelsOf(harbor: HarborApiServer, repository: string, digest: string): string[] | undefined {
  const artifact = harbor.state.artifact(repository, digest);
  const names = artifact ? harbor.state.labelNames(artifact) : [];
  return names.length > 0 ? names : undefined;
}

export function robotClient(setup: WebhookSetup): HttpRegistryClient {
  return createRegistryClient({
    url: setup.harbor.url,
    credentials: { kind: 'basic', username: ROBOT_USER.username, password: ROBOT_USER.password },
    timeoutMs: 10_000,
    maxRetries: 0,
  });
}

/** Our report referrers of `digest` (Harbor's referrers API, or the sha256-<hex> tag the scanner maintains). */
export async function reportReferrers(client: HttpRegistryClient, repository: string, digest: string): Promise<Descriptor[]> {
  const referrers = await client.getReferrers(repository, digest, REPORT_ARTIFACT_TYPE);
  return [...referrers.manifests];
}

/** The layer of a pushed report artifact with `mediaType`, parsed as JSON. */
export async function reportLayer(client: HttpRegistryClient, repository: string, reportDigest: string, mediaType: string): Promise<unknown> {
  const manifest = await client.getManifest(repository, reportDigest);
  const layers = manifest.body['layers'] as Descriptor[];
  const layer = layers.find((l) => l.mediaType === mediaType);
  if (!layer) throw new Error(`report ${reportDigest} has no ${mediaType} layer`);
  return JSON.parse(Buffer.from(await client.getBlob(repository, layer, 10_000_000)).toString('utf8'));
}

export { REPORT_LAYER_TYPES };
