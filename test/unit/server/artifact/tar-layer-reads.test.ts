/**
 * How a plain (uncompressed) tar layer is read from a registry over HTTP: its headers and small members
 * come in a few growing Range windows, not one request each (issue 15 §2), with the same scan result as
 * the same files gzipped; a large member that is only sniffed is not downloaded.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { DEFAULT_LIMITS } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { resolveArtifact } from '../../../../server/artifact/resolve.js';
import { createRegistryClient, type HttpRegistryClient } from '../../../../server/registry/client.js';
import { digestOf } from '../../../../server/registry/digest.js';
import { scannableArtifact } from '../../../../server/scan/registry-artifact.js';
import { scanArtifact } from '../../../../server/scan/scan-files.js';
import type { ScanResult } from '../../../../server/jobs/model.js';
import { buildSafetensors } from '../../../support/safetensors-builder.js';
import { tarArchive, tarEntry } from '../../../support/tar-builder.js';
import { sendBytes, sendJson, startScriptedServer, type ScriptedServer } from '../registry/scripted-server.js';

const REPOSITORY = 'models/tar-layer';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const PICKLE = readFileSync(new URL('../../../fixtures/pickle/benign/plain_containers_p2.pkl', import.meta.url));
const MIB = 1024 * 1024;

/** Small files of the kinds a model repository holds: text, JSON, Python, a benign pickle (read by streaming). */
function smallFiles(count: number, from = 0): Uint8Array[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    const [name, data] = [
      [`data/f${i}.txt`, `line ${i}\n`.repeat(10)],
      [`data/f${i}.json`, JSON.stringify({ id: i, labels: ['a', 'b'] })],
      [`data/f${i}.py`, `def f${i}(x):\n    return x + ${i}\n`],
      [`data/f${i}.pkl`, PICKLE],
    ][i % 4] as [string, string | Uint8Array];
    return tarEntry({ name }, data);
  });
}

const servers: ScriptedServer[] = [];
const clients: HttpRegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A registry holding one image whose single layer is `layer`; scans it through the service's path. */
async function scanImage(layer: Uint8Array, mediaType: string, tar: Uint8Array): Promise<{ result: ScanResult; blobRequests: number; bytesFetched: number }> {
  const config = new TextEncoder().encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(tar)] } }));
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: [{ mediaType, digest: digestOf(layer), size: layer.length }],
    }),
  );
  const blobs = new Map([
    [digestOf(config), config],
    [digestOf(layer), layer],
  ]);
  const server = await startScriptedServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/v2/') return sendJson(res, 200, {});
    if (path.includes('/manifests/')) return sendBytes(req, res, manifest, { 'content-type': MANIFEST });
    const blob = blobs.get(path.slice(path.lastIndexOf('/') + 1));
    if (blob === undefined) return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
    sendBytes(req, res, blob);
  });
  servers.push(server);
  const client = createRegistryClient({ url: server.url, credentials: { kind: 'none' }, timeoutMs: 10_000, maxRetries: 0 });
  clients.push(client);
  const artifact = await resolveArtifact(client, REPOSITORY, digestOf(manifest), { limits: DEFAULT_LIMITS });
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
  const signal = new AbortController().signal;
  const result = await scanArtifact(engine, scannableArtifact(artifact, signal), { packaging: artifact.packaging, signal });
  const blobRequests = server.requests.filter((r) => r.path.includes(`/blobs/${digestOf(layer)}`)).length;
  return { result, blobRequests, bytesFetched: client.bytesFetched };
}

const summary = (result: ScanResult) => ({
  files: result.files.map((f) => `${f.path}:${f.format}`),
  findings: result.findings.map((f) => `${f.ruleId}@${f.file}`).sort(),
});

describe('plain tar layers read by Range', () => {
  it('should read a layer of 2,000 small files in a few requests, with the result of the same files gzipped', async () => {
    const tar = tarArchive(smallFiles(2_000));
    const plain = await scanImage(tar, 'application/vnd.oci.image.layer.v1.tar', tar);
    const gzip = await scanImage(gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip', tar);
    expect(plain.result.files).toHaveLength(2_000);
    expect(summary(plain.result)).toEqual(summary(gzip.result));
    // One request per member (or per stream of a pickle) was 500+; growing windows take ~10.
    expect(plain.blobRequests).toBeLessThan(20);
    expect(plain.bytesFetched).toBeLessThan(tar.length * 1.2);
  });

  it('should fetch the head of a large member that is only sniffed, not its bytes, between runs of small files', async () => {
    const weights = buildSafetensors({ w: { dtype: 'F32', shape: [64, MIB / 4] } });
    const tar = tarArchive([...smallFiles(1_000), tarEntry({ name: 'model.safetensors' }, weights), ...smallFiles(1_000, 1_000)]);
    const { result, blobRequests, bytesFetched } = await scanImage(tar, 'application/vnd.oci.image.layer.v1.tar', tar);
    expect(result.files.find((f) => f.path === 'model.safetensors')?.format).toBe('safetensors');
    expect(result.files).toHaveLength(2_001);
    // The small files (~1.3 MB of tar) and a window around the member's head: far from its 64 MiB.
    expect(bytesFetched).toBeLessThan(8 * MIB);
    expect(blobRequests).toBeLessThan(30);
  });
});
