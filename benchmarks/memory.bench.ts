/**
 * Memory of one scan at the sizes the limits allow (README "Memory per scan"): a safetensors file with a
 * header just under the format's 100 MB maximum (one scan, then four at once, as two pods' worth of
 * SCANNER_JOB_WORKERS), a GGUF file with the largest tensor and metadata tables `maxMembers` admits and a
 * 256k-token vocabulary, a tar of 1,000,000 entries as a file inside a model and as an image layer, and
 * an image whose ten layers hold a file tree of 1,000,000 files.
 * Model files are read through the registry blob source (Range requests with its read-ahead cache) from
 * an in-process endpoint serving a sparse local file, so "bytes fetched" is what a registry would send.
 *
 * Each case runs in a fresh Node process (`--expose-gc`) after the modules are loaded, a small warm-up
 * scan has run and the heap was collected: peak RSS is the process's high-water mark (`VmHWM`, reset
 * through `/proc/self/clear_refs` just before the scan, so neither the parent's pages nor start-up
 * count) over its RSS before the scan; "heap after" is V8 heap + array buffers still held when the scan
 * returns, before collection. Run: `npx tsx benchmarks/memory.bench.ts [case...]`.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ScanEngine } from '../analyzers/engine.js';
import { ALL_ANALYZERS } from '../analyzers/index.js';
import { DEFAULT_LIMITS } from '../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../analyzers/settings.js';
import type { ByteSource } from '../analyzers/source.js';
import { emptyInventory, manifestFiles } from '../server/artifact/files.js';
import { DEFAULT_ARTIFACT_LIMITS, type ResolvedManifest } from '../server/artifact/types.js';
import { RegistryBlobSource, type BlobEndpoint } from '../server/registry/blob-source.js';
import { ByteCounter } from '../server/registry/body.js';
import type { HttpResponse } from '../server/registry/http-transport.js';
import { RetryBudget } from '../server/registry/retry.js';
import type { RegistryClient } from '../server/registry/types.js';
import { scanFiles, type ModelFileInput } from '../server/scan/scan-files.js';
import { buildGguf, str, type KvValue } from '../test/support/gguf-builder.js';
import { buildSafetensors, SAMPLE_TENSORS } from '../test/support/safetensors-builder.js';
import { tarHeader } from '../test/support/tar-builder.js';

const MB = 1e6;
const MIB = 1024 ** 2;
const CASES = ['safetensors-100mb', 'safetensors-100mb-x4', 'gguf-big-table', 'tar-1m-file', 'tar-1m-layer', 'image-1m-files'] as const;
type CaseName = (typeof CASES)[number];

export interface MemoryCaseResult {
  readonly name: CaseName;
  readonly input: string;
  readonly scans: number;
  readonly findings: readonly string[];
  readonly bytesFetched: number;
  readonly requests: number;
  readonly millis: number;
  readonly rssBefore: number;
  readonly peakRss: number;
  readonly heapAfter: number;
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

/** Header text of about `target` bytes: `__metadata__` with a licence, then 8 KiB BF16 tensors in offset order. */
function bigSafetensorsHeader(target: number): { json: string; dataSize: number; tensors: number } {
  const parts: string[] = ['{"__metadata__":{"format":"pt","license":"apache-2.0"}'];
  let length = parts[0]!.length;
  let offset = 0;
  let i = 0;
  const projections = ['gate_proj', 'up_proj', 'down_proj'];
  for (;;) {
    const name = `model.layers.${Math.floor(i / 3072)}.mlp.experts.${Math.floor(i / 3) % 1024}.${projections[i % 3]}.weight`;
    const entry = `,"${name}":{"dtype":"BF16","shape":[64,64],"data_offsets":[${offset},${offset + 8192}]}`;
    if (length + entry.length + 1 > target) break;
    parts.push(entry);
    length += entry.length;
    offset += 8192;
    i++;
  }
  parts.push('}');
  const json = parts.join('');
  return { json: json + ' '.repeat((8 - (json.length % 8)) % 8), dataSize: offset, tensors: i };
}

async function writeSparse(path: string, head: Uint8Array, size: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.write(head, 0, head.length, 0);
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

async function writeInputs(dir: string): Promise<Record<'safetensors' | 'gguf', { path: string; size: number; note: string }>> {
  const { json, dataSize, tensors } = bigSafetensorsHeader(99_999_000);
  const header = Buffer.from(json, 'latin1');
  const framed = Buffer.alloc(8 + header.length);
  framed.writeBigUInt64LE(BigInt(header.length), 0);
  header.copy(framed, 8);
  const safetensors = { path: join(dir, 'big-header.safetensors'), size: framed.length + dataSize, note: `header ${header.length} bytes, ${tensors} tensors` };
  await writeSparse(safetensors.path, framed, safetensors.size);

  const count = DEFAULT_LIMITS.maxMembers;
  const vocabulary: KvValue = { type: 'array', elementType: 'string', values: Array.from({ length: 256_000 }, (_, i) => str(`tok${i}`)) };
  const metadata: Array<readonly [string, KvValue]> = [
    ['general.architecture', str('llama')],
    ['general.license', str('mit')],
    ['tokenizer.ggml.tokens', vocabulary],
  ];
  while (metadata.length < count) metadata.push([`bench.key.${metadata.length}`, str(`value ${metadata.length}`)]);
  const built = buildGguf({
    metadata,
    tensors: Array.from({ length: count }, (_, i) => ({ name: `blk.${i >> 4}.ffn_${i & 15}.weight`, dims: [64, 64], type: 1 })),
    withData: false,
  });
  const gguf = { path: join(dir, 'big-table.gguf'), size: Number(built.fileSize), note: `header ${built.dataStart} bytes, ${count} tensors, ${count} metadata pairs, 256k-token vocabulary` };
  await writeSparse(gguf.path, built.bytes, gguf.size);
  return { safetensors, gguf };
}

/** A ustar archive of `entries` empty files, generated block by block on read (nothing is stored). */
class GeneratedTar implements ByteSource {
  readonly seekable = true;
  readonly size: number;
  constructor(
    readonly entries: number,
    private readonly prefix = 'data',
  ) {
    this.size = (entries + 2) * 512;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    const out = new Uint8Array(Math.max(0, end - offset));
    for (let block = Math.floor(offset / 512); block * 512 < end; block++) {
      if (block >= this.entries) break;
      const header = tarHeader({ name: `${this.prefix}/shard-${block >> 12}/file-${block}` });
      const from = Math.max(offset, block * 512);
      const to = Math.min(end, block * 512 + 512);
      out.set(header.subarray(from - block * 512, to - block * 512), from - offset);
    }
    return out;
  }
  async *stream(offset = 0, end = this.size): AsyncIterable<Uint8Array> {
    for (let at = offset; at < end; at += MIB) yield this.read(at, Math.min(MIB, end - at));
  }
}

// ---------------------------------------------------------------------------------------------------------
// A registry blob endpoint over a local source, counting what it sends

interface Counted {
  readonly counter: ByteCounter;
  requests: number;
}

function blobSource(content: ByteSource | { path: string; size: number }, counted: Counted, digest = `sha256:${'0'.repeat(64)}`): RegistryBlobSource {
  const size = content.size!;
  const target = { registry: 'http://bench.invalid', repository: 'bench/memory' };
  const endpoint: BlobEndpoint = {
    target,
    counter: counted.counter,
    newRetryBudget: () => new RetryBudget({ maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 }, target),
    async get(range) {
      counted.requests++;
      const start = range?.start ?? 0;
      const end = range?.end ?? size - 1;
      const body =
        'path' in content
          ? createReadStream(content.path, { start, end, highWaterMark: 256 * 1024 })
          : Readable.from(content.stream(start, end + 1));
      const headers = range ? { 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) } : { 'content-length': String(size) };
      return { status: range ? 206 : 200, headers, body, url: new URL('http://bench.invalid/') } satisfies HttpResponse;
    },
  };
  return new RegistryBlobSource({ mediaType: 'application/octet-stream', digest, size }, endpoint);
}

// ---------------------------------------------------------------------------------------------------------
// One case, in this (child) process

const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
const signal = new AbortController().signal;
const ruleCounts = (ids: readonly string[]): string[] => {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts].map(([id, n]) => (n > 1 ? `${id}×${n}` : id)).sort();
};

async function runCase(name: CaseName, inputs: Record<'safetensors' | 'gguf', { path: string; size: number; note: string }>): Promise<Omit<MemoryCaseResult, 'rssBefore' | 'peakRss' | 'heapAfter' | 'millis'> & { run: () => Promise<string[]> }> {
  const counted: Counted = { counter: new ByteCounter(), requests: 0 };
  const scanOne = async (path: string, file: { path: string; size: number }): Promise<string[]> => {
    const result = await engine.scanFile({ path, size: file.size }, blobSource(file, counted), signal);
    return result.findings.map((f) => f.ruleId).concat(result.facts.map((f) => `fact:${f.kind}`));
  };
  const base = { name, counted };
  switch (name) {
    case 'safetensors-100mb':
      return { ...base, input: inputs.safetensors.note, scans: 1, findings: [], bytesFetched: 0, requests: 0, run: () => scanOne('model.safetensors', inputs.safetensors) };
    case 'safetensors-100mb-x4':
      return {
        ...base,
        input: inputs.safetensors.note,
        scans: 4,
        findings: [],
        bytesFetched: 0,
        requests: 0,
        run: async () => (await Promise.all([0, 1, 2, 3].map((i) => scanOne(`model-${i}.safetensors`, inputs.safetensors)))).flat(),
      };
    case 'gguf-big-table':
      return { ...base, input: inputs.gguf.note, scans: 1, findings: [], bytesFetched: 0, requests: 0, run: () => scanOne('model.gguf', inputs.gguf) };
    case 'tar-1m-file': {
      const tar = new GeneratedTar(1_000_000);
      return {
        ...base,
        input: `tar file of 1,000,000 empty members (${(tar.size / MB).toFixed(0)} MB); maxMembers ${DEFAULT_LIMITS.maxMembers}`,
        scans: 1,
        findings: [],
        bytesFetched: 0,
        requests: 0,
        run: async () => {
          const result = await engine.scanFile({ path: 'bundle.tar', size: tar.size }, blobSource(tar, counted), signal);
          return result.findings.map((f) => f.ruleId);
        },
      };
    }
    case 'tar-1m-layer':
    case 'image-1m-files': {
      // One layer of a million entries (read up to maxMembers), or ten layers of 100,000: a file tree of a million.
      const layers =
        name === 'tar-1m-layer' ? [new GeneratedTar(1_000_000)] : Array.from({ length: 10 }, (_, i) => new GeneratedTar(DEFAULT_LIMITS.maxMembers, `layer${i}`));
      const digestOf = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
      const client = {
        blobSource: (_: string, d: { digest: string }) => blobSource(layers[Number.parseInt(d.digest.slice(7), 16)]!, counted, d.digest),
      } as unknown as RegistryClient;
      const manifest = {
        digest: `sha256:${'f'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        annotations: {},
        packaging: 'image',
        layers: layers.map((tar, i) => ({ descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(i), size: tar.size }, kind: 'other', encoding: 'tar' })),
        layerFacts: new Map(),
      } as unknown as ResolvedManifest;
      return {
        ...base,
        input:
          name === 'tar-1m-layer'
            ? `image layer (uncompressed tar) of 1,000,000 empty files; maxMembers ${DEFAULT_LIMITS.maxMembers}, maxTreeEntries ${DEFAULT_ARTIFACT_LIMITS.maxTreeEntries}`
            : `image of 10 uncompressed layers × ${DEFAULT_LIMITS.maxMembers} empty files (a file tree of 1,000,000)`,
        scans: 1,
        findings: [],
        bytesFetched: 0,
        requests: 0,
        run: async () => {
          const inventory = emptyInventory();
          const walk = manifestFiles(manifest, { client, repository: 'bench/memory', limits: DEFAULT_LIMITS, artifactLimits: DEFAULT_ARTIFACT_LIMITS }, inventory, {
            onLayerError: () => undefined,
            signal,
          });
          async function* inputs(): AsyncIterable<ModelFileInput> {
            for await (const file of walk) yield { path: file.path, size: file.size, source: file.source, layerDigest: file.layerDigest };
          }
          const result = await scanFiles(engine, inputs(), { packaging: 'image', signal });
          return [...result.findings.map((f) => f.ruleId), `files:${result.files.length}`, ...inventory.layerErrors.map((e) => `layer-error:${e.cause instanceof Error ? e.cause.message : ''}`)];
        },
      };
    }
  }
}

/** Linux: `echo 5 > /proc/self/clear_refs` resets the peak RSS (`VmHWM`) to the current RSS. */
function resetPeakRss(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

function peakRssBytes(): number {
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (kib === undefined) throw new Error('no VmHWM in /proc/self/status');
  return Number(kib) * 1024;
}

async function child(name: CaseName, inputsJson: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const inputs = JSON.parse(inputsJson) as Record<'safetensors' | 'gguf', { path: string; size: number; note: string }>;
  // Warm-up: every analyzer module loaded and the scan path compiled before the baseline.
  const { BufferSource } = await import('../analyzers/source.js');
  const small = buildSafetensors(SAMPLE_TENSORS, { format: 'pt' });
  await engine.scanFile({ path: 'warm.safetensors', size: small.length }, new BufferSource(small), signal);
  const prepared = await runCase(name, inputs);
  gc();
  gc();
  resetPeakRss();
  const before = process.memoryUsage();
  const started = performance.now();
  const ids = await prepared.run();
  const millis = performance.now() - started;
  const after = process.memoryUsage();
  const peakRss = peakRssBytes();
  const { counted } = prepared as unknown as { counted: Counted };
  const result: MemoryCaseResult = {
    name,
    input: prepared.input,
    scans: prepared.scans,
    findings: ruleCounts(ids),
    bytesFetched: counted.counter.total,
    requests: counted.requests,
    millis,
    rssBefore: before.rss,
    peakRss,
    heapAfter: after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// Parent: inputs, one child per case, the table

export async function runMemoryBenchmark(wanted: readonly CaseName[] = CASES): Promise<MemoryCaseResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'memory-bench-'));
  try {
    const inputs = await writeInputs(dir);
    const results: MemoryCaseResult[] = [];
    for (const name of wanted) {
      const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', name, JSON.stringify(inputs)], {
        encoding: 'utf8',
        maxBuffer: 64 * MIB,
      });
      if (run.status !== 0) throw new Error(`${name} exited with ${run.status ?? run.signal}: ${run.stderr}`);
      results.push(JSON.parse(run.stdout.trim().split('\n').pop()!) as MemoryCaseResult);
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function print(results: readonly MemoryCaseResult[]): void {
  const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
  console.log('memory: one scan per process through the registry blob source (ALL_ANALYZERS, default limits)');
  for (const r of results) {
    console.log(`  ${r.name}: ${r.input}`);
    console.log(
      `    scans ${r.scans}  peak RSS ${mb(r.peakRss)} (+${mb(r.peakRss - r.rssBefore)} over ${mb(r.rssBefore)})  heap after +${mb(r.heapAfter)}  ` +
        `fetched ${r.bytesFetched} bytes in ${r.requests} requests  ${(r.millis / 1000).toFixed(2)} s`,
    );
    console.log(`    findings/facts: ${r.findings.join(', ') || 'none'}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === '--child') await child(process.argv[3] as CaseName, process.argv[4]!);
  else {
    const wanted = process.argv.slice(2) as CaseName[];
    const unknown = wanted.filter((n) => !(CASES as readonly string[]).includes(n));
    if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(', ')}; choose from ${CASES.join(', ')}`);
    print(await runMemoryBenchmark(wanted.length > 0 ? wanted : CASES));
  }
}
