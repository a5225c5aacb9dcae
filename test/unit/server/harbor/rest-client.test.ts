/**
 * Harbor's REST client against the test Harbor API (test/harbor-api, answering as Harbor's swagger and
 * handlers do) and, for failures Harbor rarely produces on demand, a scripted server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HarborApiError } from '../../../../server/errors/harbor-errors.js';
import { hasNextPage, HarborRestClient, type HarborConnection } from '../../../../server/harbor/rest-client.js';
import { digestOf } from '../../../../server/registry/digest.js';
import { startHarborApi, type HarborApiServer } from '../../../harbor-api/index.js';
import { REGISTRIES } from '../../../services/endpoints.js';
import { sendJson, startScriptedServer, type ScriptedServer } from '../registry/scripted-server.js';

const ROBOT = { username: 'robot$scanner', password: 'Secret-For-Rest-Tests' };
const MODEL = { artifactType: 'application/vnd.cncf.model.manifest.v1+json', config: { mediaType: 'application/vnd.cncf.model.config.v1+json' }, layers: [] };

function connection(url: string, secret = ROBOT.password): HarborConnection {
  return { url, robotName: ROBOT.username, robotSecret: secret, timeoutMs: 5_000, retries: 1 };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('HarborRestClient against the test Harbor', () => {
  let harbor: HarborApiServer;
  let client: HarborRestClient;
  const digest = digestOf(new TextEncoder().encode('model manifest'));

  beforeAll(async () => {
    harbor = await startHarborApi({ registry: REGISTRIES.plain, robot: ROBOT });
    for (const name of ['alpha', 'bravo', 'charlie', 'delta', 'echo']) harbor.state.project(name);
    harbor.state.recordPush('alpha/team/model', 'v1', { digest, size: 100, mediaType: 'application/vnd.oci.image.manifest.v1+json' }, MODEL);
    client = new HarborRestClient(connection(harbor.url), { pageSize: 2 });
  });
  afterAll(async () => {
    await client.close();
    await harbor.close();
  });

  it('should walk every page of a listing with page and page_size', async () => {
    const before = harbor.calls.length;
    expect((await collect(client.projects())).map((p) => p.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    const pages = harbor.calls.slice(before).map((c) => new URL(c.path, 'http://h').searchParams);
    expect(pages.map((q) => [q.get('page'), q.get('page_size')])).toEqual([['1', '2'], ['2', '2'], ['3', '2']]);
  });

  it('should list the artifacts of a repository whose name has a slash, encoding it twice', async () => {
    expect((await collect(client.repositories('alpha'))).map((r) => r.name)).toEqual(['alpha/team/model']);
    const artifacts = await collect(client.artifacts('alpha', 'alpha/team/model'));
    expect(artifacts).toMatchObject([{ digest, type: 'CNAI', tags: [{ name: 'v1' }] }]);
    expect(harbor.calls.at(-1)?.path).toContain('/projects/alpha/repositories/team%252Fmodel/artifacts?');
  });

  it('should create, find, attach and detach labels', async () => {
    const id = await client.createLabel({ name: 'model-scan:high', description: 'd', color: '#C25400', scope: 'g' });
    await client.createLabel({ name: 'model-scan:high-old', description: 'd', color: '#C25400', scope: 'g' });
    // Harbor's `name` filter is fuzzy: both labels come back, the client keeps the exact one.
    expect((await client.findLabel('model-scan:high'))?.id).toBe(id);
    expect(await client.findLabel('model-scan:low')).toBeUndefined();
    expect(await client.addLabel('alpha', 'alpha/team/model', digest, id)).toBe('added');
    expect(await client.addLabel('alpha', 'alpha/team/model', digest, id)).toBe('already');
    expect((await client.artifact('alpha', 'alpha/team/model', digest)).labels?.map((l) => l.name)).toEqual(['model-scan:high']);
    await client.removeLabel('alpha', 'alpha/team/model', digest, id);
    await client.removeLabel('alpha', 'alpha/team/model', digest, id);
    expect((await client.artifact('alpha', 'alpha/team/model', digest)).labels).toEqual([]);
  });

  it('should find a project label by project id', async () => {
    const projectId = (await client.project('bravo')).project_id;
    const id = await client.createLabel({ name: 'model-scan:clean', description: '', color: '#48960C', scope: 'p', project_id: projectId });
    expect((await client.findLabel('model-scan:clean', { projectId }))?.id).toBe(id);
    expect(await client.findLabel('model-scan:clean')).toBeUndefined();
  });

  it('should throw E_HARBOR_API with a hint and without the secret when the robot secret is wrong', async () => {
    const wrong = new HarborRestClient(connection(harbor.url, 'not-the-secret'));
    try {
      const failure = await collect(wrong.projects()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(HarborApiError);
      expect(failure).toMatchObject({ code: 'E_HARBOR_API', status: 401, message: expect.stringMatching(/UNAUTHORIZED.*SCANNER_HARBOR_ROBOT_NAME/) });
      expect((failure as Error).message).not.toContain('not-the-secret');
    } finally {
      await wrong.close();
    }
  });
});

describe('HarborRestClient failures', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => server?.close());

  it('should retry a 503 and then succeed', async () => {
    server = await startScriptedServer((_req, res, index) => (index === 0 ? sendJson(res, 503, {}) : sendJson(res, 200, { project_id: 7, name: 'p' })));
    const client = new HarborRestClient(connection(server.url));
    await expect(client.project('p')).resolves.toMatchObject({ project_id: 7 });
    await client.close();
  });

  it.each([
    ['keeps answering 500', (res: Parameters<typeof sendJson>[0]) => sendJson(res, 500, {}), 'E_HARBOR_UNAVAILABLE'],
    ['answers HTML', (res: Parameters<typeof sendJson>[0]) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'), 'E_HARBOR_PROTOCOL'],
    ['answers an object where a list belongs', (res: Parameters<typeof sendJson>[0]) => sendJson(res, 200, { projects: [] }), 'E_HARBOR_PROTOCOL'],
  ])('should throw a clear error when Harbor %s', async (_name, answer, code) => {
    server = await startScriptedServer((_req, res) => answer(res));
    const client = new HarborRestClient(connection(server.url));
    await expect(collect(client.projects())).rejects.toMatchObject({ code });
    await client.close();
  });
});

describe('hasNextPage', () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);
  it.each([
    ['a next link', headers({ link: '</api/v2.0/projects?page=2&page_size=2>; rel="next"' }), 2, 1, true],
    ['only a prev link', headers({ link: '</api/v2.0/projects?page=1&page_size=2>; rel="prev"' }), 2, 2, false],
    ['no link but more in X-Total-Count', headers({ 'x-total-count': '5' }), 2, 2, true],
    ['no link and the total reached', headers({ 'x-total-count': '6' }), 2, 3, false],
    ['a short page', headers({ link: '<x>; rel="next"' }), 1, 1, false],
    ['an empty page', headers({}), 0, 4, false],
  ])('should answer for %s', (_name, h, count, page, expected) => {
    expect(hasNextPage(h, count, page, 2)).toBe(expected);
  });
});
