/**
 * What an analysis needs, built from configuration in one place: the engine and the registry opener. The
 * server builds it on its own thread (access checks, the rule list) and each analysis thread builds its
 * own from the same {@link ScanRuntimeConfig} (./scan-threads.ts), so a new dependency of the analysis is
 * added here once, for both.
 */
import { ScanEngine } from '../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../analyzers/index.js';
import type { Config } from '../config/config.js';
import { createLayerResultCache } from '../jobs/backend.js';
import type { Logger } from '../observability/logger.js';
import { analysisFingerprint } from './analysis-key.js';
import type { ArtifactOpener } from './controller.js';
import { registryArtifactOpener } from './registry-artifact.js';

/**
 * The configuration slice analysis threads receive as `workerData`: plain data (structured-clone safe)
 * and none of the service's secrets (API credentials, store key, robot account). Registry credentials
 * travel with each scan task, never here.
 */
export type ScanRuntimeConfig = Pick<Config, 'registry' | 'limits' | 'settings' | 'dataDir' | 'redis' | 'layerCache'>;

export function scanRuntimeConfig(config: ScanRuntimeConfig): ScanRuntimeConfig {
  return {
    registry: config.registry,
    limits: config.limits,
    settings: config.settings,
    dataDir: config.dataDir,
    ...(config.redis ? { redis: config.redis } : {}),
    layerCache: config.layerCache,
  };
}

export interface ScanRuntime {
  readonly engine: ScanEngine;
  readonly openArtifact: ArtifactOpener;
}

/**
 * `layerCache: false`: no layer-level reuse (../jobs/layer-cache.ts) — the server's thread opens manifests
 * only; each analysis thread opens its own connection to the cache.
 */
export function scanRuntime(config: ScanRuntimeConfig, logger: Logger, { layerCache = true } = {}): ScanRuntime {
  const cache = layerCache ? createLayerResultCache(config, logger) : undefined;
  const fingerprint = analysisFingerprint(config.settings, config.limits);
  return {
    engine: new ScanEngine({ analyzers: ALL_ANALYZERS, limits: config.limits, settings: config.settings }),
    openArtifact: registryArtifactOpener({ ...config.registry, limits: config.limits, logger, ...(cache ? { layerResults: { cache, fingerprint } } : {}) }),
  };
}
