/**
 * Composition root: the only place that wires config → store → engine → queue → controller → HTTP.
 * `npm start` runs this file with the embedded defaults (SQLite under SCANNER_DATA_DIR, in-process pool),
 * or in Redis mode when SCANNER_REDIS_URL is set (./jobs/backend.ts).
 */
import http, { type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { ARTIFACT_RULES } from '../analyzers/index.js';
import { loadConfig, type Config } from './config/config.js';
import { createApp } from './http/app.js';
import { Drain } from './http/drain.js';
import { RenderedReports } from './http/rendered-reports.js';
import { apiAuthentication } from './http/auth.js';
import { buildMetadata } from './http/metadata.js';
import { prerenderReports } from './http/prerender.js';
import { createTlsServer, TlsReloader } from './http/tls.js';
import { createJobBackend } from './jobs/backend.js';
import { SecretSealer } from './jobs/sealed-secret.js';
import { WriteRetryingJobStore } from './jobs/write-retrying-store.js';
import { createLogger, type Logger } from './observability/logger.js';
import { ScanMetrics, type MetricSink } from './observability/metrics.js';
import { startTelemetry } from './observability/otel.js';
import { PrometheusSink } from './observability/prometheus.js';
import { HarborReportRenderer } from './report/renderer.js';
import { ReportThread } from './report/report-thread.js';
import { analysisFingerprint } from './scan/analysis-key.js';
import { ScanController, type AnalysisCounters } from './scan/controller.js';
import { scanRuntime, scanRuntimeConfig } from './scan/scan-runtime.js';
import { ScanThreads } from './scan/scan-threads.js';
import { SharedAnalyses } from './scan/shared-analysis.js';
import { createWebhookMode } from './webhook/mode.js';

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  /** Analyses performed against scan requests accepted by this process. */
  readonly counters: Readonly<AnalysisCounters>;
  /** Re-reads the TLS certificate files; false without TLS or when the files cannot be used (old ones stay). */
  reloadTls(): boolean;
  /**
   * Stops. With `drain`, first keeps answering Harbor (./http/drain.ts) while running scans finish, for up
   * to `SCANNER_SHUTDOWN_GRACE`, and at least one poll interval, so every poller hears the restart wait.
   */
  stop(options?: { drain?: boolean }): Promise<void>;
}

export interface ServerOptions {
  /** A metrics backend besides Prometheus: the OpenTelemetry SDK's, when it runs. */
  readonly metricSink?: MetricSink;
}

/** How often finished reports past their TTL are deleted. */
const PURGE_INTERVAL_MS = 60_000;
/** Rendered report bodies kept for repeated polls (./http/rendered-reports.ts). */
const RENDERED_REPORT_BYTES = 64 * 1024 * 1024;

export async function startServer(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  options: ServerOptions = {},
): Promise<RunningServer> {
  // First, so that certificate files that cannot be used stop the start before anything is opened.
  const tlsServer = config.tls ? createTlsServer(config.tls) : undefined;
  const server: Server = tlsServer ?? http.createServer();
  const backend = await createJobBackend(config, logger);
  const { queue, ledger, location } = backend;
  const prometheus = config.metrics.enabled ? new PrometheusSink() : undefined;
  const sinks = [prometheus, options.metricSink].filter((sink) => sink !== undefined);
  const metrics = sinks.length > 0 ? new ScanMetrics({ sinks, queueDepth: () => queue.depth() }) : undefined;
  // A failed write (full disk, Redis away) is retried until the store takes it: results are never lost.
  const store = new WriteRetryingJobStore(backend.store, { logger, onWriteFailed: (operation) => metrics?.storeWriteFailed(operation) });
  // This thread opens artifacts only to check credentials (manifests) and lists the rules; the analyses
  // run on analysis threads built from the same configuration (./scan/scan-threads.ts).
  const analysis = scanRuntimeConfig(config);
  const { engine, openArtifact } = scanRuntime(analysis, logger, { layerCache: false });
  const scanThreads = new ScanThreads({ config: analysis, size: config.jobs.workers, logger });
  const fingerprint = analysisFingerprint(config.settings, config.limits);
  const controller = new ScanController({
    store,
    queue,
    scanner: scanThreads,
    logger,
    sealer: new SecretSealer(config.storeKey),
    openArtifact,
    scanTimeoutMs: config.jobs.scanTimeoutMs,
    sharing: new SharedAnalyses({ ledger, store, queue, fingerprint }),
    progressLogIntervalMs: config.jobs.progressLogIntervalMs,
    ...(metrics ? { metrics } : {}),
  });
  const renderer = new HarborReportRenderer({ docsUrl: config.harbor.docsUrl });
  // Polls are answered from reports rendered there: never a result decoded on this thread.
  const reportThread = new ReportThread(renderer.produces, { docsUrl: config.harbor.docsUrl });
  const webhookMode = config.harborMode
    ? createWebhookMode({
        settings: config.harborMode,
        registry: config.registry,
        controller,
        store,
        renderer,
        rules: [...engine.rules(), ...ARTIFACT_RULES],
        docsUrl: config.harbor.docsUrl,
        logger,
      })
    : undefined;
  const drain = new Drain();
  const reports = new RenderedReports(RENDERED_REPORT_BYTES);
  const app = createApp({
    logger,
    store,
    controller,
    metadata: buildMetadata(config.harbor),
    renderer: reportThread,
    refreshAfterSeconds: config.jobs.refreshAfterSeconds,
    drain,
    reports,
    authenticate: apiAuthentication(config.apiAuth, logger),
    ...(prometheus ? { metrics: prometheus } : {}),
    ...(webhookMode ? { webhookRouter: webhookMode.router } : {}),
  });

  controller.onFinished(prerenderReports(reports, reportThread, logger));
  queue.start(controller.run, controller.abandon);
  await webhookMode?.resume();
  await controller.resume();
  const purge = setInterval(() => {
    store
      .purge(Date.now() - config.jobs.reportTtlMs)
      .then(() => reports.clear())
      .catch((err: unknown) => logger.warn({ err }, 'purging expired reports failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();

  server.on('request', app);
  const tlsReloader = tlsServer && config.tls ? new TlsReloader(tlsServer, config.tls, logger) : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.api.port, config.api.host, () => resolve());
  });
  tlsReloader?.watch();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  const url = `${config.tls ? 'https' : 'http'}://${config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host}:${port}`;
  logger.info(
    {
      url,
      job_store: location,
      workers: config.jobs.workers,
      model_security: config.harbor.modelSecurity,
      api_auth: config.apiAuth.credentials.mode,
      mutual_tls: (config.tls?.clientCaFiles.length ?? 0) > 0,
      metrics: config.metrics.enabled,
    },
    'scanner listening',
  );

  return {
    server,
    url,
    counters: controller.counters,
    reloadTls: () => tlsReloader?.reload() ?? false,
    async stop({ drain: draining = false } = {}) {
      clearInterval(purge);
      if (draining) {
        drain.start();
        logger.info({ grace_ms: config.jobs.shutdownGraceMs }, 'draining: answering polls until running scans finish');
        const everyPollerAsked = sleep((config.jobs.refreshAfterSeconds + 1) * 1000, undefined, { ref: false });
        await Promise.all([queue.stop(config.jobs.shutdownGraceMs), everyPollerAsked]);
      }
      tlsReloader?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (!draining) await queue.stop(5_000);
      await scanThreads.close();
      await reportThread.close();
      await webhookMode?.close();
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
  // Before the server: spans and metrics recorded from the first request on go to the exporters.
  const telemetry = await startTelemetry(config.telemetry, logger);
  let running: RunningServer;
  try {
    running = await startServer(config, logger, telemetry ? { metricSink: telemetry.sink } : {});
  } catch (error) {
    process.stderr.write(`harbor-scanner-models: ${(error as Error).message}\n`);
    process.exit(1);
  }
  // SIGHUP re-reads the TLS certificate (as file changes do); without TLS it is ignored rather than fatal.
  process.on('SIGHUP', () => {
    if (config.tls) running.reloadTls();
    else logger.info({ signal: 'SIGHUP' }, 'nothing to reload: TLS is not configured');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      running
        .stop({ drain: true })
        .then(() => telemetry?.shutdown())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
