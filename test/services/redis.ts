/**
 * Redis for the tests (test-environment.md §3: Debian's `redis-server`, no systemd): the shared instance
 * on 127.0.0.1:6390, started by ./global-setup.ts (leased like the registries, see ./processes.ts), and
 * private instances that a test may restart or kill. State lives under `.testenv/redis/` by default.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { addLease, isAlive, liveLeases, removeLease, withLock } from './processes.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REDIS_SERVER = '/usr/bin/redis-server';

/** The shared test Redis (port plan of test-environment.md §1). */
export const REDIS = Object.freeze({ host: '127.0.0.1', port: 6390, url: 'redis://127.0.0.1:6390/0' });

/** Where the shared instance keeps its state unless told otherwise (gitignored). */
export const DEFAULT_REDIS_STATE_DIR = path.join(REPO_ROOT, '.testenv', 'redis');

export interface RedisServerOptions {
  readonly port: number;
  /** Data, pid and log files. */
  readonly dir: string;
  /** Append-only file on, so data survives a restart (a Redis restart test needs it). */
  readonly persistent?: boolean;
}

/** One redis-server process this module started; stopped by its recorded PID. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** SIGTERM (Redis flushes its append-only file), then waits for the process to exit. */
  stop(): Promise<void>;
  /** Starts the same server again on the same port and data directory. */
  start(): Promise<void>;
}

/** Starts a redis-server on `options.port`; throws naming the Debian package when it is not installed. */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER))
    throw new Error(`test environment: ${REDIS_SERVER} not found; install it with "apt-get install -y --no-install-recommends redis-server" (test-environment.md §3)`);
  mkdirSync(options.dir, { recursive: true });
  const pidFile = path.join(options.dir, 'redis.pid');
  const server: RedisServer = {
    url: `redis://127.0.0.1:${options.port}/0`,
    port: options.port,
    start: async () => {
      if (await redisAnswers(options.port))
        throw new Error(`test environment: 127.0.0.1:${options.port} already answers Redis; stop it first (see "ss -ltnp 'sport = :${options.port}'")`);
      const logFile = path.join(options.dir, 'redis.log');
      const out = openSync(logFile, 'a');
      // Foreground process (`--daemonize no`) started detached: its PID is the server's, no pid-file race.
      const child = spawn(
        REDIS_SERVER,
        [
          '--bind', '127.0.0.1',
          '--port', String(options.port),
          '--dir', options.dir,
          '--save', '',
          '--appendonly', options.persistent ? 'yes' : 'no',
          '--daemonize', 'no',
        ],
        { detached: true, stdio: ['ignore', out, out] },
      );
      closeSync(out);
      let exited: string | undefined;
      child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
      child.unref();
      writeFileSync(pidFile, String(child.pid));
      const deadline = Date.now() + 10_000;
      while (!(await redisAnswers(options.port))) {
        if (exited !== undefined || Date.now() > deadline) {
          const tail = readText(logFile).split('\n').slice(-10).join('\n');
          throw new Error(`test environment: redis-server on ${options.port} did not start (${exited ?? 'timed out'}); log ${logFile}:\n${tail}`);
        }
        await sleep(50);
      }
    },
    stop: () => stopRecordedRedis(pidFile, options.port),
  };
  await server.start();
  return server;
}

/**
 * Starts the shared instance in `dir`, or joins it when a concurrent test run already did. Each caller
 * holds a lease; the last to leave (stopSharedRedis) stops the server.
 */
export async function startSharedRedis(dir: string = DEFAULT_REDIS_STATE_DIR, lease: string = String(process.pid)): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await withLock(dir, async () => {
    if (!(liveLeases(dir).length > 0 && (await redisAnswers(REDIS.port)))) {
      await stopRecordedRedis(path.join(dir, 'redis.pid'), REDIS.port);
      await startRedisServer({ port: REDIS.port, dir });
    }
    addLease(dir, lease);
  });
}

export async function stopSharedRedis(dir: string = DEFAULT_REDIS_STATE_DIR, lease: string = String(process.pid)): Promise<void> {
  if (!existsSync(dir)) return;
  await withLock(dir, async () => {
    removeLease(dir, lease);
    if (liveLeases(dir).length === 0) await stopRecordedRedis(path.join(dir, 'redis.pid'), REDIS.port);
  });
}

/** True when a Redis on 127.0.0.1:`port` answers PING within a second. */
export function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Stops the redis-server whose PID is recorded in `pidFile`, if that PID still runs redis on `port`. */
async function stopRecordedRedis(pidFile: string, port: number): Promise<void> {
  const pid = Number(readText(pidFile));
  if (runsRedis(pid, port)) {
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < 5_000 && runsRedis(pid, port); waited += 50) await sleep(50);
    if (runsRedis(pid, port)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

/**
 * Redis rewrites its command line to "redis-server 127.0.0.1:<port>": checking it guards against a reused
 * PID, and an exited process not yet reaped (empty command line) counts as stopped.
 */
function runsRedis(pid: number, port: number): boolean {
  const cmdline = readText(`/proc/${pid}/cmdline`).replaceAll('\0', ' ');
  return isAlive(pid) && cmdline.includes('redis-server') && cmdline.includes(`:${port}`);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
