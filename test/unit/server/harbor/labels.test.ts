import { afterEach, describe, expect, it } from 'vitest';
import { labelName, outcomeOf, OutcomeLabeler } from '../../../../server/harbor/labels.js';
import { HarborRestClient } from '../../../../server/harbor/rest-client.js';
import { digestOf } from '../../../../server/registry/digest.js';
import type { ModelSecurityReport } from '../../../../spec/schemas.js';
import { startHarborApi, type HarborApiServer } from '../../../harbor-api/index.js';
import { REGISTRIES } from '../../../services/endpoints.js';

const ROBOT = { username: 'robot$labels', password: 'Label-Tests-Secret' };
const MANIFEST = { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100 };
const MODEL = { artifactType: 'application/vnd.cncf.model.manifest.v1+json', config: { mediaType: 'application/vnd.cncf.model.config.v1+json' }, layers: [] };

const opened: { harbor: HarborApiServer; client: HarborRestClient }[] = [];
afterEach(async () => {
  for (const { harbor, client } of opened.splice(0)) {
    await client.close();
    await harbor.close();
  }
});

/** A test Harbor with `count` model artifacts in project `proj`. */
async function harborWith(count: number, options: { canCreateGlobalLabels?: boolean } = {}) {
  const harbor = await startHarborApi({ registry: REGISTRIES.plain, robot: ROBOT, ...options });
  const digests = Array.from({ length: count }, (_, i) => digestOf(new TextEncoder().encode(`model ${i}`)));
  for (const digest of digests) harbor.state.recordPush('proj/model', digest, { ...MANIFEST, digest }, MODEL);
  const client = new HarborRestClient({ url: harbor.url, robotName: ROBOT.username, robotSecret: ROBOT.password, timeoutMs: 5_000, retries: 0 });
  opened.push({ harbor, client });
  const labelsOf = (digest: string) => harbor.state.labelNames(harbor.state.artifact('proj/model', digest)!);
  return { harbor, labeler: new OutcomeLabeler(client), digests, labelsOf };
}

describe('outcomeOf', () => {
  const report = (severity: ModelSecurityReport['severity']) => ({ severity }) as ModelSecurityReport;
  it.each([
    [report('Critical'), 'critical'],
    [report('High'), 'high'],
    [report('Medium'), 'medium'],
    [report('Low'), 'low'],
    [report('None'), 'clean'],
    [undefined, 'failed'],
  ] as const)('should map %j to %s', (input, outcome) => {
    expect(outcomeOf(input)).toBe(outcome);
    expect(labelName(outcome)).toBe(`model-scan:${outcome}`);
  });
});

describe('OutcomeLabeler', () => {
  it('should create a missing global label in Harbor\'s palette and attach it', async () => {
    const { harbor, labeler, digests, labelsOf } = await harborWith(1);
    await labeler.apply('proj', 'proj/model', digests[0]!, 'critical');
    expect(labelsOf(digests[0]!)).toEqual(['model-scan:critical']);
    expect(harbor.state.labels).toMatchObject([{ name: 'model-scan:critical', scope: 'g', color: '#C92100' }]);
  });

  it('should replace the previous outcome on a rescan and keep labels of other kinds', async () => {
    const { harbor, labeler, digests, labelsOf } = await harborWith(1);
    const team = harbor.state.createLabel({ name: 'team:ml', description: '', color: '', scope: 'g', project_id: 0 });
    harbor.state.artifact('proj/model', digests[0]!)!.labelIds.add(team.id);
    await labeler.apply('proj', 'proj/model', digests[0]!, 'high');
    await labeler.apply('proj', 'proj/model', digests[0]!, 'clean');
    expect(labelsOf(digests[0]!)).toEqual(['model-scan:clean', 'team:ml']);
  });

  it('should fall back to a project label when the robot may not create global labels', async () => {
    const { harbor, labeler, digests, labelsOf } = await harborWith(1, { canCreateGlobalLabels: false });
    await labeler.apply('proj', 'proj/model', digests[0]!, 'medium');
    expect(labelsOf(digests[0]!)).toEqual(['model-scan:medium']);
    expect(harbor.state.labels).toMatchObject([{ name: 'model-scan:medium', scope: 'p', project_id: harbor.state.projects.get('proj') }]);
  });

  it('should create one label when several artifacts get the same outcome at once', async () => {
    const { harbor, labeler, digests, labelsOf } = await harborWith(4);
    await Promise.all(digests.map((digest) => labeler.apply('proj', 'proj/model', digest, 'low')));
    expect(harbor.state.labels.filter((l) => l.name === 'model-scan:low')).toHaveLength(1);
    for (const digest of digests) expect(labelsOf(digest)).toEqual(['model-scan:low']);
  });

  it('should look the label up again when an admin deleted it since', async () => {
    const { harbor, labeler, digests, labelsOf } = await harborWith(2);
    await labeler.apply('proj', 'proj/model', digests[0]!, 'failed');
    harbor.state.labels.splice(0);
    await labeler.apply('proj', 'proj/model', digests[1]!, 'failed');
    expect(labelsOf(digests[1]!)).toEqual(['model-scan:failed']);
  });
});
