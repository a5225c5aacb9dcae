/**
 * `npm run bench [name...]`: runs each benchmark in its own Node process (so peak-RSS figures belong to
 * one benchmark only) and lets it print its figures. Benchmarks measure; they never assert.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));

/** In running order; `hostile-load` builds ~1.2 GB of hostile artifacts in memory and pushes ~110 MB (~2 min); `image-layer` pushes a 1 GiB layer (~1 min); `registry` pushes two 10 GiB sparse blobs to a local registry (~5 min, ~20 GB of disk). */
const BENCHMARKS = ['pickle', 'torch-zip', 'formats', 'cli-startup', 'local-dirs', 'sevenzip-filters', 'streamed-layer', 'scan-latency', 'load', 'hostile-load', 'image-layer', 'registry'] as const;

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
