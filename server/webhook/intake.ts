/**
 * What a webhook delivery becomes. Harbor's webhook job gives up after 3 s by default
 * (`JOBSERVICE_WEBHOOK_JOB_HTTP_CLIENT_TIMEOUT`, `src/jobservice/job/impl/notification/http_helper.go`)
 * and retries a non-2xx answer, so the answer is decided in memory: each artifact is claimed (a
 * duplicate delivery claims nothing) and the rest — manifest read, scope decision, queueing — runs after
 * the answer, a few at a time. A delivery lost to a crash in that window is picked up by the backfill.
 */
import type { z } from 'zod';
import type { WebhookAcceptedSchema, WebhookIgnoredSchema } from '../../spec/harbor-mode-api.js';
import { HARBOR_EVENT, type HarborWebhookEvent } from '../../spec/harbor-webhook.js';
import type { ArtifactRef, HarborArtifactScans } from '../harbor/artifact-scans.js';
import { ConcurrencyLimiter } from '../harbor/limiter.js';
import type { Logger } from '../observability/logger.js';
import { checkRepository } from '../registry/references.js';

export type IntakeAnswer =
  | { readonly status: 202; readonly body: z.infer<typeof WebhookAcceptedSchema> }
  | { readonly status: 200; readonly body: z.infer<typeof WebhookIgnoredSchema> }
  | { readonly status: 400 | 503; readonly message: string };

export class WebhookIntake {
  readonly #limiter: ConcurrencyLimiter;

  constructor(
    private readonly scans: HarborArtifactScans,
    private readonly logger: Logger,
    /** Manifest reads and queueing done at once after deliveries. */
    concurrency = 4,
  ) {
    this.#limiter = new ConcurrencyLimiter(concurrency);
  }

  receive(event: HarborWebhookEvent): IntakeAnswer {
    if (event.type !== HARBOR_EVENT.pushArtifact) {
      return { status: 200, body: { status: 'ignored', reason: `event type ${event.type.slice(0, 64)} is not handled (only ${HARBOR_EVENT.pushArtifact})` } };
    }
    try {
      checkRepository(event.repository);
    } catch (error) {
      return { status: 400, message: `invalid webhook payload: ${(error as Error).message}` };
    }
    const claimed: ArtifactRef[] = [];
    let duplicates = 0;
    for (const artifact of event.artifacts) {
      const ref: ArtifactRef = { repository: event.repository, digest: artifact.digest, ...(artifact.tag ? { tag: artifact.tag } : {}) };
      const claim = this.scans.claim(ref);
      if (claim === 'duplicate') duplicates++;
      if (claim === 'claimed') claimed.push(ref);
      if (claim === 'full') {
        for (const ref of claimed) this.scans.release(ref);
        return { status: 503, message: 'too many artifacts in flight; Harbor retries the delivery' };
      }
    }
    for (const ref of claimed) void this.#limiter.run(() => this.#start(ref));
    this.logger.info({ repository: event.repository, operator: event.operator, accepted: claimed.length, duplicates }, 'webhook delivery accepted');
    return { status: 202, body: { status: 'accepted', accepted: claimed.length, duplicates } };
  }

  async #start(ref: ArtifactRef): Promise<void> {
    try {
      await this.scans.run(ref, 'webhook');
    } catch (error) {
      this.logger.warn({ repository: ref.repository, digest: ref.digest, err: error }, 'webhook artifact could not be queued');
    }
  }
}
