/** The express application: Harbor's API, probes, metrics, and JSON errors for whatever goes wrong on the way. */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../observability/logger.js';
import { METRICS_PATH } from '../observability/metrics.js';
import type { MetricsExposition } from '../observability/prometheus.js';
import { apiV1Router, type ApiDeps } from './api-v1.js';
import { sendError } from './responses.js';

export interface AppDeps extends ApiDeps {
  readonly logger: Logger;
  /** Checks the credentials Harbor sends (./auth.ts); absent: the API is open. */
  readonly authenticate?: RequestHandler;
  /** Served on GET /metrics; absent: no such route. */
  readonly metrics?: MetricsExposition;
  /** The webhook mode's routes (../webhook/routes.ts), guarded by their own auth header. */
  readonly webhookRouter?: express.Router;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Method, path and status only: bodies and headers may carry registry credentials.
      deps.logger.debug(
        { method: req.method, path: req.path, status: res.statusCode, duration_ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      );
    });
    next();
  });

  // Before the adapter API's authentication: Harbor's webhook can only send its own Authorization value.
  if (deps.webhookRouter) app.use(deps.webhookRouter);
  if (deps.authenticate) app.use(deps.authenticate);

  app.get('/probe/healthy', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  app.get('/probe/ready', async (_req, res) => {
    if (deps.drain?.active) return void res.status(503).json({ status: 'draining' });
    const ready = await deps.store.healthy();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'store unavailable' });
  });

  const { metrics } = deps;
  if (metrics)
    app.get(METRICS_PATH, async (_req, res) => {
      res.status(200).type(metrics.contentType).send(await metrics.render());
    });

  app.use('/', apiV1Router(deps));

  app.use((req: Request, res: Response) => sendError(res, 404, `no route for ${req.method} ${req.path}`));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return sendError(res, status, (error as Error).message || 'bad request');
    deps.logger.error({ err: error }, 'request failed');
    sendError(res, 500, 'internal error');
  });
  return app;
}
