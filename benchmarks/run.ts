/**
 * `npm run bench [name...]`: runs each benchmark in its own Node process (so peak-RSS figures belong to
 * one benchmark only) and lets it print its figures. Benchmarks measure; they never assert.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * In running order; `memory` scans a 100 MB safetensors header (four times at once), a 100k-tensor GGUF and
 * 1M-entry tars (~3 min); `hostile-load` polls while a 10 GiB zstd bomb, a 99 MB safetensors header and a 1M-entry tar
 * are analysed, then 10,000 POST /scan (~3 min, ~1.2 GB of memory); `image-layer` pushes a 1 GiB layer (~1 min); `tar-layer` two layers of 10,000 small files;
 * `torch-registry` a 0.5 GB torch.save three ways (~2 min; TORCH_SIZES=500M,5G adds 5 GB); `shared-layers`
 * four images on an 80 MB base (~2 min); `registry` two
 * 10 GiB sparse blobs to a local registry (~5 min, ~20 GB of disk).
 */
const BENCHMARKS = [
  'pickle',
  'torch-zip',
  'formats',
  'memory',
  'cli-startup',
  'local-dirs',
  'python-env',
  'sevenzip-filters',
  'streamed-layer',
  'scan-latency',
  'load',
  'hostile-load',
  'image-layer',
  'tar-layer',
  'torch-registry',
  'shared-layers',
  'registry',
] as const;

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const name of wanted.length > 0 ? wanted : BENCHMARKS) {
  console.log(`\n== ${name} ==`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(DIR, `${name}.bench.ts`)], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`${name}: exited with ${run.status ?? run.signal}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
