/**
 * A large PyTorch zip checkpoint (torch.save layout: `archive/data.pkl`, `archive/data/<n>` storages,
 * `archive/version`), 2 GiB of stored tensor data, through the whole engine from a local file: time,
 * throughput over the file size, and how many bytes were actually read (the central directory, every
 * member's head for sniffing, the pickle — never the tensors).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALL_ANALYZERS } from '../analyzers/index.js';
import { ScanEngine } from '../analyzers/engine.js';
import { DEFAULT_LIMITS } from '../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../analyzers/settings.js';
import { FileSource } from '../analyzers/source.js';
import { CountingSource } from '../test/support/sources.js';

const STORAGES = 16;
const STORAGE_BYTES = 128 * 1024 * 1024;
const DATA_PKL = path.resolve('test/fixtures/pickle/benign/torch_state_dict.data.pkl');

/** Python's zipfile writes stored members as a stream, so the 2 GiB file never sits in memory. */
const WRITER = `
import sys, zipfile
out, pkl, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
chunk = bytes(range(256)) * 4096
with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED, allowZip64=True) as z:
    z.write(pkl, 'archive/data.pkl')
    for i in range(n):
        with z.open(f'archive/data/{i}', 'w', force_zip64=True) as f:
            for _ in range(size // len(chunk)):
                f.write(chunk)
    z.writestr('archive/version', '3\\n')
`;

export interface TorchZipBenchResult {
  readonly fileBytes: number;
  readonly seconds: number;
  readonly bytesRead: number;
  readonly reads: number;
  readonly findings: number;
  readonly peakRssMb: number;
}

export async function runTorchZipBenchmark(): Promise<TorchZipBenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'torch-zip-bench-'));
  try {
    const file = path.join(dir, 'pytorch_model.bin');
    execFileSync('python3', ['-c', WRITER, file, DATA_PKL, String(STORAGES), String(STORAGE_BYTES)]);
    const size = (await stat(file)).size;
    const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
    const source = new CountingSource(new FileSource(file, size));
    const started = process.hrtime.bigint();
    const result = await engine.scanFile({ path: 'pytorch_model.bin', size }, source);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      fileBytes: size,
      seconds,
      bytesRead: source.bytesRead,
      reads: source.reads,
      findings: result.findings.length,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function printTorchZip(r: TorchZipBenchResult): void {
  console.log(`torch zip checkpoint: ${(r.fileBytes / 2 ** 30).toFixed(2)} GiB (${STORAGES} stored storages + data.pkl), local file`);
  console.log(
    `  ${r.seconds.toFixed(3)} s  ${(r.fileBytes / 1e6 / r.seconds).toFixed(0)} MB/s of checkpoint  ` +
      `read ${r.reads} times, ${(r.bytesRead / 1024).toFixed(1)} KiB  findings ${r.findings}  peak RSS ${r.peakRssMb.toFixed(0)} MB`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printTorchZip(await runTorchZipBenchmark());
