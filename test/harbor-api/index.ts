/** A small Harbor (REST API, registry proxy, webhook sender) for the webhook mode's tests. */
export { startHarborApi, type HarborApiOptions, type HarborApiServer, type RecordedCall } from './server.js';
export { HarborState, harborType, type HarborArtifactRecord, type HarborLabelRecord } from './state.js';
export { deliverWebhook, pushPayload, WEBHOOK_TIMEOUT_MS, type Delivery, type PayloadFormat, type PushEvent, type WebhookTarget } from './webhook-sender.js';
