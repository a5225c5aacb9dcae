/**
 * The result publisher on its own, against the small Harbor in front of the token registry: what it
 * attaches for a clean scan and a failed one, and that one piece failing (the label of an artifact Harbor
 * does not know) leaves the others attached and is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packResult } from '../../../server/jobs/packed-result.js';
import { ALL_ANALYZERS } from '../../../analyzers/index.js';
import { ScanEngine } from '../../../analyzers/engine.js';
import { DEFAULT_LIMITS } from '../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../analyzers/settings.js';
import { OutcomeLabeler } from '../../../server/harbor/labels.js';
import { ResultPublisher } from '../../../server/harbor/publisher.js';
import { HarborRestClient } from '../../../server/harbor/rest-client.js';
import type { ScanJob } from '../../../server/jobs/model.js';
import { createLogger } from '../../../server/observability/logger.js';
import { createRegistryClient, type HttpRegistryClient } from '../../../server/registry/client.js';
import { HarborReportRenderer } from '../../../server/report/renderer.js';
import { startHarborApi, type HarborApiServer } from '../../harbor-api/index.js';
import { REGISTRIES, ROBOT_USER, TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { pushModelPack } from '../../support/model-artifacts.js';
import { reportReferrers } from './support.js';

const DOCS = 'https://example.test/rules.md';

describe('ResultPublisher', () => {
  let harbor: HarborApiServer;
  let rest: HarborRestClient;
  let registry: HttpRegistryClient;
  let publisher: ResultPublisher;

  beforeAll(async () => {
    harbor = await startHarborApi({ registry: REGISTRIES.token, robot: ROBOT_USER });
    const settings = { url: harbor.url, robotName: ROBOT_USER.username, robotSecret: ROBOT_USER.password, webhookAuthHeader: 'x', scope: 'non-image' as const, backfillConcurrency: 1 };
    rest = new HarborRestClient({ url: harbor.url, robotName: ROBOT_USER.username, robotSecret: ROBOT_USER.password, timeoutMs: 10_000, retries: 0 });
    publisher = new ResultPublisher({
      settings,
      registry: { timeoutMs: 10_000, retries: 0, insecureSkipVerify: false },
      renderer: new HarborReportRenderer({ docsUrl: DOCS }),
      rules: new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS }).rules(),
      docsUrl: DOCS,
      labeler: new OutcomeLabeler(rest),
      logger: createLogger('silent'),
    });
    registry = createRegistryClient({ url: harbor.url, credentials: { kind: 'basic', username: ROBOT_USER.username, password: ROBOT_USER.password }, timeoutMs: 10_000, maxRetries: 0 });
  });
  afterAll(async () => {
    await registry.close();
    await rest.close();
    await harbor.close();
  });

  const jobFor = (repository: string, digest: string, outcome: 'finished' | 'failed'): ScanJob => ({
    id: `job-${digest.slice(7, 15)}`,
    status: outcome,
    target: { registryUrl: harbor.url, repository, digest, origin: 'webhook' },
    createdAt: 0,
    updatedAt: 0,
    ...(outcome === 'finished'
      ? { result: packResult({ generatedAt: '2026-11-28T12:00:00.000Z', packaging: 'modelpack', files: [], filesScanned: 0, bytesScanned: 0, bytesFetched: 0, findings: [] }).packed }
      : { failure: { code: 'E_REGISTRY_AUTH', message: 'denied' } }),
  });

  it('should attach the report, the SBOM and the clean label for a scan without findings', async () => {
    const model = await pushModelPack({ registry: { ...REGISTRIES.token, url: harbor.url }, account: TEST_USER }, uniqueRepository('pub-clean'));
    const publication = await publisher.publish(jobFor(model.repository, model.digest, 'finished'));
    expect(publication).toMatchObject({ outcome: 'clean', labelled: true, problems: [] });
    expect(publication.reportDigest).toMatch(/^sha256:/);
    expect(publication.sbomDigest).toMatch(/^sha256:/);
    expect((await reportReferrers(registry, model.repository, model.digest)).map((d) => d.digest)).toEqual([publication.reportDigest]);
    expect(harbor.state.labelNames(harbor.state.artifact(model.repository, model.digest)!)).toEqual(['model-scan:clean']);
  });

  it('should only label a failed scan', async () => {
    const model = await pushModelPack({ registry: { ...REGISTRIES.token, url: harbor.url }, account: TEST_USER }, uniqueRepository('pub-failed'));
    const publication = await publisher.publish(jobFor(model.repository, model.digest, 'failed'));
    expect(publication).toEqual({ outcome: 'failed', labelled: true, problems: [] });
    expect(await reportReferrers(registry, model.repository, model.digest)).toEqual([]);
  });

  it('should attach the report and report the label when Harbor does not know the artifact', async () => {
    // Pushed straight to the registry, not through Harbor: Harbor's database has no such artifact.
    const model = await pushModelPack({ registry: REGISTRIES.token, account: TEST_USER }, uniqueRepository('pub-unknown'));
    const publication = await publisher.publish(jobFor(model.repository, model.digest, 'finished'));
    expect(publication.reportDigest).toMatch(/^sha256:/);
    expect(publication.labelled).toBe(false);
    expect(publication.problems).toEqual([expect.stringMatching(/^label: harbor .*404/)]);
  });
});
