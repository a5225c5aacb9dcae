import { describe, expect, it } from 'vitest';
import { classifyManifest, type LayerDescriptor, type ManifestShape } from '../../../../server/artifact/media-types.js';
import type { Descriptor } from '../../../../server/registry/types.js';

let counter = 0;
/** A descriptor with a unique, well-formed digest. */
function d(mediaType: string, extra: Partial<LayerDescriptor> = {}): LayerDescriptor {
  counter += 1;
  return { mediaType, digest: `sha256:${counter.toString(16).padStart(64, '0')}`, size: 100 + counter, ...extra };
}

const EMPTY: Descriptor = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
};

function summary(manifest: ManifestShape): unknown {
  const result = classifyManifest(manifest);
  if (!result) return undefined;
  return {
    packaging: result.packaging,
    layers: result.layers.map((layer) => [layer.kind, layer.encoding, layer.pathHint, layer.formatHint].filter((v) => v !== undefined)),
  };
}

describe('classifyManifest', () => {
  it.each<[string, ManifestShape, unknown]>([
    [
      'ModelPack v0.0.7 (vnd.cncf, modctl style)',
      {
        artifactType: 'application/vnd.cncf.model.manifest.v1+json',
        config: d('application/vnd.cncf.model.config.v1+json'),
        layers: [
          d('application/vnd.cncf.model.weight.v1.tar', { annotations: { 'org.cncf.model.filepath': 'model-00001-of-00002.safetensors' } }),
          d('application/vnd.cncf.model.weight.config.v1.raw', { annotations: { 'org.cncf.model.filepath': 'config.json' } }),
          d('application/vnd.cncf.model.doc.v1.tar+gzip', { annotations: { 'org.cncf.model.filepath': 'README.md' } }),
          d('application/vnd.cncf.model.code.v1.tar+zstd'),
          d('application/vnd.cncf.model.dataset.v1.raw'),
        ],
      },
      {
        packaging: 'modelpack',
        layers: [
          ['weight', 'tar', 'model-00001-of-00002.safetensors'],
          ['config', 'raw', 'config.json'],
          ['doc', 'tar+gzip', 'README.md'],
          ['code', 'tar+zstd'],
          ['dataset', 'raw'],
        ],
      },
    ],
    [
      'ModelPack ≤ v0.0.6 (vnd.cnai, legacy filepath key), recognised from the config alone',
      {
        config: d('application/vnd.cnai.model.config.v1+json'),
        layers: [d('application/vnd.cnai.model.weight.v1.raw', { annotations: { 'org.cnai.model.filepath': 'model.gguf' } })],
      },
      { packaging: 'modelpack', layers: [['weight', 'raw', 'model.gguf']] },
    ],
    [
      'the 2024 ModelPack draft (OCI layer types with a cnai layer artifactType)',
      {
        artifactType: 'application/vnd.cnai.model.manifest.v1+json',
        config: d('application/vnd.oci.image.config.v1+json'),
        layers: [
          d('application/vnd.oci.image.layer.v1.tar', { artifactType: 'application/vnd.cnai.model.layer.v1.tar' }),
          d('application/vnd.oci.image.layer.v1.tar+gzip', {
            artifactType: 'application/vnd.cnai.model.layer.v1.tar+gzip',
            annotations: { 'org.cnai.model.readme': 'true' },
          }),
        ],
      },
      { packaging: 'modelpack', layers: [['other', 'tar'], ['doc', 'tar+gzip']] },
    ],
    [
      "Docker Model Runner's non-standard ModelPack weight suffixes",
      {
        artifactType: 'application/vnd.cncf.model.manifest.v1+json',
        config: d('application/vnd.cncf.model.config.v1+json'),
        layers: [d('application/vnd.cncf.model.weight.v1.gguf'), d('application/vnd.cncf.model.weight.v1.safetensors')],
      },
      { packaging: 'modelpack', layers: [['weight', 'raw', 'gguf'], ['weight', 'raw', 'safetensors']] },
    ],
    [
      'KitOps v1.7 (no mediaType or artifactType in the body)',
      {
        config: d('application/vnd.kitops.modelkit.config.v1+json'),
        layers: [
          d('application/vnd.kitops.modelkit.model.v1.tar'),
          d('application/vnd.kitops.modelkit.modelpart.v1.tar+gzip'),
          d('application/vnd.kitops.modelkit.code.v1.tar+zstd'),
          d('application/vnd.kitops.modelkit.dataset.v1.raw'),
          d('application/vnd.kitops.modelkit.docs.v1.tar'),
          d('application/vnd.kitops.modelkit.mcpb.v1.raw'),
        ],
      },
      {
        packaging: 'kitops',
        layers: [['weight', 'tar'], ['weight', 'tar+gzip'], ['code', 'tar+zstd'], ['dataset', 'raw'], ['doc', 'tar'], ['code', 'raw']],
      },
    ],
    [
      'a KitOps index child identified by its artifactType',
      {
        artifactType: 'application/vnd.kitops.modelkit.manifest.v1+json',
        config: d('application/vnd.oci.empty.v1+json'),
        layers: [d('application/vnd.kitops.modelkit.model.v1.raw')],
      },
      { packaging: 'kitops', layers: [['weight', 'raw']] },
    ],
    [
      'the legacy jozu ModelKit spelling',
      { config: d('application/vnd.jozu.model.config.v1+json'), layers: [d('application/vnd.jozu.model.content.v1.tar+gzip')] },
      { packaging: 'kitops', layers: [['other', 'tar+gzip']] },
    ],
    [
      'a Docker model artifact (vnd.docker.ai)',
      {
        config: d('application/vnd.docker.ai.model.config.v0.1+json'),
        layers: [
          d('application/vnd.docker.ai.gguf.v3', { annotations: { 'org.cncf.model.filepath': 'model.gguf' } }),
          d('application/vnd.docker.ai.license'),
          d('application/vnd.docker.ai.chat.template.jinja'),
          d('application/vnd.docker.ai.vllm.config.tar'),
          d('application/vnd.docker.ai.dir.tar'),
          d('application/vnd.docker.ai.model.file', { annotations: { 'org.cncf.model.filepath': 'tokenizer.json' } }),
        ],
      },
      {
        packaging: 'docker-model',
        layers: [
          ['weight', 'raw', 'model.gguf', 'gguf'],
          ['doc', 'raw'],
          ['config', 'raw'],
          ['config', 'tar'],
          ['other', 'tar'],
          ['other', 'raw', 'tokenizer.json'],
        ],
      },
    ],
    [
      'an Ollama model (Docker manifest and image config, vnd.ollama layers)',
      {
        config: d('application/vnd.docker.container.image.v1+json'),
        layers: [
          d('application/vnd.ollama.image.model'),
          d('application/vnd.ollama.image.template'),
          d('application/vnd.ollama.image.license'),
          d('application/vnd.ollama.image.params'),
          d('application/vnd.ollama.image.tensor', { name: 'model.embed_tokens.weight' }),
        ],
      },
      {
        packaging: 'ollama',
        layers: [['weight', 'raw'], ['config', 'raw'], ['doc', 'raw'], ['config', 'raw'], ['weight', 'raw', 'model.embed_tokens.weight']],
      },
    ],
    [
      'ORAS-pushed files (raw files labelled tar, a directory to unpack, empty config)',
      {
        artifactType: 'application/vnd.unknown.artifact.v1',
        config: EMPTY,
        layers: [
          d('application/vnd.oci.image.layer.v1.tar', { annotations: { 'org.opencontainers.image.title': 'model.pkl' } }),
          d('application/vnd.oci.image.layer.v1.tar+gzip', {
            annotations: { 'org.opencontainers.image.title': 'weights', 'io.deis.oras.content.unpack': 'true' },
          }),
          d('application/x-custom', { annotations: { 'org.opencontainers.image.title': 'notes.txt' } }),
        ],
      },
      { packaging: 'oras', layers: [['other', 'raw', 'model.pkl'], ['other', 'tar+gzip', 'weights'], ['other', 'raw', 'notes.txt']] },
    ],
    [
      'an OCI container image with gzip, zstd and empty placeholder layers',
      {
        config: d('application/vnd.oci.image.config.v1+json'),
        layers: [
          d('application/vnd.oci.image.layer.v1.tar+gzip'),
          d('application/vnd.oci.image.layer.v1.tar+zstd'),
          d('application/vnd.oci.image.layer.v1.tar'),
          EMPTY,
        ],
      },
      { packaging: 'image', layers: [['other', 'tar+gzip'], ['other', 'tar+zstd'], ['other', 'tar']] },
    ],
    [
      'a Docker schema 2 image (rootfs.diff.tar.gzip) with model annotations on a layer',
      {
        config: d('application/vnd.docker.container.image.v1+json'),
        layers: [
          d('application/vnd.docker.image.rootfs.diff.tar.gzip'),
          d('application/vnd.docker.image.rootfs.diff.tar.gzip', { annotations: { 'org.cncf.model.filepath': '/models/model.file' } }),
        ],
      },
      { packaging: 'image', layers: [['other', 'tar+gzip'], ['other', 'tar+gzip', '/models/model.file']] },
    ],
  ])('should classify %s', (_, manifest, expected) => {
    expect(summary(manifest)).toEqual(expected);
  });

  it.each<[string, ManifestShape]>([
    ['a Helm chart', { config: d('application/vnd.cncf.helm.config.v1+json'), layers: [d('application/vnd.cncf.helm.chart.content.v1.tar+gzip')] }],
    ['a BuildKit attestation', { config: d('application/vnd.oci.image.config.v1+json'), layers: [d('application/vnd.in-toto+json')] }],
    ['a cosign signature', { config: d('application/vnd.oci.image.config.v1+json'), layers: [d('application/vnd.dev.cosign.simplesigning.v1+json')] }],
  ])('should return undefined when the manifest is %s', (_, manifest) => {
    expect(classifyManifest(manifest)).toBeUndefined();
  });

  it('should read a layer that claims the empty media type but carries other bytes, and drop only the real placeholder', () => {
    const hidden = d('application/vnd.oci.empty.v1+json', { size: 4096 });
    const result = classifyManifest({ config: d('application/vnd.cncf.model.config.v1+json'), layers: [EMPTY, hidden, d('application/vnd.cncf.model.weight.v1.raw')] });
    expect(result?.layers.map((layer) => [layer.descriptor.digest, layer.encoding])).toEqual([
      [hidden.digest, 'raw'],
      [expect.any(String), 'raw'],
    ]);
  });

  it('should prefer the current ModelPack filepath key over the legacy key and the ORAS title', () => {
    const result = classifyManifest({
      config: d('application/vnd.cncf.model.config.v1+json'),
      layers: [
        d('application/vnd.cncf.model.weight.v1.raw', {
          annotations: { 'org.opencontainers.image.title': 'c', 'org.cnai.model.filepath': 'b', 'org.cncf.model.filepath': 'a' },
        }),
        d('application/vnd.cncf.model.weight.v1.raw', { annotations: { 'org.opencontainers.image.title': 'c', 'org.cnai.model.filepath': 'b' } }),
      ],
    });
    expect(result?.layers.map((layer) => layer.pathHint)).toEqual(['a', 'b']);
  });

  it('should read an unknown compression of a KitOps tar layer as a raw blob for content sniffing', () => {
    const result = classifyManifest({
      config: d('application/vnd.kitops.modelkit.config.v1+json'),
      layers: [d('application/vnd.kitops.modelkit.model.v1.tar+bzip2'), d('application/vnd.kitops.modelkit.model.v1.tar+gzip-fastest')],
    });
    expect(result?.layers.map((layer) => layer.encoding)).toEqual(['raw', 'tar+gzip']);
  });
});
