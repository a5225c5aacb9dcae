/**
 * Bytes read and time to analyse a 10 GiB safetensors file and a 10 GiB GGUF file. Both are sparse
 * (header written, the rest a hole made by truncate), so they take no disk space; the analyzers must
 * read only the header, which is what this measures. Run: `npx tsx benchmarks/formats.bench.ts`.
 * Figures through a registry (Range requests) come from the registry benchmarks.
 */
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ScanEngine } from '../analyzers/engine.js';
import { ggufAnalyzer } from '../analyzers/gguf/analyzer.js';
import { makeLimits } from '../analyzers/limits.js';
import { safetensorsAnalyzer } from '../analyzers/safetensors/analyzer.js';
import { DEFAULT_SETTINGS } from '../analyzers/settings.js';
import { FileSource } from '../analyzers/source.js';
import { buildGguf, str } from '../test/support/gguf-builder.js';
import { buildRaw, padTo8, validHeader } from '../test/support/safetensors-builder.js';
import { CountingSource } from '../test/support/sources.js';

const GIB = 1024 ** 3;
const RUNS = 20;

export interface FormatBenchResult {
  readonly format: string;
  readonly fileBytes: number;
  readonly diskBytes: number;
  readonly findings: number;
  readonly reads: number;
  readonly bytesRead: number;
  readonly firstMillis: number;
  readonly medianMillis: number;
}

/** `count` (default 320) F16 tensors of 4096×4096 (32 MiB each): 10 GiB of data behind a ~30 KB header. */
export function safetensorsHeader(count = 320): Uint8Array {
  const tensors = Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`model.layers.${i >> 3}.mlp.proj_${i & 7}.weight`, { dtype: 'F16', shape: [4096, 4096] }]),
  );
  const { json } = validHeader(tensors, { format: 'pt' });
  return buildRaw(padTo8(json));
}

/** `count` (default 160) F16 tensors of 8192×4096 (64 MiB each) with realistic metadata: 10 GiB of data. */
export function ggufHeader(count = 160): { bytes: Uint8Array; size: number } {
  const built = buildGguf({
    metadata: [
      ['general.architecture', str('llama')],
      ['general.name', str('Sparse Benchmark 5B')],
      ['general.license', str('apache-2.0')],
      ['tokenizer.chat_template', str("{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}")],
    ],
    tensors: Array.from({ length: count }, (_, i) => ({ name: `blk.${i >> 2}.ffn_${i & 3}.weight`, dims: [8192, 4096], type: 1 })),
    withData: false,
  });
  return { bytes: built.bytes, size: Number(built.fileSize) };
}

/** Writes `header` and extends the file to `size` bytes with a hole (no disk blocks). */
export async function writeSparse(path: string, header: Uint8Array, size: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.write(header, 0, header.length, 0);
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

async function measure(format: string, path: string, size: number): Promise<FormatBenchResult> {
  const engine = new ScanEngine({ analyzers: [safetensorsAnalyzer, ggufAnalyzer], limits: makeLimits(), settings: DEFAULT_SETTINGS });
  const times: number[] = [];
  let first: { source: CountingSource; findings: number } | undefined;
  for (let run = 0; run < RUNS; run++) {
    const source = new CountingSource(new FileSource(path, size));
    const started = performance.now();
    const result = await engine.scanFile({ path: `model.${format}`, size }, source);
    times.push(performance.now() - started);
    first ??= { source, findings: result.findings.length };
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    format,
    fileBytes: size,
    diskBytes: (await stat(path)).blocks * 512,
    findings: first!.findings,
    reads: first!.source.reads,
    bytesRead: first!.source.bytesRead,
    firstMillis: times[0]!,
    medianMillis: sorted[Math.floor(sorted.length / 2)]!,
  };
}

/** Creates both sparse files in a temporary directory, measures them, and removes them. */
export async function runFormatsBenchmark(): Promise<FormatBenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'formats-bench-'));
  try {
    const safetensors = safetensorsHeader();
    const safetensorsSize = safetensors.length + 10 * GIB;
    const safetensorsPath = join(dir, 'model.safetensors');
    await writeSparse(safetensorsPath, safetensors, safetensorsSize);
    const gguf = ggufHeader();
    const ggufPath = join(dir, 'model.gguf');
    await writeSparse(ggufPath, gguf.bytes, gguf.size);
    return [await measure('safetensors', safetensorsPath, safetensorsSize), await measure('gguf', ggufPath, gguf.size)];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function print(results: readonly FormatBenchResult[]): void {
  console.log(`formats: header-only analysis of sparse files through FileSource (engine sniff + analyzer), ${RUNS} runs`);
  for (const r of results)
    console.log(
      `  ${r.format.padEnd(12)} file ${(r.fileBytes / GIB).toFixed(2)} GiB (on disk ${(r.diskBytes / 1024).toFixed(0)} KiB)  ` +
        `findings ${r.findings}  reads ${r.reads}  bytes read ${r.bytesRead} (${(r.bytesRead / 1024).toFixed(1)} KiB)  ` +
        `first ${r.firstMillis.toFixed(2)} ms  median ${r.medianMillis.toFixed(2)} ms`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) print(await runFormatsBenchmark());
