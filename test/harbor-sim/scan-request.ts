/**
 * The scan request body exactly as Harbor builds and marshals it (`launchScanJob` in
 * `src/controller/scan/base_controller.go`, `ExtractScanReq` in `src/pkg/scan/job.go`;
 * ../shared/reference/harbor-scanner-api.md §3.4): Go field order, Harbor's extra fields
 * (`registry.insecure`, `artifact.size`), `tag: ""` when untagged, `namespace_id` omitted, and exactly
 * one enabled capability whose `produces_mime_types`/`parameters` come from the scan handler.
 */
import type { ScanHandler } from './scan-handlers.js';

/** A per-task robot account (`robot$<project>+scanner-<registration>-<uuid>`). */
export interface RobotAccount {
  readonly name: string;
  readonly secret: string;
}

export interface HarborScanRequest {
  readonly registry: { readonly url: string; readonly authorization: string; readonly insecure: false };
  readonly artifact: {
    readonly repository: string;
    readonly tag: string;
    readonly digest: string;
    readonly mime_type: string;
    readonly size: number;
  };
  readonly enabled_capabilities: readonly [
    {
      readonly type: string;
      readonly produces_mime_types: readonly string[];
      readonly parameters: Readonly<Record<string, unknown>> | null;
    },
  ];
}

/** `makeBasicAuthorization`: `Basic base64(name:secret)`. */
export function robotBasicAuthorization(robot: RobotAccount): string {
  return `Basic ${Buffer.from(`${robot.name}:${robot.secret}`, 'utf8').toString('base64')}`;
}

export function buildScanRequest(input: {
  readonly registryUrl: string;
  readonly authorization: string;
  readonly artifact: { readonly repository: string; readonly digest: string; readonly tag?: string; readonly size: number };
  /** What Harbor sends as `mime_type` (the fork substitutes the model manifest type for CNAI). */
  readonly mimeType: string;
  readonly handler: ScanHandler;
}): HarborScanRequest {
  const { artifact, handler } = input;
  return {
    registry: { url: input.registryUrl, authorization: input.authorization, insecure: false },
    artifact: {
      repository: artifact.repository,
      tag: artifact.tag ?? '',
      digest: artifact.digest,
      mime_type: input.mimeType,
      size: artifact.size,
    },
    enabled_capabilities: [
      {
        type: handler.type,
        produces_mime_types: handler.requestProducesMimeTypes,
        parameters: handler.requestParameters,
      },
    ],
  };
}
