/**
 * Layer-level reuse (issue 17 items 4 and 5): four container images, each in its own repository, built on
 * one ~80 MB tar+gzip base layer (a Python installation: ~2,400 sources, 300 distributions with metadata
 * and licence, 67 compiled extensions, 41 pickles) with a ~36 MB model layer of their own, pushed to the
 * plain registry of the test environment and scanned in turn through the service's path (registry client
 * → resolver → engine → manifest analyzer), once without the layer result cache and once with it (SQLite,
 * as the embedded mode keeps it). Prints, per image, the time and the bytes fetched.
 *
 * Goal: with the cache, images 2–4 fetch only their own layer and each takes at most 40 % of image 1's time.
 * Run: `npm run bench -- shared-layers` (~1–2 min, ~0.5 GB of registry storage in .testenv).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { LayerResultCache } from '../server/jobs/layer-cache.js';
import { SqliteLayerResultCache } from '../server/jobs/sqlite-layer-cache.js';
import { REGISTRIES, uniqueRepository, type RegistryEndpoint } from '../test/services/endpoints.js';
import { startRegistries, stopRegistries } from '../test/services/registries.js';
import { baseLayer, BENCH_BASE, modelLayer, pushLayeredImage, scanImage, type PushedImage } from '../test/support/shared-layers.js';

const MB = 1e6;
const IMAGES = 4;
const MODEL_BYTES = 36 * MB;

interface Scan {
  readonly millis: number;
  readonly bytesFetched: number;
  readonly files: number;
  readonly findings: number;
}

/** Pushes the images to `registry` and scans them in turn, without and with the cache; prints the figures. */
export async function runSharedLayersBenchmark(registry: RegistryEndpoint): Promise<void> {
  const scan = async (image: PushedImage, cache: LayerResultCache | undefined): Promise<Scan> => {
    const started = performance.now();
    const result = await scanImage(registry.url, image, cache ? { cache } : {});
    return { millis: performance.now() - started, bytesFetched: result.bytesFetched, files: result.filesScanned, findings: result.findings.length };
  };
  let started = performance.now();
  const base = baseLayer(BENCH_BASE);
  const models = Array.from({ length: IMAGES }, (_, i) => modelLayer(`model-${i + 1}`, MODEL_BYTES));
  console.log(
    `shared-layers: ${IMAGES} images, one ${(base.gzip.length / MB).toFixed(1)} MB tar+gzip base layer (${(base.tar.length / MB).toFixed(1)} MB uncompressed) ` +
      `and a ${(models[0]!.gzip.length / MB).toFixed(1)} MB model layer each (built in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  started = performance.now();
  const images: PushedImage[] = [];
  for (const [i, model] of models.entries()) images.push(await pushLayeredImage({ registry }, uniqueRepository(`bench-shared-${i + 1}`), 'v1', [base, model]));
  console.log(`  pushed to ${registry.url} in ${((performance.now() - started) / 1000).toFixed(1)} s, each image in its own repository`);

  const off: Scan[] = [];
  for (const image of images) off.push(await scan(image, undefined));
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'shared-layers-bench-'));
  const cache = new SqliteLayerResultCache(cacheDir, { maxBytes: 256 * 1024 * 1024 });
  try {
    const on: Scan[] = [];
    for (const image of images) on.push(await scan(image, cache));
    const usage = cache.usage();
    const line = (s: Scan) => `${(s.millis / 1000).toFixed(2).padStart(6)} s ${(s.bytesFetched / MB).toFixed(1).padStart(6)} MB`;
    console.log('  image   cache off               cache on                 on vs image 1   files findings');
    for (let i = 0; i < IMAGES; i++)
      console.log(
        `  ${String(i + 1).padEnd(6)}  ${line(off[i]!)}     ${line(on[i]!)}      ${i === 0 ? '      -' : `${((100 * on[i]!.millis) / on[0]!.millis).toFixed(0).padStart(5)} %`}      ${String(on[i]!.files).padStart(5)} ${String(on[i]!.findings).padStart(5)}`,
      );
    const same = off.every((s, i) => s.files === on[i]!.files && s.findings === on[i]!.findings);
    console.log(`  cache: ${usage.entries} layer recordings, ${(usage.bytes / MB).toFixed(2)} MB stored; same files and findings with and without: ${same}`);
  } finally {
    await cache.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await startRegistries();
  try {
    await runSharedLayersBenchmark(REGISTRIES.plain);
  } finally {
    await stopRegistries();
  }
}
