/**
 * Throughput of a compressed layer, and what hashing each member costs: a tar+gzip layer holding
 * safetensors-sized shards (half random bytes, half zeros) is decompressed and walked the way the layer
 * reader walks it, reading only each member's first 8 bytes, with and without `hashMembers`.
 * Run: `npm run bench -- streamed-layer`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { decompress } from '../analyzers/archive/decompress.js';
import { readTar } from '../analyzers/archive/tar-reader.js';
import { makeLimits } from '../analyzers/limits.js';
import { BufferSource, ForwardSource } from '../analyzers/source.js';
import { tarArchive, tarEntry } from '../test/support/tar-builder.js';

const MIB = 1024 ** 2;
const SHARDS = 8;
const SHARD_BYTES = 64 * MIB;
const RUNS = 5;

function shard(): Uint8Array {
  const bytes = new Uint8Array(SHARD_BYTES);
  bytes.set(randomBytes(SHARD_BYTES / 2));
  return bytes;
}

async function walk(layer: Uint8Array, hashMembers: boolean): Promise<{ millis: number; hashed: number }> {
  const limits = makeLimits();
  const started = performance.now();
  const tar = new ForwardSource(decompress('gzip', new BufferSource(layer).stream(), { maxOutputBytes: limits.maxExpandedBytes }));
  const entries = [];
  for await (const entry of readTar(tar, limits, { hashMembers })) {
    await entry.source.read(0, 8);
    entries.push(entry);
  }
  return { millis: performance.now() - started, hashed: entries.filter((e) => e.sha256?.() !== undefined).length };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const tar = tarArchive(Array.from({ length: SHARDS }, (_, i) => tarEntry({ name: `model-0000${i}.safetensors` }, shard())));
const layer = gzipSync(tar, { level: 1 });
console.log(`layer: ${SHARDS} members, ${(tar.length / MIB).toFixed(0)} MiB uncompressed, ${(layer.length / MIB).toFixed(0)} MiB gzip`);
for (const hashMembers of [false, true, false, true]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await walk(layer, hashMembers));
  const millis = median(runs.map((r) => r.millis));
  console.log(
    `hashMembers=${String(hashMembers).padEnd(5)}  median ${millis.toFixed(0)} ms  ${((tar.length / MIB) / (millis / 1000)).toFixed(0)} MiB/s uncompressed  members hashed ${runs[0]!.hashed}/${SHARDS}`,
  );
}
