/** The scanner as a real child process (`tsx server/main.ts`, or compiled), for tests that kill and restart it and benchmarks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ScannerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGKILL: no graceful shutdown, as when a node dies. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  return port;
}

export interface ScannerProcessOptions {
  /** `https` when `env` configures TLS. */
  readonly scheme?: 'http' | 'https';
  /** Readiness check; default: GET /probe/ready answers 2xx (plain fetch, so HTTP only). */
  readonly ready?: (url: string) => Promise<boolean>;
  /** Run the compiled server (`dist/server/main.js`, as the image does) instead of its sources through tsx. */
  readonly compiled?: boolean;
}

export async function startScannerProcess(env: Record<string, string>, port?: number, options: ScannerProcessOptions = {}): Promise<ScannerProcess> {
  const listen = port ?? (await freePort());
  const child = spawn(process.execPath, options.compiled ? ['dist/server/main.js'] : ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, SCANNER_LOG_LEVEL: 'warn', ...env, SCANNER_API_SERVER_ADDR: `127.0.0.1:${listen}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `${options.scheme ?? 'http'}://127.0.0.1:${listen}`;
  const ready = options.ready ?? (async (base: string) => (await fetch(`${base}/probe/ready`)).ok);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`scanner process exited with ${child.exitCode}`);
    try {
      if (await ready(url)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('scanner process did not become ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
