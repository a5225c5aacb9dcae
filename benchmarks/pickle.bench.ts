/**
 * Pickle engine throughput on an opcode-dense stream. Not a test; run `npx tsx benchmarks/pickle.bench.ts`.
 *
 * Input: what `pickle.dumps([float] * N, protocol=4)` writes — BINFLOAT opcodes in batches of 1000
 * between MARK and APPENDS, in ~64 KiB FRAMEs — with N chosen for a ~104 MB file of ~11.6 M opcodes, the
 * shape model-scanners.md §3.4 measured the peers on (picklescan 16 s / 1.6 GB, modelscan 14 s / 1.6 GB,
 * fickling 52 s / 3.1 GB). Target: ≥ 30× picklescan (≤ 0.53 s) with ≤ 160 MB peak RSS.
 *
 * The scan runs through the ScanEngine in a fresh child process, so its peak RSS is the scan's (plus
 * the runtime's baseline, reported separately) and not the generator's.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ScanEngine } from '../analyzers/engine.js';
import { DEFAULT_LIMITS } from '../analyzers/limits.js';
import { pickleAnalyzer } from '../analyzers/pickle/analyzer.js';
import { DEFAULT_SETTINGS } from '../analyzers/settings.js';
import { FileSource } from '../analyzers/source.js';

const FLOATS = 11_600_000;
const BATCH = 1000; // pickle.py _BATCHSIZE
const FRAME_TARGET = 64 * 1024; // pickle.py _FRAME_SIZE_TARGET
const RUNS = 3;
const CHILD_FLAG = '--scan-child';

export interface PickleBenchResult {
  readonly fileBytes: number;
  readonly opcodes: number;
  /** Wall-clock seconds of the first (cold) scan and of the fastest of {@link RUNS}. */
  readonly firstSeconds: number;
  readonly bestSeconds: number;
  /** CPU seconds (user + system) of the same scans: steadier than wall clock on a busy machine. */
  readonly firstCpuSeconds: number;
  readonly bestCpuSeconds: number;
  /** Peak RSS of the scanning process, and its RSS before the first scan (runtime baseline). */
  readonly peakRssBytes: number;
  readonly baselineRssBytes: number;
  readonly findings: number;
}

/** Write the dense pickle to `path`, streaming (the generator never holds the file). */
async function writeDensePickle(path: string): Promise<void> {
  const out = createWriteStream(path);
  const frame = Buffer.alloc(FRAME_TARGET + 9 * BATCH + 16);
  let used = 0;
  const flush = async (): Promise<void> => {
    const header = Buffer.alloc(9);
    header[0] = 0x95; // FRAME
    header.writeBigUInt64LE(BigInt(used), 1);
    if (!out.write(header) || !out.write(Buffer.from(frame.subarray(0, used)))) await once(out, 'drain');
    used = 0;
  };
  out.write(Buffer.from([0x80, 0x04])); // PROTO 4
  frame[used++] = 0x5d; // EMPTY_LIST
  frame[used++] = 0x94; // MEMOIZE
  for (let i = 0; i < FLOATS; i += BATCH) {
    frame[used++] = 0x28; // MARK
    for (let j = i; j < Math.min(FLOATS, i + BATCH); j++) {
      frame[used++] = 0x47; // BINFLOAT
      frame.writeDoubleBE(j * 0.5, used);
      used += 8;
    }
    frame[used++] = 0x65; // APPENDS
    if (used >= FRAME_TARGET) await flush();
  }
  frame[used++] = 0x2e; // STOP
  await flush();
  out.end();
  await once(out, 'finish');
}

/** Child side: scan `path` RUNS times through the engine and print the measurements as JSON. */
async function scanInChild(path: string): Promise<void> {
  const baselineRssBytes = process.memoryUsage().rss;
  const { size } = await stat(path);
  const engine = new ScanEngine({ analyzers: [pickleAnalyzer], limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let findings = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const result = await engine.scanFile({ path: 'dense.pkl', size }, new FileSource(path, size));
    const used = process.cpuUsage(cpu);
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    cpuSeconds.push((used.user + used.system) / 1e6);
    findings = result.findings.length;
  }
  const out = { seconds, cpuSeconds, findings, baselineRssBytes, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(JSON.stringify(out));
}

/** Opcodes in the generated file: PROTO, EMPTY_LIST, MEMOIZE, STOP, a MARK/APPENDS pair per batch, the floats and the FRAMEs. */
function opcodeCount(fileBytes: number): number {
  const batches = Math.ceil(FLOATS / BATCH);
  const payload = 2 + 2 + batches * 2 + FLOATS * 9 + 1;
  const frames = (fileBytes - payload) / 9;
  return 4 + batches * 2 + FLOATS + frames;
}

export async function runPickleBenchmark(): Promise<PickleBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'pickle-bench-'));
  try {
    const path = join(dir, 'dense.pkl');
    await writeDensePickle(path);
    const { size } = await stat(path);
    const self = fileURLToPath(import.meta.url);
    const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, self, CHILD_FLAG, path], {
      maxBuffer: 1 << 20,
    });
    const child = JSON.parse(stdout) as {
      seconds: number[];
      cpuSeconds: number[];
      findings: number;
      baselineRssBytes: number;
      peakRssBytes: number;
    };
    return {
      fileBytes: size,
      opcodes: opcodeCount(size),
      firstSeconds: child.seconds[0]!,
      bestSeconds: Math.min(...child.seconds),
      firstCpuSeconds: child.cpuSeconds[0]!,
      bestCpuSeconds: Math.min(...child.cpuSeconds),
      peakRssBytes: child.peakRssBytes,
      baselineRssBytes: child.baselineRssBytes,
      findings: child.findings,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function printPickleBenchmark(r: PickleBenchResult): void {
  const mb = r.fileBytes / 1e6;
  console.log(`pickle engine: opcode-dense pickle, ${mb.toFixed(1)} MB, ${r.opcodes.toLocaleString('en')} opcodes`);
  const rows = [
    ['first run', r.firstSeconds, r.firstCpuSeconds],
    [`best of ${RUNS}`, r.bestSeconds, r.bestCpuSeconds],
  ] as const;
  for (const [label, s, cpu] of rows)
    console.log(
      `  ${label.padEnd(10)} ${s.toFixed(3)} s wall (${cpu.toFixed(3)} s CPU)  ${(mb / s).toFixed(0)} MB/s  ` +
        `${(r.opcodes / s / 1e6).toFixed(1)} M opcodes/s  (picklescan 16 s: ${(16 / s).toFixed(0)}× faster)`,
    );
  console.log(
    `  peak RSS   ${(r.peakRssBytes / 1e6).toFixed(0)} MB for the scanning process, of which ${(r.baselineRssBytes / 1e6).toFixed(0)} MB ` +
      `runtime baseline before the scan (picklescan 1.6 GB)`,
  );
  console.log(`  findings   ${r.findings} (the file is benign: expected 0)`);
}

if (process.argv.includes(CHILD_FLAG)) await scanInChild(process.argv[process.argv.indexOf(CHILD_FLAG) + 1]!);
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printPickleBenchmark(await runPickleBenchmark());
