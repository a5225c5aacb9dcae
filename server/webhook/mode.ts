/**
 * The webhook mode in the server: the parts of server/harbor/harbor-mode.ts plus the receiver and the
 * backfill API routes. server/main.ts mounts the router and resumes/closes the mode with the server.
 */
import type { Router } from 'express';
import { BackfillService } from '../harbor/backfill-service.js';
import { createHarborMode, type HarborModeDeps } from '../harbor/harbor-mode.js';
import { WebhookIntake } from './intake.js';
import { harborModeRouter } from './routes.js';

export interface WebhookMode {
  readonly router: Router;
  resume(): Promise<number>;
  close(): Promise<void>;
}

export function createWebhookMode(deps: HarborModeDeps): WebhookMode {
  const mode = createHarborMode(deps);
  const router = harborModeRouter({
    authHeader: deps.settings.webhookAuthHeader,
    intake: new WebhookIntake(mode.scans, deps.logger),
    backfill: new BackfillService(mode.backfill, deps.settings.backfillConcurrency, deps.logger),
    logger: deps.logger,
  });
  deps.logger.info({ harbor: deps.settings.url, scope: deps.settings.scope }, 'webhook mode enabled');
  return { router, resume: () => mode.resume(), close: () => mode.close() };
}
