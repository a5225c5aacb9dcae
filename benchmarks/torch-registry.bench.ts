/**
 * A realistic torch.save state_dict behind a real registry (issue 15 §4): a GPT-2-shaped checkpoint
 * written by Debian's python3-torch (./make-state-dict.py: a large embedding, big projections, tiny layer
 * norms), pushed to a dedicated Debian `docker-registry` three ways — a ModelPack raw weight layer, a plain
 * tar image layer and a tar+gzip image layer — and scanned through the service's own path, each in a
 * process of its own. Prints per layer: bytes fetched (and the share of the blob), HTTP requests, time,
 * peak RSS, findings, and `curl`'s time to download the blob whole.
 *
 * Run: `npm run bench -- torch-registry` (~0.5 GB checkpoint, ~3 GB of disk, removed after).
 * TORCH_SIZES=500M,5G adds the ~5.3 GB checkpoint (~35 GB of disk, several minutes).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { pushManifest, type PushTarget } from '../test/services/push.js';
import { curlSeconds, scanInChild } from './registry-scan.js';
import { freeBytes, sha256File, uploadBytes, uploadFile, withBenchRegistry } from './registry.bench.js';

const GENERATOR = fileURLToPath(new URL('make-state-dict.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const REPOSITORY = 'bench/torch';
const MEMBER = 'pytorch_model.bin';
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const SIZES = (process.env['TORCH_SIZES'] ?? '500M').split(',').filter((s) => s !== '');

interface Blob {
  readonly path: string;
  readonly digest: string;
  readonly size: number;
}

/** The checkpoint as the one member of a tar (gzipped at level 1 with `gzip`); the tar's digest is the diff ID. */
async function writeTar(checkpoint: string, size: number, out: string, gzip: boolean): Promise<Blob & { readonly diffId: string }> {
  const pack = tarStream.pack();
  const tarHash = createHash('sha256');
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      tarHash.update(chunk);
      done(null, chunk);
    },
  });
  const written = gzip ? pipeline(pack, tee, createGzip({ level: 1 }), createWriteStream(out)) : pipeline(pack, tee, createWriteStream(out));
  const entry = pack.entry({ name: MEMBER, size });
  await pipeline(createReadStream(checkpoint, { highWaterMark: 8 * MIB }), entry);
  pack.finalize();
  await written;
  return { path: out, digest: await sha256File(out), size: (await stat(out)).size, diffId: `sha256:${tarHash.digest('hex')}` };
}

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function pushConfig(url: string, body: object): Promise<{ digest: string; size: number }> {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  await uploadBytes(url, REPOSITORY, bytes, digestOf(bytes));
  return { digest: digestOf(bytes), size: bytes.length };
}

async function pushModelPack(target: PushTarget, tag: string, blob: Blob): Promise<string> {
  await uploadFile(target.registry.url, REPOSITORY, blob.path, blob.digest, blob.size);
  const config = await pushConfig(target.registry.url, { descriptor: { name: 'gpt2-like' }, config: { format: 'pytorch' }, modelfs: { type: 'layers', diffIds: [blob.digest] } });
  return pushManifest(target, REPOSITORY, tag, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.cncf.model.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.model.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.cncf.model.weight.v1.raw', digest: blob.digest, size: blob.size, annotations: { 'org.cncf.model.filepath': MEMBER } }],
  });
}

async function pushImage(target: PushTarget, tag: string, blob: Blob & { readonly diffId: string }, mediaType: string): Promise<string> {
  await uploadFile(target.registry.url, REPOSITORY, blob.path, blob.digest, blob.size);
  const config = await pushConfig(target.registry.url, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [blob.diffId] } });
  return pushManifest(target, REPOSITORY, tag, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType, digest: blob.digest, size: blob.size }],
  });
}

function report(name: string, url: string, digest: string, blob: Blob, runs: number): void {
  const scan = scanInChild(url, REPOSITORY, digest, runs);
  const curl = curlSeconds(url, REPOSITORY, blob.digest);
  console.log(
    `  ${name.padEnd(15)} blob ${(blob.size / MIB).toFixed(0).padStart(5)} MiB  scan ${scan.millis.map((m) => `${(m / 1000).toFixed(2)} s`).join(', ')}  ` +
      `fetched ${(scan.bytesFetched / MIB).toFixed(1)} MiB (${((100 * scan.bytesFetched) / blob.size).toFixed(1)} %)  requests ${scan.requests}  ` +
      `peak RSS ${scan.peakRssMib.toFixed(0)} MiB  findings ${scan.findings.length === 0 ? 'none' : [...new Set(scan.findings.map((f) => f.split('@')[0]))].join(',')}  ` +
      `curl of the blob ${curl.toFixed(2)} s`,
  );
}

async function measure(work: string, preset: string): Promise<void> {
  const dir = join(work, preset);
  await mkdir(dir, { recursive: true });
  const checkpoint = join(dir, MEMBER);
  const tensors = execFileSync(PYTHON, [GENERATOR, checkpoint, preset], { encoding: 'utf8' }).trim();
  const size = (await stat(checkpoint)).size;
  const free = await freeBytes(dir);
  // Storage holds the three blobs, the disk the checkpoint and one tar at a time.
  if (free < 6 * size + 2 * GIB) throw new Error(`torch-registry: ${(free / GIB).toFixed(1)} GiB free, the ${preset} checkpoint needs ${((6 * size) / GIB + 2).toFixed(0)} GiB`);
  const runs = size > 2 * GIB ? 1 : 2;
  console.log(`torch-registry ${preset}: torch.save state_dict, ${tensors} tensors, ${(size / MIB).toFixed(0)} MiB; ${runs} scan(s) per layer through a local docker-registry`);
  await withBenchRegistry(join(dir, 'registry'), async (url, port) => {
    const target: PushTarget = { registry: { name: 'plain', url, port, auth: 'none' } };
    const raw: Blob = { path: checkpoint, digest: await sha256File(checkpoint), size };
    report('ModelPack raw', url, await pushModelPack(target, 'raw', raw), raw, runs);
    for (const [name, gzip, mediaType] of [
      ['tar layer', false, 'application/vnd.oci.image.layer.v1.tar'],
      ['tar+gzip layer', true, 'application/vnd.oci.image.layer.v1.tar+gzip'],
    ] as const) {
      const layer = await writeTar(checkpoint, size, join(dir, gzip ? 'layer.tar.gz' : 'layer.tar'), gzip);
      const digest = await pushImage(target, name.replace(/\W+/g, '-'), layer, mediaType);
      await rm(layer.path);
      report(name, url, digest, layer, runs);
    }
  });
  await rm(dir, { recursive: true, force: true });
}

const work = await mkdtemp(join(tmpdir(), 'torch-registry-bench-'));
try {
  for (const preset of SIZES) await measure(work, preset);
} finally {
  await rm(work, { recursive: true, force: true });
}
