/**
 * Process bookkeeping for the test environment, following test-environment.md §1: every background
 * process gets a pid file and is stopped by that PID (after checking the PID still runs our command).
 * Several test runs may share one environment (helpers run vitest concurrently in one checkout): each
 * holds a lease file, and the last one to leave stops the services. A lock file serialises start/stop.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lease that only `down` releases (services started by hand with `cli.ts up`). */
export const MANUAL_LEASE = 'manual';

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `action` while holding `<dir>/lock`; a lock left by a dead process is taken over. */
export async function withLock<T>(dir: string, action: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readText(lock);
      // An empty file is a lock being written right now, not a stale one.
      if (owner !== '' && !isAlive(Number(owner))) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`test environment: lock ${lock} is held by pid ${owner} for over 2 minutes`);
      await sleep(100);
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Leases whose holder still runs (dead holders' leases are removed). */
export function liveLeases(dir: string): string[] {
  const leases = path.join(dir, 'leases');
  if (!existsSync(leases)) return [];
  return readdirSync(leases).filter((name) => {
    if (name === MANUAL_LEASE || isAlive(Number(name))) return true;
    rmSync(path.join(leases, name), { force: true });
    return false;
  });
}

export function addLease(dir: string, name: string): void {
  mkdirSync(path.join(dir, 'leases'), { recursive: true });
  writeFileSync(path.join(dir, 'leases', name), '');
}

export function removeLease(dir: string, name: string): void {
  rmSync(path.join(dir, 'leases', name), { force: true });
}

export interface ServiceProcess {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Any HTTP answer from this URL means ready. */
  readonly readyUrl: string;
}

/**
 * Starts `service` detached (so a concurrent run sharing it is not hurt when this one exits), logging to
 * `<dir>/logs/<name>.log`, and records its PID in `<dir>/pids/<name>.pid`. Resolves once it answers.
 */
export async function startService(dir: string, cwd: string, service: ServiceProcess): Promise<void> {
  const logFile = path.join(dir, 'logs', `${service.name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(service.command, service.args, {
    cwd,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...service.env },
  });
  closeSync(out);
  let exited: string | undefined;
  child.once('error', (error) => (exited = error.message));
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  child.unref();
  if (child.pid !== undefined) writeFileSync(path.join(dir, 'pids', `${service.name}.pid`), String(child.pid));
  const deadline = Date.now() + 20_000;
  while (!(await answers(service.readyUrl))) {
    if (exited !== undefined || Date.now() > deadline) {
      const tail = readText(logFile).split('\n').slice(-15).join('\n');
      throw new Error(`test environment: ${service.name} did not become ready (${exited ?? 'timed out after 20 s'}); log ${logFile}:\n${tail}`);
    }
    await sleep(100);
  }
}

/** Stops every process recorded under `<dir>/pids` that still runs its recorded command. */
export async function stopRecordedServices(dir: string, ownsCommandLine: (cmdline: string) => boolean): Promise<void> {
  const pids = path.join(dir, 'pids');
  if (!existsSync(pids)) return;
  await Promise.all(
    readdirSync(pids).map(async (file) => {
      const pid = Number(readText(path.join(pids, file)));
      // A PID from an old pid file may belong to an unrelated process by now: check before killing.
      if (isAlive(pid) && ownsCommandLine(readText(`/proc/${pid}/cmdline`).replaceAll('\0', ' '))) await terminate(pid);
      rmSync(path.join(pids, file), { force: true });
    }),
  );
}

async function terminate(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 50) await sleep(50);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** True when anything answers HTTP at `url` within a second. */
export function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
