/**
 * Layer-level reuse (issue 17 item 4) on the in-memory registry: a layer shared by two images is read
 * once; the second scan replays the first one's per-file analyses, recomputes what spans files, and
 * reports exactly what a cold scan reports. Another rule set or policy, a job that may not read the blob,
 * a layer the walk did not analyse whole, or a reading that is not verified or not complete never reuses.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Analyzer } from '../../../../analyzers/analyzer.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { makeLimits, type AnalyzerLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS, type AnalyzerSettings } from '../../../../analyzers/settings.js';
import type { ByteSource } from '../../../../analyzers/source.js';
import { resolveArtifact } from '../../../../server/artifact/resolve.js';
import type { LayerResultCache } from '../../../../server/jobs/layer-cache.js';
import type { ScanResult } from '../../../../server/jobs/model.js';
import { RedisLayerResultCache } from '../../../../server/jobs/redis-layer-cache.js';
import { SqliteLayerResultCache } from '../../../../server/jobs/sqlite-layer-cache.js';
import { RegistryUnavailableError } from '../../../../server/errors/registry-errors.js';
import type { Descriptor, VerifiableSource } from '../../../../server/registry/types.js';
import { analysisFingerprint } from '../../../../server/scan/analysis-key.js';
import { CachedLayers, type ReuseAccess } from '../../../../server/scan/layer-reuse.js';
import { scannableArtifact } from '../../../../server/scan/registry-artifact.js';
import { scanArtifact } from '../../../../server/scan/scan-files.js';
import { GOOD_SAFETENSORS } from '../../../support/model-artifacts.js';
import { tarArchive, tarEntry } from '../../../support/tar-builder.js';
import { FakeRegistry } from '../artifact/fake-registry.js';
import { uniqueNamespace, useTestRedis } from '../jobs/redis-harness.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const GZIP_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const REPO = 'team/app';
const limits = makeLimits();
const engineOf = (settings: AnalyzerSettings = DEFAULT_SETTINGS, analyzers: readonly Analyzer[] = ALL_ANALYZERS, engineLimits: AnalyzerLimits = limits) =>
  new ScanEngine({ analyzers, limits: engineLimits, settings });
const engine = engineOf();
const FINGERPRINT = analysisFingerprint(DEFAULT_SETTINGS, limits);

/** `pickle.dumps` of an object reducing to `os.system('echo pwned')`, protocol 2: Critical. */
const PICKLE = new Uint8Array(Buffer.from('800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e', 'hex'));

/** A base layer as images share them: a Python distribution with its metadata, a licence, a pickle, a link. */
const BASE = tarArchive([
  tarEntry({ name: 'usr/', type: '5' }),
  tarEntry({ name: 'usr/lib/python3/site-packages/tool/__init__.py' }, 'import os\n'),
  tarEntry({ name: 'usr/lib/python3/site-packages/tool-1.0.dist-info/METADATA' }, 'Metadata-Version: 2.1\nName: tool\nVersion: 1.0\nLicense: MIT\n'),
  tarEntry({ name: 'usr/share/doc/tool/LICENSE' }, 'Permission is hereby granted, free of charge, to any person obtaining a copy of this software (MIT).\n'),
  tarEntry({ name: 'opt/cache/state.pkl' }, PICKLE),
  tarEntry({ name: 'etc/motd' }, 'base image\n'),
  tarEntry({ name: 'usr/bin/tool', type: '2', linkname: '../lib/python3/site-packages/tool/__init__.py' }),
]);

/** Each image's own layer: a model with its card, and what the image adds on top of the base. */
function modelLayer(name: string, extra: Parameters<typeof tarEntry>[] = []): Uint8Array {
  return tarArchive([
    tarEntry({ name: `models/${name}/README.md` }, `---\nlicense: apache-2.0\n---\n# ${name}\n`),
    tarEntry({ name: `models/${name}/model.safetensors` }, GOOD_SAFETENSORS),
    ...extra.map((args) => tarEntry(...args)),
  ]);
}

/** Pushes an image of the shared base and `top`, tagged `tag`. */
function pushImage(registry: FakeRegistry, tag: string, top: Uint8Array, base: Uint8Array = BASE): { base: Descriptor; top: Descriptor; manifest: Descriptor } {
  const bottom = registry.gzipBlob(GZIP_LAYER, base);
  const upper = registry.gzipBlob(GZIP_LAYER, top);
  const config = registry.blob(
    'application/vnd.oci.image.config.v1+json',
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [bottom.diffId, upper.diffId] }, config: { Cmd: [tag] } }),
  );
  const manifest = registry.manifest(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [bottom.descriptor, upper.descriptor] }, tag);
  return { base: bottom.descriptor, top: upper.descriptor, manifest };
}

const caches: LayerResultCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
});

function newCache(maxBytes = 64 * 1024 * 1024): SqliteLayerResultCache {
  const cache = new SqliteLayerResultCache(mkdtempSync(path.join(tmpdir(), 'layer-reuse-')), { maxBytes });
  caches.push(cache);
  return cache;
}

interface ScanOptions {
  readonly cache?: LayerResultCache;
  readonly fingerprint?: string;
  readonly canRead?: ReuseAccess['canRead'];
  readonly engine?: ScanEngine;
}

/** One scan of `tag`, with layer reuse when a cache is given; the reuse counts come back too. */
async function scan(registry: FakeRegistry, tag: string, options: ScanOptions = {}): Promise<{ result: ScanResult; reused: number; recorded: number }> {
  const signal = new AbortController().signal;
  const artifact = await resolveArtifact(registry, REPO, tag, { limits });
  const layers = options.cache
    ? new CachedLayers({ cache: options.cache, fingerprint: options.fingerprint ?? FINGERPRINT }, { canRead: options.canRead ?? (async () => true), signal })
    : undefined;
  const result = await scanArtifact(options.engine ?? engine, scannableArtifact(artifact, signal, layers), { packaging: artifact.packaging, signal });
  return { result, reused: layers?.counts.reused ?? 0, recorded: layers?.counts.recorded ?? 0 };
}

/** A result without what differs between two scans of the same content (time, bytes fetched). */
const comparable = (result: ScanResult) => ({ ...result, generatedAt: '', bytesFetched: 0 });

/** A cold scan, on a registry of its own, of the image `push` builds. */
async function coldScan(push: (registry: FakeRegistry) => void, tag: string): Promise<ScanResult> {
  const registry = new FakeRegistry();
  push(registry);
  return (await scan(registry, tag)).result;
}

describe('layer-level reuse', () => {
  it('should read a base layer shared by two images once, and report for the second what a cold scan reports', async () => {
    const registry = new FakeRegistry();
    const first = pushImage(registry, 'one', modelLayer('one'));
    const second = pushImage(registry, 'two', modelLayer('two'));
    expect(second.base.digest).toBe(first.base.digest);
    const cache = newCache();

    const one = await scan(registry, 'one', { cache });
    expect(one).toMatchObject({ reused: 0, recorded: 2 });
    expect(registry.accessOf(first.base.digest).streams).toBe(1);
    const baseRangeBytes = registry.accessOf(first.base.digest).rangeBytes;

    const fetchedBefore = registry.bytesFetched;
    const two = await scan(registry, 'two', { cache });
    expect(two).toMatchObject({ reused: 1, recorded: 1 });
    // Only the second image's own layer was fetched.
    expect(registry.accessOf(first.base.digest).streams).toBe(1);
    expect(registry.accessOf(second.top.digest).streams).toBe(1);
    expect(registry.accessOf(first.base.digest).rangeBytes).toBe(baseRangeBytes);
    expect(registry.bytesFetched - fetchedBefore).toBeLessThan(second.top.size + 1024);

    const cold = await coldScan((r) => pushImage(r, 'two', modelLayer('two')), 'two');
    expect(comparable(two.result)).toEqual(comparable(cold));
    // The replayed layer's findings and facts are there: the pickle, the distribution's licence.
    expect(two.result.findings.some((f) => f.file === 'opt/cache/state.pkl' && f.severity === 'Critical')).toBe(true);
    expect(two.result.facts?.some((f) => f.kind === 'software-package' && f.name === 'tool')).toBe(true);
    expect(two.result.files.find((f) => f.path === 'etc/motd')?.digest).toMatch(/^sha256:/);
  });

  it('should recompute the checks that span files: the same base under another model gets its own conclusions', async () => {
    const registry = new FakeRegistry();
    pushImage(registry, 'licensed', modelLayer('licensed'));
    // No model card licence here: the conclusion about the model's licence differs, the base does not.
    pushImage(registry, 'bare', tarArchive([tarEntry({ name: 'models/bare/model.safetensors' }, GOOD_SAFETENSORS)]));
    const cache = newCache();
    await scan(registry, 'licensed', { cache });
    const bare = await scan(registry, 'bare', { cache });
    expect(bare.reused).toBe(1);
    const cold = await coldScan((r) => pushImage(r, 'bare', tarArchive([tarEntry({ name: 'models/bare/model.safetensors' }, GOOD_SAFETENSORS)])), 'bare');
    expect(comparable(bare.result)).toEqual(comparable(cold));
    const licensed = await coldScan((r) => pushImage(r, 'licensed', modelLayer('licensed')), 'licensed');
    const artifactRules = (result: ScanResult) => result.findings.filter((f) => f.scope === 'artifact').map((f) => f.ruleId).sort();
    expect(artifactRules(bare.result)).not.toEqual(artifactRules(licensed));
  });

  it('should never reuse the results of another rule set or policy', async () => {
    const registry = new FakeRegistry();
    const { base } = pushImage(registry, 'one', modelLayer('one'));
    pushImage(registry, 'two', modelLayer('two'));
    const cache = newCache();
    await scan(registry, 'one', { cache });
    const policy: AnalyzerSettings = { ...DEFAULT_SETTINGS, pickle: { allow: [], deny: ['tool.*'] } };
    const stricter = engineOf(policy);
    const two = await scan(registry, 'two', { cache, engine: stricter, fingerprint: analysisFingerprint(policy, limits) });
    expect(two.reused).toBe(0);
    expect(registry.accessOf(base.digest).streams).toBe(2);
    // Other limits are another fingerprint too.
    expect(analysisFingerprint(DEFAULT_SETTINGS, makeLimits({ maxDepth: 2 }))).not.toBe(FINGERPRINT);
  });

  it('should read the layer when the job may not read the blob (HEAD refused or failing)', async () => {
    const registry = new FakeRegistry();
    const { base } = pushImage(registry, 'one', modelLayer('one'));
    pushImage(registry, 'two', modelLayer('two'));
    const cache = newCache();
    await scan(registry, 'one', { cache });
    const asked: string[] = [];
    const refused = await scan(registry, 'two', {
      cache,
      canRead: async (digest) => {
        asked.push(digest);
        return false;
      },
    });
    expect(refused.reused).toBe(0);
    expect(asked).toEqual([base.digest]);
    expect(registry.accessOf(base.digest).streams).toBe(2);
    const failing = await scan(registry, 'two', {
      cache,
      canRead: async () => {
        throw new Error('HEAD answered 403');
      },
    });
    expect(failing.reused).toBe(0);
    expect(registry.accessOf(base.digest).streams).toBe(3);
    // No HEAD at all while nothing is cached.
    const fresh: string[] = [];
    await scan(registry, 'one', { cache: newCache(), canRead: async (digest) => (fresh.push(digest), true) });
    expect(fresh).toEqual([]);
  });

  it('should read a base layer again where an image shows a file the recording image hid, then reuse the completed recording', async () => {
    const registry = new FakeRegistry();
    // `etc/motd` of the base is shadowed by this image's own, so its analysis is not recorded.
    const { base } = pushImage(registry, 'shadowing', modelLayer('shadowing', [[{ name: 'etc/motd' }, 'custom motd\n']]));
    pushImage(registry, 'plain', modelLayer('plain'));
    const cache = newCache();
    await scan(registry, 'shadowing', { cache });
    const plain = await scan(registry, 'plain', { cache });
    expect(plain.reused).toBe(0);
    expect(registry.accessOf(base.digest).streams).toBe(2);
    expect(comparable(plain.result)).toEqual(comparable(await coldScan((r) => pushImage(r, 'plain', modelLayer('plain')), 'plain')));
    // The recording now covers every file: both images replay it.
    const again = await scan(registry, 'shadowing', { cache });
    const plainAgain = await scan(registry, 'plain', { cache });
    expect([again.reused, plainAgain.reused]).toEqual([2, 2]);
    expect(registry.accessOf(base.digest).streams).toBe(2);
    const coldShadowing = await coldScan((r) => pushImage(r, 'shadowing', modelLayer('shadowing', [[{ name: 'etc/motd' }, 'custom motd\n']])), 'shadowing');
    expect(comparable(again.result)).toEqual(comparable(coldShadowing));
  });

  it('should read a layer shared by the platforms of one index once', async () => {
    const registry = new FakeRegistry();
    const amd64 = pushImage(registry, 'amd64', modelLayer('amd64'));
    const arm64 = pushImage(registry, 'arm64', modelLayer('arm64'));
    const manifests = [
      { ...amd64.manifest, platform: { architecture: 'amd64', os: 'linux' } },
      { ...arm64.manifest, platform: { architecture: 'arm64', os: 'linux' } },
    ];
    registry.manifest('application/vnd.oci.image.index.v1+json', { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }, 'multi');
    const cache = newCache();
    const multi = await scan(registry, 'multi', { cache });
    expect(multi.reused).toBe(1);
    expect(registry.accessOf(amd64.base.digest).streams).toBe(1);
    expect(comparable(multi.result)).toEqual(comparable((await scan(registry, 'multi')).result));
  });
});

describe('layer-level reuse in Redis mode', () => {
  const redis = useTestRedis();

  it('should let a second replica (its own connection) replay the base layer the first one read', async () => {
    const namespace = uniqueNamespace('layer-reuse');
    const [replicaA, replicaB] = [0, 1].map(() => new RedisLayerResultCache({ url: redis.url, namespace, maxBytes: 16 * 1024 * 1024 }));
    caches.push(replicaA!, replicaB!);
    const registry = new FakeRegistry();
    const { base } = pushImage(registry, 'one', modelLayer('one'));
    pushImage(registry, 'two', modelLayer('two'));
    await scan(registry, 'one', { cache: replicaA! });
    const two = await scan(registry, 'two', { cache: replicaB! });
    expect(two.reused).toBe(1);
    expect(registry.accessOf(base.digest).streams).toBe(1);
    expect(comparable(two.result)).toEqual(comparable(await coldScan((r) => pushImage(r, 'two', modelLayer('two')), 'two')));
  });
});

describe('what layer reuse never records', () => {
  it('should not record a layer read by Range without verification, and record it when SCANNER_VERIFY_BLOBS or a front-to-back read verifies it', async () => {
    for (const [registry, verified] of [
      [new FakeRegistry(), false],
      [new VerifyingRegistry(), true],
      [new FrontToBackRegistry(), true],
    ] as const) {
      const tar = registry.blob('application/vnd.oci.image.layer.v1.tar', tarArchive([tarEntry({ name: 'models/m.pkl' }, PICKLE)]));
      const config = registry.blob('application/vnd.oci.image.config.v1+json', JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [tar.digest] } }));
      registry.manifest(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [tar] }, 'v1');
      const cache = newCache();
      expect((await scan(registry, 'v1', { cache })).recorded).toBe(verified ? 1 : 0);
      expect((await scan(registry, 'v1', { cache })).reused).toBe(verified ? 1 : 0);
    }
  });

  it('should not record a layer whose reading broke (a diff ID that does not match), nor replay one for it', async () => {
    const registry = new FakeRegistry();
    const bottom = registry.gzipBlob(GZIP_LAYER, BASE);
    const config = registry.blob('application/vnd.oci.image.config.v1+json', JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['sha256:' + '0'.repeat(64)] } }));
    registry.manifest(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [bottom.descriptor] }, 'forged');
    const cache = newCache();
    const forged = await scan(registry, 'forged', { cache });
    expect(forged.recorded).toBe(0);
    expect(forged.result.findings.some((f) => f.ruleId.startsWith('manifest.'))).toBe(true);
    // The same blob with the right diff ID is recorded; the forged config is still read, not replayed.
    pushImage(registry, 'good', modelLayer('good'));
    await scan(registry, 'good', { cache });
    const again = await scan(registry, 'forged', { cache });
    expect(again.reused).toBe(0);
    expect(comparable(again.result)).toEqual(comparable(forged.result));
  });

  it('should not record a layer a transport failure broke, and record it on the next, clean scan', async () => {
    const registry = new FlakyRegistry();
    const { base } = pushImage(registry, 'one', modelLayer('one'));
    const cache = newCache();
    registry.failing = base.digest;
    await expect(scan(registry, 'one', { cache })).rejects.toThrow(/unavailable after 1 attempt: connection reset/);
    // The image's own layer, read whole before the base failed, was recorded; the base was not.
    expect(cache.usage().entries).toBe(1);
    registry.failing = undefined;
    expect(await scan(registry, 'one', { cache })).toMatchObject({ reused: 1, recorded: 1 });
    expect(registry.accessOf(base.digest).streams).toBe(2);
  });

  it('should not record a layer where an analysis ran out of time: that says something about the load, not the bytes', async () => {
    const slow: Analyzer = {
      name: 'slow',
      formats: ['text'],
      rules: [],
      analyze: () => new Promise((resolve) => setTimeout(() => resolve([]), 100)),
    };
    const hurried = makeLimits({ maxFileMillis: 5 });
    const registry = new FakeRegistry();
    pushImage(registry, 'one', modelLayer('one'));
    const cache = newCache();
    const one = await scan(registry, 'one', { cache, engine: engineOf(DEFAULT_SETTINGS, [slow], hurried), fingerprint: 'hurried' });
    expect(one.result.findings.some((f) => f.details?.['limit'] === 'time (ms)')).toBe(true);
    expect(one.recorded).toBe(0);
  });

  it('should scan as without reuse when the cache fails', async () => {
    const registry = new FakeRegistry();
    pushImage(registry, 'one', modelLayer('one'));
    const broken: LayerResultCache = {
      get: async () => {
        throw new Error('disk I/O error');
      },
      put: async () => {
        throw new Error('disk I/O error');
      },
      close: async () => {},
    };
    const { result, reused, recorded } = await scan(registry, 'one', { cache: broken });
    expect([reused, recorded]).toEqual([0, 0]);
    expect(comparable(result)).toEqual(comparable(await coldScan((r) => pushImage(r, 'one', modelLayer('one')), 'one')));
  });

  it('should ignore an entry that is not a recording of this layer', async () => {
    const registry = new FakeRegistry();
    pushImage(registry, 'one', modelLayer('one'));
    const garbage: LayerResultCache = { get: async () => new Uint8Array([1, 2, 3]), put: async () => {}, close: async () => {} };
    expect((await scan(registry, 'one', { cache: garbage })).reused).toBe(0);
  });
});

/** Blob sources that verify what they served (SCANNER_VERIFY_BLOBS); the fake's bytes are always right. */
class VerifyingRegistry extends FakeRegistry {
  override blobSource(repository: string, descriptor: Descriptor): ByteSource & Partial<VerifiableSource> {
    return Object.assign(super.blobSource(repository, descriptor), { verifyServed: async () => {} });
  }
}

/** Blob sources that hashed every byte they fetched, front to back, and found the digest (no SCANNER_VERIFY_BLOBS). */
class FrontToBackRegistry extends FakeRegistry {
  override blobSource(repository: string, descriptor: Descriptor): ByteSource & Partial<VerifiableSource> {
    return Object.assign(super.blobSource(repository, descriptor), { wholeVerified: true });
  }
}

/** A registry whose `failing` blob breaks off mid-stream, as a reset connection does. */
class FlakyRegistry extends FakeRegistry {
  failing: string | undefined;
  override blobSource(repository: string, descriptor: Descriptor): ByteSource {
    const inner = super.blobSource(repository, descriptor);
    if (descriptor.digest !== this.failing) return inner;
    return {
      ...inner,
      size: inner.size,
      seekable: inner.seekable,
      read: (offset, length) => inner.read(offset, length),
      async *stream(offset?: number, end?: number) {
        let sent = 0;
        for await (const chunk of inner.stream(offset, end)) {
          sent += chunk.length;
          if (sent > 100) throw new RegistryUnavailableError({ registry: 'fake', repository }, 'connection reset', 1);
          yield chunk;
        }
      },
    };
  }
}
