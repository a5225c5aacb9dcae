/**
 * Harbor's webhook payloads, as zod 4 schemas, for the webhook mode (issue 7). Shapes from
 * goharbor/harbor `src/pkg/notifier/model/event.go` (`Payload`, `EventData`, `Resource`, `Repository`),
 * built for artifact events in `src/controller/event/handler/webhook/artifact/artifact.go`
 * (`constructArtifactPayload`) and serialised by `src/pkg/notifier/formats/default.go` (policy payload
 * format "Default", `Content-Type: application/json`) or `cloudevents.go` ("CloudEvents",
 * `application/cloudevents+json`, `data` = the event data, type `harbor.artifact.pushed`).
 *
 * Facts the parser relies on: `resources[].tag` holds the tag, or the digest when the push had no tag;
 * `repository.name` is everything after the project (`src/controller/event/handler/util/util.go`
 * `GetNameFromImgRepoFullName`), so `repo_full_name` is the repository to pull; `resource_url` starts
 * with Harbor's external URL host and is not used. Unknown fields pass (Harbor adds `scan_overview` etc.).
 */
import { z } from 'zod';
import { describeIssues, DigestSchema, type ParseResult } from './schemas.js';

/** Event types as Harbor names them (`src/controller/event/topic.go`). */
export const HARBOR_EVENT = { pushArtifact: 'PUSH_ARTIFACT' } as const;

/** CloudEvents `type` → Harbor event type (`eventTypeMapping` in `formats/cloudevents.go`). */
const CLOUD_EVENT_TYPES: Readonly<Record<string, string>> = {
  'harbor.artifact.pushed': HARBOR_EVENT.pushArtifact,
  'harbor.artifact.pulled': 'PULL_ARTIFACT',
  'harbor.artifact.deleted': 'DELETE_ARTIFACT',
};

/** Harbor sends one resource per artifact event; the cap only bounds what a forged body can ask for. */
export const MAX_WEBHOOK_RESOURCES = 100;

export const HarborWebhookResourceSchema = z
  .object({
    digest: DigestSchema,
    tag: z.string().optional(),
    resource_url: z.string().optional(),
  })
  .loose();

export const HarborWebhookRepositorySchema = z
  .object({
    name: z.string(),
    namespace: z.string().min(1),
    repo_full_name: z.string().min(1),
    repo_type: z.string().optional(),
    date_created: z.number().optional(),
  })
  .loose()
  .refine((repository) => repository.repo_full_name.startsWith(`${repository.namespace}/`), {
    error: 'repo_full_name must start with the namespace (the project) and a slash',
    path: ['repo_full_name'],
  });

export const HarborWebhookEventDataSchema = z
  .object({
    resources: z.array(HarborWebhookResourceSchema).max(MAX_WEBHOOK_RESOURCES).default([]),
    repository: HarborWebhookRepositorySchema,
  })
  .loose();

/** The "Default" payload format (also what Harbor sends when the policy has no format set). */
export const HarborWebhookPayloadSchema = z
  .object({
    type: z.string().min(1),
    occur_at: z.number(),
    operator: z.string().default(''),
    event_data: HarborWebhookEventDataSchema,
  })
  .loose();
export type HarborWebhookPayload = z.output<typeof HarborWebhookPayloadSchema>;
export type HarborWebhookPayloadInput = z.input<typeof HarborWebhookPayloadSchema>;

/** The "CloudEvents" payload format (CloudEvents 1.0 JSON, Harbor extensions `operator`, `requestid`). */
export const HarborCloudEventSchema = z
  .object({
    specversion: z.literal('1.0'),
    id: z.string().min(1),
    type: z.string().min(1),
    source: z.string(),
    time: z.string().optional(),
    operator: z.string().default(''),
    data: HarborWebhookEventDataSchema,
  })
  .loose();

/** One webhook delivery, whichever format it came in. */
export interface HarborWebhookEvent {
  /** Harbor's event type (`PUSH_ARTIFACT`, …); CloudEvents types are mapped back, unknown ones kept. */
  readonly type: string;
  readonly operator: string;
  /** `project/repository` as in the registry. */
  readonly repository: string;
  readonly project: string;
  readonly artifacts: readonly { readonly digest: string; readonly tag?: string }[];
}

/** Validates a webhook body (already JSON-parsed) into an event, or a message naming the bad field. */
export function parseHarborWebhook(body: unknown): ParseResult<HarborWebhookEvent> {
  const isCloudEvent = typeof body === 'object' && body !== null && 'specversion' in body;
  if (isCloudEvent) {
    const result = HarborCloudEventSchema.safeParse(body, { reportInput: true });
    if (!result.success) return { ok: false, message: describeIssues(result.error.issues) };
    const { type, operator, data } = result.data;
    return { ok: true, value: toEvent(CLOUD_EVENT_TYPES[type] ?? type, operator, data) };
  }
  const result = HarborWebhookPayloadSchema.safeParse(body, { reportInput: true });
  if (!result.success) return { ok: false, message: describeIssues(result.error.issues) };
  return { ok: true, value: toEvent(result.data.type, result.data.operator, result.data.event_data) };
}

function toEvent(type: string, operator: string, data: z.output<typeof HarborWebhookEventDataSchema>): HarborWebhookEvent {
  return {
    type,
    operator,
    repository: data.repository.repo_full_name,
    project: data.repository.namespace,
    // `tag` is the digest again for untagged pushes; only a real tag is worth keeping.
    artifacts: data.resources.map(({ digest, tag }) => (tag && tag !== digest ? { digest, tag } : { digest })),
  };
}
