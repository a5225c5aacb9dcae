/**
 * Harbor's scanner-adapter HTTP client (`src/pkg/scan/rest/v1/client.go` + `spec.go`;
 * ../shared/reference/harbor-scanner-api.md §3.2, §3.4, §3.6): the v1.0 headers, a 5 s total timeout
 * per call, redirects never followed, exact expected status codes, and Harbor's error texts, which are
 * what an admin reads in the job log.
 */
import { API_MIME } from '../../spec/mime.js';
import { refreshAfterSeconds } from './go-int.js';
import { HARBOR_TYPES, goUnmarshal } from './go-json.js';
import type { HarborMetadata } from './metadata-validation.js';
import { adapterAuthHeaders, type AdapterAuth } from './registration.js';

/** Harbor's `http.Client.Timeout` for adapter calls. */
export const HARBOR_REQUEST_TIMEOUT_MS = 5_000;

/** An error carrying Harbor's message for it. */
export class HarborError extends Error {
  override readonly name = 'HarborError';
}

/** A 302 from the report endpoint: Harbor's `ReportNotReadyError`. */
export class ReportNotReadyError extends HarborError {
  constructor(
    readonly retryAfterSeconds: number,
    /** The raw header, for assertions. */
    readonly refreshAfterHeader: string | null,
  ) {
    super(`report is not ready yet, retry after ${retryAfterSeconds}`);
  }
}

export interface HarborClientOptions {
  /** Normalised registration URL (path prefix kept). */
  readonly baseUrl: string;
  readonly auth: AdapterAuth;
  readonly requestTimeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Every request, as sent, for assertions on headers and bodies. */
export interface SentRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

interface Received {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export class HarborAdapterClient {
  readonly sent: SentRequest[] = [];
  private readonly apiBase: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HarborClientOptions) {
    // `NewSpec`: one trailing slash dropped, then `/api/v1`.
    this.apiBase = `${options.baseUrl.replace(/\/$/, '')}/api/v1`;
    this.timeoutMs = options.requestTimeoutMs ?? HARBOR_REQUEST_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `GetMetadata`: 200 exactly, body unmarshalled into `v1.ScannerAdapterMetadata`. */
  async getMetadata(): Promise<HarborMetadata> {
    const context = 'v1 client: get metadata';
    const received = await this.send(context, 'GET', `${this.apiBase}/metadata`, { Accept: API_MIME.metadataV1_0 });
    const body = expectStatus(context, 200, received);
    const parsed = goUnmarshal(body, HARBOR_TYPES.metadata);
    if (parsed.error) throw new HarborError(`${context}: ${parsed.error}`);
    return (parsed.value ?? {}) as HarborMetadata;
  }

  /** `SubmitScan`: 202 exactly, body unmarshalled into `v1.ScanResponse`. */
  async submitScan(request: unknown): Promise<{ id: string }> {
    const context = 'v1 client: submit scan';
    const received = await this.send(
      context,
      'POST',
      `${this.apiBase}/scan`,
      { 'Content-Type': API_MIME.scanRequestV1_0, Accept: API_MIME.scanResponseV1_0 },
      JSON.stringify(request),
    );
    const body = expectStatus(context, 202, received);
    const parsed = goUnmarshal(body, HARBOR_TYPES.scanResponse);
    if (parsed.error) throw new HarborError(`${context}: ${parsed.error}`);
    return { id: String((parsed.value as { id?: unknown } | null)?.id ?? '') };
  }

  /**
   * `GetScanReport`: 200 → the body; 302 → {@link ReportNotReadyError} with `Refresh-After` parsed as
   * int8 (default 5); anything else fails. Errors are not wrapped, as in Harbor.
   */
  async getScanReport(scanId: string, mimeType: string, urlParameter: string): Promise<string> {
    if (scanId.length === 0) throw new HarborError('empty scan request ID');
    const url = `${this.apiBase}/scan/${scanId}/report${urlParameter ? `?${urlParameter}` : ''}`;
    const received = await this.send('', 'GET', url, { Accept: mimeType });
    if (received.status === 302) {
      const header = received.headers.get('Refresh-After');
      throw new ReportNotReadyError(refreshAfterSeconds(header), header);
    }
    return expectStatus('', 200, received);
  }

  private async send(
    context: string,
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Received> {
    const all = { 'User-Agent': 'Go-http-client/1.1', ...headers, ...adapterAuthHeaders(this.options.auth) };
    this.sent.push({ method, url, headers: all, ...(body === undefined ? {} : { body }) });
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.fetchImpl(url, { method, headers: all, redirect: 'manual', signal, ...(body === undefined ? {} : { body }) });
      // The timeout covers reading the body too, as Go's Client.Timeout does.
      return { status: response.status, headers: response.headers, body: await response.text() };
    } catch (error) {
      const verb = method === 'GET' ? 'Get' : 'Post';
      const reason = signal.aborted
        ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
        : describeNetworkError(error);
      const message = `${verb} "${url}": ${reason}`;
      throw new HarborError(context ? `${context}: ${message}` : message);
    }
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * `generalRespHandlerFunc`: the body when the status is the expected one; otherwise Harbor reads an
 * `ErrorResponse` from a non-empty body and appends its own context to the message.
 */
function expectStatus(context: string, expected: number, received: Received): string {
  if (received.status === expected) return received.body;
  const prefix = context ? `${context}: ` : '';
  const unexpected = `general response handler: unexpected status code: ${received.status}, expected: ${expected}`;
  if (received.body.length === 0) throw new HarborError(`${prefix}${unexpected}`);
  const parsed = goUnmarshal(received.body, HARBOR_TYPES.errorResponse);
  if (parsed.error) throw new HarborError(`${prefix}general response handler: ${parsed.error}`);
  const message = (parsed.value as { error?: { message?: string } | null } | null)?.error?.message ?? '';
  throw new HarborError(`${prefix}${message}: ${unexpected}`);
}
