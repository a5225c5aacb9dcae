/**
 * Throughput of the path released Harbor actually sends to a scanner: a container image whose model
 * files sit in one tar+gzip layer, which must be streamed whole (download, inflate, verify the diff ID,
 * hash each member). Four 256 MiB safetensors files (half random bytes, half zeros) make a 1 GiB layer,
 * written to disk by streaming and pushed to a dedicated Debian `docker-registry`; it is scanned through
 * the service's own path (registry client → resolver → engine → manifest analyzer).
 *
 * Run: `npm run bench -- image-layer` (~1 min, ~2 GB of disk, removed after).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { pushManifest } from '../test/services/push.js';
import { safetensorsHeader } from './formats.bench.js';
import { scanThroughRegistry, sha256File, uploadBytes, uploadFile, withBenchRegistry } from './registry.bench.js';

const MIB = 1024 ** 2;
const FILES = 4;
/** Tensors of 32 MiB each, so each file is 256 MiB of data behind its header. */
const TENSORS_PER_FILE = 8;
const RUNS = 3;
const REPOSITORY = 'bench/image';

interface Layer {
  readonly path: string;
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
  readonly uncompressed: number;
}

/** Streams the tar through gzip to `path`, hashing the tar on the way for the config's diff ID. */
async function writeLayer(path: string): Promise<Layer> {
  const pack = tar.pack();
  const tarHash = createHash('sha256');
  let uncompressed = 0;
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      tarHash.update(chunk);
      uncompressed += chunk.length;
      done(null, chunk);
    },
  });
  const written = pipeline(pack, tee, createGzip({ level: 1 }), createWriteStream(path));
  const header = safetensorsHeader(TENSORS_PER_FILE);
  const dataBytes = TENSORS_PER_FILE * 32 * MIB;
  for (let i = 0; i < FILES; i++) {
    const entry = pack.entry({ name: `models/model-0000${i + 1}-of-0000${FILES}.safetensors`, size: header.length + dataBytes });
    entry.write(header);
    for (let at = 0; at < dataBytes; at += 8 * MIB) {
      const piece = at < dataBytes / 2 ? randomBytes(8 * MIB) : Buffer.alloc(8 * MIB);
      if (!entry.write(piece)) await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => entry.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  pack.finalize();
  await written;
  return { path, digest: await sha256File(path), size: (await stat(path)).size, diffId: `sha256:${tarHash.digest('hex')}`, uncompressed };
}

async function pushImage(url: string, port: number, layer: Layer): Promise<string> {
  await uploadFile(url, REPOSITORY, layer.path, layer.digest, layer.size);
  const config = new TextEncoder().encode(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffId] }, config: { Cmd: ['/serve'] } }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  await uploadBytes(url, REPOSITORY, config, configDigest);
  return pushManifest({ registry: { name: 'plain', url, port, auth: 'none' } }, REPOSITORY, 'v1', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
  });
}

const work = await mkdtemp(join(tmpdir(), 'image-layer-bench-'));
try {
  const layer = await writeLayer(join(work, 'layer.tar.gz'));
  await withBenchRegistry(join(work, 'registry'), async (url, port) => {
    const digest = await pushImage(url, port, layer);
    const scans = await scanThroughRegistry(url, REPOSITORY, digest, RUNS);
    const best = Math.min(...scans.millis);
    console.log(
      `image-layer: ${FILES} safetensors files in one tar+gzip layer, ${(layer.uncompressed / MIB).toFixed(0)} MiB uncompressed, ` +
        `${(layer.size / MIB).toFixed(0)} MiB compressed; ${RUNS} scans through a local docker-registry`,
    );
    console.log(
      `  scans ${scans.millis.map((m) => `${(m / 1000).toFixed(2)} s`).join(', ')}  best ${((layer.uncompressed / MIB) / (best / 1000)).toFixed(0)} MiB/s uncompressed  ` +
        `bytes fetched ${(scans.bytesFetched / MIB).toFixed(1)} MiB  findings ${scans.findings.length === 0 ? 'none' : scans.findings.join(',')}  ` +
        `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
  });
} finally {
  await rm(work, { recursive: true, force: true });
}
