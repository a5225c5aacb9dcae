/**
 * No duplicate work, end to end: a Harbor "Scan All" over artifacts that share digests (one model pushed
 * under several repositories and tags) performs one analysis per digest, in the embedded mode and across
 * two Redis-mode replicas, while every scan still gets its own id and a report naming its own artifact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_MIME } from '../../../spec/mime.js';
import { VulnerabilityReportSchema } from '../../../spec/schemas.js';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER, TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST } from '../../services/push.js';
import { REDIS } from '../../services/redis.js';
import type { PushedModel } from '../../support/model-artifacts.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { FAST, pushModelVariant, replicaEnv } from './replica-support.js';

const DIGESTS = 4;
const NAMES_PER_DIGEST = 3;

const MODES = [
  { mode: 'embedded', replicas: () => Promise.all([startTestScanner()]) },
  {
    mode: 'Redis, two replicas',
    replicas: () => {
      const env = replicaEnv(REDIS.url);
      return Promise.all([startTestScanner(env), startTestScanner(env)]);
    },
  },
] as const;

describe.each(MODES)('Scan All with shared digests ($mode)', ({ mode, replicas: start }) => {
  let replicas: TestScanner[];
  let artifacts: PushedModel[];

  beforeAll(async () => {
    replicas = await start();
    const run = Math.random().toString(36).slice(2);
    artifacts = [];
    for (let variant = 0; variant < DIGESTS; variant++)
      for (let name = 0; name < NAMES_PER_DIGEST; name++)
        artifacts.push(await pushModelVariant(REGISTRIES.basic, uniqueRepository(`scan-all-${name}`), `v${name}`, `${run}-${variant}`));
  });
  afterAll(async () => Promise.all(replicas.map((r) => r.stop())));

  it(`should analyse ${DIGESTS} digests once each for ${DIGESTS * NAMES_PER_DIGEST} scan requests`, async () => {
    expect(new Set(artifacts.map((a) => a.digest)).size).toBe(DIGESTS);
    const harbors = replicas.map((r) => new HarborSimulator({ url: r.url, timing: FAST }));
    const robot = { name: ROBOT_USER.username, secret: ROBOT_USER.password };
    // Harbor's Scan All submits every artifact at once; the submissions spread over the replicas.
    const outcomes = await Promise.all(
      artifacts.map((artifact, index) =>
        harbors[index % harbors.length]!.scan({
          artifact: { repository: artifact.repository, digest: artifact.digest, tag: artifact.tag, manifestMediaType: OCI_MANIFEST, size: artifact.harborSize },
          registry: { url: REGISTRIES.basic.url, robot },
        }),
      ),
    );

    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.error).toBeUndefined();
      const body = outcome.reports.find((r) => r.mimeType === REPORT_MIME.vulnerabilityV1_1)!.body!;
      const report = VulnerabilityReportSchema.parse(JSON.parse(body));
      expect(report.artifact).toMatchObject({ repository: artifacts[index]!.repository, tag: artifacts[index]!.tag, digest: artifacts[index]!.digest });
      expect(report.vulnerabilities.map((v) => v.package)).toContain('models/bad.safetensors');
    }
    expect(new Set(outcomes.map((o) => o.scanId)).size).toBe(artifacts.length);
    const total = (field: 'requests' | 'analyses' | 'reused' | 'joined') => replicas.reduce((n, r) => n + r.counters[field], 0);
    expect(total('requests')).toBe(artifacts.length);
    expect(total('analyses')).toBe(DIGESTS);
    expect(total('reused') + total('joined')).toBe(artifacts.length - DIGESTS);
    console.log(
      `Scan All (${mode}): ${total('requests')} requests over ${DIGESTS} digests → ${total('analyses')} analyses ` +
        `(${total('joined')} joined an analysis in flight, ${total('reused')} reused a finished one)`,
    );
  });
});
