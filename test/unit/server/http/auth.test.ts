import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAuthentication, type ApiAuthSettings, type ApiCredentials } from '../../../../server/http/auth.js';
import { createLogger } from '../../../../server/observability/logger.js';
import { API_MIME } from '../../../../spec/mime.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A tiny app behind the middleware: every route answers 200 "ok" once let through. */
async function serve(credentials: ApiCredentials, options: Partial<ApiAuthSettings> = {}) {
  const logs: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void logs.push(line) });
  const app = express();
  app.use(apiAuthentication({ credentials, protectProbes: false, protectMetrics: false, ...options }, logger));
  app.use((_req, res) => void res.status(200).send('ok'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, logs, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

type Server = Awaited<ReturnType<typeof serve>>;

describe('apiAuthentication', () => {
  const servers: Record<'basic' | 'bearer' | 'apikey', Server> = {} as never;

  beforeAll(async () => {
    servers.basic = await serve({ mode: 'basic', username: 'harbor', password: 'pa:ss' });
    servers.bearer = await serve({ mode: 'bearer', token: 'tok.en-1' });
    servers.apikey = await serve({ mode: 'apikey', key: 'k3y' });
  });
  afterAll(async () => Promise.all(Object.values(servers).map((s) => s.close())));

  it.each([
    ['basic', { authorization: `Basic ${b64('harbor:pa:ss')}` }, 200],
    ['basic', { authorization: `basic ${b64('harbor:pa:ss')}` }, 200],
    ['basic', { authorization: `BASIC   ${b64('harbor:pa:ss')}` }, 200],
    ['basic', { authorization: `Basic ${b64('harbor:pa:sS')}` }, 401],
    ['basic', { authorization: `Basic ${b64('harbor')}` }, 401],
    ['basic', { authorization: 'Basic !!!not-base64!!!' }, 401],
    ['basic', { authorization: `Bearer ${b64('harbor:pa:ss')}` }, 401],
    ['basic', { authorization: `Basic${b64('harbor:pa:ss')}` }, 401],
    ['basic', {}, 401],
    ['bearer', { authorization: 'Bearer tok.en-1' }, 200],
    ['bearer', { authorization: 'bearer tok.en-1' }, 200],
    ['bearer', { authorization: 'Bearer tok.en-2' }, 401],
    ['bearer', { authorization: 'Bearer tok.en-1x' }, 401],
    ['bearer', { authorization: 'Bearer ' }, 401],
    ['bearer', { 'x-scanneradapter-api-key': 'tok.en-1' }, 401],
    ['apikey', { 'X-ScannerAdapter-API-Key': 'k3y' }, 200],
    ['apikey', { 'x-scanneradapter-api-key': 'k3y' }, 200],
    ['apikey', { 'X-ScannerAdapter-API-Key': 'k3Y' }, 401],
    ['apikey', { 'X-ScannerAdapter-API-Key': '' }, 401],
    ['apikey', { authorization: 'Bearer k3y' }, 401],
  ] as const)('should answer %s mode with %j → %i', async (mode, headers, status) => {
    const res = await fetch(`${servers[mode].url}/api/v1/metadata`, { headers });
    expect(res.status).toBe(status);
  });

  it.each([
    ['basic', {}, 'no credentials'],
    ['basic', { authorization: `Basic ${b64('harbor:wrong')}` }, 'invalid credentials'],
    ['apikey', { 'X-ScannerAdapter-API-Key': 'wrong' }, 'invalid credentials'],
  ] as const)('should explain a %s rejection of %j in the error envelope', async (mode, headers, reason) => {
    const res = await fetch(`${servers[mode].url}/api/v1/scan`, { method: 'POST', headers });
    expect(res.headers.get('content-type')?.startsWith(API_MIME.errorV1_0)).toBe(true);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain(reason);
    expect(body.error.message).toContain(mode === 'basic' ? '"Basic"' : '"APIKey"');
  });

  it.each([
    ['basic', {}, 'Basic realm="harbor-scanner-models", charset="UTF-8"'],
    ['bearer', {}, 'Bearer realm="harbor-scanner-models"'],
    ['bearer', { authorization: 'Bearer nope' }, 'Bearer realm="harbor-scanner-models", error="invalid_token"'],
    ['apikey', {}, null],
  ] as const)('should challenge a %s rejection of %j with WWW-Authenticate %j', async (mode, headers, challenge) => {
    const res = await fetch(`${servers[mode].url}/api/v1/metadata`, { headers });
    expect(res.headers.get('www-authenticate')).toBe(challenge);
  });

  it('should log a rejection without the presented credential', async () => {
    await fetch(`${servers.bearer.url}/api/v1/metadata`, { headers: { authorization: 'Bearer almost-the-token' } });
    const line = servers.bearer.logs.at(-1) ?? '';
    expect(JSON.parse(line)).toMatchObject({ msg: 'adapter API request rejected', reason: 'rejected', path: '/api/v1/metadata' });
    expect(line).not.toContain('almost-the-token');
  });

  it.each(['/probe/healthy', '/probe/ready', '/metrics'])('should let %s through without credentials by default', async (path) => {
    expect((await fetch(`${servers.apikey.url}${path}`)).status).toBe(200);
  });

  it.each([
    [{ protectProbes: true }, '/probe/ready', 401],
    [{ protectProbes: true }, '/metrics', 200],
    [{ protectMetrics: true }, '/metrics', 401],
    [{ protectMetrics: true }, '/probe/healthy', 200],
  ])('should apply %j to %s → %i', async (options, path, status) => {
    const server = await serve({ mode: 'apikey', key: 'k' }, options);
    try {
      expect((await fetch(`${server.url}${path}`)).status).toBe(status);
    } finally {
      await server.close();
    }
  });

  it('should let everything through when the mode is none', async () => {
    const server = await serve({ mode: 'none' });
    try {
      expect((await fetch(`${server.url}/api/v1/scan`, { method: 'POST' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
