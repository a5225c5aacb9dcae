/**
 * One JSON call to Harbor's REST API (`/api/v2.0`), with the robot account's Basic credentials (Harbor
 * accepts HTTP Basic for robot accounts on its API, `src/server/middleware/security/basic_auth.go`),
 * bounded bodies, and retries of 429/5xx/network failures. Harbor's error envelope (swagger `Errors`)
 * becomes {@link HarborApiError} with its message.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fetch, type Dispatcher } from 'undici';
import { HARBOR_API_BASE, HarborErrorsSchema } from '../../spec/harbor-rest.js';
import { HarborApiError, HarborProtocolError, HarborUnavailableError } from '../errors/harbor-errors.js';
import { backoffDelayMs, parseRetryAfter, type RetryPolicy } from '../registry/retry.js';

/** An artifact page with 100 artifacts and their `extra_attrs` (model configs) stays well below this. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface HarborCall {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path below `/api/v2.0`, already encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: unknown;
  /** Statuses answered without throwing (besides 2xx), e.g. 409 for "label already added". */
  readonly tolerate?: readonly number[];
}

export interface HarborResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, undefined for an empty body. */
  readonly json: unknown;
  readonly url: URL;
}

export interface HarborHttpOptions {
  readonly baseUrl: URL;
  readonly authorization: string;
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
}

/** Sends `call`; 2xx and tolerated statuses return, the rest throw. */
export async function callHarbor(options: HarborHttpOptions, call: HarborCall): Promise<HarborResponse> {
  const url = new URL(`${options.baseUrl.pathname.replace(/\/+$/, '')}${HARBOR_API_BASE}${call.path}`, options.baseUrl.origin);
  for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, String(value));
  const name = `${call.method} ${HARBOR_API_BASE}${call.path}`;
  for (let retry = 0; ; retry++) {
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(url, {
        method: call.method,
        dispatcher: options.dispatcher,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
        headers: {
          authorization: options.authorization,
          accept: 'application/json',
          // Project names may be all digits; this makes Harbor read `{project_name_or_id}` as a name.
          'x-is-resource-name': 'true',
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      });
    } catch (error) {
      if (retry < options.retry.maxRetries) {
        await sleep(backoffDelayMs(options.retry, retry + 1));
        continue;
      }
      throw new HarborUnavailableError(name, (error as Error).message, { cause: error });
    }
    const status = response.status;
    if ((status === 429 || status >= 500) && retry < options.retry.maxRetries) {
      await response.body?.cancel();
      const wait = parseRetryAfter(response.headers.get('retry-after') ?? undefined) ?? backoffDelayMs(options.retry, retry + 1);
      await sleep(Math.min(wait, options.retry.maxDelayMs));
      continue;
    }
    const text = await readText(response, name);
    if ((status >= 200 && status < 300) || call.tolerate?.includes(status)) {
      return { status, headers: response.headers, json: text === '' ? undefined : parseJson(text, name), url };
    }
    if (status === 429 || status >= 500) throw new HarborUnavailableError(name, `HTTP ${status} after ${retry + 1} attempts`);
    throw new HarborApiError(name, status, harborMessage(text));
  }
}

async function readText(response: Awaited<ReturnType<typeof fetch>>, name: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new HarborProtocolError(name, `response of ${declared} bytes is over the ${MAX_RESPONSE_BYTES}-byte limit`);
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of response.body) {
    length += chunk.length;
    if (length > MAX_RESPONSE_BYTES) throw new HarborProtocolError(name, `response over the ${MAX_RESPONSE_BYTES}-byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HarborProtocolError(name, 'the body is not JSON');
  }
}

/** Harbor's message from its error envelope, shortened and safe to log. */
function harborMessage(text: string): string {
  let message = text;
  try {
    const parsed = HarborErrorsSchema.safeParse(JSON.parse(text));
    if (parsed.success) message = parsed.data.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // Not JSON (a proxy's HTML page): keep the text.
  }
  return message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 300);
}
