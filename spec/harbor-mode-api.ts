/**
 * The webhook mode's own HTTP API (not part of Harbor's adapter API): the route Harbor's webhook policy
 * posts to, and the backfill over Harbor's projects. Routes, request and answer bodies as zod schemas;
 * spec/openapi.json documents them and test/unit/spec/openapi.test.ts keeps the two in step.
 */
import { z } from 'zod';
import type { ApiRoute } from './routes.js';

/** Paths of the webhook mode on the scanner. */
export const HARBOR_MODE_ROUTES = {
  /** Harbor's webhook target (policy "Endpoint URL"). */
  webhook: '/api/v1/webhooks/harbor',
  /** Starts (POST) or reports (GET) a backfill over Harbor's projects. */
  backfill: '/api/v1/backfill',
} as const;

/**
 * Every route answers 401 without the webhook policy's Auth Header (SCANNER_WEBHOOK_AUTH_HEADER) and 413
 * for a body over the limit. The webhook answers 503 with Retry-After when too many artifacts are in
 * flight (Harbor retries non-2xx deliveries); the backfill 409 while one is running, 404 before any ran.
 */
export const HARBOR_MODE_API_ROUTES = [
  { operationId: 'receiveHarborWebhook', method: 'post', path: HARBOR_MODE_ROUTES.webhook, statuses: [200, 202, 400, 401, 413, 503] },
  { operationId: 'startBackfill', method: 'post', path: HARBOR_MODE_ROUTES.backfill, statuses: [202, 400, 401, 409, 413] },
  { operationId: 'getBackfill', method: 'get', path: HARBOR_MODE_ROUTES.backfill, statuses: [200, 401, 404] },
] as const satisfies readonly ApiRoute[];

export const BackfillRequestSchema = z
  .strictObject({
    /** Harbor project names; all projects the robot can see when absent. */
    projects: z.array(z.string().min(1)).min(1).optional(),
    /** Count what would be scanned without queueing anything. */
    dry_run: z.boolean().optional(),
  })
  .default({});

const count = z.number().int().min(0);

export const BackfillProgressSchema = z.strictObject({
  state: z.enum(['running', 'finished', 'failed']),
  started_at: z.string(),
  finished_at: z.string().optional(),
  dry_run: z.boolean(),
  projects: count,
  repositories: count,
  artifacts: count,
  /** Not scanned: Harbor type IMAGE (scope non-image), a current result exists, already being scanned, not a model. */
  skipped: z.strictObject({ image: count, current: count, in_flight: count, out_of_scope: count }),
  /** Would be scanned (dry run) or were queued. */
  to_scan: count,
  attached: count,
  failed: count,
  /** The first problems met. */
  errors: z.array(z.string()),
});
export type BackfillProgress = z.infer<typeof BackfillProgressSchema>;

/** 409: a backfill is already running; its progress comes along. */
export const BackfillConflictSchema = z.strictObject({
  error: z.strictObject({ message: z.string().min(1) }),
  progress: BackfillProgressSchema,
});

/** 202: the delivery's artifacts are claimed and will be scanned; `duplicates` were already in flight. */
export const WebhookAcceptedSchema = z.strictObject({ status: z.literal('accepted'), accepted: count, duplicates: count });
/** 200: an event type the scanner does not act on (anything but PUSH_ARTIFACT). */
export const WebhookIgnoredSchema = z.strictObject({ status: z.literal('ignored'), reason: z.string() });
