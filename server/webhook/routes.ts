/**
 * HTTP routes of the webhook mode: Harbor's webhook receiver and the backfill API. Both are guarded by the
 * webhook's auth header (SCANNER_WEBHOOK_AUTH_HEADER), not by the adapter API's credentials: Harbor's
 * webhook can only send its one configured `Authorization` value. Errors use the adapter's
 * `{"error":{"message"}}` envelope with `application/json`.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { BackfillRequestSchema, HARBOR_MODE_ROUTES } from '../../spec/harbor-mode-api.js';
import { parseHarborWebhook } from '../../spec/harbor-webhook.js';
import { describeIssues } from '../../spec/schemas.js';
import type { BackfillService } from '../harbor/backfill-service.js';
import type { Logger } from '../observability/logger.js';
import { sendError as sendAdapterError } from '../http/responses.js';
import { authHeaderMatches } from './auth.js';
import type { WebhookIntake } from './intake.js';

export interface HarborModeRoutesDeps {
  readonly authHeader: string;
  readonly intake: WebhookIntake;
  readonly backfill: BackfillService;
  readonly logger: Logger;
}

/** A webhook body is one event with one resource; anything near this size is not from Harbor. */
const MAX_BODY = '256kb';

export function harborModeRouter(deps: HarborModeRoutesDeps): Router {
  const router = express.Router();
  const json = express.raw({ type: () => true, limit: MAX_BODY });

  // Checked before the body is read: an unauthenticated caller costs no parsing.
  const authorized = (req: Request, res: Response, next: NextFunction): void => {
    if (authHeaderMatches(req.headers.authorization, deps.authHeader)) return next();
    // Never the presented value: it may be a near-miss of the real secret.
    deps.logger.warn({ path: req.path, remote: req.socket.remoteAddress }, 'webhook-mode request with a wrong or missing Authorization');
    sendError(res, 401, 'unauthorized: the Authorization header does not match the webhook policy\'s "Auth Header" (SCANNER_WEBHOOK_AUTH_HEADER)');
  };

  router.post(HARBOR_MODE_ROUTES.webhook, authorized, json, (req: Request, res: Response) => {
    const body = parseBody(req);
    if (body === undefined) return sendError(res, 400, 'invalid webhook payload: body is not valid JSON');
    const parsed = parseHarborWebhook(body);
    if (!parsed.ok) return sendError(res, 400, `invalid webhook payload: ${parsed.message}`);
    const answer = deps.intake.receive(parsed.value);
    if ('message' in answer) {
      if (answer.status === 503) res.set('Retry-After', '10');
      return sendError(res, answer.status, answer.message);
    }
    res.status(answer.status).json(answer.body);
  });

  router.post(HARBOR_MODE_ROUTES.backfill, authorized, json, (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) && req.body.length > 0 ? parseBody(req) : {};
    if (raw === undefined) return sendError(res, 400, 'invalid backfill request: body is not valid JSON');
    const parsed = BackfillRequestSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) return sendError(res, 400, `invalid backfill request: ${describeIssues(parsed.error.issues)}`);
    const { projects, dry_run } = parsed.data;
    const { started, progress } = deps.backfill.start({ ...(projects ? { projects } : {}), dryRun: dry_run === true });
    res.status(started ? 202 : 409).json(started ? progress : { error: { message: 'a backfill is already running' }, progress });
  });

  router.get(HARBOR_MODE_ROUTES.backfill, authorized, (_req: Request, res: Response) => {
    const progress = deps.backfill.status();
    if (progress === undefined) return sendError(res, 404, 'no backfill has run since the scanner started');
    res.status(200).json(progress);
  });

  return router;
}

function sendError(res: Response, status: number, message: string): void {
  sendAdapterError(res, status, message, 'application/json');
}

function parseBody(req: Request): unknown {
  try {
    return JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
  } catch {
    return undefined;
  }
}

