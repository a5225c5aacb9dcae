/**
 * The webhook mode's parts wired together, for the server (server/webhook/mode.ts adds the routes) and
 * the `backfill` command: Harbor's REST client, the outcome labeler, the result publisher, the in-flight
 * map and the job watcher (registered on the controller's `onFinished` hook).
 */
import type { Rule } from '../../analyzers/finding.js';
import type { ReportRenderer } from '../http/report-renderer.js';
import type { JobStore } from '../jobs/store.js';
import type { Logger } from '../observability/logger.js';
import type { ScanController } from '../scan/controller.js';
import { HarborArtifactScans } from './artifact-scans.js';
import type { BackfillDeps } from './backfill.js';
import { InFlightScans } from './in-flight.js';
import { JobWatcher } from './job-watcher.js';
import { OutcomeLabeler } from './labels.js';
import { ResultPublisher } from './publisher.js';
import { HarborRestClient } from './rest-client.js';
import { robotRegistryClient, type RegistryAccess } from './robot.js';
import type { HarborModeSettings } from './settings.js';

export interface HarborModeDeps {
  readonly settings: HarborModeSettings;
  readonly registry: RegistryAccess;
  readonly controller: ScanController;
  readonly store: JobStore;
  readonly renderer: ReportRenderer;
  readonly rules: readonly Rule[];
  readonly docsUrl: string;
  readonly logger: Logger;
}

/** How long a settled artifact stays claimed: Harbor's redeliveries of one push arrive well within it. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** Artifacts handled at once per process before new deliveries are refused (503). */
const MAX_IN_FLIGHT = 10_000;
/** Fallback lookup of watched jobs the controller does not report (finished by a shared analysis). */
const WATCH_POLL_MS = 5_000;

export interface HarborMode {
  readonly scans: HarborArtifactScans;
  readonly backfill: BackfillDeps;
  /** Watches the webhook-mode scans a previous process left unfinished. */
  resume(): Promise<number>;
  close(): Promise<void>;
}

export function createHarborMode(deps: HarborModeDeps): HarborMode {
  const { settings, registry, logger } = deps;
  const harbor = new HarborRestClient({
    url: settings.url,
    robotName: settings.robotName,
    robotSecret: settings.robotSecret,
    timeoutMs: registry.timeoutMs,
    retries: registry.retries,
    insecureSkipVerify: registry.insecureSkipVerify,
    ...(registry.caFile ? { caFile: registry.caFile } : {}),
    ...(registry.proxy ? { proxy: registry.proxy } : {}),
  });
  const publisher = new ResultPublisher({
    settings,
    registry,
    renderer: deps.renderer,
    rules: deps.rules,
    docsUrl: deps.docsUrl,
    labeler: new OutcomeLabeler(harbor),
    logger,
  });
  const watcher = new JobWatcher(deps.store, WATCH_POLL_MS);
  deps.controller.onFinished(watcher.notify);
  const scans = new HarborArtifactScans({
    settings,
    registry,
    controller: deps.controller,
    store: deps.store,
    watcher,
    publisher,
    inFlight: new InFlightScans({ ttlMs: DUPLICATE_WINDOW_MS, maxEntries: MAX_IN_FLIGHT }),
    logger,
  });
  return {
    scans,
    backfill: { harbor, scans, registryClient: () => robotRegistryClient(settings, registry), scope: settings.scope, logger },
    resume: () => scans.resume(),
    async close() {
      watcher.stop();
      await harbor.close();
    },
  };
}
