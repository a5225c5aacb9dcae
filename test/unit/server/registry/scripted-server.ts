/**
 * A local HTTP server on port 0 whose answers each test scripts, recording every request it gets. Used
 * by the registry client's unit tests to produce what real registries rarely do on demand: 5xx, 429,
 * resets, redirect chains, lying Content-Length, ignored Range.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen } from '../../../services/http-server.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export type ScriptedHandler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

export interface ScriptedServer {
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Requests whose path starts with `prefix`. */
  requestsTo(prefix: string): RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server; `handler` gets each request with its 0-based index (over all paths). */
export async function startScriptedServer(handler: ScriptedHandler, host = '127.0.0.1'): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    handler(req, res, requests.length - 1);
  });
  const address = await listen(server, 0, host);
  const url = `http://${host}:${address.port}`;
  return {
    url,
    port: address.port,
    requests,
    requestsTo: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    close: () => closeServer(server),
  };
}

/** Answers JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Serves `bytes` honouring a single `Range: bytes=a-b` (206), else whole (200). */
export function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, headers: Record<string, string> = {}): void {
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (range === null) {
    res.writeHead(200, { 'content-length': String(bytes.length), ...headers }).end(bytes);
    return;
  }
  const start = Number(range[1]);
  const end = Math.min(Number(range[2]), bytes.length - 1);
  res
    .writeHead(206, { 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${bytes.length}`, ...headers })
    .end(bytes.subarray(start, end + 1));
}
