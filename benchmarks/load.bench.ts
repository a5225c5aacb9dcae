/**
 * Harbor-side polling load on a scanner while it scans: this process generates a steady ~500 requests/s
 * over loopback (keep-alive, open loop: latency counts from each request's scheduled time, so a stalled
 * server cannot hide its backlog) against GET /api/v1/metadata and GET /api/v1/scan/{id}/report, while
 * scans of distinct model images (real registry, real analysis) are submitted throughout. The scanner
 * runs as its own process, once embedded and once in Redis mode. Needs the test environment's binaries
 * (docker-registry, redis-server), which it starts itself. Run: `npx tsx benchmarks/load.bench.ts`.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { pollReport, pushModelVariant, replicaEnv, submitScan } from '../test/integration/redis/replica-support.js';
import { REGISTRIES, uniqueRepository } from '../test/services/endpoints.js';
import { REDIS, startSharedRedis, stopSharedRedis } from '../test/services/redis.js';
import { DEFAULT_STATE_DIR, startRegistries, stopRegistries } from '../test/services/registries.js';
import type { PushedModel } from '../test/support/model-artifacts.js';
import { startScannerProcess } from '../test/support/server-process.js';

const TARGET_RPS = 500;
const DURATION_MS = 10_000;
const WARMUP_MS = 1_000;
/** Scans submitted per second during the run, each of a distinct digest (so each is a real analysis). */
const SCANS_PER_SECOND = 4;
/** Harbor's per-request timeout: slower answers count as errors. */
const REQUEST_TIMEOUT_MS = 5_000;

export interface EndpointFigures {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Network errors, timeouts and statuses other than 200 and 302. */
  readonly errors: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export interface LoadBenchResult {
  readonly mode: string;
  readonly achievedRps: number;
  readonly scansSubmitted: number;
  readonly scansFinished: number;
  /** CPU time (user + system) the scanner process spent during the measured load: robust when the machine is busy. */
  readonly scannerCpuSeconds: number;
  /** Worst event-loop delay of this (load-generating) process: a large one means the figures include our own stall. */
  readonly generatorLagMaxMs: number;
  readonly metadata: EndpointFigures;
  readonly report: EndpointFigures;
}

export interface Sample {
  readonly endpoint: 'metadata' | 'report';
  readonly latencyMs: number;
  readonly status: string;
}

/** Starts registries and Redis (or joins running ones), measures both modes, and leaves them as found. */
export async function runLoadBenchmark(): Promise<LoadBenchResult[]> {
  await startRegistries(DEFAULT_STATE_DIR);
  await startSharedRedis();
  try {
    const models = await pushModels(Math.ceil(((WARMUP_MS + DURATION_MS) / 1000) * SCANS_PER_SECOND) * 2 + 8);
    const half = models.length / 2;
    return [
      await measureMode('embedded (SQLite)', {}, models.slice(0, half)),
      await measureMode('Redis', replicaEnv(REDIS.url), models.slice(half)),
    ];
  } finally {
    await stopSharedRedis();
    await stopRegistries(DEFAULT_STATE_DIR);
  }
}

async function pushModels(count: number): Promise<PushedModel[]> {
  const run = Math.random().toString(36).slice(2);
  const models: PushedModel[] = [];
  for (let i = 0; i < count; i++) models.push(await pushModelVariant(REGISTRIES.plain, uniqueRepository('load-bench'), 'v1', `${run}-${i}`));
  return models;
}

async function measureMode(mode: string, env: Record<string, string>, models: readonly PushedModel[]): Promise<LoadBenchResult> {
  const scanner = await startScannerProcess({ ...env, SCANNER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'load-bench-')), SCANNER_JOB_WORKERS: '4' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const ids = [await submitScan(scanner.url, REGISTRIES.plain.url, models[0]!)];
    await pollReport(scanner.url, ids[0]!); // one finished report in the mix from the start
    let submitted = 1;
    const submitting = (async () => {
      const end = performance.now() + WARMUP_MS + DURATION_MS;
      while (performance.now() < end && submitted < models.length) {
        ids.push(await submitScan(scanner.url, REGISTRIES.plain.url, models[submitted++]!));
        await sleep(1000 / SCANS_PER_SECOND);
      }
    })();
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const cpuBefore = cpuSeconds(scanner.child.pid!);
    const samples = await generateLoad(scanner.url, agent, ids);
    const scannerCpuSeconds = cpuSeconds(scanner.child.pid!) - cpuBefore;
    lag.disable();
    await submitting;
    const finished = await countFinished(scanner.url, agent, ids);
    const measured = samples.filter((s) => s !== undefined);
    return {
      mode,
      achievedRps: measured.length / (DURATION_MS / 1000),
      scansSubmitted: ids.length,
      scansFinished: finished,
      scannerCpuSeconds,
      generatorLagMaxMs: lag.max / 1e6,
      metadata: figures(measured.filter((s) => s.endpoint === 'metadata')),
      report: figures(measured.filter((s) => s.endpoint === 'report')),
    };
  } finally {
    agent.destroy();
    await scanner.kill();
  }
}

/**
 * Open-loop generator: request i is due at start + i/rate whatever happened to earlier ones. Requests
 * alternate between the two endpoints; report ids are drawn from the scans submitted so far (some still
 * running: 302, some finished: 200). Warm-up samples are dropped.
 */
export async function generateLoad(
  baseUrl: string,
  agent: http.Agent,
  ids: readonly string[],
  { rps = TARGET_RPS, durationMs = DURATION_MS, warmupMs = WARMUP_MS } = {},
): Promise<(Sample | undefined)[]> {
  const started = performance.now();
  const total = Math.round(((warmupMs + durationMs) / 1000) * rps);
  const inFlight: Promise<Sample | undefined>[] = [];
  for (let i = 0; i < total; ) {
    const dueCount = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rps));
    for (; i < dueCount; i++) {
      const scheduledAt = started + (i * 1000) / rps;
      const warmup = scheduledAt - started < warmupMs;
      const endpoint = i % 2 === 0 ? 'metadata' : 'report';
      const path = endpoint === 'metadata' ? '/api/v1/metadata' : `/api/v1/scan/${ids[i % ids.length]}/report`;
      inFlight.push(timedGet(baseUrl, path, agent, scheduledAt).then((sample) => (warmup ? undefined : { endpoint, ...sample })));
    }
    await sleep(2);
  }
  return Promise.all(inFlight);
}

export function timedGet(baseUrl: string, requestPath: string, agent: http.Agent, scheduledAt: number): Promise<Omit<Sample, 'endpoint'>> {
  return new Promise((resolve) => {
    const done = (status: string) => resolve({ status, latencyMs: performance.now() - scheduledAt });
    const req = http.get(`${baseUrl}${requestPath}`, { agent, timeout: REQUEST_TIMEOUT_MS, headers: { accept: 'application/vnd.security.vulnerability.report; version=1.1' } }, (res) => {
      res.resume();
      res.on('end', () => done(String(res.statusCode)));
      res.on('error', () => done('network'));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => done(error.message === 'timeout' ? 'timeout' : 'network'));
  });
}

async function countFinished(baseUrl: string, agent: http.Agent, ids: readonly string[]): Promise<number> {
  const statuses = await Promise.all(ids.map((id) => timedGet(baseUrl, `/api/v1/scan/${id}/report`, agent, performance.now())));
  return statuses.filter((s) => s.status === '200').length;
}

/** utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function figures(samples: readonly Pick<Sample, 'latencyMs' | 'status'>[]): EndpointFigures {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  return {
    requests: samples.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: latencies.at(-1) ?? 0,
    errors: samples.filter((s) => s.status !== '200' && s.status !== '302').length,
    statuses,
  };
}

function print(results: readonly LoadBenchResult[]): void {
  console.log(`load: ${TARGET_RPS} requests/s for ${DURATION_MS / 1000} s (after ${WARMUP_MS / 1000} s warm-up), keep-alive, open loop; ${SCANS_PER_SECOND} scans/s submitted meanwhile`);
  for (const r of results) {
    console.log(
      `  ${r.mode}: ${r.achievedRps.toFixed(0)} requests/s measured, scans finished ${r.scansFinished}/${r.scansSubmitted}, ` +
        `scanner CPU ${r.scannerCpuSeconds.toFixed(2)} s, generator event-loop delay max ${r.generatorLagMaxMs.toFixed(0)} ms`,
    );
    for (const [name, f] of [
      ['metadata', r.metadata],
      ['report', r.report],
    ] as const)
      console.log(
        `    ${name.padEnd(9)} ${String(f.requests).padStart(5)} requests  p50 ${f.p50Ms.toFixed(2)} ms  p99 ${f.p99Ms.toFixed(2)} ms  ` +
          `max ${f.maxMs.toFixed(2)} ms  errors ${f.errors}  statuses ${JSON.stringify(f.statuses)}`,
      );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) print(await runLoadBenchmark());
