/**
 * A TCP proxy in front of a registry that can hold connections: while closed, clients connect but get no
 * answer, so a scan is caught mid-pull; once opened, connections are piped to the target.
 */
import { once } from 'node:events';
import net from 'node:net';

export interface GateProxy {
  readonly url: string;
  open(): void;
  close(): Promise<void>;
}

export async function startGateProxy(targetPort: number): Promise<GateProxy> {
  let isOpen = false;
  const held: net.Socket[] = [];
  const sockets = new Set<net.Socket>();
  const forward = (client: net.Socket) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    if (isOpen) forward(client);
    else {
      client.pause();
      client.on('error', () => client.destroy());
      held.push(client);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    open() {
      isOpen = true;
      for (const client of held.splice(0)) if (!client.destroyed) forward(client);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
