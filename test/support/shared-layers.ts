/**
 * Container images that share a base layer, as images built `FROM` one base do: a tar+gzip base holding
 * a Python installation (sources, distribution metadata, licences, compiled extensions, pickles), and a
 * tar+gzip model layer of each image's own. Used by the layer-reuse tests (small) and the
 * `shared-layers` benchmark (an ~80 MB base, ~36 MB model layers).
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ScanEngine } from '../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../analyzers/index.js';
import { DEFAULT_LIMITS } from '../../analyzers/limits.js';
import { DEFAULT_SETTINGS, type AnalyzerSettings } from '../../analyzers/settings.js';
import type { LayerResultCache } from '../../server/jobs/layer-cache.js';
import type { ScanResult } from '../../server/jobs/model.js';
import { analysisFingerprint } from '../../server/scan/analysis-key.js';
import { registryArtifactOpener } from '../../server/scan/registry-artifact.js';
import { scanArtifact } from '../../server/scan/scan-files.js';
import { uniqueRepository } from '../services/endpoints.js';
import { OCI_MANIFEST, pushArtifact, sha256Digest, type PushTarget, type PushedArtifact } from '../services/push.js';
import { buildRaw, padTo8, validHeader } from './safetensors-builder.js';
import { tarArchive, tarEntry } from './tar-builder.js';

export const GZIP_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** `pickle.dumps` of an object reducing to `os.system('echo pwned')`, protocol 2: a Critical finding. */
export const EVIL_PICKLE = new Uint8Array(Buffer.from('800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e', 'hex'));

export interface Layer {
  /** The uncompressed tar (its digest is the config's diff ID). */
  readonly tar: Uint8Array;
  /** The layer blob. */
  readonly gzip: Uint8Array;
}

export interface BaseLayerShape {
  /** Python packages, each with sources, a METADATA file and a licence. */
  readonly packages: number;
  /** Source files per package, of ~`sourceBytes` each. */
  readonly sourcesPerPackage: number;
  readonly sourceBytes: number;
  /** Compiled extensions (incompressible bytes), of `extensionBytes` each. */
  readonly extensions: number;
  readonly extensionBytes: number;
  /** Benign pickles (a protocol-2 string), of ~`pickleBytes` each; one more calls os.system. */
  readonly pickles: number;
  readonly pickleBytes: number;
}

export const SMALL_BASE: BaseLayerShape = { packages: 3, sourcesPerPackage: 3, sourceBytes: 600, extensions: 2, extensionBytes: 4096, pickles: 2, pickleBytes: 300 };

/** About 80 MB of gzip: 300 packages of 8 sources, 67 extensions of 1.15 MB, 40 pickles of 128 KiB. */
export const BENCH_BASE: BaseLayerShape = {
  packages: 300,
  sourcesPerPackage: 8,
  sourceBytes: 6000,
  extensions: 67,
  extensionBytes: 1_150_000,
  pickles: 40,
  pickleBytes: 128 * 1024,
};

/** A protocol-2 pickle of one str of `length` hex characters (harmless). */
function benignPickle(length: number): Uint8Array {
  const text = Buffer.from(randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length));
  const header = Buffer.from([0x80, 0x02, 0x58, length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, (length >>> 24) & 0xff]);
  return new Uint8Array(Buffer.concat([header, text, Buffer.from([0x2e])]));
}

function pythonSource(pkg: string, index: number, bytes: number): string {
  const lines = [`"""${pkg} module ${index}."""`, 'import os', 'import json', ''];
  for (let i = 0; lines.join('\n').length < bytes; i++)
    lines.push(`def ${pkg}_f${index}_${i}(value, scale=${i}):`, `    return json.dumps({"v": value * scale, "name": "${pkg}"})`, '');
  return `${lines.join('\n')}\n`;
}

const MIT = 'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction.\n';

/** A base layer of `shape`; `seed` makes its bytes (and digest) its own. */
export function baseLayer(shape: BaseLayerShape, seed: string = randomBytes(8).toString('hex')): Layer {
  const site = 'usr/lib/python3/site-packages';
  const entries: Uint8Array[] = [tarEntry({ name: 'etc/', type: '5' }), tarEntry({ name: 'etc/os-release' }, `ID=bench\nBUILD=${seed}\n`)];
  for (let p = 0; p < shape.packages; p++) {
    const pkg = `pkg${p}`;
    entries.push(tarEntry({ name: `${site}/${pkg}/`, type: '5' }));
    for (let s = 0; s < shape.sourcesPerPackage; s++) entries.push(tarEntry({ name: `${site}/${pkg}/mod${s}.py` }, pythonSource(pkg, s, shape.sourceBytes)));
    entries.push(tarEntry({ name: `${site}/${pkg}-1.${p}.dist-info/METADATA` }, `Metadata-Version: 2.1\nName: ${pkg}\nVersion: 1.${p}\nLicense: MIT\n`));
    entries.push(tarEntry({ name: `${site}/${pkg}-1.${p}.dist-info/LICENSE` }, MIT));
  }
  for (let e = 0; e < shape.extensions; e++) entries.push(tarEntry({ name: `${site}/ext${e}/_native.cpython-311-x86_64-linux-gnu.so` }, randomBytes(shape.extensionBytes)));
  for (let k = 0; k < shape.pickles; k++) entries.push(tarEntry({ name: `opt/app/cache/model-${k}.pkl` }, benignPickle(shape.pickleBytes)));
  entries.push(tarEntry({ name: 'opt/app/cache/evil.pkl' }, EVIL_PICKLE));
  entries.push(tarEntry({ name: 'usr/bin/python3', type: '2', linkname: `../lib/python3/site-packages/pkg0/mod0.py` }));
  const tar = tarArchive(entries);
  return { tar, gzip: gzipSync(tar, { level: 6 }) };
}

/** A model layer of its own: a model card with a licence, a config and a safetensors file of `weightBytes` random bytes. */
export function modelLayer(name: string, weightBytes = 4096): Layer {
  const { json } = validHeader({ weight: { dtype: 'U8', shape: [weightBytes] } });
  const weights = buildRaw(padTo8(json), randomBytes(weightBytes));
  const tar = tarArchive([
    tarEntry({ name: `models/${name}/README.md` }, `---\nlicense: apache-2.0\n---\n# ${name}\n`),
    tarEntry({ name: `models/${name}/config.json` }, JSON.stringify({ model_type: 'bench', name })),
    tarEntry({ name: `models/${name}/model.safetensors` }, weights),
  ]);
  return { tar, gzip: gzipSync(tar, { level: 1 }) };
}

export interface PushedImage extends PushedArtifact {
  readonly repository: string;
  /** Harbor's artifact size: manifest + config + layers. */
  readonly size: number;
  readonly mediaType: string;
}

/** Pushes an image of `layers` (bottom first) to `repository:tag`. */
export async function pushLayeredImage(target: PushTarget, repository: string, tag: string, layers: readonly Layer[]): Promise<PushedImage> {
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256Digest(l.tar)) }, config: { Cmd: [`/serve-${tag}`] } };
  const pushed = await pushArtifact(target, repository, tag, {
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: new TextEncoder().encode(JSON.stringify(config)) },
    layers: layers.map((l) => ({ mediaType: GZIP_LAYER, bytes: l.gzip })),
  });
  const size = pushed.manifestBytes.length + pushed.config.size + pushed.layers.reduce((n, l) => n + l.size, 0);
  return { ...pushed, repository, size, mediaType: OCI_MANIFEST };
}

/**
 * Scans `image` at `registryUrl` as a job does (a client of its own, the service's opener and engine);
 * `cache` turns layer reuse on, for the engine of `settings`.
 */
export async function scanImage(
  registryUrl: string,
  image: PushedImage,
  options: { readonly cache?: LayerResultCache; readonly settings?: AnalyzerSettings } = {},
): Promise<ScanResult> {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings });
  const open = registryArtifactOpener({
    insecureSkipVerify: false,
    timeoutMs: 60_000,
    retries: 0,
    limits: DEFAULT_LIMITS,
    ...(options.cache ? { layerResults: { cache: options.cache, fingerprint: analysisFingerprint(settings, DEFAULT_LIMITS) } } : {}),
  });
  const signal = new AbortController().signal;
  const artifact = await open({ registryUrl, repository: image.repository, digest: image.digest }, undefined, signal);
  try {
    return await scanArtifact(engine, artifact, { packaging: artifact.packaging, signal, bytesFetched: () => artifact.bytesFetched() });
  } finally {
    await artifact.close();
  }
}

/** A result without what differs between two scans of the same content (time, bytes fetched). */
export const comparable = (result: ScanResult): ScanResult => ({ ...result, generatedAt: '', bytesFetched: 0 });

/** Two images in two repositories sharing `base`, each with a model layer of its own. */
export async function pushPair(target: PushTarget, base: Layer): Promise<[PushedImage, PushedImage]> {
  const [first, second] = await Promise.all(
    ['first', 'second'].map((name) => pushLayeredImage(target, uniqueRepository(`layer-reuse-${name}`), 'v1', [base, modelLayer(name)])),
  );
  return [first!, second!];
}
