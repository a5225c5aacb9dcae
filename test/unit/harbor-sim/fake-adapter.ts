/** A scripted scanner adapter on loopback for the simulator's own tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => unknown;

export interface FakeAdapter {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Routes by `METHOD path` (path without query); unmatched requests get 404. */
  readonly routes: Map<string, Handler>;
  close(): Promise<void>;
}

export async function startFakeAdapter(): Promise<FakeAdapter> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, Handler>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(recorded);
    const route = routes.get(`${recorded.method} ${recorded.url.split('?')[0]}`);
    if (route) await route(recorded, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}
