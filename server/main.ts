/**
 * Composition root: the only place that wires config → store → engine → queue → controller → HTTP.
 * `npm start` runs this file with the embedded defaults (SQLite under SCANNER_DATA_DIR, in-process pool).
 */
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { ALL_ANALYZERS } from '../analyzers/index.js';
import { ScanEngine } from '../analyzers/engine.js';
import { loadConfig, type Config } from './config/config.js';
import { createApp } from './http/app.js';
import { buildMetadata } from './http/metadata.js';
import { SecretSealer } from './jobs/sealed-secret.js';
import { SqliteJobStore } from './jobs/sqlite-store.js';
import { WorkerPool } from './jobs/worker-pool.js';
import { createLogger, type Logger } from './observability/logger.js';
import { HarborReportRenderer } from './report/renderer.js';
import { ScanController } from './scan/controller.js';
import { registryArtifactOpener } from './scan/registry-artifact.js';

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  stop(): Promise<void>;
}

/** How often finished reports past their TTL are deleted. */
const PURGE_INTERVAL_MS = 60_000;

export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const store = new SqliteJobStore(config.dataDir);
  const queue = new WorkerPool(config.jobs.workers);
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: config.limits, settings: config.settings });
  const controller = new ScanController({
    store,
    queue,
    engine,
    logger,
    sealer: new SecretSealer(config.storeKey),
    openArtifact: registryArtifactOpener({ ...config.registry, limits: config.limits, logger }),
    scanTimeoutMs: config.jobs.scanTimeoutMs,
  });
  const app = createApp({
    logger,
    store,
    controller,
    metadata: buildMetadata(config.harbor),
    renderer: new HarborReportRenderer({ docsUrl: config.harbor.docsUrl }),
    refreshAfterSeconds: config.jobs.refreshAfterSeconds,
  });

  queue.start(controller.run);
  await controller.resume();
  const purge = setInterval(() => {
    store.purge(Date.now() - config.jobs.reportTtlMs).catch((err: unknown) => logger.warn({ err }, 'purging expired reports failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.api.port, config.api.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  const url = `http://${config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host}:${port}`;
  logger.info({ url, data_dir: config.dataDir, workers: config.jobs.workers, model_security: config.harbor.modelSecurity }, 'scanner listening');

  return {
    server,
    url,
    async stop() {
      clearInterval(purge);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await queue.stop(5_000);
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`harbor-scanner-models: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
