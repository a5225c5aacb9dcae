/**
 * The webhook mode end to end: a ModelPack pushed through a small Harbor (REST API + registry proxy in
 * front of the token-auth docker-registry) triggers Harbor's PUSH_ARTIFACT webhook; the scanner scans it
 * and attaches the report artifact (subject = the model, referrers tag schema on distribution 2.8) and an
 * outcome label through Harbor's REST API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULESET } from '../../../analyzers/ruleset.js';
import { REPORT_ANNOTATIONS, REPORT_ARTIFACT_TYPE } from '../../../server/harbor/report-artifact.js';
import type { HttpRegistryClient } from '../../../server/registry/client.js';
import { OCI_INDEX } from '../../../server/registry/manifest.js';
import type { Descriptor } from '../../../server/registry/types.js';
import { HARBOR_SBOM_ACCESSORY_TYPE } from '../../../spec/mime.js';
import { ModelSecurityReportSchema } from '../../../spec/schemas.js';
import { deliverWebhook, pushPayload } from '../../harbor-api/index.js';
import { TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { pushModelPack } from '../../support/model-artifacts.js';
import {
  eventually,
  labelsOf,
  REPORT_LAYER_TYPES,
  reportLayer,
  reportReferrers,
  robotClient,
  startWebhookSetup,
  WEBHOOK_AUTH,
  type WebhookSetup,
} from './support.js';

describe.each([
  { referrersApi: true, harbor: 'a Harbor with the referrers API (2.8+)' },
  { referrersApi: false, harbor: 'a registry without the referrers API' },
])('webhook mode end to end with $harbor', ({ referrersApi }) => {
  let setup: WebhookSetup;
  let client: HttpRegistryClient;

  beforeAll(async () => {
    setup = await startWebhookSetup({}, { referrersApi });
    client = robotClient(setup);
  });
  afterAll(async () => {
    await client.close();
    await setup.close();
  });

  it('should attach a report artifact and a label to a ModelPack pushed to Harbor', async () => {
    setup.harbor.webhook = { url: setup.webhookUrl, authHeader: WEBHOOK_AUTH };
    const accepted = setup.scanner.counters.requests;
    const model = await pushModelPack({ registry: setup.viaHarbor, account: TEST_USER }, uniqueRepository('wh-modelpack'));
    expect(setup.harbor.state.artifact(model.repository, model.digest)?.type).toBe('CNAI');

    const labels = await eventually('the outcome label', () => labelsOf(setup.harbor, model.repository, model.digest));
    expect(labels).toEqual(['model-scan:high']);
    await setup.harbor.settled();

    const referrers = await reportReferrers(client, model.repository, model.digest);
    const fallbackTag = `sha256-${model.digest.slice('sha256:'.length)}`;
    if (referrersApi) {
      // Harbor answered OCI-Subject: no tag index was written.
      await expect(client.getManifest(model.repository, fallbackTag)).rejects.toMatchObject({ code: 'E_MANIFEST_UNKNOWN' });
    } else {
      const index = await client.getManifest(model.repository, fallbackTag);
      expect(index.mediaType).toBe(OCI_INDEX);
      const entries = index.body['manifests'] as Descriptor[];
      expect(entries.map((e) => e.artifactType).sort()).toEqual([HARBOR_SBOM_ACCESSORY_TYPE, REPORT_ARTIFACT_TYPE].sort());
      expect(entries).toContainEqual(referrers[0]);
    }
    expect(referrers).toHaveLength(1);
    expect(referrers[0]).toMatchObject({
      artifactType: REPORT_ARTIFACT_TYPE,
      annotations: {
        [REPORT_ANNOTATIONS.rulesetVersion]: RULESET.version,
        [REPORT_ANNOTATIONS.severity]: 'High',
        [REPORT_ANNOTATIONS.scannerName]: 'harbor-scanner-models',
      },
    });

    const reportDigest = referrers[0]!.digest;
    const manifest = await client.getManifest(model.repository, reportDigest);
    expect(manifest.body['subject']).toEqual({ mediaType: model.descriptor.mediaType, digest: model.digest, size: model.manifestBytes.length });
    const report = ModelSecurityReportSchema.parse(await reportLayer(client, model.repository, reportDigest, REPORT_LAYER_TYPES.modelSecurity));
    expect(report.findings.filter((f) => f.file === 'weights/bad.safetensors').map((f) => f.id)).toContain('safetensors.offset-overlap');
    expect(report.summary.high).toBe(Number(referrers[0]!.annotations?.[REPORT_ANNOTATIONS.high]));
    const sarif = (await reportLayer(client, model.repository, reportDigest, REPORT_LAYER_TYPES.sarif)) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results).toHaveLength(report.summary.total);

    const cyclonedx = (await reportLayer(client, model.repository, reportDigest, REPORT_LAYER_TYPES.cyclonedx)) as { bomFormat: string };
    expect(cyclonedx.bomFormat).toBe('CycloneDX');

    // Harbor records the report and the SBOM as accessories, and sends webhooks for them: those are not scanned.
    const accessories = setup.harbor.state.artifact(model.repository, model.digest)?.accessories ?? [];
    expect(accessories.map((a) => a.type).sort()).toEqual(['sbom.harbor', 'subject.accessory']);
    expect(accessories.find((a) => a.type === 'subject.accessory')?.digest).toBe(reportDigest);
    // The SBOM accessory as Harbor's SBOM processor reads it: exactly one layer, the SPDX JSON.
    const sbom = await client.getManifest(model.repository, accessories.find((a) => a.type === 'sbom.harbor')!.digest);
    const sbomLayers = sbom.body['layers'] as Descriptor[];
    expect(sbomLayers).toHaveLength(1);
    expect(sbom.body['config']).toMatchObject({ mediaType: HARBOR_SBOM_ACCESSORY_TYPE });
    const spdx = JSON.parse(Buffer.from(await client.getBlob(model.repository, sbomLayers[0]!, 10_000_000)).toString('utf8')) as { spdxVersion: string };
    expect(spdx.spdxVersion).toBe('SPDX-2.3');
    expect(setup.harbor.deliveries.every((d) => d.statuses.at(-1) === 202)).toBe(true);
    expect(setup.harbor.deliveries.some((d) => d.event.digest === reportDigest)).toBe(true);
    expect(setup.scanner.counters.requests - accepted).toBe(1);
  });
});

describe('webhook receiver', () => {
  let setup: WebhookSetup;
  let client: HttpRegistryClient;

  beforeAll(async () => {
    setup = await startWebhookSetup();
    client = robotClient(setup);
  });
  afterAll(async () => {
    await client.close();
    await setup.close();
  });

  it('should scan once when Harbor delivers the same push twice', async () => {
    setup.harbor.webhook = undefined;
    const model = await pushModelPack({ registry: setup.viaHarbor, account: TEST_USER }, uniqueRepository('wh-duplicate'));
    const target = { url: setup.webhookUrl, authHeader: WEBHOOK_AUTH };
    const event = { repository: model.repository, digest: model.digest, tag: model.tag };
    const accepted = setup.scanner.counters.requests;
    const [first, second] = await Promise.all([deliverWebhook(target, event), deliverWebhook({ ...target, format: 'CloudEvents' }, event)]);
    expect([first.statuses, second.statuses]).toEqual([[202], [202]]);

    await eventually('the outcome label', () => labelsOf(setup.harbor, model.repository, model.digest));
    const third = await deliverWebhook(target, event);
    expect(third.statuses).toEqual([202]);
    expect(setup.scanner.counters.requests - accepted).toBe(1);
    expect(await reportReferrers(client, model.repository, model.digest)).toHaveLength(1);
  });

  it('should answer 401 with a JSON error and start nothing when the auth header is wrong', async () => {
    const model = { repository: uniqueRepository('wh-denied'), digest: `sha256:${'a'.repeat(64)}` };
    const { contentType, body } = pushPayload(model);
    for (const authorization of [undefined, 'Bearer wrong', WEBHOOK_AUTH.toUpperCase(), WEBHOOK_AUTH.slice(0, -1)]) {
      const response = await fetch(setup.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': contentType, ...(authorization ? { authorization } : {}) },
        body,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const error = (await response.json()) as { error: { message: string } };
      expect(error.error.message).toMatch(/Auth Header/);
      expect(JSON.stringify(error)).not.toContain('harbor-webhook-secret');
    }
  });

  it.each([
    ['a body that is not JSON', 400, 'not json'],
    ['a payload without event_data', 400, JSON.stringify({ type: 'PUSH_ARTIFACT', occur_at: 1 })],
    ['a pull event', 200, JSON.stringify({ type: 'PULL_ARTIFACT', occur_at: 1, operator: 'a', event_data: { resources: [], repository: { name: 'm', namespace: 'p', repo_full_name: 'p/m' } } })],
  ])('should answer %s with %i', async (_name, status, body) => {
    const response = await fetch(setup.webhookUrl, { method: 'POST', headers: { authorization: WEBHOOK_AUTH, 'content-type': 'application/json' }, body });
    expect(response.status).toBe(status);
  });
});
