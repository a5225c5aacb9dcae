import { describe, expect, it } from 'vitest';
import type { ArtifactRef, HarborArtifactScans } from '../../../../server/harbor/artifact-scans.js';
import type { ClaimResult } from '../../../../server/harbor/in-flight.js';
import { createLogger } from '../../../../server/observability/logger.js';
import { WebhookIntake } from '../../../../server/webhook/intake.js';
import type { HarborWebhookEvent } from '../../../../spec/harbor-webhook.js';

const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

/** Claims by a script; runs recorded. */
function fakeScans(claims: (ref: ArtifactRef) => ClaimResult) {
  const runs: ArtifactRef[] = [];
  const released: ArtifactRef[] = [];
  const scans = {
    claim: claims,
    release: (ref: ArtifactRef) => void released.push(ref),
    run: async (ref: ArtifactRef) => {
      runs.push(ref);
      return { status: 'skipped' as const, reason: 'test' };
    },
  } as unknown as HarborArtifactScans;
  return { scans, runs, released };
}

const push = (digests: string[], repository = 'proj/model'): HarborWebhookEvent => ({
  type: 'PUSH_ARTIFACT',
  operator: 'admin',
  repository,
  project: 'proj',
  artifacts: digests.map((digest) => ({ digest, tag: 'v1' })),
});

const logger = createLogger('silent');

describe('WebhookIntake', () => {
  it('should answer 202 at once and run each claimed artifact after', async () => {
    const { scans, runs } = fakeScans(() => 'claimed');
    const answer = new WebhookIntake(scans, logger).receive(push([DIGEST(1), DIGEST(2)]));
    expect(answer).toEqual({ status: 202, body: { status: 'accepted', accepted: 2, duplicates: 0 } });
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([
      { repository: 'proj/model', digest: DIGEST(1), tag: 'v1' },
      { repository: 'proj/model', digest: DIGEST(2), tag: 'v1' },
    ]);
  });

  it('should count a duplicate delivery and start nothing for it', async () => {
    const { scans, runs } = fakeScans(() => 'duplicate');
    expect(new WebhookIntake(scans, logger).receive(push([DIGEST(1)]))).toMatchObject({ status: 202, body: { accepted: 0, duplicates: 1 } });
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([]);
  });

  it('should answer 503 and give back its claims when too many artifacts are in flight', () => {
    const { scans, runs, released } = fakeScans((ref) => (ref.digest === DIGEST(2) ? 'full' : 'claimed'));
    expect(new WebhookIntake(scans, logger).receive(push([DIGEST(1), DIGEST(2)]))).toMatchObject({ status: 503 });
    expect(released.map((r) => r.digest)).toEqual([DIGEST(1)]);
    expect(runs).toEqual([]);
  });

  it('should ignore other event types with 200', () => {
    const { scans } = fakeScans(() => 'claimed');
    expect(new WebhookIntake(scans, logger).receive({ ...push([DIGEST(1)]), type: 'PULL_ARTIFACT' })).toMatchObject({ status: 200, body: { status: 'ignored' } });
  });

  it('should refuse a repository name outside the OCI grammar with 400', () => {
    const { scans } = fakeScans(() => 'claimed');
    expect(new WebhookIntake(scans, logger).receive(push([DIGEST(1)], 'proj/../etc'))).toMatchObject({ status: 400 });
  });

  it('should log, not throw, when queueing an artifact fails after the answer', async () => {
    const { scans } = fakeScans(() => 'claimed');
    (scans as unknown as { run: () => Promise<never> }).run = async () => Promise.reject(new Error('registry down'));
    const lines: string[] = [];
    const capturing = createLogger('warn', { write: (line: string) => void lines.push(line) });
    expect(new WebhookIntake(scans, capturing).receive(push([DIGEST(1)])).status).toBe(202);
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => JSON.parse(l) as { msg: string; digest: string })).toMatchObject([{ msg: 'webhook artifact could not be queued', digest: DIGEST(1) }]);
  });
});
