/**
 * A small Harbor for the webhook mode's tests: one URL serving the REST API (./rest-api.ts) and the
 * registry (`/v2/`, proxied to a real docker-registry as Harbor's core proxies its registry,
 * `src/server/registry/proxy.go`). Every manifest pushed through it becomes an artifact (or an accessory)
 * and, when a webhook target is set, a PUSH_ARTIFACT delivery (./webhook-sender.ts) — including the
 * scanner's own pushes, as in Harbor.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { RegistryEndpoint } from '../services/endpoints.js';
import { closeServer, listen } from '../services/http-server.js';
import { handleRestApi } from './rest-api.js';
import { HarborState } from './state.js';
import { deliverWebhook, type Delivery, type WebhookTarget } from './webhook-sender.js';

export interface HarborApiOptions {
  /** The registry behind `/v2/`. */
  readonly registry: RegistryEndpoint;
  /** The robot account the REST API accepts. */
  readonly robot: { readonly username: string; readonly password: string };
  readonly canCreateGlobalLabels?: boolean;
  /**
   * Harbor ≥ 2.8 serves the referrers API and answers `OCI-Subject` to a manifest with a subject
   * (default); false plays a Harbor without them, so clients keep the referrers tag schema.
   */
  readonly referrersApi?: boolean;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface HarborApiServer {
  /** `http://127.0.0.1:<port>`: SCANNER_HARBOR_URL. */
  readonly url: string;
  readonly state: HarborState;
  /** REST API calls answered (method, raw path, status). */
  readonly calls: RecordedCall[];
  /** Webhook deliveries made, in order; pending ones are awaited by {@link HarborApiServer.settled}. */
  readonly deliveries: Delivery[];
  /** Where push events go; undefined: no webhook policy. */
  webhook: WebhookTarget | undefined;
  /** Resolves when every delivery started so far is done. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/([^/?]+)$/;
const REFERRERS_PATH = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/;

export async function startHarborApi(options: HarborApiOptions): Promise<HarborApiServer> {
  const state = new HarborState();
  const calls: RecordedCall[] = [];
  const deliveries: Delivery[] = [];
  const pending = new Set<Promise<void>>();
  const rest = { state, robot: options.robot, canCreateGlobalLabels: options.canCreateGlobalLabels ?? true };

  const api: HarborApiServer = {
    url: '',
    state,
    calls,
    deliveries,
    webhook: undefined,
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () => closeServer(server),
  };

  const notify = (repository: string, reference: string, digest: string) => {
    const target = api.webhook;
    if (!target) return;
    const tag = reference.includes(':') ? undefined : reference;
    const delivery = deliverWebhook(target, { repository, digest, ...(tag ? { tag } : {}) }).then((d) => void deliveries.push(d));
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if ((req.url ?? '').startsWith('/api/v2.0/')) {
        res.on('finish', () => calls.push({ method: req.method ?? '', path: req.url ?? '', status: res.statusCode }));
        return handleRestApi(rest, req, res, body);
      }
      const referrersApi = options.referrersApi ?? true;
      const path = (req.url ?? '').split('?')[0] ?? '';
      const referrers = REFERRERS_PATH.exec(path);
      if (referrersApi && req.method === 'GET' && referrers) return sendReferrers(state, res, referrers[1]!, referrers[2]!, req.url ?? '');
      const manifestPut = req.method === 'PUT' ? MANIFEST_PATH.exec(path) : null;
      const pushed = manifestPut ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : undefined;
      const subject = (pushed?.['subject'] as { digest?: string } | undefined)?.digest;
      // `src/server/middleware/subject/subject.go` sets OCI-Subject on the 201 of a manifest with a subject.
      const extraHeaders: Record<string, string> = referrersApi && subject ? { 'oci-subject': subject } : {};
      proxyToRegistry(options.registry, req, res, body, extraHeaders, (status) => {
        if (!manifestPut || !pushed || status !== 201) return;
        const [, repository = '', reference = ''] = manifestPut;
        const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        const manifest = { digest, size: body.length, mediaType: req.headers['content-type'] ?? '' };
        const recorded = state.recordPush(repository, reference, manifest, pushed);
        if (recorded || subject) notify(repository, reference, digest);
      });
    });
  });
  const address = await listen(server, 0, '127.0.0.1');
  return Object.assign(api, { url: `http://127.0.0.1:${address.port}` });
}

/**
 * Forwards to the registry keeping the `Host` the client used, so distribution writes upload `Location`s
 * that point back here (it builds them from the request host).
 */
function proxyToRegistry(
  registry: RegistryEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  extraHeaders: Record<string, string>,
  done: (status: number) => void,
): void {
  const headers = { ...req.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  const upstream = request(
    { host: '127.0.0.1', port: registry.port, method: req.method, path: req.url, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...(answer.statusCode === 201 ? extraHeaders : {}) });
      answer.pipe(res);
      answer.on('end', () => done(answer.statusCode ?? 502));
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
  });
  upstream.end(body);
}

/**
 * Harbor's referrers API (`src/server/registry/referrers.go`): an OCI index of the subject's accessories,
 * each with its artifactType and annotations, filtered by `?artifactType=` with `OCI-Filters-Applied`.
 */
function sendReferrers(state: HarborState, res: ServerResponse, repository: string, digest: string, rawUrl: string): void {
  const artifactType = new URL(rawUrl, 'http://harbor').searchParams.get('artifactType');
  const accessories = state.artifact(repository, digest)?.accessories ?? [];
  const manifests = accessories.map((a) => a.descriptor).filter((d) => artifactType === null || d.artifactType === artifactType);
  res
    .writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', ...(artifactType === null ? {} : { 'oci-filters-applied': 'artifactType' }) })
    .end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
}
