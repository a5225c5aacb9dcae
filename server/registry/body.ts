/**
 * Reading response bodies within a byte cap, counting what crosses the wire. Bodies whose content does
 * not matter are dropped without trusting their framing (distribution 2.8 sends a wrong Content-Length
 * with 416, test-environment.md §2.5).
 */
import type { Readable } from 'node:stream';
import type { RegistryTarget } from '../errors/registry-errors.js';
import { classifyNetworkError } from './network-errors.js';

/** Bytes received by one client, from registries, token services and redirect targets. */
export class ByteCounter {
  total = 0;
}

/** The body's chunks as they arrive; transfer failures surface as transient errors. */
export async function* bodyChunks(body: Readable, counter: ByteCounter, target: RegistryTarget): AsyncGenerator<Uint8Array> {
  try {
    // Leaving the loop early (break, throw) destroys the stream, which aborts the transfer.
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      counter.total += chunk.length;
      yield chunk;
    }
  } catch (error) {
    throw classifyNetworkError(error, target, 'reading the response body');
  }
}

/** The whole body; `tooLarge()` is thrown as soon as more than `maxBytes` arrive. */
export async function readBody(
  body: Readable,
  maxBytes: number,
  counter: ByteCounter,
  target: RegistryTarget,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of bodyChunks(body, counter, target)) {
    length += chunk.length;
    if (length > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

/** Drops a small body (redirect, challenge) by reading it, so the connection can be reused. */
export async function drainBody(body: Readable): Promise<void> {
  try {
    await (body as Readable & { dump(opts: { limit: number }): Promise<void> }).dump({ limit: 64 * 1024 });
  } catch {
    abandonBody(body);
  }
}

/** Drops a body without reading a byte of it. */
export function abandonBody(body: Readable): void {
  // undici reports the abort as an 'error' event; unheard, it would be an uncaught exception.
  body.on('error', () => undefined);
  body.destroy();
}

const ERROR_BODY_LIMIT = 16 * 1024;

/**
 * The registry's explanation from an error body (`{"errors":[{"code","message"}]}`, distribution-spec
 * "Error Codes"), shortened and stripped of control characters so it is safe to put in a log line.
 */
export async function readRegistryErrorMessage(body: Readable, counter: ByteCounter, target: RegistryTarget): Promise<string> {
  let text: string;
  try {
    const bytes = await readBody(body, ERROR_BODY_LIMIT, counter, target, () => new Error('error body too large'));
    text = Buffer.from(bytes).toString('utf8');
  } catch {
    abandonBody(body);
    return '';
  }
  let message = text;
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
    if (first !== undefined) message = [first.code, first.message].filter((p) => typeof p === 'string').join(': ');
  } catch {
    // Not JSON (a proxy's HTML page): keep the text itself.
  }
  return message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
}
