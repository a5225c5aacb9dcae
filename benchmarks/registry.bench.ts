/**
 * Bytes fetched and time to analyse a 10 GiB safetensors file and a 10 GiB GGUF file behind a registry
 * (issue 4 §9; target: well under 1 MB read and under a second). Each file is sparse on the local disk,
 * streamed into a dedicated Debian `docker-registry` (distribution's filesystem storage writes all of it),
 * pushed as a ModelPack artifact with one raw weight layer, and scanned through the service's own path:
 * registry client → resolver → engine → manifest analyzer. The registry and its storage are removed
 * afterwards. With less free disk than the file needs, the files shrink to 2 GiB and the report says so.
 *
 * Run: `npx tsx benchmarks/registry.bench.ts` (`npm run bench` calls {@link runRegistryBenchmark}).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ScanEngine } from '../analyzers/engine.js';
import { ALL_ANALYZERS } from '../analyzers/index.js';
import { DEFAULT_LIMITS } from '../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../analyzers/settings.js';
import { registryArtifactOpener } from '../server/scan/registry-artifact.js';
import { scanArtifact } from '../server/scan/scan-files.js';
import { pushManifest, type PushTarget } from '../test/services/push.js';
import { startService, stopRecordedServices } from '../test/services/processes.js';
import { ggufHeader, safetensorsHeader, writeSparse } from './formats.bench.js';

const GIB = 1024 ** 3;
const RUNS = 5;
/** Free space kept beyond the blob itself (upload bookkeeping, other users of the disk). */
const DISK_MARGIN = 2 * GIB;
const REGISTRY_BINARY = '/usr/bin/docker-registry';
const REPOSITORY = 'bench/sparse';

export interface RegistryBenchResult {
  readonly format: 'safetensors' | 'gguf';
  readonly fileBytes: number;
  readonly pushSeconds: number;
  readonly findings: readonly string[];
  /** Bytes the scanner fetched from the registry (manifest, config and blob ranges) on the first scan. */
  readonly bytesFetched: number;
  readonly firstMillis: number;
  readonly medianMillis: number;
}

export interface RegistryBenchReport {
  /** 10 GiB unless the disk had no room for it. */
  readonly nominalBytes: number;
  readonly note?: string;
  readonly results: readonly RegistryBenchResult[];
}

/** A sparse model file of about `nominal` bytes: header written, the rest a hole. */
interface SparseModel {
  readonly format: RegistryBenchResult['format'];
  readonly name: string;
  readonly header: Uint8Array;
  readonly size: number;
}

function sparseModels(nominal: number): SparseModel[] {
  // The default headers describe 10 GiB; smaller files get proportionally fewer tensors.
  const scale = nominal / (10 * GIB);
  const safetensors = safetensorsHeader(Math.round(320 * scale));
  const gguf = ggufHeader(Math.round(160 * scale));
  return [
    { format: 'safetensors', name: 'model.safetensors', header: safetensors, size: safetensors.length + Math.round(320 * scale) * 32 * 1024 ** 2 },
    { format: 'gguf', name: 'model.gguf', header: gguf.bytes, size: gguf.size },
  ];
}

export async function runRegistryBenchmark(): Promise<RegistryBenchReport> {
  const work = await mkdtemp(join(tmpdir(), 'registry-bench-'));
  try {
    const free = await freeBytes(work);
    const nominal = free >= 10 * GIB + DISK_MARGIN ? 10 * GIB : 2 * GIB;
    if (free < nominal + DISK_MARGIN) throw new Error(`registry benchmark: ${(free / GIB).toFixed(1)} GiB free in ${work}, need ${(nominal + DISK_MARGIN) / GIB} GiB`);
    const results: RegistryBenchResult[] = [];
    // One registry per file, its storage removed after: the disk never holds more than one blob.
    for (const model of sparseModels(nominal)) results.push(await measureBehindRegistry(work, model));
    return {
      nominalBytes: nominal,
      ...(nominal < 10 * GIB ? { note: `only ${(free / GIB).toFixed(1)} GiB free: files shrunk to 2 GiB` } : {}),
      results,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function measureBehindRegistry(work: string, model: SparseModel): Promise<RegistryBenchResult> {
  const dir = join(work, model.format);
  return withBenchRegistry(dir, async (url, port) => {
    const path = join(dir, model.name);
    await writeSparse(path, model.header, model.size);
    const pushStarted = performance.now();
    const digest = await pushModelPack({ registry: { name: 'plain', url, port, auth: 'none' } }, path, model);
    const pushSeconds = (performance.now() - pushStarted) / 1000;
    return { ...(await measureScans(url, digest, model)), pushSeconds };
  });
}

/** Runs `body` against a dedicated docker-registry storing under `dir`; registry and `dir` are removed after. */
export async function withBenchRegistry<T>(dir: string, body: (url: string, port: number) => Promise<T>): Promise<T> {
  await Promise.all(['logs', 'pids', 'storage'].map((sub) => mkdir(join(dir, sub), { recursive: true })));
  const port = await freePort();
  const config = join(dir, 'registry.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: {level: error, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${JSON.stringify(join(dir, 'storage'))}}}`,
      `http: {addr: 127.0.0.1:${port}, secret: registry-bench}`,
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  await startService(dir, dir, { name: 'registry', command: REGISTRY_BINARY, args: ['serve', config], readyUrl: `${url}/v2/` });
  try {
    return await body(url, port);
  } finally {
    await stopRecordedServices(dir, (cmdline) => cmdline.includes(config));
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureScans(url: string, digest: string, model: SparseModel): Promise<Omit<RegistryBenchResult, 'pushSeconds'>> {
  const scans = await scanThroughRegistry(url, REPOSITORY, digest, RUNS);
  const sorted = [...scans.millis].sort((a, b) => a - b);
  return {
    format: model.format,
    fileBytes: model.size,
    findings: scans.findings,
    bytesFetched: scans.bytesFetched,
    firstMillis: scans.millis[0]!,
    medianMillis: sorted[Math.floor(sorted.length / 2)]!,
  };
}

export interface RegistryScans {
  /** Wall time of each scan, in order. */
  readonly millis: readonly number[];
  /** Of the first scan. */
  readonly bytesFetched: number;
  readonly findings: readonly string[];
}

/** Scans the artifact `runs` times through a fresh client each, as the service does per job. */
export async function scanThroughRegistry(url: string, repository: string, digest: string, runs: number): Promise<RegistryScans> {
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
  const open = registryArtifactOpener({ insecureSkipVerify: false, timeoutMs: 30_000, retries: 0, limits: DEFAULT_LIMITS });
  const millis: number[] = [];
  let first: { bytesFetched: number; findings: string[] } | undefined;
  for (let run = 0; run < runs; run++) {
    const signal = new AbortController().signal;
    const started = performance.now();
    const artifact = await open({ registryUrl: url, repository, digest }, undefined, signal);
    try {
      const result = await scanArtifact(engine, artifact, { packaging: artifact.packaging, signal, bytesFetched: () => artifact.bytesFetched() });
      millis.push(performance.now() - started);
      first ??= { bytesFetched: result.bytesFetched, findings: result.findings.map((f) => f.ruleId) };
    } finally {
      await artifact.close();
    }
  }
  return { millis, ...first! };
}

/** Pushes the file as the one raw weight layer of a ModelPack artifact, the way modctl lays it out. */
async function pushModelPack(target: PushTarget, path: string, model: SparseModel): Promise<string> {
  const layerDigest = await sha256File(path);
  await uploadFile(target.registry.url, REPOSITORY, path, layerDigest, model.size);
  const config = new TextEncoder().encode(
    JSON.stringify({
      descriptor: { name: `sparse-${model.format}` },
      config: { format: model.format },
      modelfs: { type: 'layers', diffIds: [layerDigest] },
    }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  await uploadBytes(target.registry.url, REPOSITORY, config, configDigest);
  return pushManifest(target, REPOSITORY, 'v1', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.cncf.model.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: configDigest, size: config.length },
    layers: [
      {
        mediaType: 'application/vnd.cncf.model.weight.v1.raw',
        digest: layerDigest,
        size: model.size,
        annotations: { 'org.cncf.model.filepath': model.name },
      },
    ],
  });
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 8 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Monolithic upload (POST, then PUT with the body streamed from the file). */
export async function uploadFile(registry: string, repository: string, path: string, digest: string, size: number): Promise<void> {
  const location = await startUpload(registry, repository);
  await new Promise<void>((resolve, reject) => {
    const put = request(
      location(digest),
      { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } },
      (res) => {
        res.resume();
        if (res.statusCode === 201) resolve();
        else reject(new Error(`registry benchmark: upload answered ${res.statusCode}`));
      },
    );
    put.on('error', reject);
    createReadStream(path, { highWaterMark: 8 * 1024 * 1024 }).on('error', reject).pipe(put);
  });
}

export async function uploadBytes(registry: string, repository: string, bytes: Uint8Array, digest: string): Promise<void> {
  const location = await startUpload(registry, repository);
  const res = await fetch(location(digest), { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`registry benchmark: upload answered ${res.status}`);
}

async function startUpload(registry: string, repository: string): Promise<(digest: string) => URL> {
  const res = await fetch(`${registry}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  if (res.status !== 202 || location === null) throw new Error(`registry benchmark: starting an upload answered ${res.status}`);
  return (digest) => {
    const url = new URL(location, registry);
    url.searchParams.set('digest', digest);
    return url;
  };
}

export async function freeBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function print(report: RegistryBenchReport): void {
  console.log(`registry: ${RUNS} scans per file through a local docker-registry (Range reads), ModelPack raw weight layer`);
  if (report.note) console.log(`  note: ${report.note}`);
  for (const r of report.results)
    console.log(
      `  ${r.format.padEnd(12)} file ${(r.fileBytes / GIB).toFixed(2)} GiB (push ${r.pushSeconds.toFixed(0)} s)  ` +
        `findings ${r.findings.length === 0 ? 'none' : r.findings.join(',')}  bytes fetched ${r.bytesFetched} (${(r.bytesFetched / 1024).toFixed(1)} KiB)  ` +
        `first ${r.firstMillis.toFixed(1)} ms  median ${r.medianMillis.toFixed(1)} ms  ` +
        `target (<1 MB, <1 s): ${r.bytesFetched < 1_000_000 && r.medianMillis < 1000 ? 'met' : 'MISSED'}`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) print(await runRegistryBenchmark());
