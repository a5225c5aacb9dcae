/**
 * Throughput of the 7z filter decoders (analyzers/archive/sevenzip-filters.ts, sevenzip-bcj2.ts) on
 * 64 MiB of seeded random bytes in 1 MiB chunks — random bytes hold convertible instructions for every
 * filter, so this is close to their worst case — and peak RSS growth, which must stay about one chunk.
 * Run: `npm run bench -- sevenzip-filters`.
 */
import { performance } from 'node:perf_hooks';
import { decodeBcj2 } from '../analyzers/archive/sevenzip-bcj2.js';
import { decodeBranchFilter, decodeDelta, type BranchFilter } from '../analyzers/archive/sevenzip-filters.js';

const TOTAL = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;

function chunkOfNoise(seed: number): Uint8Array {
  const out = new Uint8Array(CHUNK);
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    out[i] = state >>> 16;
  }
  return out;
}

const NOISE = chunkOfNoise(42);

async function* input(total = TOTAL): AsyncGenerator<Uint8Array> {
  for (let done = 0; done < total; done += CHUNK) yield NOISE;
}

async function measure(name: string, output: AsyncIterable<Uint8Array>): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  let bytes = 0;
  const started = performance.now();
  for await (const chunk of output) {
    bytes += chunk.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${name.padEnd(6)} ${(bytes / 2 ** 20 / seconds).toFixed(0).padStart(5)} MiB/s  rss +${((peak - rssBefore) / 2 ** 20).toFixed(1)} MiB`);
}

const filters: BranchFilter[] = ['x86', 'arm', 'armt', 'arm64', 'ppc', 'sparc', 'ia64'];
for (const filter of filters) await measure(filter, decodeBranchFilter(filter, input()));
await measure('delta', decodeDelta(input(), 4));
// BCJ2 with a main stream of noise and call/jump/range-coder streams long enough for every conversion.
await measure('bcj2', decodeBcj2([input(), input(), input(), input()], TOTAL));
