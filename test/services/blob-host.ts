/**
 * A Range-capable static file server standing in for S3 or a CDN behind the registry's `redirect`
 * storage middleware (test-environment.md §2.6). It serves the registry's filesystem `rootdirectory` and
 * records, per request, whether an `Authorization` header arrived: a client that follows the cross-origin
 * redirect must not forward it. `GET /_log` returns the records.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { BlobHostLogEntry } from './endpoints.js';
import { closeServer, listen } from './http-server.js';

export interface BlobHostOptions {
  /** Directory served (the registry's storage root). */
  readonly root: string;
  readonly port: number;
  /** Addresses to listen on; `::1` is tried too so `localhost` works wherever it resolves. */
  readonly hosts?: readonly string[];
}

export interface RunningBlobHost {
  readonly url: string;
  close(): Promise<void>;
}

const LOG_LIMIT = 10_000;

export async function startBlobHost(options: BlobHostOptions): Promise<RunningBlobHost> {
  const root = path.resolve(options.root);
  const log: BlobHostLogEntry[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://blob-host').pathname;
    if (pathname === '/_log') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(log));
      return;
    }
    const status = serveFile(root, pathname, req, res);
    log.push({
      method: req.method ?? '',
      path: pathname,
      range: req.headers.range ?? null,
      authorization: req.headers.authorization === undefined ? 'absent' : 'present',
      status,
    });
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
  };
  const servers: Server[] = [];
  const [first = '127.0.0.1', ...others] = options.hosts ?? ['127.0.0.1', '::1'];
  const primary = createServer(handler);
  const address = await listen(primary, options.port, first);
  servers.push(primary);
  for (const host of others) {
    const extra = createServer(handler);
    // Optional addresses: a machine without IPv6 loopback simply lacks that listener.
    await listen(extra, address.port, host).then(
      () => servers.push(extra),
      () => undefined,
    );
  }
  return { url: `http://${first}:${address.port}`, close: async () => void (await Promise.all(servers.map(closeServer))) };
}

/** Serves one file with single-range support (RFC 9110 §14); returns the status sent. */
function serveFile(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): number {
  const file = path.join(root, path.normalize(decodeURIComponent(pathname)));
  let size: number | undefined;
  try {
    const stat = file.startsWith(root + path.sep) ? statSync(file) : undefined;
    size = stat?.isFile() ? stat.size : undefined;
  } catch {
    size = undefined;
  }
  if (size === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404).end();
    return 404;
  }
  let start = 0;
  let end = size - 1;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range !== null) {
    const [, from = '', to = ''] = range;
    if (from === '') start = Math.max(0, size - Number(to));
    else {
      start = Number(from);
      if (to !== '') end = Math.min(Number(to), size - 1);
    }
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return 416;
    }
  }
  const status = range === null ? 200 : 206;
  res.writeHead(status, {
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || size === 0) res.end();
  else createReadStream(file, { start, end }).on('error', () => res.destroy()).pipe(res);
  return status;
}
