/**
 * Backfill through the API and the CLI: artifacts already in Harbor (pushed without a webhook policy)
 * are found by walking its REST API, model artifacts without a current result are scanned and labelled,
 * images are left to Harbor's own scanners (scope non-image), and a second run finds everything current.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import type { BackfillProgress } from '../../../spec/harbor-mode-api.js';
import type { HttpRegistryClient } from '../../../server/registry/client.js';
import { ROBOT_USER, TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { pushModelImage, pushModelPack, type PushedModel } from '../../support/model-artifacts.js';
import { eventually, labelsOf, reportReferrers, robotClient, startWebhookSetup, WEBHOOK_AUTH, type WebhookSetup } from './support.js';

describe('backfill', () => {
  let setup: WebhookSetup;
  let client: HttpRegistryClient;
  let models: PushedModel[];
  let image: PushedModel;
  const project = `bf${Date.now().toString(36)}`;

  beforeAll(async () => {
    setup = await startWebhookSetup();
    client = robotClient(setup);
    const target = { registry: setup.viaHarbor, account: TEST_USER };
    models = [await pushModelPack(target, uniqueRepository(project)), await pushModelPack(target, uniqueRepository(project))];
    image = await pushModelImage(target, uniqueRepository(project));
    // An outcome label from an earlier scan, which the backfill's result must replace.
    const old = setup.harbor.state.createLabel({ name: 'model-scan:clean', description: '', color: '', scope: 'g', project_id: 0 });
    setup.harbor.state.artifact(models[0]!.repository, models[0]!.digest)!.labelIds.add(old.id);
  });
  afterAll(async () => {
    await client.close();
    await setup.close();
  });

  async function backfillOnce(body: object): Promise<BackfillProgress> {
    const url = `${setup.scanner.url}/api/v1/backfill`;
    const headers = { authorization: WEBHOOK_AUTH, 'content-type': 'application/json' };
    const started = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(started.status).toBe(202);
    return eventually('the backfill to end', async () => {
      const progress = (await (await fetch(url, { headers })).json()) as BackfillProgress;
      return progress.state === 'running' ? undefined : progress;
    });
  }

  it('should count without scanning on a dry run', async () => {
    const progress = await backfillOnce({ projects: [project], dry_run: true });
    expect(progress).toMatchObject({ state: 'finished', projects: 1, repositories: 3, artifacts: 3, to_scan: 2, attached: 0, failed: 0 });
    expect(progress.skipped.image).toBe(1);
    expect(labelsOf(setup.harbor, models[0]!.repository, models[0]!.digest)).toEqual(['model-scan:clean']);
  });

  it('should scan and label the models without a result and leave the image to Harbor', async () => {
    const progress = await backfillOnce({ projects: [project] });
    expect(progress).toMatchObject({ state: 'finished', artifacts: 3, to_scan: 2, attached: 2, failed: 0, errors: [] });
    expect(progress.skipped).toEqual({ image: 1, current: 0, in_flight: 0, out_of_scope: 0 });
    for (const model of models) {
      expect(labelsOf(setup.harbor, model.repository, model.digest)).toEqual(['model-scan:high']);
      expect(await reportReferrers(client, model.repository, model.digest)).toHaveLength(1);
    }
    expect(labelsOf(setup.harbor, image.repository, image.digest)).toBeUndefined();
    // The REST API was walked page by page with Harbor's parameters.
    expect(setup.harbor.calls.some((c) => c.path.startsWith('/api/v2.0/projects?') && c.path.includes('page=1') && c.path.includes('page_size=100'))).toBe(true);
  });

  it('should find every model current on a second run, through the CLI', async () => {
    const env = {
      SCANNER_HARBOR_URL: setup.harbor.url,
      SCANNER_HARBOR_ROBOT_NAME: ROBOT_USER.username,
      SCANNER_HARBOR_ROBOT_SECRET: ROBOT_USER.password,
      SCANNER_WEBHOOK_AUTH_HEADER: WEBHOOK_AUTH,
      SCANNER_LOG_LEVEL: 'fatal',
      SCANNER_REGISTRY_RETRIES: '0',
    };
    const stdout: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => stdout.push(chunk) > 0) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['backfill', '--project', project, '--concurrency', '1'], env);
    } finally {
      process.stdout.write = write;
    }
    const progress = JSON.parse(stdout.join('')) as BackfillProgress;
    expect(code).toBe(0);
    expect(progress).toMatchObject({ state: 'finished', artifacts: 3, to_scan: 0, attached: 0 });
    expect(progress.skipped).toMatchObject({ image: 1, current: 2 });
  });

  it('should answer 401 without the webhook auth header and 409 while a run is going', async () => {
    const url = `${setup.scanner.url}/api/v1/backfill`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    expect((await fetch(url)).status).toBe(401);
    const headers = { authorization: WEBHOOK_AUTH, 'content-type': 'application/json' };
    const [first, second] = await Promise.all([
      fetch(url, { method: 'POST', headers, body: JSON.stringify({ projects: [project], dry_run: true }) }),
      fetch(url, { method: 'POST', headers, body: JSON.stringify({ projects: [project], dry_run: true }) }),
    ]);
    expect([first.status, second.status].sort()).toEqual([202, 409]);
    await eventually('the backfill to end', async () => {
      const progress = (await (await fetch(url, { headers })).json()) as BackfillProgress;
      return progress.state === 'running' ? undefined : progress;
    });
  });
});
