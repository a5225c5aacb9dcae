/**
 * Harbor's scanner adapter API, /api/v1 (../shared/reference/harbor-scanner-api.md §2.2, §3.4, §3.6).
 * Thin: validate with spec/ schemas, hand off to the controller, map job state to status codes.
 */
import express, { type Request, type Response, type Router } from 'express';
import { API_MIME, REPORT_MIME, SBOM_FORMAT, mimeEssence, negotiate, sameMime } from '../../spec/mime.js';
import { API_ROUTES, REFRESH_AFTER_SECONDS, toExpressPath } from '../../spec/routes.js';
import { parseScanRequest, type ScanRequest, type ScannerAdapterMetadata } from '../../spec/schemas.js';
import type { JobStore } from '../jobs/store.js';
import type { ScanTarget } from '../jobs/model.js';
import type { ScanController } from '../scan/controller.js';
import { RESTART_REFRESH_AFTER_SECONDS, type Drain } from './drain.js';
import type { RenderedReports } from './rendered-reports.js';
import type { PackedReportRenderer } from './report-renderer.js';
import { sendError, sendJson } from './responses.js';

export interface ApiDeps {
  readonly metadata: ScannerAdapterMetadata;
  readonly controller: ScanController;
  readonly store: JobStore;
  /** Renders off this thread (../report/report-thread.ts): a poll never waits on another's rendering. */
  readonly renderer: PackedReportRenderer;
  readonly refreshAfterSeconds: number;
  /** Set while the process shuts down (./drain.ts). */
  readonly drain?: Drain;
  /** Finished reports kept rendered; absent: every poll renders the result again. */
  readonly reports?: RenderedReports;
}

/**
 * How long a poll waits for its report to be rendered before it is told to come back. Reports the
 * request enabled are rendered when the scan finishes (./prerender.ts), so this is for the rest: a small
 * result renders within it, and no request is held for a long render (Harbor gives up after 5 s).
 */
const RENDER_WAIT_MS = 20;

/** Request bodies Harbor sends are small JSON documents; anything bigger is not a scan request. */
const MAX_BODY = '256kb';

/** Content types accepted for POST /scan: Harbor sends v1.0 even with v1.2 fields; v1.1 and plain JSON too. */
const SCAN_REQUEST_TYPES = new Set(['application/vnd.scanner.adapter.scan.request+json', 'application/json']);

const path = (operationId: (typeof API_ROUTES)[number]['operationId']): string =>
  toExpressPath(API_ROUTES.find((r) => r.operationId === operationId)!.path);

export function apiV1Router(deps: ApiDeps): Router {
  const router = express.Router();

  router.get(path('getMetadata'), (_req, res) => {
    sendJson(res, 200, API_MIME.metadataV1_0, deps.metadata);
  });

  router.post(
    path('acceptScanRequest'),
    express.raw({ type: () => true, limit: MAX_BODY }),
    async (req: Request, res: Response) => {
      const contentType = req.headers['content-type'];
      if (contentType !== undefined && !SCAN_REQUEST_TYPES.has(mimeEssence(contentType) ?? ''))
        return sendError(res, 400, `unsupported Content-Type ${contentType}: expected ${API_MIME.scanRequestV1_0}`);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
      } catch {
        return sendError(res, 400, 'invalid scan request: body is not valid JSON');
      }
      const parsed = parseScanRequest(body);
      if (!parsed.ok) return sendError(res, 400, `invalid scan request: ${parsed.message}`);
      const unsupported = unsupportedCapability(parsed.value, deps.metadata);
      if (unsupported) return sendError(res, 501, unsupported);
      const badFormat = unsupportedSbomFormat(parsed.value);
      if (badFormat) return sendError(res, 400, badFormat);
      const id = await deps.controller.accept(toTarget(parsed.value), parsed.value.registry.authorization || undefined);
      sendJson(res, 202, API_MIME.scanResponseV1_0, { id });
    },
  );

  router.get(path('getScanReport'), async (req: Request, res: Response) => {
    const id = String(req.params['scan_request_id']);
    const mimeType = negotiate(req.headers.accept, deps.renderer.produces);
    if (!mimeType) return sendError(res, 400, `unsupported report type ${req.headers.accept}; this scanner produces: ${deps.renderer.produces.join(', ')}`);
    const sbom = req.query['sbom_media_type'];
    // Spec 1.2: an SBOM report request names its document format; Harbor always sends it.
    if (sameMime(mimeType, REPORT_MIME.sbomV1_0) && !SBOM_FORMATS.includes(typeof sbom === 'string' ? sbom : ''))
      return sendError(res, 400, `missing or unsupported sbom_media_type ${JSON.stringify(sbom ?? '')}: expected one of ${SBOM_FORMATS.join(', ')}`);
    const query = typeof sbom === 'string' ? sbom : '';
    const rendered = deps.reports?.get(id, mimeType, query);
    if (rendered !== undefined) return sendReport(res, mimeType, rendered);
    const notReady = (): void => {
      const wanted = deps.drain?.active ? RESTART_REFRESH_AFTER_SECONDS : deps.refreshAfterSeconds;
      const seconds = Math.min(REFRESH_AFTER_SECONDS.max, Math.max(REFRESH_AFTER_SECONDS.min, wanted));
      res.status(302).set('Refresh-After', String(seconds)).set('Location', req.originalUrl).end();
    };
    let job: Awaited<ReturnType<typeof deps.store.get>>;
    try {
      job = await deps.store.get(id);
    } catch {
      // Store unreachable (Redis restarting): Harbor ends the job on a 500 but keeps waiting on a 302.
      return notReady();
    }
    if (!job) return sendError(res, 404, `unknown scan request id ${id}`);
    switch (job.status) {
      case 'queued':
      case 'running':
        return notReady();
      case 'failed':
        return sendError(res, 500, job.failure?.message ?? 'scan failed');
      case 'finished': {
        const finished = { ...job, result: job.result! };
        const render = () => deps.renderer.render(mimeType, finished, query ? { sbomMediaType: query } : {});
        let body: Uint8Array | undefined;
        try {
          body = await (deps.reports ? deps.reports.rendered(id, mimeType, query, render, RENDER_WAIT_MS) : render());
        } catch (error) {
          return sendError(res, 500, (error as Error).message);
        }
        // Still rendering (a large result): Harbor polls again, and gets the body kept meanwhile.
        return body ? sendReport(res, mimeType, body) : notReady();
      }
    }
  });

  return router;
}

/** A rendered report body: UTF-8 JSON, sent as it is. */
function sendReport(res: Response, mimeType: string, body: Uint8Array): void {
  res.status(200).type(mimeType).send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}

function toTarget(request: ScanRequest): ScanTarget {
  const { registry, artifact } = request;
  return {
    registryUrl: registry.url,
    repository: artifact.repository,
    digest: artifact.digest,
    ...(artifact.tag ? { tag: artifact.tag } : {}),
    ...(artifact.mime_type ? { mimeType: artifact.mime_type } : {}),
    ...(artifact.size !== undefined ? { size: artifact.size } : {}),
    // Spec: a request without enabled_capabilities asks for a vulnerability report.
    capabilities: request.enabled_capabilities?.length ? request.enabled_capabilities.map((c) => c.type) : ['vulnerability'],
  };
}

const SBOM_FORMATS: readonly string[] = Object.values(SBOM_FORMAT);

/** An SBOM capability may only ask for the document formats we write (`parameters.sbom_media_types`). */
function unsupportedSbomFormat(request: ScanRequest): string | undefined {
  const asked = (request.enabled_capabilities ?? []).filter((c) => c.type === 'sbom').flatMap((c) => c.parameters?.sbom_media_types ?? []);
  const unknown = asked.filter((format) => !SBOM_FORMATS.includes(format));
  return unknown.length > 0 ? `unsupported sbom_media_types ${unknown.join(', ')}: this scanner writes ${SBOM_FORMATS.join(', ')}` : undefined;
}

/** Spec 1.2: 501 when the request enables a capability type we do not offer. */
function unsupportedCapability(request: ScanRequest, metadata: ScannerAdapterMetadata): string | undefined {
  const offered = new Set(metadata.capabilities.map((c) => c.type ?? 'vulnerability'));
  const missing = (request.enabled_capabilities ?? []).map((c) => c.type).filter((t) => !offered.has(t as never));
  return missing.length > 0 ? `no capability to handle the scan request: ${missing.join(', ')} (offered: ${[...offered].join(', ')})` : undefined;
}
