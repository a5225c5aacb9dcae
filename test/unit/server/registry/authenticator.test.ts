import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RegistryProtocolError } from '../../../../server/errors/registry-errors.js';
import { pullScope, RegistryAuthenticator } from '../../../../server/registry/authenticator.js';
import { ByteCounter } from '../../../../server/registry/body.js';
import { HttpTransport } from '../../../../server/registry/http-transport.js';
import { sendJson, startScriptedServer, type ScriptedServer } from './scripted-server.js';

const agent = new Agent();
afterAll(() => agent.close());
const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const target = { registry: 'http://registry', repository: 'proj/model' };
const scope = pullScope('proj/model');

/** A token service answering `body(n)` to the n-th request, and an authenticator with a settable clock. */
async function setup(body: (n: number) => unknown) {
  const service = await startScriptedServer((_req, res, n) => sendJson(res, 200, body(n)));
  servers.push(service);
  const clock = { now: 1_000_000 };
  const auth = new RegistryAuthenticator({
    credentials: { kind: 'none' },
    transport: new HttpTransport(agent),
    counter: new ByteCounter(),
    now: () => clock.now,
  });
  auth.noteChallenge(`Bearer realm="${service.url}/token",service="reg"`, target);
  return { auth, clock, service };
}

describe('RegistryAuthenticator token cache', () => {
  it.each([
    { name: 'expires_in', body: { expires_in: 300 }, stillCachedAfterMs: 290_000, refreshedAfterMs: 296_000 },
    { name: 'the 60 s default when expires_in is absent', body: {}, stillCachedAfterMs: 50_000, refreshedAfterMs: 56_000 },
  ])('should reuse a token until shortly before it expires, following $name', async ({ body, stillCachedAfterMs, refreshedAfterMs }) => {
    const { auth, clock, service } = await setup((n) => ({ token: `t${n}`, ...body }));
    expect(await auth.authorization(scope, target)).toBe('Bearer t0');
    clock.now += stillCachedAfterMs;
    expect(await auth.authorization(scope, target)).toBe('Bearer t0');
    clock.now += refreshedAfterMs - stillCachedAfterMs;
    expect(await auth.authorization(scope, target)).toBe('Bearer t1');
    expect(service.requests).toHaveLength(2);
  });

  it('should keep one token per scope when two repositories are read', async () => {
    const { auth, service } = await setup((n) => ({ access_token: `t${n}` }));
    expect(await auth.authorization(scope, target)).toBe('Bearer t0');
    expect(await auth.authorization(pullScope('proj/other'), target)).toBe('Bearer t1');
    expect(await auth.authorization(scope, target)).toBe('Bearer t0');
    expect(service.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('scope'))).toEqual([
      'repository:proj/model:pull',
      'repository:proj/other:pull',
    ]);
  });

  it('should share one exchange when concurrent reads need the same token', async () => {
    const { auth, service } = await setup((n) => ({ token: `t${n}` }));
    const headers = await Promise.all([1, 2, 3].map(() => auth.authorization(scope, target)));
    expect(headers).toEqual(['Bearer t0', 'Bearer t0', 'Bearer t0']);
    expect(service.requests).toHaveLength(1);
  });

  it('should fetch a new token after invalidate when the registry refused the cached one', async () => {
    const { auth } = await setup((n) => ({ token: `t${n}` }));
    await auth.authorization(scope, target);
    auth.invalidate(scope);
    expect(await auth.authorization(scope, target)).toBe('Bearer t1');
  });

  it.each([
    { name: 'has no token', body: { expires_in: 60 }, message: /neither "token" nor "access_token"/ },
    { name: 'is not an object', body: 'token', message: /neither "token"/ },
    { name: 'carries a token with a line break', body: { token: 'a\r\nX-Injected: 1' }, message: /invalid characters/ },
  ])('should throw E_REGISTRY_PROTOCOL when the token response $name', async ({ body, message }) => {
    const { auth } = await setup(() => body);
    const failing = auth.authorization(scope, target);
    await expect(failing).rejects.toThrow(RegistryProtocolError);
    await expect(failing).rejects.toThrow(message);
  });

  it('should throw E_REGISTRY_PROTOCOL when a challenge offers only an unknown scheme', async () => {
    const { auth } = await setup(() => ({}));
    expect(() => auth.noteChallenge('Negotiate abc==', target)).toThrow(/unsupported authentication scheme\(s\) in the challenge: negotiate/);
  });
});
