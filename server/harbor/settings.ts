/** The webhook mode's slice of the configuration (server/config/config.ts builds it from `SCANNER_HARBOR_*`). */

/**
 * Which pushed artifacts the webhook mode scans: `non-image`, those upstream Harbor never sends to a
 * scanner (its type is not `IMAGE`, harbor-scanner-api.md §3.8), or `all` model artifacts, images too.
 */
export const WEBHOOK_SCOPES = ['non-image', 'all'] as const;
export type WebhookScope = (typeof WEBHOOK_SCOPES)[number];

export interface HarborModeSettings {
  /** Harbor's external URL: its core serves `/api/v2.0` and its registry `/v2/` on the same host. */
  readonly url: string;
  /** Robot account with pull, push and label permissions (README "Webhook mode"). Never logged. */
  readonly robotName: string;
  readonly robotSecret: string;
  /** The exact `Authorization` value Harbor's webhook policy sends ("Auth Header"). */
  readonly webhookAuthHeader: string;
  readonly scope: WebhookScope;
  /** Scans a backfill keeps in flight. */
  readonly backfillConcurrency: number;
}
