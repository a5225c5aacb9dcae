/**
 * Harbor's calls while hostile scans run: a scanner process (embedded mode, SCANNER_JOB_WORKERS = the
 * machine's cores) analyses three hostile artifacts over and over — a zstd layer of 10 GiB of zeros, a
 * safetensors file with a ~100 MB header, a tar of 1,000,000 entries — while this process polls
 * GET /api/v1/metadata and GET /api/v1/scan/{id}/report open-loop (../benchmarks/load.bench.ts). Then a
 * burst of 10,000 POST /api/v1/scan with 200 in flight. Prints p50/p99/max of each, and the scanner's
 * worst event-loop delay (its own Prometheus gauge) over the hostile phase. Needs the test environment's
 * docker-registry (started here) and runs the compiled server (built here). Run: `npm run bench -- hostile-load`.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { API_MIME, ARTIFACT_MIME, REPORT_MIME } from '../spec/mime.js';
import { pollReport, pushModelVariant, submitScan } from '../test/integration/redis/replica-support.js';
import { basicAuthorizationFor, REGISTRIES, TEST_USER, uniqueRepository } from '../test/services/endpoints.js';
import { pushArtifact, pushManifest } from '../test/services/push.js';
import { DEFAULT_STATE_DIR, startRegistries, stopRegistries } from '../test/services/registries.js';
import type { PushedModel } from '../test/support/model-artifacts.js';
import { startScannerProcess } from '../test/support/server-process.js';
import { tarArchive, tarEntry, tarHeader } from '../test/support/tar-builder.js';
import { zstdZerosTar } from '../test/support/zstd-zeros.js';
import { figures, generateLoad, timedGet, type EndpointFigures } from './load.bench.js';

const POLL_RPS = 200;
const HOSTILE_MS = 20_000;
const WARMUP_MS = 2_000;
const BURST = 10_000;
const BURST_IN_FLIGHT = 200;
const ZSTD_ZEROS = 10 * 1024 ** 3;
const SAFETENSORS_HEADER_BYTES = 99_000_000;
const TAR_ENTRIES = 1_000_000;

interface Hostile {
  readonly name: string;
  readonly model: PushedModel;
}

async function main(): Promise<void> {
  await startRegistries(DEFAULT_STATE_DIR);
  try {
    const hostile = await pushHostileModels();
    const small = await pushModelVariant(REGISTRIES.plain, uniqueRepository('hostile-bench'), 'v1', Math.random().toString(36).slice(2));
    const workers = availableParallelism();
    // The compiled server, as the image runs it: from sources, tsx compiles modules on the HTTP thread.
    if (spawnSync('npm', ['run', 'build'], { stdio: 'ignore' }).status !== 0) throw new Error('npm run build failed');
    const scanner = await startScannerProcess(
      { SCANNER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'hostile-bench-')), SCANNER_JOB_WORKERS: String(workers), SCANNER_SCAN_TIMEOUT: '10m' },
      undefined,
      { compiled: true },
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    try {
      const ids = [await submitScan(scanner.url, REGISTRIES.plain.url, small)];
      await pollReport(scanner.url, ids[0]!); // a finished report in the mix from the start
      await eventLoopDelayMaxMs(scanner.url); // resets the scanner's gauge
      // This process's own delays inflate what it measures: printed beside the scanner's.
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const ending = performance.now() + WARMUP_MS + HOSTILE_MS;
      const scans = hostile.map((h) => scanRepeatedly(scanner.url, h, ids, ending));
      const samples = (await generateLoad(scanner.url, agent, ids, { rps: POLL_RPS, durationMs: HOSTILE_MS, warmupMs: WARMUP_MS })).filter((s) => s !== undefined);
      const scannerLagMs = await eventLoopDelayMaxMs(scanner.url);
      const outcomes = await Promise.all(scans);
      console.log(
        `hostile scans (${workers} analysis threads) for ${HOSTILE_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up, ${POLL_RPS} polls/s open loop; ` +
          `scanner event-loop delay max ${scannerLagMs.toFixed(1)} ms, this generator's ${(lag.max / 1e6).toFixed(1)} ms`,
      );
      for (const { name, finished, failed, seconds, firstFailure } of outcomes)
        console.log(
          `  ${name.padEnd(24)} analyses finished ${finished}, failed ${failed}, longest ${Math.max(0, ...seconds).toFixed(1)} s` +
            (firstFailure ? ` (first failure: ${firstFailure.slice(0, 200)})` : ''),
        );
      line('metadata', figures(samples.filter((s) => s.endpoint === 'metadata')));
      line('report', figures(samples.filter((s) => s.endpoint === 'report')));
      await eventLoopDelayMaxMs(scanner.url);
      lag.reset();
      const burst = await submitBurst(scanner.url, small);
      console.log(
        `burst: ${BURST} POST /api/v1/scan, ${BURST_IN_FLIGHT} in flight, in ${burst.seconds.toFixed(1)} s, after the hostile scans ended; ` +
          `scanner event-loop delay max ${(await eventLoopDelayMaxMs(scanner.url)).toFixed(1)} ms, this generator's ${(lag.max / 1e6).toFixed(1)} ms`,
      );
      lag.disable();
      line('POST /scan', burst.figures);
    } finally {
      agent.destroy();
      await scanner.kill();
    }
  } finally {
    await stopRegistries(DEFAULT_STATE_DIR);
  }
}

function line(name: string, f: EndpointFigures): void {
  console.log(
    `  ${name.padEnd(10)} ${String(f.requests).padStart(6)} requests  p50 ${f.p50Ms.toFixed(2)} ms  p99 ${f.p99Ms.toFixed(2)} ms  max ${f.maxMs.toFixed(2)} ms  ` +
      `errors ${f.errors}  statuses ${JSON.stringify(f.statuses)}`,
  );
}

/** One hostile artifact analysed again and again (a new manifest digest each time, so no result is shared) until `ending`. */
async function scanRepeatedly(url: string, hostile: Hostile, ids: string[], ending: number) {
  const outcome = { name: hostile.name, finished: 0, failed: 0, seconds: [] as number[], firstFailure: '' };
  for (let variant = 1; performance.now() < ending; variant++) {
    const started = performance.now();
    const id = await submitScan(url, REGISTRIES.plain.url, await variantOf(hostile.model, variant));
    ids.push(id);
    for (;;) {
      const { status } = await timedGet(url, `/api/v1/scan/${id}/report`, new http.Agent(), performance.now());
      // 302: still running; a poll that timed out says nothing about the scan.
      if (status === '302' || status === 'timeout' || status === 'network') {
        await sleep(250);
        continue;
      }
      if (status === '200') outcome.finished++;
      else if (outcome.failed++ === 0) outcome.firstFailure = await failureOf(url, id);
      break;
    }
    outcome.seconds.push((performance.now() - started) / 1000);
  }
  return outcome;
}

async function failureOf(url: string, id: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/scan/${id}/report`, { headers: { accept: REPORT_MIME.vulnerabilityV1_1 }, redirect: 'manual' });
  return `${res.status} ${await res.text()}`;
}

/** The same layers under another manifest digest: an annotation differs. */
async function variantOf(model: PushedModel, variant: number): Promise<PushedModel> {
  const manifest = JSON.parse(new TextDecoder().decode(model.manifestBytes)) as Record<string, unknown>;
  const tag = `v${variant}`;
  const digest = await pushManifest({ registry: REGISTRIES.plain }, model.repository, tag, { ...manifest, annotations: { 'bench.variant': String(variant) } });
  return { ...model, digest, tag };
}

async function pushHostileModels(): Promise<Hostile[]> {
  const image = async (name: string, mediaType: string, bytes: Uint8Array): Promise<Hostile> => {
    const repository = uniqueRepository(`hostile-${name}`);
    const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
    const artifact = await pushArtifact({ registry: REGISTRIES.plain }, repository, 'v0', {
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: new TextEncoder().encode(JSON.stringify(config)) },
      layers: [{ mediaType, bytes }],
    });
    return { name, model: { ...artifact, repository, tag: 'v0', harborSize: artifact.layers.reduce((n, l) => n + l.size, 0) } };
  };
  return [
    await image('zstd-10gib-zeros', 'application/vnd.oci.image.layer.v1.tar+zstd', zstdZerosTar(ZSTD_ZEROS)),
    await image('safetensors-99mb-header', 'application/vnd.oci.image.layer.v1.tar', tarArchive([tarEntry({ name: 'model.safetensors' }, bigHeaderSafetensors())])),
    await image('tar-1m-entries', 'application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(millionEntryTar(), { level: 1 })),
  ];
}

/** A valid safetensors file whose JSON header (one F32 scalar per tensor) is about `SAFETENSORS_HEADER_BYTES` long. */
function bigHeaderSafetensors(): Uint8Array {
  const parts: string[] = [];
  let length = 2;
  let count = 0;
  while (length < SAFETENSORS_HEADER_BYTES) {
    const part = `"t${count}":{"dtype":"F32","shape":[1],"data_offsets":[${count * 4},${count * 4 + 4}]}`;
    parts.push(part);
    length += part.length + 1;
    count++;
  }
  let json = `{${parts.join(',')}}`;
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const header = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + header.length + count * 4);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  return out;
}

function millionEntryTar(): Uint8Array {
  const out = new Uint8Array((TAR_ENTRIES + 2) * 512);
  for (let i = 0; i < TAR_ENTRIES; i++) out.set(tarHeader({ name: `d/${i}` }), i * 512);
  return out;
}

async function submitBurst(url: string, model: PushedModel): Promise<{ figures: EndpointFigures; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: BURST_IN_FLIGHT });
  const body = JSON.stringify({
    registry: { url: REGISTRIES.plain.url, authorization: basicAuthorizationFor(TEST_USER) },
    artifact: { repository: model.repository, digest: model.digest, tag: model.tag, mime_type: ARTIFACT_MIME.ociManifest },
  });
  const samples: { latencyMs: number; status: string }[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: BURST_IN_FLIGHT }, async () => {
      while (next < BURST) {
        next++;
        samples.push(await timedPost(url, agent, body));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { figures: figures(samples.map((s) => ({ ...s, status: s.status === '202' ? '200' : s.status }))), seconds };
}

function timedPost(url: string, agent: http.Agent, body: string): Promise<{ latencyMs: number; status: string }> {
  const sent = performance.now();
  return new Promise((resolve) => {
    const done = (status: string) => resolve({ status, latencyMs: performance.now() - sent });
    const req = http.request(
      `${url}/api/v1/scan`,
      { method: 'POST', agent, timeout: 30_000, headers: { 'content-type': API_MIME.scanRequestV1_0, accept: API_MIME.scanResponseV1_0 } },
      (res) => {
        res.resume();
        res.on('end', () => done(String(res.statusCode)));
        res.on('error', () => done('network'));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => done(error.message === 'timeout' ? 'timeout' : 'network'));
    req.end(body);
  });
}

/** The scanner's `nodejs_eventloop_lag_max_seconds` (prom-client resets it at each scrape), in ms. */
async function eventLoopDelayMaxMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1];
  return value === undefined ? Number.NaN : Number(value) * 1000;
}

await main();
