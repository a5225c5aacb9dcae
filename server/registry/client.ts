/**
 * The OCI distribution client the scanner pulls with (oci-model-formats.md §5): a `/v2/` probe, the
 * challenge-driven auth of {@link RegistryAuthenticator}, digest-verified manifests and blobs, and Range
 * reads through {@link RegistryBlobSource}. Transport details live in ./http-transport.ts.
 */
import type { Dispatcher } from 'undici';
import {
  BlobSizeMismatchError,
  BlobUnknownError,
  DigestMismatchError,
  ManifestUnknownError,
  RegistryAuthError,
  RegistryConfigError,
  RegistryPolicyError,
  RegistryProtocolError,
  TooLargeError,
  type RegistryTarget,
} from '../errors/registry-errors.js';
import { BufferSource, type ByteSource } from '../../analyzers/source.js';
import { pullScope, pushScope, RegistryAuthenticator } from './authenticator.js';
import { DEFAULT_BLOB_SOURCE_TUNING, RegistryBlobSource, type BlobSourceTuning } from './blob-source.js';
import { abandonBody, ByteCounter, drainBody, readBody, readRegistryErrorMessage } from './body.js';
import { digestOf, parseDigest } from './digest.js';
import type { ProxySettings } from '../config/proxy.js';
import { createDispatcher } from './dispatcher.js';
import { describeUrl, headerValue, HttpTransport, type HttpRequest, type HttpResponse } from './http-transport.js';
import { nextLink } from './link-header.js';
import { interpretManifest, MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, OCI_INDEX, parseJsonObject } from './manifest.js';
import { checkReference, checkRepository } from './references.js';
import { referrerDescriptors, referrersTag } from './referrers.js';
import { RetryBudget, withRetries, type RetryPolicy } from './retry.js';
import type {
  Descriptor,
  FetchedManifest,
  PushedManifest,
  Referrers,
  RegistryCredentials,
  RegistryLogger,
  RegistryPushClient,
  VerifiableSource,
} from './types.js';

export interface RegistryClientOptions {
  /** Harbor's `registry.url`: `http(s)://host[:port]`, perhaps with a path prefix; never credentials. */
  readonly url: string;
  readonly credentials: RegistryCredentials;
  /** PEM file with the CA that signed the registry's certificate (added to the public roots). */
  readonly caFile?: string;
  /** Skips TLS verification; for test registries only. */
  readonly insecureSkipVerify?: boolean;
  /** Forward proxies for the registry and its redirects. */
  readonly proxy?: ProxySettings;
  /** Per request: connect, time to response headers, and idle time between body chunks. */
  readonly timeoutMs: number;
  /** Retries after the first attempt, for network errors, timeouts, 429 and 5xx. */
  readonly maxRetries: number;
  readonly logger?: RegistryLogger;
  /** Backoff before the first retry, doubled per retry (default 500 ms). */
  readonly retryBaseDelayMs?: number;
  /** Longest backoff, and longest `Retry-After` honoured before giving up (default 30 s). */
  readonly maxRetryDelayMs?: number;
  /** Largest manifest accepted (default 4 MiB, distribution's own limit). */
  readonly maxManifestBytes?: number;
  readonly blobSourceTuning?: BlobSourceTuning;
  /**
   * The scan's deadline. Every request (probe, token, manifest, blob, Range read), body read and retry
   * backoff ends when it aborts, with its reason as the error.
   */
  readonly signal?: AbortSignal;
  /** Blob sources offer `verifyServed` (./types.ts VerifiableSource): SCANNER_VERIFY_BLOBS. */
  readonly verifyBlobs?: boolean;
}

/** A {@link RegistryPushClient} that holds connections: close it when the scan is done. */
export interface HttpRegistryClient extends RegistryPushClient {
  /**
   * `HEAD` of a blob with pull credentials: true when the registry answers 200 (these credentials may
   * read it), false for 404. A refusal throws {@link RegistryAuthError}, anything else the registry's error.
   */
  headBlob(repository: string, digest: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * @example
 * const client = createRegistryClient({ url: req.registry.url, credentials: parseRegistryAuthorization(req.registry.authorization),
 *   timeoutMs: 30_000, maxRetries: 3 });
 * try { const manifest = await client.getManifest('library/model', 'sha256:…'); } finally { await client.close(); }
 */
export function createRegistryClient(options: RegistryClientOptions): HttpRegistryClient {
  return new DistributionClient(options);
}

class DistributionClient implements HttpRegistryClient {
  readonly #base: URL;
  readonly #dispatcher: Dispatcher;
  readonly #transport: HttpTransport;
  readonly #auth: RegistryAuthenticator;
  readonly #counter = new ByteCounter();
  readonly #policy: RetryPolicy;
  readonly #logger: RegistryLogger | undefined;
  readonly #maxManifestBytes: number;
  readonly #tuning: BlobSourceTuning;
  readonly #signal: AbortSignal | undefined;
  readonly #verifyBlobs: boolean;
  #probe: Promise<void> | undefined;

  constructor(options: RegistryClientOptions) {
    this.#base = parseRegistryUrl(options.url);
    if (!(options.timeoutMs > 0) || !Number.isInteger(options.maxRetries) || options.maxRetries < 0) {
      throw new RegistryConfigError('registry client: timeoutMs must be positive and maxRetries a non-negative integer');
    }
    this.#logger = options.logger;
    this.#dispatcher = createDispatcher(options);
    this.#signal = options.signal;
    this.#verifyBlobs = options.verifyBlobs ?? false;
    this.#transport = new HttpTransport(this.#dispatcher, options.logger, options.signal);
    this.#auth = new RegistryAuthenticator({
      credentials: options.credentials,
      transport: this.#transport,
      counter: this.#counter,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    this.#policy = {
      maxRetries: options.maxRetries,
      baseDelayMs: options.retryBaseDelayMs ?? 500,
      maxDelayMs: options.maxRetryDelayMs ?? 30_000,
    };
    this.#maxManifestBytes = options.maxManifestBytes ?? MAX_MANIFEST_BYTES;
    this.#tuning = options.blobSourceTuning ?? DEFAULT_BLOB_SOURCE_TUNING;
  }

  get bytesFetched(): number {
    return this.#counter.total;
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const target = this.#target(checkRepository(repository));
    checkReference(reference);
    return withRetries(this.#budget(target), async () => {
      const response = await this.#get(target, `/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
      if (response.status === 404) {
        throw new ManifestUnknownError(target, reference, await readRegistryErrorMessage(response.body, this.#counter, target));
      }
      if (response.status !== 200) throw await this.#unexpected(response, target, `GET manifest ${reference}`);
      const tooLarge = (size?: number) => new TooLargeError(target, `manifest ${reference}`, this.#maxManifestBytes, size);
      const declared = Number(headerValue(response.headers, 'content-length'));
      if (declared > this.#maxManifestBytes) {
        abandonBody(response.body);
        throw tooLarge(declared);
      }
      const bytes = await readBody(response.body, this.#maxManifestBytes, this.#counter, target, () => tooLarge());
      return interpretManifest(
        {
          bytes,
          reference,
          contentType: headerValue(response.headers, 'content-type'),
          contentDigest: headerValue(response.headers, 'docker-content-digest'),
        },
        target,
      );
    });
  }

  async getBlob(repository: string, descriptor: Descriptor, maxBytes: number): Promise<Uint8Array> {
    const target = this.#target(checkRepository(repository));
    const digest = parseDigest(descriptor.digest).text;
    checkDescriptorSize(descriptor, target);
    if (descriptor.size > maxBytes) throw new TooLargeError(target, `blob ${digest}`, maxBytes, descriptor.size);
    if (descriptor.data !== undefined) return inlineBytes(descriptor, target);
    return withRetries(this.#budget(target), async () => {
      const response = await this.#getBlob(target, digest);
      if (response.status !== 200) {
        abandonBody(response.body);
        throw new RegistryProtocolError(target, `GET blob ${digest} without Range answered HTTP ${response.status}`);
      }
      const bytes = await readBody(response.body, descriptor.size, this.#counter, target, () =>
        new BlobSizeMismatchError(target, digest, `the registry sent more than the ${descriptor.size} bytes declared`),
      );
      return verifyContent(bytes, descriptor, target, `blob ${digest}`);
    });
  }

  blobSource(repository: string, descriptor: Descriptor): ByteSource & Partial<VerifiableSource> {
    const target = this.#target(checkRepository(repository));
    const digest = parseDigest(descriptor.digest).text;
    checkDescriptorSize(descriptor, target);
    if (descriptor.data !== undefined) return new BufferSource(inlineBytes(descriptor, target));
    return new RegistryBlobSource(
      descriptor,
      {
        target,
        counter: this.#counter,
        ...(this.#logger === undefined ? {} : { logger: this.#logger }),
        get: (range) => this.#getBlob(target, digest, range),
        newRetryBudget: () => this.#budget(target),
      },
      this.#tuning,
      this.#verifyBlobs,
    );
  }

  async headBlob(repository: string, digest: string): Promise<boolean> {
    const target = this.#target(checkRepository(repository));
    const text = parseDigest(digest).text;
    return withRetries(this.#budget(target), async () => {
      const response = await this.#send(target, { method: 'HEAD', url: this.#url(`/v2/${repository}/blobs/${text}`) }, pullScope(repository));
      await drainBody(response.body);
      if (response.status === 200) return true;
      if (response.status === 404) return false;
      throw new RegistryProtocolError(this.#answeredBy(response, target), `HEAD blob ${text} answered HTTP ${response.status}`);
    });
  }

  async pushBlob(repository: string, bytes: Uint8Array): Promise<string> {
    const target = this.#target(checkRepository(repository));
    const digest = digestOf(bytes);
    const scope = pushScope(repository);
    return withRetries(this.#budget(target), async () => {
      const existing = await this.#send(target, { method: 'HEAD', url: this.#url(`/v2/${repository}/blobs/${digest}`) }, scope);
      await drainBody(existing.body);
      if (existing.status === 200) return digest;
      if (existing.status !== 404) throw await this.#unexpected(existing, target, `HEAD blob ${digest}`);
      // POST, then PUT with the digest: the monolithic upload distribution 2.8 completes (a POST with the
      // body and `?digest=` answers 202 without creating the blob, test-environment.md §2.3).
      const started = await this.#send(target, { method: 'POST', url: this.#url(`/v2/${repository}/blobs/uploads/`) }, scope);
      if (started.status !== 202) throw await this.#unexpected(started, target, 'POST blob upload');
      await drainBody(started.body);
      const upload = uploadUrl(headerValue(started.headers, 'location'), started.url, target);
      upload.searchParams.set('digest', digest);
      // Without this Content-Type distribution reads the body as a form: 400 DIGEST_INVALID.
      const headers = { 'content-type': 'application/octet-stream' };
      const finished = await this.#send(target, { method: 'PUT', url: upload, headers, body: bytes }, scope);
      if (finished.status !== 201) throw await this.#unexpected(finished, target, `PUT blob ${digest}`);
      await drainBody(finished.body);
      return digest;
    });
  }

  async pushManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<PushedManifest> {
    const target = this.#target(checkRepository(repository));
    checkReference(reference);
    if (bytes.length > this.#maxManifestBytes) throw new TooLargeError(target, `manifest ${reference}`, this.#maxManifestBytes, bytes.length);
    const url = this.#url(`/v2/${repository}/manifests/${reference}`);
    return withRetries(this.#budget(target), async () => {
      const response = await this.#send(target, { method: 'PUT', url, headers: { 'content-type': mediaType }, body: bytes }, pushScope(repository));
      if (response.status !== 201) throw await this.#unexpected(response, target, `PUT manifest ${reference}`);
      const subject = headerValue(response.headers, 'oci-subject');
      await drainBody(response.body);
      return { digest: digestOf(bytes), ...(subject ? { subject } : {}) };
    });
  }

  async getReferrers(repository: string, digest: string, artifactType?: string): Promise<Referrers> {
    const target = this.#target(checkRepository(repository));
    parseDigest(digest);
    const wanted = (d: Descriptor) => artifactType === undefined || d.artifactType === artifactType;
    let url: URL | undefined = this.#url(`/v2/${repository}/referrers/${digest}`);
    if (artifactType !== undefined) url.searchParams.set('artifactType', artifactType);
    const manifests: Descriptor[] = [];
    for (let page = 0; url !== undefined; page++) {
      if (page === MAX_REFERRER_PAGES) throw new RegistryProtocolError(target, `referrers of ${digest} span more than ${MAX_REFERRER_PAGES} pages`);
      const current: URL = url;
      const answer = await withRetries(this.#budget(target), () => this.#referrersPage(target, current, digest));
      // Registries with the API never answer 404 for a valid digest (spec "Listing Referrers").
      if (answer === 'no-api') return this.#referrersFromTag(target, digest, wanted);
      // The spec lets a registry ignore `artifactType`, so the filter is applied here as well.
      manifests.push(...answer.descriptors.filter(wanted));
      url = answer.next;
    }
    return { manifests, source: 'api' };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #referrersPage(target: RegistryTarget, url: URL, digest: string): Promise<'no-api' | { descriptors: Descriptor[]; next?: URL }> {
    const response = await this.#send(target, { method: 'GET', url, headers: { accept: OCI_INDEX } }, pullScope(target.repository ?? ''));
    if (response.status === 404) {
      await drainBody(response.body);
      return 'no-api';
    }
    if (response.status !== 200) throw await this.#unexpected(response, target, `GET referrers of ${digest}`);
    const what = `referrers of ${digest}`;
    const bytes = await readBody(response.body, this.#maxManifestBytes, this.#counter, target, () => new TooLargeError(target, what, this.#maxManifestBytes));
    const descriptors = referrerDescriptors(parseJsonObject(bytes, target, what), target, what);
    const next = nextLink(headerValue(response.headers, 'link'), response.url);
    return next === undefined ? { descriptors } : { descriptors, next };
  }

  /** The `sha256-<hex>` index a client without the API maintains; no tag means no referrers. */
  async #referrersFromTag(target: RegistryTarget, digest: string, wanted: (d: Descriptor) => boolean): Promise<Referrers> {
    const tag = referrersTag(digest);
    try {
      const index = await this.getManifest(target.repository ?? '', tag);
      return { manifests: referrerDescriptors(index.body, target, `referrers tag ${tag}`).filter(wanted), source: 'tag-schema' };
    } catch (error) {
      if (error instanceof ManifestUnknownError) return { manifests: [], source: 'tag-schema' };
      throw error;
    }
  }

  /** A blob GET: 200, 206 and 416 are returned; 404 and anything else unexpected throw. */
  async #getBlob(target: RegistryTarget, digest: string, range?: { start: number; end: number }): Promise<HttpResponse> {
    const headers: Record<string, string> = range === undefined ? {} : { range: `bytes=${range.start}-${range.end}` };
    const response = await this.#get(target, `/v2/${target.repository}/blobs/${digest}`, headers);
    if (response.status === 404) {
      const at = this.#answeredBy(response, target);
      throw new BlobUnknownError(at, digest, await readRegistryErrorMessage(response.body, this.#counter, at));
    }
    if (response.status === 200 || response.status === 206 || response.status === 416) return response;
    throw await this.#unexpected(response, target, `GET blob ${digest}`);
  }

  /** An authenticated GET with pull scope. */
  #get(target: RegistryTarget, path: string, headers: Record<string, string>): Promise<HttpResponse> {
    return this.#send(target, { method: 'GET', url: this.#url(path), headers }, pullScope(target.repository ?? ''));
  }

  /**
   * An authenticated request. A 401 makes the client learn the challenge and retry once with fresh
   * credentials (a new token); 403 and 412 become their errors. Credentials only go to the registry's
   * own origin, never to an upload URL on another host.
   */
  async #send(target: RegistryTarget, request: Omit<HttpRequest, 'authorization'>, scope: string): Promise<HttpResponse> {
    await this.#ensureProbed(target);
    const { url } = request;
    const sameOrigin = url.origin === this.#base.origin;
    const first = sameOrigin ? await this.#auth.authorization(scope, target) : undefined;
    const access = scope.endsWith(',push') ? 'push' : 'pull';
    let response = await this.#transport.send({ ...request, ...withAuthorization(first) }, target);
    if (response.status === 401 && sameOrigin && response.url.origin === url.origin) {
      const challenge = headerValue(response.headers, 'www-authenticate');
      await drainBody(response.body);
      this.#auth.noteChallenge(challenge, target);
      this.#auth.invalidate(scope);
      const second = await this.#auth.authorization(scope, target);
      if (second === undefined || second === first) {
        throw new RegistryAuthError(target, 401, this.#auth.hasCredentials ? 'rejected' : 'missing', access);
      }
      response = await this.#transport.send({ ...request, ...withAuthorization(second) }, target);
    }
    if (response.status === 401 || response.status === 403) {
      const at = this.#answeredBy(response, target);
      await readRegistryErrorMessage(response.body, this.#counter, at);
      // A refusal from the storage a redirect led to is about its presigned URL, not our credentials.
      const fromStorage = at.registry !== target.registry;
      const reason = response.status === 403 || fromStorage ? 'forbidden' : this.#auth.hasCredentials ? 'rejected' : 'missing';
      throw new RegistryAuthError(at, response.status, reason, access);
    }
    if (response.status === 412) {
      throw new RegistryPolicyError(target, await readRegistryErrorMessage(response.body, this.#counter, target));
    }
    return response;
  }

  /** `GET /v2/` once per client, without credentials, to learn the registry's challenge. */
  #ensureProbed(target: RegistryTarget): Promise<void> {
    this.#probe ??= this.#runProbe({ registry: target.registry }).catch((error: unknown) => {
      this.#probe = undefined;
      throw error;
    });
    return this.#probe;
  }

  async #runProbe(target: RegistryTarget): Promise<void> {
    const url = this.#url('/v2/');
    await withRetries(this.#budget(target), async () => {
      const response = await this.#transport.send({ method: 'GET', url, headers: {} }, target);
      if (response.status === 200) return drainBody(response.body);
      if (response.status === 401) {
        const challenge = headerValue(response.headers, 'www-authenticate');
        await drainBody(response.body);
        return this.#auth.noteChallenge(challenge, target);
      }
      const message = await readRegistryErrorMessage(response.body, this.#counter, target);
      throw new RegistryProtocolError(
        target,
        `GET ${describeUrl(url)} answered HTTP ${response.status}${message ? ` (${message})` : ''}; check that ` +
          `registry.url points at an OCI distribution registry`,
      );
    });
  }

  async #unexpected(response: HttpResponse, target: RegistryTarget, what: string): Promise<RegistryProtocolError> {
    const at = this.#answeredBy(response, target);
    const message = await readRegistryErrorMessage(response.body, this.#counter, at);
    return new RegistryProtocolError(at, `${what} answered HTTP ${response.status}${message ? ` (${message})` : ''}`);
  }

  /** The target to blame: the registry, or the storage host a redirect led to. */
  #answeredBy(response: HttpResponse, target: RegistryTarget): RegistryTarget {
    return response.url.origin === this.#base.origin ? target : { ...target, registry: response.url.origin };
  }

  #target(repository: string): RegistryTarget {
    return { registry: this.#base.origin, repository };
  }

  #budget(target: RegistryTarget): RetryBudget {
    return new RetryBudget(this.#policy, target, this.#logger, this.#signal);
  }

  #url(path: string): URL {
    return new URL(`${this.#base.pathname.replace(/\/+$/, '')}${path}`, this.#base.origin);
  }
}

/** Pages of a referrers list followed before giving up (each page is at most one manifest in size). */
const MAX_REFERRER_PAGES = 100;

/** The upload URL from a POST's `Location`, which may be relative to the POST URL. */
function uploadUrl(location: string | undefined, postUrl: URL, target: RegistryTarget): URL {
  if (location === undefined || location === '') throw new RegistryProtocolError(target, 'blob upload answered 202 without a Location');
  let url: URL;
  try {
    url = new URL(location, postUrl);
  } catch {
    throw new RegistryProtocolError(target, 'blob upload answered an invalid Location');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RegistryProtocolError(target, `blob upload Location uses an unsupported scheme ${url.protocol}`);
  }
  return url;
}

function withAuthorization(value: string | undefined): { authorization?: string } {
  return value === undefined ? {} : { authorization: value };
}

function parseRegistryUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RegistryConfigError('registry.url is not an absolute URL (expected http(s)://host[:port])');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RegistryConfigError(`registry.url uses unsupported scheme ${url.protocol} (expected http or https)`);
  }
  // Credentials travel in registry.authorization; a URL with user info would leak them into logs.
  if (url.username !== '' || url.password !== '') throw new RegistryConfigError('registry.url must not contain user info');
  return url;
}

function checkDescriptorSize(descriptor: Descriptor, target: RegistryTarget): void {
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new RegistryProtocolError(target, `descriptor of ${descriptor.digest} has an invalid size ${String(descriptor.size)}`);
  }
}

/** Content embedded in the descriptor's `data` field, checked like fetched content. */
function inlineBytes(descriptor: Descriptor, target: RegistryTarget): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(descriptor.data ?? '', 'base64'));
  return verifyContent(bytes, descriptor, target, `inline data of ${descriptor.digest}`);
}

/** Returns `bytes` when they have the descriptor's size and digest; throws otherwise. */
function verifyContent(bytes: Uint8Array, descriptor: Descriptor, target: RegistryTarget, what: string): Uint8Array {
  if (bytes.length !== descriptor.size) {
    throw new BlobSizeMismatchError(target, descriptor.digest, `${what} has ${bytes.length} bytes, the descriptor declares ${descriptor.size}`);
  }
  const actual = digestOf(bytes, parseDigest(descriptor.digest).algorithm);
  if (actual !== descriptor.digest) throw new DigestMismatchError(target, descriptor.digest, actual, what);
  return bytes;
}
