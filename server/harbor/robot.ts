/**
 * The robot account of the webhook mode as registry credentials: one registry client per piece of work
 * (a manifest read, a publication), against Harbor's registry at SCANNER_HARBOR_URL, with the scans'
 * registry settings (SCANNER_REGISTRY_*). The token flow asks for `pull` or `pull,push` as needed.
 */
import type { Logger } from '../observability/logger.js';
import type { ProxySettings } from '../config/proxy.js';
import { createRegistryClient, type HttpRegistryClient } from '../registry/client.js';
import { basicAuthorization } from '../registry/credentials.js';
import type { HarborModeSettings } from './settings.js';

/** Registry client settings shared with the scans (SCANNER_REGISTRY_*). */
export interface RegistryAccess {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly caFile?: string;
  readonly insecureSkipVerify: boolean;
  readonly proxy?: ProxySettings;
}

export function robotRegistryClient(settings: HarborModeSettings, access: RegistryAccess, logger?: Logger): HttpRegistryClient {
  return createRegistryClient({
    url: settings.url,
    credentials: { kind: 'basic', username: settings.robotName, password: settings.robotSecret },
    timeoutMs: access.timeoutMs,
    maxRetries: access.retries,
    insecureSkipVerify: access.insecureSkipVerify,
    ...(access.caFile ? { caFile: access.caFile } : {}),
    ...(access.proxy ? { proxy: access.proxy } : {}),
    ...(logger ? { logger } : {}),
  });
}

/** The `Authorization` value a webhook-mode scan job pulls with (sealed in the job store like Harbor's). */
export function robotAuthorization(settings: HarborModeSettings): string {
  return basicAuthorization(settings.robotName, settings.robotSecret);
}
