import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { resolveArtifact } from '../../../../server/artifact/resolve.js';
import type { ModelFile, ResolvedArtifact } from '../../../../server/artifact/types.js';
import {
  ArtifactLimitError,
  ContentDigestMismatchError,
  DecompressionBombError,
  InvalidManifestError,
  LayerReadError,
  UnsupportedArtifactError,
} from '../../../../server/errors/artifact-errors.js';
import type { Descriptor } from '../../../../server/registry/types.js';
import { tarArchive, tarEntry } from '../../../support/tar-builder.js';
import { FakeRegistry, sha256 } from './fake-registry.js';

const limits = makeLimits();
const REPO = 'models/test';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

interface FileSummary {
  path: string;
  rawPath: string;
  issues: readonly string[];
  read: string;
  declared: string;
  text: string;
}

/** Read every file whole, one at a time (stream-backed files are only readable until the next one). */
async function readFiles(artifact: ResolvedArtifact, options = {}): Promise<FileSummary[]> {
  const out: FileSummary[] = [];
  for await (const file of artifact.files(options))
    out.push({
      path: file.path,
      rawPath: file.rawPath,
      issues: file.pathIssues,
      read: file.layerEncoding,
      declared: file.declaredEncoding,
      text: text(await file.source.read(0, file.size ?? 1 << 20)),
    });
  return out;
}

function modelPack(registry: FakeRegistry, layers: Descriptor[], config: Record<string, unknown> = {}, tag = 'v1'): Descriptor {
  const configBlob = registry.blob('application/vnd.cncf.model.config.v1+json', JSON.stringify(config));
  return registry.manifest(
    OCI_MANIFEST,
    { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.cncf.model.manifest.v1+json', config: configBlob, layers },
    tag,
  );
}

const filepath = (path: string): { annotations: Record<string, string> } => ({ annotations: { 'org.cncf.model.filepath': path } });

describe('resolveArtifact', () => {
  describe('for a ModelPack artifact', () => {
    function build(): { registry: FakeRegistry; weights: Descriptor; bigTar: Descriptor } {
      const registry = new FakeRegistry();
      const weights = registry.blob('application/vnd.cncf.model.weight.v1.raw', new Uint8Array(200_000).fill(7), filepath('model.safetensors'));
      const configTar = registry.blob(
        'application/vnd.cncf.model.weight.config.v1.tar',
        tarArchive([tarEntry({ name: 'config.json' }, '{"model_type":"llama"}')]),
        filepath('config.json'),
      );
      const bigTar = registry.blob(
        'application/vnd.cncf.model.weight.v1.tar',
        tarArchive([tarEntry({ name: 'shards/model-00002.bin' }, new Uint8Array(1_000_000).fill(1))]),
        filepath('shards/model-00002.bin'),
      );
      const docs = registry.gzipBlob(
        'application/vnd.cncf.model.doc.v1.tar+gzip',
        tarArchive([tarEntry({ name: 'README.md' }, '# model'), tarEntry({ name: 'LICENSE' }, 'Apache-2.0')]),
      );
      const escaping = registry.blob('application/vnd.cncf.model.doc.v1.raw', 'root:x:0:0', filepath('../../etc/passwd'));
      const layers = [weights, configTar, bigTar, docs.descriptor, escaping];
      modelPack(registry, layers, {
        descriptor: { name: 'test' },
        config: { format: 'safetensors' },
        modelfs: { type: 'layers', diffIds: [weights.digest, configTar.digest, bigTar.digest, docs.diffId, escaping.digest] },
      });
      return { registry, weights, bigTar };
    }

    it('should expose raw layers, tar members and gzip-tar members with safe paths when the artifact mixes encodings', async () => {
      const { registry } = build();
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
      expect(artifact.packaging).toBe('modelpack');
      expect(artifact.manifests[0]!.config.json).toMatchObject({ config: { format: 'safetensors' } });
      const files = await readFiles(artifact);
      expect(files.map(({ text: content, ...rest }) => ({ ...rest, length: content.length }))).toEqual([
        { path: 'model.safetensors', rawPath: 'model.safetensors', issues: [], read: 'raw', declared: 'raw', length: 200_000 },
        { path: 'config.json', rawPath: 'config.json', issues: [], read: 'tar', declared: 'tar', length: 22 },
        { path: 'shards/model-00002.bin', rawPath: 'shards/model-00002.bin', issues: [], read: 'tar', declared: 'tar', length: 1_000_000 },
        { path: 'README.md', rawPath: 'README.md', issues: [], read: 'tar+gzip', declared: 'tar+gzip', length: 7 },
        { path: 'LICENSE', rawPath: 'LICENSE', issues: [], read: 'tar+gzip', declared: 'tar+gzip', length: 10 },
        { path: 'etc/passwd', rawPath: '../../etc/passwd', issues: ['parent-traversal'], read: 'raw', declared: 'raw', length: 10 },
      ]);
      expect(files[3]!.text).toBe('# model');
    });

    it('should read only headers by Range when the consumer reads only headers', async () => {
      const { registry, weights, bigTar } = build();
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
      for await (const file of artifact.files()) await file.source.read(0, 8);
      expect(registry.accessOf(weights.digest)).toEqual({ rangeBytes: 8, streams: 0 });
      expect(registry.accessOf(bigTar.digest).streams).toBe(0);
      expect(registry.accessOf(bigTar.digest).rangeBytes).toBeLessThan(8 * 1024);
    });

    it('should carry the layer digest and media type on whole-layer files only', async () => {
      const { registry, weights } = build();
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
      const files: ModelFile[] = [];
      for await (const file of artifact.files()) files.push(file);
      expect(files[0]).toMatchObject({ digest: weights.digest, mediaType: weights.mediaType, kind: 'weight', size: 200_000 });
      expect(files[1]!.digest).toBeUndefined();
      expect(files[1]).toMatchObject({ kind: 'config', layerMediaType: 'application/vnd.cncf.model.weight.config.v1.tar', mode: 0o644 });
    });

    it('should give members of a streamed layer their own digest once the walk has passed them, and none to Range-read members', async () => {
      const { registry } = build();
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
      const files: ModelFile[] = [];
      const whenYielded: Array<string | undefined> = [];
      for await (const file of artifact.files()) {
        files.push(file);
        whenYielded.push(file.streamedDigest?.());
      }
      const digests = Object.fromEntries(files.map((f) => [f.path, f.streamedDigest?.()]));
      expect(digests).toEqual({
        'model.safetensors': undefined,
        'config.json': undefined,
        'shards/model-00002.bin': undefined,
        'README.md': sha256(new TextEncoder().encode('# model')),
        LICENSE: sha256(new TextEncoder().encode('Apache-2.0')),
        'etc/passwd': undefined,
      });
      expect(whenYielded.every((d) => d === undefined)).toBe(true);
    });

    it('should read a layer declared as tar as a raw file when its content is not a tar', async () => {
      const registry = new FakeRegistry();
      const notTar = registry.blob('application/vnd.cncf.model.weight.v1.tar', '\x80\x04\x95 pickle bytes', filepath('model.bin'));
      modelPack(registry, [notTar]);
      const files = await readFiles(await resolveArtifact(registry, REPO, 'v1', { limits }));
      expect(files).toMatchObject([{ path: 'model.bin', read: 'raw', declared: 'tar' }]);
    });

    it('should hand over a gzip layer whole when it decompresses to something other than a tar', async () => {
      const registry = new FakeRegistry();
      const gz = registry.gzipBlob('application/vnd.cncf.model.weight.v1.tar+gzip', new TextEncoder().encode('not a tar at all'), filepath('w.bin.gz'));
      modelPack(registry, [gz.descriptor]);
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
      const files: ModelFile[] = [];
      for await (const file of artifact.files()) files.push(file);
      expect(files).toMatchObject([{ path: 'w.bin.gz', layerEncoding: 'raw', digest: gz.descriptor.digest, size: gz.descriptor.size }]);
      expect(Array.from((await files[0]!.source.read(0, 2)).values())).toEqual([0x1f, 0x8b]);
    });

    it('should keep both files and report the collision when two layers claim one path or a file blocks a directory', async () => {
      const registry = new FakeRegistry();
      const first = registry.blob('application/vnd.cncf.model.doc.v1.raw', 'one', filepath('README.md'));
      const second = registry.blob('application/vnd.cncf.model.doc.v1.raw', 'two', filepath('./README.md'));
      const blocker = registry.blob('application/vnd.cncf.model.doc.v1.raw', 'file', filepath('docs'));
      const nested = registry.blob('application/vnd.cncf.model.doc.v1.tar', tarArchive([tarEntry({ name: 'docs/guide.md' }, 'g')]));
      modelPack(registry, [first, second, blocker, nested]);
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
      const files = await readFiles(artifact);
      expect(files.map((f) => [f.path, f.text])).toEqual([
        ['README.md', 'one'],
        ['README.md', 'two'],
        ['docs', 'file'],
        ['docs/guide.md', 'g'],
      ]);
      expect(artifact.inventory.collisions.map((c) => [c.kind, c.path, c.first.layerDigest, c.second.rawPath])).toEqual([
        ['duplicate', 'README.md', first.digest, './README.md'],
        ['file-directory', 'docs', blocker.digest, 'docs/guide.md'],
      ]);
    });

    it('should name a whole-layer file by its digest when it has no path annotation or its path normalises to nothing', async () => {
      const registry = new FakeRegistry();
      const bare = registry.blob('application/vnd.cncf.model.weight.v1.raw', 'w');
      const dots = registry.blob('application/vnd.cncf.model.weight.v1.raw', 'x', filepath('../..'));
      modelPack(registry, [bare, dots]);
      const files = await readFiles(await resolveArtifact(registry, REPO, 'v1', { limits }));
      expect(files.map((f) => [f.path, f.rawPath, f.issues])).toEqual([
        [bare.digest, bare.digest, []],
        [dots.digest, '../..', ['parent-traversal', 'empty']],
      ]);
    });

    it('should use inline descriptor data without touching the registry and refuse data that does not match', async () => {
      const registry = new FakeRegistry();
      const bytes = new TextEncoder().encode('inline weights');
      const inline: Descriptor = {
        mediaType: 'application/vnd.cncf.model.weight.v1.raw',
        digest: sha256(bytes),
        size: bytes.length,
        data: Buffer.from(bytes).toString('base64'),
        ...filepath('inline.bin'),
      };
      const forged: Descriptor = { ...inline, data: Buffer.from('other weights!').toString('base64'), ...filepath('forged.bin') };
      modelPack(registry, [inline, forged]);
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
      const errors: LayerReadError[] = [];
      const files = await readFiles(artifact, { onLayerError: (e: LayerReadError) => errors.push(e) });
      expect(files.map((f) => [f.path, f.text])).toEqual([['inline.bin', 'inline weights']]);
      expect(registry.accessOf(inline.digest)).toEqual({ rangeBytes: 0, streams: 0 });
      expect(errors[0]!.cause).toBeInstanceOf(ContentDigestMismatchError);
    });
  });

  describe('when a layer cannot be read', () => {
    function broken(): { registry: FakeRegistry; bad: Descriptor } {
      const registry = new FakeRegistry();
      const bad = registry.blob('application/vnd.cncf.model.weight.v1.tar', tarArchive([tarEntry({ name: 'a', checksumDelta: 3 }, 'x')]));
      const good = registry.blob('application/vnd.cncf.model.doc.v1.raw', 'ok', filepath('README.md'));
      modelPack(registry, [bad, good]);
      return { registry, bad };
    }

    it('should throw LayerReadError naming the layer when no error handler is given', async () => {
      const { registry, bad } = broken();
      const error = await readFiles(await resolveArtifact(registry, REPO, 'v1', { limits })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LayerReadError);
      expect(error).toMatchObject({ code: 'E_LAYER_UNREADABLE', layerDigest: bad.digest });
      expect((error as Error).message).toMatch(/bad header checksum/);
    });

    it('should report the layer and go on with the next one when an error handler is given', async () => {
      const { registry, bad } = broken();
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
      const reported: string[] = [];
      const files = await readFiles(artifact, { onLayerError: (e: LayerReadError) => reported.push(e.layerDigest) });
      expect(files.map((f) => f.path)).toEqual(['README.md']);
      expect(reported).toEqual([bad.digest]);
      expect(artifact.inventory.layerErrors.map((e) => e.layerDigest)).toEqual([bad.digest]);
    });

    it('should keep a tar limit as the cause when a layer has too many members', async () => {
      const registry = new FakeRegistry();
      const many = registry.blob('application/vnd.cncf.model.code.v1.tar', tarArchive(Array.from({ length: 4 }, (_, i) => tarEntry({ name: `f${i}.py` }))));
      modelPack(registry, [many]);
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits: makeLimits({ maxMembers: 3 }) });
      const error = await readFiles(artifact).catch((e: unknown) => e);
      expect((error as LayerReadError).cause).toBeInstanceOf(LimitExceededError);
    });
  });

  describe('for a container image', () => {
    function image(registry: FakeRegistry, diffIdsOverride?: string[]): Descriptor {
      const bottom = registry.gzipBlob(
        'application/vnd.oci.image.layer.v1.tar+gzip',
        tarArchive([
          tarEntry({ name: 'etc/passwd' }, 'root'),
          tarEntry({ name: 'models/a.bin' }, 'deleted'),
          tarEntry({ name: 'models/b.bin' }, 'old b'),
          tarEntry({ name: 'models/old/x.pkl' }, 'opaqued'),
          tarEntry({ name: 'opt/dir/', type: '5' }),
          tarEntry({ name: 'opt/dir/f' }, 'under a replaced dir'),
          tarEntry({ name: 'usr/lib/python/site.py' }, 'under a deleted dir'),
        ]),
      );
      const middle = registry.blob('application/vnd.oci.image.layer.v1.tar', tarArchive([tarEntry({ name: 'usr/.wh.lib' })]));
      const top = registry.gzipBlob(
        'application/vnd.docker.image.rootfs.diff.tar.gzip',
        tarArchive([
          tarEntry({ name: './models/.wh.a.bin' }),
          tarEntry({ name: './models/old/.wh..wh..opq' }),
          tarEntry({ name: './models/old/new.pkl' }, 'new pickle'),
          tarEntry({ name: './models/b.bin' }, 'new b'),
          tarEntry({ name: './models/link', type: '2', linkname: 'b.bin' }),
          tarEntry({ name: './opt/dir' }, 'a file now'),
        ]),
      );
      const diffIds = diffIdsOverride ?? [bottom.diffId, middle.digest, top.diffId];
      const config = registry.blob('application/vnd.oci.image.config.v1+json', JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
      return registry.manifest(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [bottom.descriptor, middle, top.descriptor] }, 'image');
    }

    it('should yield the merged tree top layer first, skipping whiteouts and what they hide', async () => {
      const registry = new FakeRegistry();
      image(registry);
      const artifact = await resolveArtifact(registry, REPO, 'image', { limits });
      expect(artifact.packaging).toBe('image');
      const files = await readFiles(artifact);
      expect(files.map((f) => [f.path, f.text, f.read])).toEqual([
        ['models/old/new.pkl', 'new pickle', 'tar+gzip'],
        ['models/b.bin', 'new b', 'tar+gzip'],
        ['opt/dir', 'a file now', 'tar+gzip'],
        ['etc/passwd', 'root', 'tar+gzip'],
      ]);
      expect(artifact.inventory.hiddenEntries).toBe(6);
      expect(artifact.inventory.specialEntries).toMatchObject([{ path: 'models/link', type: 'symlink', linkname: 'b.bin' }]);
      expect(artifact.inventory.collisions).toEqual([]);
    });

    it('should stream each compressed layer once and read the uncompressed one by Range', async () => {
      const registry = new FakeRegistry();
      image(registry);
      const artifact = await resolveArtifact(registry, REPO, 'image', { limits });
      await readFiles(artifact);
      const [bottom, middle, top] = artifact.manifests[0]!.layers.map((layer) => registry.accessOf(layer.descriptor.digest));
      expect([bottom!.streams, middle!.streams, top!.streams]).toEqual([1, 0, 1]);
      expect(middle!.rangeBytes).toBeGreaterThan(0);
    });

    it('should fail the layer when its uncompressed bytes do not match the config diff ID', async () => {
      const registry = new FakeRegistry();
      image(registry, [sha256(new Uint8Array(1)), sha256(new Uint8Array(2)), sha256(new Uint8Array(3))]);
      const artifact = await resolveArtifact(registry, REPO, 'image', { limits });
      const errors: LayerReadError[] = [];
      await readFiles(artifact, { onLayerError: (e: LayerReadError) => errors.push(e) });
      // The uncompressed middle layer is read by Range and cannot be verified; both streamed ones are.
      expect(errors.map((e) => e.cause)).toEqual([expect.any(ContentDigestMismatchError), expect.any(ContentDigestMismatchError)]);
    });

    it('should refuse to read a file of a streamed layer after the iterator moved on', async () => {
      const registry = new FakeRegistry();
      image(registry);
      const artifact = await resolveArtifact(registry, REPO, 'image', { limits });
      const files: ModelFile[] = [];
      for await (const file of artifact.files()) files.push(file);
      await expect(files[0]!.source.read(0, 4)).rejects.toThrow(/no longer readable/);
    });

    it('should end a gzip layer past the bomb ratio with a DecompressionBombError, as compressed files are', async () => {
      const registry = new FakeRegistry();
      const tar = tarArchive([tarEntry({ name: 'data/zeros.bin' }, new Uint8Array(4 * 1024 * 1024))]);
      const layer = registry.gzipBlob('application/vnd.oci.image.layer.v1.tar+gzip', tar);
      const config = registry.blob('application/vnd.oci.image.config.v1+json', JSON.stringify({ rootfs: { type: 'layers', diff_ids: [layer.diffId] } }));
      registry.manifest(OCI_MANIFEST, { schemaVersion: 2, config, layers: [layer.descriptor] }, 'bomb');
      const artifact = await resolveArtifact(registry, REPO, 'bomb', { limits });
      const reported: LayerReadError[] = [];
      const memberErrors: unknown[] = [];
      // As in a scan: the member's analyzer meets the error first, then the walk reports the layer.
      for await (const file of artifact.files({ onLayerError: (e: LayerReadError) => reported.push(e) }))
        await file.source.read(0, file.size ?? 0).catch((e: unknown) => memberErrors.push(e));
      expect(memberErrors[0]).toBeInstanceOf(DecompressionBombError);
      expect(reported.map((e) => e.cause)).toEqual([expect.any(DecompressionBombError)]);
      expect(reported[0]!.message).toMatch(/over 200× the compressed size/);
    });

    it.skipIf(!existsSync('/usr/bin/zstd'))('should read a tar+zstd layer', async () => {
      const registry = new FakeRegistry();
      const tar = tarArchive([tarEntry({ name: 'app/model.onnx' }, 'onnx bytes')]);
      const compressed = new Uint8Array(execFileSync('/usr/bin/zstd', ['-q', '-c'], { input: tar }));
      const layer = registry.blob('application/vnd.oci.image.layer.v1.tar+zstd', compressed);
      const config = registry.blob('application/vnd.oci.image.config.v1+json', JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }));
      registry.manifest(OCI_MANIFEST, { schemaVersion: 2, config, layers: [layer] }, 'zstd');
      const files = await readFiles(await resolveArtifact(registry, REPO, 'zstd', { limits }));
      expect(files.map((f) => [f.path, f.text, f.read])).toEqual([['app/model.onnx', 'onnx bytes', 'tar+zstd']]);
    });
  });

  describe('for an index', () => {
    function platformImage(registry: FakeRegistry, arch: string): Descriptor {
      const layer = registry.gzipBlob('application/vnd.oci.image.layer.v1.tar+gzip', tarArchive([tarEntry({ name: 'models/model.gguf' }, `gguf for ${arch}`)]));
      const config = registry.blob('application/vnd.oci.image.config.v1+json', JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffId] } }));
      return registry.manifest(OCI_MANIFEST, { schemaVersion: 2, config, layers: [layer.descriptor] });
    }

    it('should list an index nested deeper than followed as skipped, to be reported', async () => {
      const registry = new FakeRegistry();
      const clean = platformImage(registry, 'amd64');
      const hidden = platformImage(registry, 'arm64');
      const inner = registry.manifest(OCI_INDEX, { schemaVersion: 2, manifests: [hidden] });
      const middle = registry.manifest(OCI_INDEX, { schemaVersion: 2, manifests: [inner] });
      registry.manifest(OCI_INDEX, { schemaVersion: 2, manifests: [clean, middle] }, 'deep');
      const artifact = await resolveArtifact(registry, REPO, 'deep', { limits });
      expect(artifact.manifests.map((m) => m.digest)).toEqual([clean.digest]);
      expect(artifact.skippedManifests).toEqual([{ digest: inner.digest, mediaType: OCI_INDEX, reason: 'index nested deeper than 2 levels' }]);
    });

    it('should resolve a manifest annotated as an attestation that holds more than in-toto statements', async () => {
      const registry = new FakeRegistry();
      const disguised = platformImage(registry, 'amd64');
      registry.manifest(OCI_INDEX, { schemaVersion: 2, manifests: [{ ...disguised, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }] }, 'disguised');
      const artifact = await resolveArtifact(registry, REPO, 'disguised', { limits });
      expect(artifact.manifests.map((m) => m.digest)).toEqual([disguised.digest]);
      expect(artifact.skippedManifests).toEqual([]);
    });

    it('should expand each child manifest with its platform and skip attestations and unsupported children', async () => {
      const registry = new FakeRegistry();
      const amd64 = platformImage(registry, 'amd64');
      const arm64 = platformImage(registry, 'arm64');
      const attestationConfig = registry.blob('application/vnd.oci.image.config.v1+json', '{}');
      const attestation = registry.manifest(OCI_MANIFEST, {
        schemaVersion: 2,
        config: attestationConfig,
        layers: [registry.blob('application/vnd.in-toto+json', '{}')],
      });
      const helm = registry.manifest(OCI_MANIFEST, {
        schemaVersion: 2,
        config: registry.blob('application/vnd.cncf.helm.config.v1+json', '{}'),
        layers: [registry.blob('application/vnd.cncf.helm.chart.content.v1.tar+gzip', 'x')],
      });
      const index = registry.manifest(
        OCI_INDEX,
        {
          schemaVersion: 2,
          manifests: [
            { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
            { ...arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
            { ...attestation, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
            helm,
          ],
        },
        'multi',
      );
      const artifact = await resolveArtifact(registry, REPO, 'multi', { limits });
      expect(artifact).toMatchObject({ digest: index.digest, mediaType: OCI_INDEX, packaging: 'image' });
      expect(artifact.manifests.map((m) => [m.digest, m.platform])).toEqual([
        [amd64.digest, { os: 'linux', architecture: 'amd64' }],
        [arm64.digest, { os: 'linux', architecture: 'arm64', variant: 'v8' }],
      ]);
      expect(artifact.skippedManifests.map((s) => [s.digest, s.reason])).toEqual([
        [attestation.digest, 'attestation manifest (in-toto statements only)'],
        [helm.digest, 'no model or container image packaging recognised'],
      ]);
      expect(artifact.skippedManifests.map((s) => s.expected ?? false)).toEqual([true, false]);
      const files: ModelFile[] = [];
      for await (const file of artifact.files()) {
        files.push(file);
        await file.source.read(0, 100);
      }
      expect(files.map((f) => [f.path, f.manifestDigest, f.platform?.architecture])).toEqual([
        ['models/model.gguf', amd64.digest, 'amd64'],
        ['models/model.gguf', arm64.digest, 'arm64'],
      ]);
    });

    it('should throw UnsupportedArtifactError naming the media types when no child is a model or image', async () => {
      const registry = new FakeRegistry();
      const helm = registry.manifest(OCI_MANIFEST, {
        schemaVersion: 2,
        config: registry.blob('application/vnd.cncf.helm.config.v1+json', '{}'),
        layers: [registry.blob('application/vnd.cncf.helm.chart.content.v1.tar+gzip', 'x')],
      });
      registry.manifest(OCI_INDEX, { schemaVersion: 2, manifests: [helm] }, 'charts');
      const error = await resolveArtifact(registry, REPO, 'charts', { limits }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedArtifactError);
      expect((error as Error).message).toContain('application/vnd.cncf.helm.chart.content.v1.tar+gzip');
    });

    it('should stop with ArtifactLimitError when the index has more children than maxManifests', async () => {
      const registry = new FakeRegistry();
      const children = ['amd64', 'arm64', 's390x'].map((arch) => platformImage(registry, arch));
      registry.manifest(OCI_INDEX, { schemaVersion: 2, manifests: children }, 'wide');
      const error = await resolveArtifact(registry, REPO, 'wide', { limits, artifactLimits: { maxManifests: 2 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactLimitError);
      expect(error).toMatchObject({ code: 'E_ARTIFACT_LIMIT', value: 3, max: 2 });
    });
  });

  describe('for ORAS-pushed files', () => {
    it('should read titled files as raw whatever their media type and sniff untitled tar layers', async () => {
      const registry = new FakeRegistry();
      const pickle = registry.blob('application/vnd.oci.image.layer.v1.tar', '\x80\x04cos\nsystem\n', {
        annotations: { 'org.opencontainers.image.title': 'model.pkl' },
      });
      const untitledRaw = registry.blob('application/vnd.oci.image.layer.v1.tar', 'plain bytes');
      const untitledTar = registry.blob('application/vnd.oci.image.layer.v1.tar', tarArchive([tarEntry({ name: 'inner.txt' }, 'in tar')]));
      const dir = registry.gzipBlob('application/vnd.oci.image.layer.v1.tar+gzip', tarArchive([tarEntry({ name: 'weights/', type: '5' }), tarEntry({ name: 'weights/w.bin' }, 'w')]), {
        annotations: { 'org.opencontainers.image.title': 'weights', 'io.deis.oras.content.unpack': 'true' },
      });
      const config = registry.blob('application/vnd.oci.empty.v1+json', '{}', { data: 'e30=' });
      registry.manifest(
        OCI_MANIFEST,
        { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.unknown.artifact.v1', config, layers: [pickle, untitledRaw, untitledTar, dir.descriptor] },
        'oras',
      );
      const artifact = await resolveArtifact(registry, REPO, 'oras', { limits });
      expect(artifact.packaging).toBe('oras');
      expect(artifact.manifests[0]!.config.json).toEqual({});
      expect(registry.accessOf(config.digest)).toEqual({ rangeBytes: 0, streams: 0 });
      const files = await readFiles(artifact);
      expect(files.map((f) => [f.path, f.read, f.declared, f.text])).toEqual([
        ['model.pkl', 'raw', 'raw', '\x80\x04cos\nsystem\n'],
        [untitledRaw.digest, 'raw', 'tar', 'plain bytes'],
        ['inner.txt', 'tar', 'tar', 'in tar'],
        ['weights/w.bin', 'tar+gzip', 'tar+gzip', 'w'],
      ]);
    });
  });

  describe('for a KitOps ModelKit', () => {
    it('should name untitled raw layers from the Kitfile paths in the config', async () => {
      const registry = new FakeRegistry();
      const dataset = registry.blob('application/vnd.kitops.modelkit.dataset.v1.raw', 'a,b\n1,2\n');
      const model = registry.blob(
        'application/vnd.kitops.modelkit.model.v1.tar',
        tarArchive([tarEntry({ name: 'models/', type: '5' }), tarEntry({ name: 'models/model.h5' }, 'hdf5')]),
      );
      const kitfile = {
        manifestVersion: '1.0.0',
        package: { name: 'demo', license: 'MIT' },
        model: { name: 'm', path: 'models', digest: model.digest, diffId: model.digest },
        datasets: [{ name: 'train', path: 'data/train.csv', digest: dataset.digest }],
      };
      const config = registry.blob('application/vnd.kitops.modelkit.config.v1+json', JSON.stringify(kitfile));
      // KitOps v1.7 writes neither mediaType nor artifactType in the body: the Content-Type says it.
      registry.manifest(OCI_MANIFEST, { schemaVersion: 2, config, layers: [model, dataset] }, 'kit');
      const artifact = await resolveArtifact(registry, REPO, 'kit', { limits });
      expect(artifact.packaging).toBe('kitops');
      expect((await readFiles(artifact)).map((f) => [f.path, f.text])).toEqual([
        ['models/model.h5', 'hdf5'],
        ['data/train.csv', 'a,b\n1,2\n'],
      ]);
    });
  });

  describe('when the manifest is not usable', () => {
    it('should throw UnsupportedArtifactError naming every media type when the manifest is not a model or image', async () => {
      const registry = new FakeRegistry();
      const config = registry.blob('application/vnd.cncf.helm.config.v1+json', '{}');
      registry.manifest(OCI_MANIFEST, { schemaVersion: 2, config, layers: [registry.blob('application/vnd.cncf.helm.chart.content.v1.tar+gzip', 'x')] }, 'chart');
      const error = await resolveArtifact(registry, REPO, 'chart', { limits }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_UNSUPPORTED_ARTIFACT' });
      expect((error as Error).message).toBe(
        'resolving artifact: no ModelPack, KitOps, Docker model, Ollama, ORAS or container image packaging recognised; media types seen: ' +
          'application/vnd.oci.image.manifest.v1+json, application/vnd.cncf.helm.config.v1+json, application/vnd.cncf.helm.chart.content.v1.tar+gzip',
      );
    });

    it('should throw UnsupportedArtifactError when the manifest is Docker schema 1', async () => {
      const registry = new FakeRegistry();
      registry.manifest('application/vnd.docker.distribution.manifest.v1+prettyjws', { schemaVersion: 1, fsLayers: [] }, 'old');
      await expect(resolveArtifact(registry, REPO, 'old', { limits })).rejects.toBeInstanceOf(UnsupportedArtifactError);
    });

    it.each([
      ['a malformed layer digest', { config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 }, layers: [{ mediaType: 'x', digest: 'sha256:XYZ', size: 1 }] }, 'layers[0].digest'],
      ['a negative size', { config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: -1 }, layers: [] }, 'config.size'],
      ['no config', { layers: [] }, 'config'],
    ])('should throw InvalidManifestError naming the field when the manifest has %s', async (_, body, field) => {
      const registry = new FakeRegistry();
      registry.manifest(OCI_MANIFEST, { schemaVersion: 2, ...body }, 'bad');
      const error = await resolveArtifact(registry, REPO, 'bad', { limits }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidManifestError);
      expect((error as Error).message).toContain(`: ${field}:`);
    });

    it.each([
      ['layers', { maxLayers: 1 }, 'layers in a manifest'],
      ['config bytes', { maxConfigBytes: 10 }, 'config bytes'],
    ])('should throw ArtifactLimitError when the manifest exceeds the %s limit', async (_, artifactLimits, limit) => {
      const registry = new FakeRegistry();
      const layers = [registry.blob('application/vnd.cncf.model.doc.v1.raw', 'a'), registry.blob('application/vnd.cncf.model.doc.v1.raw', 'b')];
      modelPack(registry, layers, { descriptor: { name: 'long enough config' } });
      const error = await resolveArtifact(registry, REPO, 'v1', { limits, artifactLimits }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactLimitError);
      expect(error).toMatchObject({ limit });
    });

    it('should throw ArtifactLimitError from files() when a manifest has more tar entries than maxTreeEntries', async () => {
      const registry = new FakeRegistry();
      const tar = registry.blob('application/vnd.cncf.model.code.v1.tar', tarArchive(Array.from({ length: 5 }, (_, i) => tarEntry({ name: `f${i}` }))));
      modelPack(registry, [tar]);
      const artifact = await resolveArtifact(registry, REPO, 'v1', { limits, artifactLimits: { maxTreeEntries: 4 } });
      const error = await readFiles(artifact, { onLayerError: () => undefined }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactLimitError);
    });
  });
});
