/**
 * An HTTP proxy between the scanner and a real registry that breaks matching responses the ways networks
 * and hostile middleboxes do: a 503 storm, a connection reset or a cut mid-body, a flipped byte, a body
 * dripped one byte at a time, and other bytes served for Range requests only. Requests that match no
 * fault pass through untouched. (./gate-proxy.ts holds whole TCP connections; this one works on HTTP
 * answers, which the gate cannot see.)
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Every matching request answers 503 (with `Retry-After: 0`). */
  | { readonly mode: 'storm' }
  /** Headers and the first `afterBytes` body bytes, then a TCP reset. */
  | { readonly mode: 'reset'; readonly afterBytes: number }
  /** Headers (full Content-Length) and the first `afterBytes` body bytes, then a clean close. */
  | { readonly mode: 'cut'; readonly afterBytes: number }
  /** The body byte at `offset` (of this response) XOR 0xff. */
  | { readonly mode: 'flip'; readonly offset: number }
  /** The body, one byte every `intervalMs`. */
  | { readonly mode: 'drip'; readonly intervalMs: number }
  /** Answers to requests with a Range header: every occurrence of `find` replaced by `replace` (same length). */
  | { readonly mode: 'swap-range'; readonly find: Uint8Array; readonly replace: Uint8Array }
  /** Answers `status` with an empty body, as a registry refusing these credentials for this blob would. */
  | { readonly mode: 'status'; readonly status: number };

export interface FaultRule {
  /** Substring of the request path (`/v2/<repo>/blobs/<digest>`, `/manifests/`); every request when absent. */
  readonly path?: string;
  /** Only requests of this method (`HEAD`, `GET`); every method when absent. */
  readonly method?: string;
  readonly fault: Fault;
}

/** A request the proxy received, in order. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
}

export interface FaultProxy {
  readonly url: string;
  /** Requests that matched a rule, by fault mode (to prove the fault was met). */
  readonly hits: Map<Fault['mode'], number>;
  /** Every request received, faulted or not (clear it with `requests.length = 0`). */
  readonly requests: ProxiedRequest[];
  /** Replaces the rules; none: pass everything through. */
  set(...rules: FaultRule[]): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let rules: FaultRule[] = [];
  const hits = new Map<Fault['mode'], number>();
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    const rule = rules.find((r) => (r.path === undefined || (req.url ?? '').includes(r.path)) && (r.method === undefined || r.method === req.method));
    const fault = rule?.fault;
    if (fault && (fault.mode !== 'swap-range' || req.headers.range !== undefined)) hits.set(fault.mode, (hits.get(fault.mode) ?? 0) + 1);
    if (fault?.mode === 'storm') {
      req.resume();
      res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' }).end('storm');
      return;
    }
    if (fault?.mode === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'content-length': '0' }).end();
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        void relay(answer, res, fault && (fault.mode !== 'swap-range' || req.headers.range !== undefined) ? fault : undefined);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    requests,
    set: (...next) => {
      rules = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Copies `answer` to `res`, applying `fault` to the body. */
async function relay(answer: http.IncomingMessage, res: http.ServerResponse, fault: Fault | undefined): Promise<void> {
  let sent = 0;
  try {
    for await (const chunk of answer as AsyncIterable<Buffer>) {
      let piece: Buffer = Buffer.from(chunk);
      switch (fault?.mode) {
        case 'reset':
        case 'cut': {
          const keep = Math.max(0, fault.afterBytes - sent);
          if (keep < piece.length) {
            if (keep > 0) await write(res, piece.subarray(0, keep));
            if (fault.mode === 'reset') res.socket?.resetAndDestroy();
            else res.socket?.end();
            answer.destroy();
            return;
          }
          break;
        }
        case 'flip':
          if (fault.offset >= sent && fault.offset < sent + piece.length) piece[fault.offset - sent]! ^= 0xff;
          break;
        case 'swap-range':
          piece = swapAll(piece, Buffer.from(fault.find), Buffer.from(fault.replace));
          break;
        case 'drip':
          for (const byte of piece) {
            if (res.destroyed) {
              answer.destroy();
              return;
            }
            await write(res, Buffer.of(byte));
            await new Promise((resolve) => setTimeout(resolve, fault.intervalMs));
          }
          sent += piece.length;
          continue;
      }
      sent += piece.length;
      await write(res, piece);
    }
    res.end();
  } catch {
    res.destroy();
  }
}

function write(res: http.ServerResponse, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => res.write(bytes, (error) => (error ? reject(error) : resolve())));
}

/** `bytes` with every `find` replaced by `replace` (a match split across chunks is missed: keep `find` short). */
function swapAll(bytes: Buffer, find: Buffer, replace: Buffer): Buffer {
  if (find.length !== replace.length) throw new Error('swap-range needs a replacement of the same length');
  const out = Buffer.from(bytes);
  for (let at = out.indexOf(find); at >= 0; at = out.indexOf(find, at + find.length)) replace.copy(out, at);
  return out;
}
