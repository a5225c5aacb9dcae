/**
 * The routes of our adapter API and the status codes each may answer, as data: the HTTP layer mounts
 * these paths and spec/openapi.json documents them; a unit test keeps the two in step. Status codes
 * follow spec v1.2 (../shared/reference/harbor-scanner-api.md §2.2) narrowed to what we answer, plus 401
 * when SCANNER_API_AUTH protects the route (Harbor's registration auth types, §3.2; probes and metrics
 * only with SCANNER_API_AUTH_PROTECT_PROBES / _METRICS).
 */

export interface ApiRoute {
  readonly operationId: string;
  readonly method: 'get' | 'post';
  /** OpenAPI path template (`{param}`). */
  readonly path: string;
  readonly statuses: readonly number[];
}

export const API_ROUTES = [
  { operationId: 'getMetadata', method: 'get', path: '/api/v1/metadata', statuses: [200, 401, 500] },
  /**
   * 202 before any registry traffic (Harbor gives up after 5 s); 400 for an invalid body (field
   * named in the message); 501 when `enabled_capabilities` asks for a type we do not offer.
   */
  { operationId: 'acceptScanRequest', method: 'post', path: '/api/v1/scan', statuses: [202, 400, 401, 500, 501] },
  /**
   * 302 + `Refresh-After` while not ready; 400 for a report type we do not produce or an SBOM request
   * without a valid `sbom_media_type`; 404 unknown id; 500 scan failed (message says why).
   */
  {
    operationId: 'getScanReport',
    method: 'get',
    path: '/api/v1/scan/{scan_request_id}/report',
    statuses: [200, 302, 400, 401, 404, 500],
  },
  { operationId: 'getHealthy', method: 'get', path: '/probe/healthy', statuses: [200, 401] },
  /** 503 when the job store is not usable. */
  { operationId: 'getReady', method: 'get', path: '/probe/ready', statuses: [200, 401, 503] },
] as const satisfies readonly ApiRoute[];

/** Prometheus exposition, mounted unless SCANNER_API_SERVER_METRICS_ENABLED=false. */
export const METRICS_ROUTE = { operationId: 'getMetrics', method: 'get', path: '/metrics', statuses: [200, 401] } as const satisfies ApiRoute;

/**
 * Bounds of the `Refresh-After` header (seconds). Harbor parses it with `strconv.ParseInt(v, 10, 8)`
 * and falls back to 5 s above 127 (§3.6); 0 or less would make it poll in a tight loop.
 */
export const REFRESH_AFTER_SECONDS = { min: 1, max: 127 } as const;

/** Express path for an OpenAPI path template: `/scan/{scan_request_id}/report` → `/scan/:scan_request_id/report`. */
export function toExpressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}
