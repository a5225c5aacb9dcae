/**
 * Many small files in one image layer, read through a real registry (issue 15 §2): 10,000 small files
 * (text as in the local-dirs benchmark, JSON, Python and pickles, in turn) in a plain tar layer, and the
 * same tar gzipped, pushed as two images
 * to a dedicated Debian `docker-registry` and scanned through the service's own path, each in a process
 * of its own. Prints time, HTTP requests, bytes fetched and peak RSS per layer, and whether both layers
 * gave the same files and findings; `curl`'s time to download each blob whole for comparison.
 * Target: the plain tar layer within 2× the gzipped one's time, in a few dozen requests.
 *
 * Run: `npm run bench -- tar-layer` (FILES=n to change the file count).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pushManifest } from '../test/services/push.js';
import { tarArchive, tarEntry } from '../test/support/tar-builder.js';
import { curlSeconds, median, scanInChild, type ChildScan } from './registry-scan.js';
import { uploadBytes, withBenchRegistry } from './registry.bench.js';

const FILES = Number(process.env['FILES'] ?? 10_000);
const RUNS = 3;
const REPOSITORY = 'bench/tar-layer';
const KIB = 1024;

const PICKLE = readFileSync(fileURLToPath(new URL('../test/fixtures/pickle/benign/plain_containers_p2.pkl', import.meta.url)));
/** The i-th small file: text, JSON, Python source or a benign pickle, in turn. */
function smallFile(i: number): [string, string | Uint8Array] {
  switch (i % 4) {
    case 0:
      return [`data/f${i}.txt`, `line ${i}\n`.repeat(10)];
    case 1:
      return [`data/f${i}.json`, JSON.stringify({ id: i, labels: ['a', 'b'], scale: i / 7 })];
    case 2:
      return [`data/f${i}.py`, `def f${i}(x):\n    return x + ${i}\n`];
    default:
      return [`data/f${i}.pkl`, PICKLE];
  }
}

const tar = tarArchive(Array.from({ length: FILES }, (_, i) => {
  const [name, data] = smallFile(i);
  return tarEntry({ name }, data);
}));
const gzipped = gzipSync(tar);
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function pushImage(url: string, port: number, tag: string, layer: Uint8Array, mediaType: string): Promise<string> {
  const layerDigest = digestOf(layer);
  await uploadBytes(url, REPOSITORY, layer, layerDigest);
  const config = new TextEncoder().encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(tar)] } }));
  await uploadBytes(url, REPOSITORY, config, digestOf(config));
  return pushManifest({ registry: { name: 'plain', url, port, auth: 'none' } }, REPOSITORY, tag, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
    layers: [{ mediaType, digest: layerDigest, size: layer.length }],
  });
}

function line(name: string, layer: Uint8Array, scan: ChildScan, curl: number): string {
  return (
    `  ${name.padEnd(9)} layer ${(layer.length / KIB).toFixed(0).padStart(6)} KiB  ` +
    `scans ${scan.millis.map((m) => `${(m / 1000).toFixed(2)} s`).join(', ')}  median ${(median(scan.millis) / 1000).toFixed(2)} s  ` +
    `requests ${scan.requests} (${scan.blobRequests} blob)  fetched ${(scan.bytesFetched / KIB).toFixed(0)} KiB ` +
    `(${((100 * scan.bytesFetched) / layer.length).toFixed(1)} % of the layer)  files ${scan.files}  peak RSS ${scan.peakRssMib.toFixed(0)} MiB  ` +
    `curl of the blob ${(curl * 1000).toFixed(0)} ms`
  );
}

const work = await mkdtemp(join(tmpdir(), 'tar-layer-bench-'));
try {
  await withBenchRegistry(join(work, 'registry'), async (url, port) => {
    const plainDigest = await pushImage(url, port, 'tar', tar, 'application/vnd.oci.image.layer.v1.tar');
    const gzipDigest = await pushImage(url, port, 'tar-gzip', gzipped, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const plain = scanInChild(url, REPOSITORY, plainDigest, RUNS);
    const gzip = scanInChild(url, REPOSITORY, gzipDigest, RUNS);
    console.log(`tar-layer: ${FILES} small files (text, JSON, Python, pickles) in one image layer, ${RUNS} scans each through a local docker-registry`);
    console.log(line('tar', tar, plain, curlSeconds(url, REPOSITORY, digestOf(tar))));
    console.log(line('tar+gzip', gzipped, gzip, curlSeconds(url, REPOSITORY, digestOf(gzipped))));
    const same = plain.files === gzip.files && JSON.stringify(plain.findings) === JSON.stringify(gzip.findings);
    console.log(
      `  tar / tar+gzip time ${(median(plain.millis) / median(gzip.millis)).toFixed(2)}× (target ≤ 2×)  ` +
        `same files and findings: ${same ? 'yes' : `NO (${plain.files} vs ${gzip.files} files, ${plain.findings.length} vs ${gzip.findings.length} findings)`}`,
    );
  });
} finally {
  await rm(work, { recursive: true, force: true });
}
