/**
 * A Harbor simulator for end-to-end tests: it calls a scanner adapter exactly as Harbor's core and
 * jobservice do (../shared/reference/harbor-scanner-api.md §3.2–§3.8, §5.2). One `scan()` is one scan
 * task: metadata fetch + validation, scannability, report placeholders, robot credentials, the exact
 * request body, submit, then one poller per produced MIME type with Harbor's delays and int8
 * `Refresh-After` parsing, and Harbor's checks of each report.
 *
 * With a `store` (./report-store.ts), vulnerability reports are kept as Harbor's database keeps them, and
 * the job fails where Harbor's insert would.
 *
 * Not simulated: the 30 s metadata cache (every scan fetches metadata), the robot account's lifecycle
 * in a real registry, the SBOM accessory push, and the 30-minute per-wait timeout (never reached with
 * `Refresh-After` capped at 127 s).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ARTIFACT_MIME } from '../../spec/mime.js';
import { hasCapability, producesMimeTypes, registryAuthorizationType } from './capabilities.js';
import { HarborAdapterClient, HarborError, ReportNotReadyError, HARBOR_REQUEST_TIMEOUT_MS } from './harbor-client.js';
import { validateMetadataModelSecurity, validateMetadataUpstream, type HarborMetadata } from './metadata-validation.js';
import { validateRegistration, type AdapterAuth } from './registration.js';
import type { HarborReportStore } from './report-store.js';
import { resolveData, scanHandler, type ScanHandler } from './scan-handlers.js';
import { buildScanRequest, robotBasicAuthorization, type HarborScanRequest, type RobotAccount } from './scan-request.js';

/**
 * Which Harbor: `upstream` is every goharbor release up to v2.15.x and `main` of 2026-08;
 * `model-security` is the chlins/harbor fork ("target v2.17") that scans ModelPack artifacts.
 */
export type HarborFlavor = 'upstream' | 'model-security';

/** Harbor's artifact type: `IMAGE` (images, models packaged as images) or `CNAI` (ModelPack). */
export type HarborArtifactType = 'IMAGE' | 'CNAI';

export interface HarborTiming {
  /** `http.Client.Timeout` of every adapter call. */
  readonly requestTimeoutMs: number;
  /** `firstCheckInterval`: the wait between submit and the first poll. */
  readonly firstCheckDelayMs: number;
  /** Length of one `Refresh-After` second; tests may shrink it, the parsed value is unchanged. */
  readonly refreshSecondMs: number;
}

export const HARBOR_TIMING: HarborTiming = Object.freeze({
  requestTimeoutMs: HARBOR_REQUEST_TIMEOUT_MS,
  firstCheckDelayMs: 2_000,
  refreshSecondMs: 1_000,
});

export interface HarborSimulatorOptions {
  /** Adapter URL as typed at registration (normalised as Harbor does). */
  readonly url: string;
  readonly name?: string;
  readonly auth?: AdapterAuth;
  readonly flavor?: HarborFlavor;
  readonly timing?: Partial<HarborTiming>;
  readonly fetch?: typeof fetch;
  /** Harbor's report database, shared by the scans of one registration. */
  readonly store?: HarborReportStore;
}

export interface ArtifactToScan {
  readonly repository: string;
  readonly digest: string;
  /** The tag the scan was started from; Harbor sends `""` when there is none. */
  readonly tag?: string;
  /** The manifest's media type (OCI or Docker v2). */
  readonly manifestMediaType: string;
  /** Harbor's artifact size: manifest + config + layers. */
  readonly size: number;
  readonly harborType?: HarborArtifactType;
}

export interface RegistryAccess {
  /** What Harbor puts in `registry.url`: its core URL, scheme included. */
  readonly url: string;
  readonly robot: RobotAccount;
  /** Harbor core's token service, used in Bearer mode; default `<url>/service/token`. */
  readonly tokenServiceUrl?: string;
}

export interface ScanTask {
  readonly artifact: ArtifactToScan;
  readonly registry: RegistryAccess;
  /** Requested scan type; default `vulnerability` (the fork corrects it by artifact kind). */
  readonly scanType?: 'vulnerability' | 'sbom' | 'model-security';
  /** Aborting is the user's "Stop scan": pollers return at their next wake-up, no error. */
  readonly signal?: AbortSignal;
}

export interface PollRecord {
  readonly outcome: 'not-ready' | 'ready' | 'failed';
  /** `Refresh-After` as received on a 302 (null when absent) and the seconds Harbor derived. */
  readonly refreshAfterHeader?: string | null;
  readonly retryAfterSeconds?: number;
}

export interface ReportOutcome {
  readonly mimeType: string;
  readonly polls: readonly PollRecord[];
  /** The report body when it was fetched and passed Harbor's checks. */
  readonly body?: string;
  /** Harbor's error for this MIME type. */
  readonly error?: string;
}

export interface ScanOutcome {
  readonly request: HarborScanRequest;
  readonly scanId: string;
  readonly reports: readonly ReportOutcome[];
  /** The job's error as Harbor logs it (all MIME type errors merged), undefined on success. */
  readonly error?: string;
  readonly stopped: boolean;
}

/**
 * @example
 * const harbor = new HarborSimulator({ url: server.url, timing: { firstCheckDelayMs: 50 } });
 * const outcome = await harbor.scan({
 *   artifact: { repository: 'library/model', digest, tag: 'v1', manifestMediaType: OCI_MANIFEST, size },
 *   registry: { url: registryUrl, robot: { name: 'robot$library+scanner-e2e-1', secret } },
 * });
 * expect(outcome.error).toBeUndefined();
 * const report = JSON.parse(outcome.reports[0].body);
 */
export class HarborSimulator {
  readonly client: HarborAdapterClient;
  readonly flavor: HarborFlavor;
  readonly name: string;
  readonly timing: HarborTiming;
  readonly store: HarborReportStore | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HarborSimulatorOptions) {
    this.name = options.name ?? 'harbor-sim';
    const validated = validateRegistration({ name: this.name, url: options.url, auth: options.auth ?? { type: '' } });
    if ('error' in validated) throw new HarborError(validated.error);
    this.flavor = options.flavor ?? 'upstream';
    this.timing = { ...HARBOR_TIMING, ...options.timing };
    this.fetchImpl = options.fetch ?? fetch;
    this.store = options.store;
    this.client = new HarborAdapterClient({
      baseUrl: validated.registration.url,
      auth: validated.registration.auth,
      requestTimeoutMs: this.timing.requestTimeoutMs,
      fetch: this.fetchImpl,
    });
  }

  /** Test connection: `GET /metadata` (exactly 200), then this Harbor's metadata validation. */
  async ping(): Promise<HarborMetadata> {
    const metadata = await this.client.getMetadata();
    const invalid = (this.flavor === 'upstream' ? validateMetadataUpstream : validateMetadataModelSecurity)(metadata);
    if (invalid) throw new HarborError(invalid);
    return metadata;
  }

  /** One scan task, from the metadata check to the last poll. Throws Harbor's error when no job runs. */
  async scan(task: ScanTask): Promise<ScanOutcome> {
    const metadata = await this.ping();
    const { artifact } = task;
    const modelArtifact = artifact.harborType === 'CNAI';
    // The fork sends CNAI artifacts with the model manifest type (`ArtifactMimeType`, §5.2).
    const mimeType = this.flavor === 'model-security' && modelArtifact ? ARTIFACT_MIME.modelManifest : artifact.manifestMediaType;
    const scannable = this.flavor === 'model-security' ? ['IMAGE', 'CNAI'] : ['IMAGE'];
    if (!scannable.includes(artifact.harborType ?? 'IMAGE') || !hasCapability(metadata, mimeType))
      throw new HarborError(`the configured scanner ${this.name} does not support scanning artifact with mime type ${mimeType}`);

    const scanType = this.resolveScanType(task.scanType ?? 'vulnerability', modelArtifact);
    const handler = scanHandler(scanType, { modelSecurity: this.flavor === 'model-security', modelArtifact });
    if (!handler) throw new HarborError(`failed to get scan handler, type is ${scanType}`);
    const placeholders = producesMimeTypes(metadata, mimeType, scanType);
    if (placeholders.length === 0) throw new HarborError('no mime types to make report placeholders');

    const authorization =
      registryAuthorizationType(metadata) === 'Bearer'
        ? await this.bearerAuthorization(task.registry, artifact.repository)
        : robotBasicAuthorization(task.registry.robot);
    const request = buildScanRequest({ registryUrl: task.registry.url, authorization, artifact, mimeType, handler });

    let scanId: string;
    try {
      ({ id: scanId } = await this.client.submitScan(request));
    } catch (error) {
      throw new HarborError(`scan job: submit scan request: ${(error as Error).message}`);
    }

    const signal = task.signal ?? new AbortController().signal;
    const reports = await Promise.all(placeholders.map((mime) => this.poll(scanId, mime, handler, signal)));
    if (signal.aborted) return { request, scanId, reports, stopped: true };
    // Poll errors of all MIME types are merged, each later one wrapped with the text of the earlier
    // ones ("<first>: <second>"), and the job ends before any report is post-processed.
    const pollErrors = reports.flatMap((r) => (r.error === undefined ? [] : [r.error]));
    if (pollErrors.length > 0) return { request, scanId, reports, stopped: false, error: pollErrors.join(': ') };
    // Then `PostScan` runs per MIME type in placeholder order and the first failure ends the job.
    for (const [index, report] of reports.entries()) {
      const failure = handler.postScan(report.body ?? '') ?? (handler.type === 'vulnerability' ? await this.store?.store(report.body ?? '') : undefined);
      if (failure) {
        const failed = reports.map((r, i) => (i === index ? { ...r, error: failure } : r));
        return { request, scanId, reports: failed, stopped: false, error: failure };
      }
    }
    return { request, scanId, reports, stopped: false };
  }

  /** The fork's `resolveScanType`: images get vulnerability, models model-security; SBOM stays. */
  private resolveScanType(requested: string, modelArtifact: boolean): string {
    if (this.flavor !== 'model-security' || requested === 'sbom') return requested;
    return modelArtifact ? 'model-security' : 'vulnerability';
  }

  /** One goroutine of `Job.Run`: wait, poll, follow `Refresh-After`, until 200, an error, or stop. */
  private async poll(scanId: string, mimeType: string, handler: ScanHandler, signal: AbortSignal): Promise<ReportOutcome> {
    const polls: PollRecord[] = [];
    let waitMs = this.timing.firstCheckDelayMs;
    for (;;) {
      if (!(await this.wait(waitMs, signal))) return { mimeType, polls };
      try {
        const body = await this.client.getScanReport(scanId, mimeType, handler.urlParameter);
        const invalid = resolveData(mimeType, body);
        if (invalid) throw new HarborError(invalid);
        polls.push({ outcome: 'ready' });
        return { mimeType, polls, body };
      } catch (error) {
        if (error instanceof ReportNotReadyError) {
          polls.push({ outcome: 'not-ready', refreshAfterHeader: error.refreshAfterHeader, retryAfterSeconds: error.retryAfterSeconds });
          // `Timer.Reset` with a negative duration fires at once.
          waitMs = Math.max(0, error.retryAfterSeconds) * this.timing.refreshSecondMs;
          continue;
        }
        polls.push({ outcome: 'failed' });
        return { mimeType, polls, error: `scan job: fetch scan report, mimetype ${mimeType}: ${(error as Error).message}` };
      }
    }
  }

  /** Sleeps; false when the scan was stopped before or during the wait. */
  private async wait(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * `makeBearerAuthorization`: the robot's Basic credentials exchanged at Harbor's token service for
   * `repository:<repo>:pull`. On failure Harbor only logs and submits an EMPTY authorization (§3.5).
   */
  private async bearerAuthorization(registry: RegistryAccess, repository: string): Promise<string> {
    const url = new URL(registry.tokenServiceUrl ?? `${registry.url.replace(/\/$/, '')}/service/token`);
    // Go's url.Values.Encode sorts keys: scope before service.
    url.searchParams.set('scope', `repository:${repository}:pull`);
    url.searchParams.set('service', 'harbor-registry');
    try {
      const response = await this.fetchImpl(url, { headers: { Authorization: robotBasicAuthorization(registry.robot) } });
      if (response.status !== 200) return '';
      const body = (await response.json()) as { token?: unknown; access_token?: unknown } | null;
      // `models.Token.GetToken`: `token`, else `access_token`; "Bearer " even when both are empty.
      const token = [body?.token, body?.access_token].find((t) => typeof t === 'string' && t.length > 0);
      return `Bearer ${typeof token === 'string' ? token : ''}`;
    } catch {
      return '';
    }
  }
}
