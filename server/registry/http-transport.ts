/**
 * One HTTP exchange with a registry, a token service or the storage a blob redirect points at.
 *
 * Redirects are followed by hand: registries MAY redirect any request and clients MUST NOT forward
 * `Authorization` across host boundaries (opencontainers/distribution-spec `spec.md` "API"); S3 also
 * rejects a presigned URL that arrives with an Authorization header (oci-model-formats.md §5.4).
 * 429 and 5xx become {@link TransientError}s for the retry loop; bodies are never decompressed
 * (undici's `request`, not `fetch`), so Range offsets and digests refer to the stored bytes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { RegistryProtocolError, type RegistryTarget } from '../errors/registry-errors.js';
import { drainBody } from './body.js';
import { classifyNetworkError } from './network-errors.js';
import { parseRetryAfter, TransientError } from './retry.js';
import type { RegistryLogger } from './types.js';

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Upload bodies (blobs, manifests); re-sent only on 307/308, the redirects that keep the method. */
  readonly body?: Uint8Array;
  /** Sent to the origin of `url` only; dropped on every hop to another origin. */
  readonly authorization?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  /** Where the answer came from, after redirects. */
  readonly url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const USER_AGENT = 'harbor-scanner-models';

/** A URL as safe to print: no query string (presigned signatures) and no user info. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** The single value of a response header (the first, when a header was repeated). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export class HttpTransport {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly logger?: RegistryLogger,
    /** The scan's deadline: aborts connects, waits for headers and body reads alike (undici `signal`). */
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Sends `request`, following up to 5 redirects. Returns any final status except 429/5xx, which throw
   * {@link TransientError}; network failures throw TransientError or a TLS error.
   */
  async send(request: HttpRequest, target: RegistryTarget): Promise<HttpResponse> {
    let url = request.url;
    let method = request.method;
    for (let hops = 0; ; hops++) {
      const hopTarget = url.origin === request.url.origin ? target : { ...target, registry: url.origin };
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...request.headers };
      if (request.authorization !== undefined && url.origin === request.url.origin) {
        headers.authorization = request.authorization;
      }
      let response: Dispatcher.ResponseData;
      this.signal?.throwIfAborted();
      try {
        response = await this.dispatcher.request({
          ...(this.signal ? { signal: this.signal } : {}),
          origin: url.origin,
          path: url.pathname + url.search,
          method,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
      } catch (error) {
        this.signal?.throwIfAborted();
        throw classifyNetworkError(error, hopTarget, `${method} ${describeUrl(url)}`);
      }
      const status = response.statusCode;
      if (REDIRECTS.has(status)) {
        await drainBody(response.body);
        const next = redirectTarget(url, headerValue(response.headers, 'location'), hopTarget);
        if (hops + 1 > MAX_REDIRECTS) {
          throw new RegistryProtocolError(target, `more than ${MAX_REDIRECTS} redirects for ${method} ${describeUrl(request.url)}`);
        }
        // 301/302/303 turn an upload into a GET of something else (RFC 9110 §15.4): never what a push means.
        if (request.body !== undefined && status !== 307 && status !== 308) {
          throw new RegistryProtocolError(target, `HTTP ${status} redirect in answer to ${method} ${describeUrl(url)}; uploads follow only 307/308`);
        }
        this.logger?.debug(
          { from: describeUrl(url), to: describeUrl(next), status, authorizationKept: next.origin === request.url.origin },
          'following registry redirect',
        );
        // RFC 9110 §15.4.4: 303 means "GET the other resource".
        if (status === 303 && method !== 'HEAD') method = 'GET';
        url = next;
        continue;
      }
      if (status === 429 || (status >= 500 && status !== 501 && status !== 505)) {
        await drainBody(response.body);
        const retryAfter = parseRetryAfter(headerValue(response.headers, 'retry-after'));
        throw new TransientError(`HTTP ${status} for ${method} ${describeUrl(url)}`, retryAfter);
      }
      return { status, headers: response.headers, body: response.body, url };
    }
  }
}

function redirectTarget(from: URL, location: string | undefined, target: RegistryTarget): URL {
  if (location === undefined || location === '') {
    throw new RegistryProtocolError(target, `redirect without a Location header from ${describeUrl(from)}`);
  }
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new RegistryProtocolError(target, `redirect to an invalid URL from ${describeUrl(from)}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new RegistryProtocolError(target, `redirect to an unsupported scheme ${next.protocol} from ${describeUrl(from)}`);
  }
  return next;
}
