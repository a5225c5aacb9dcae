import type { Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackfillService } from '../../../../server/harbor/backfill-service.js';
import { newBackfillProgress } from '../../../../server/harbor/backfill.js';
import { createLogger } from '../../../../server/observability/logger.js';
import type { WebhookIntake } from '../../../../server/webhook/intake.js';
import { harborModeRouter } from '../../../../server/webhook/routes.js';
import type { HarborWebhookEvent } from '../../../../spec/harbor-webhook.js';
import { pushPayload } from '../../../harbor-api/index.js';
import { closeServer } from '../../../services/http-server.js';

const AUTH = 'Bearer route-test-secret';
const DIGEST = `sha256:${'c'.repeat(64)}`;
const servers: Server[] = [];
afterEach(async () => Promise.all(servers.splice(0).map((s) => closeServer(s))));

async function start() {
  const received: HarborWebhookEvent[] = [];
  const starts: object[] = [];
  let running = false;
  const intake = { receive: (event: HarborWebhookEvent) => (received.push(event), { status: 202, body: { status: 'accepted', accepted: 1, duplicates: 0 } }) } as unknown as WebhookIntake;
  const backfill = {
    start: (options: object) => {
      starts.push(options);
      const started = !running;
      running = true;
      return { started, progress: newBackfillProgress({}) };
    },
    status: () => (starts.length > 0 ? newBackfillProgress({}) : undefined),
  } as unknown as BackfillService;
  const app = express().use(harborModeRouter({ authHeader: AUTH, intake, backfill, logger: createLogger('silent') }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  const { port } = await new Promise<{ port: number }>((resolve) => server.once('listening', () => resolve(server.address() as { port: number })));
  return { url: `http://127.0.0.1:${port}`, received, starts };
}

describe('harborModeRouter', () => {
  it('should hand a valid delivery to the intake and answer its status', async () => {
    const { url, received } = await start();
    const { contentType, body } = pushPayload({ repository: 'p/m', digest: DIGEST, tag: 'v2' });
    const response = await fetch(`${url}/api/v1/webhooks/harbor`, { method: 'POST', headers: { authorization: AUTH, 'content-type': contentType }, body });
    expect(response.status).toBe(202);
    expect(received).toMatchObject([{ repository: 'p/m', artifacts: [{ digest: DIGEST, tag: 'v2' }] }]);
  });

  it.each([
    ['no Authorization', {}],
    ['a wrong Authorization', { authorization: 'Bearer nope' }],
  ])('should answer 401 in the JSON error envelope with %s and never read the body', async (_name, headers) => {
    const { url, received } = await start();
    for (const path of ['/api/v1/webhooks/harbor', '/api/v1/backfill']) {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: '{}' });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { message: expect.stringMatching(/SCANNER_WEBHOOK_AUTH_HEADER/) } });
    }
    expect((await fetch(`${url}/api/v1/backfill`, { headers })).status).toBe(401);
    expect(received).toEqual([]);
  });

  it.each([
    ['not JSON', 'nope', /not valid JSON/],
    ['missing event_data', JSON.stringify({ type: 'PUSH_ARTIFACT', occur_at: 1 }), /missing event_data/],
  ])('should answer 400 naming the problem when the body is %s', async (_name, body, message) => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/webhooks/harbor`, { method: 'POST', headers: { authorization: AUTH }, body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  it('should start a backfill with its options, answer 409 while one runs and report progress', async () => {
    const { url, starts } = await start();
    const headers = { authorization: AUTH, 'content-type': 'application/json' };
    expect((await fetch(`${url}/api/v1/backfill`, { headers })).status).toBe(404);
    const first = await fetch(`${url}/api/v1/backfill`, { method: 'POST', headers, body: JSON.stringify({ projects: ['a'], dry_run: true }) });
    expect(first.status).toBe(202);
    expect(starts).toEqual([{ projects: ['a'], dryRun: true }]);
    expect((await fetch(`${url}/api/v1/backfill`, { method: 'POST', headers: { authorization: AUTH } })).status).toBe(409);
    expect((await fetch(`${url}/api/v1/backfill`, { headers })).status).toBe(200);
  });

  it('should answer 400 for unknown backfill options', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/backfill`, { method: 'POST', headers: { authorization: AUTH }, body: JSON.stringify({ everything: true }) });
    expect(response.status).toBe(400);
  });
});
