/**
 * Harbor's webhook sender for artifact pushes. Payload built as `constructArtifactPayload` does
 * (`src/controller/event/handler/webhook/artifact/artifact.go`): `resources[0].tag` is the pushed tag, or
 * the digest for a push by digest; `resource_url` is `<external host>/<repo>:<tag>` or `…@<digest>`
 * (`util.BuildImageResourceURL`); `repository.name` is the part after the project. Serialised as the
 * "Default" format (`formats/default.go`, `application/json`) or "CloudEvents" (`formats/cloudevents.go`,
 * `application/cloudevents+json`, `data` = the event data). Delivered like the webhook job
 * (`src/jobservice/job/impl/notification/webhook_job.go`): POST with the policy's auth header as
 * `Authorization`, a 3 s client timeout, 2xx is success, up to 3 attempts.
 */
import { randomUUID } from 'node:crypto';

export type PayloadFormat = 'Default' | 'CloudEvents';

export interface WebhookTarget {
  readonly url: string;
  /** The policy's "Auth Header", sent verbatim as `Authorization`. */
  readonly authHeader?: string;
  readonly format?: PayloadFormat;
}

export interface PushEvent {
  readonly repository: string;
  readonly digest: string;
  readonly tag?: string;
  readonly operator?: string;
  /** Harbor's external URL host (`config.ExtURL()`), e.g. `harbor.example.com`. */
  readonly externalHost?: string;
  readonly occurAt?: number;
}

export interface Delivery {
  readonly event: PushEvent;
  /** Status of each attempt; 0 for a network error or timeout. */
  readonly statuses: number[];
  readonly ok: boolean;
}

/** Harbor's default client timeout for webhook jobs (`http_helper.go`). */
export const WEBHOOK_TIMEOUT_MS = 3_000;
/** `MaxFails` default. */
export const WEBHOOK_MAX_ATTEMPTS = 3;

export function pushPayload(event: PushEvent, format: PayloadFormat = 'Default'): { contentType: string; body: string } {
  const reference = event.tag ?? event.digest;
  const host = event.externalHost ?? 'harbor.test';
  const separator = reference.startsWith('sha256:') ? '@' : ':';
  const slash = event.repository.indexOf('/');
  const eventData = {
    resources: [{ digest: event.digest, tag: reference, resource_url: `${host}/${event.repository}${separator}${reference}` }],
    repository: {
      date_created: 1_767_225_600,
      name: event.repository.slice(slash + 1),
      namespace: event.repository.slice(0, slash),
      repo_full_name: event.repository,
      repo_type: 'private',
    },
  };
  const occurAt = event.occurAt ?? Math.floor(Date.now() / 1000);
  const operator = event.operator ?? 'admin';
  if (format === 'Default') {
    return { contentType: 'application/json', body: JSON.stringify({ type: 'PUSH_ARTIFACT', occur_at: occurAt, operator, event_data: eventData }) };
  }
  return {
    contentType: 'application/cloudevents+json',
    body: JSON.stringify({
      specversion: '1.0',
      requestid: randomUUID(),
      id: randomUUID(),
      source: '/projects/1/webhook/policies/1',
      type: 'harbor.artifact.pushed',
      datacontenttype: 'application/json',
      time: new Date(occurAt * 1000).toISOString(),
      data: eventData,
      operator,
    }),
  };
}

/** Delivers one event with Harbor's webhook job semantics; resolves with every attempt's status. */
export async function deliverWebhook(target: WebhookTarget, event: PushEvent): Promise<Delivery> {
  const { contentType, body } = pushPayload(event, target.format);
  const statuses: number[] = [];
  for (let attempt = 0; attempt < WEBHOOK_MAX_ATTEMPTS; attempt++) {
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': contentType, ...(target.authHeader ? { authorization: target.authHeader } : {}) },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        redirect: 'manual',
      });
      await response.body?.cancel();
      statuses.push(response.status);
      if (response.status >= 200 && response.status < 300) return { event, statuses, ok: true };
    } catch {
      statuses.push(0);
    }
  }
  return { event, statuses, ok: false };
}
