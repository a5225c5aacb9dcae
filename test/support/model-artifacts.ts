/**
 * Model artifacts pushed to the test registries for end-to-end scans: a ModelPack with a raw and a tar
 * layer, a container image carrying model files in a tar+gzip layer, and an index over the image.
 * Each holds one hostile safetensors file (overlapping offsets) and one good one.
 */
import { gzipSync } from 'node:zlib';
import { sha256Digest } from '../services/push.js';
import { pushArtifact, pushIndex, type PushTarget, type PushedArtifact } from '../services/push.js';
import { tarArchive, tarEntry } from './tar-builder.js';
import { buildRaw, buildSafetensors, SAMPLE_TENSORS } from './safetensors-builder.js';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

export const GOOD_SAFETENSORS = buildSafetensors(SAMPLE_TENSORS);
/** Two tensors claiming the same bytes: the overlap a loader would silently alias. */
export const HOSTILE_SAFETENSORS = buildRaw(
  JSON.stringify({
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  }),
  8,
);

export interface PushedModel extends PushedArtifact {
  readonly repository: string;
  readonly tag: string;
  /** Harbor's artifact size: manifest + config + layers. */
  readonly harborSize: number;
}

function sized(repository: string, tag: string, artifact: PushedArtifact): PushedModel {
  const harborSize = artifact.manifestBytes.length + artifact.config.size + artifact.layers.reduce((n, l) => n + l.size, 0);
  return { ...artifact, repository, tag, harborSize };
}

export async function pushModelPack(target: PushTarget, repository: string, tag = 'v1'): Promise<PushedModel> {
  const weightsTar = tarArchive([tarEntry({ name: 'weights/good.safetensors' }, GOOD_SAFETENSORS)]);
  const layers = [
    {
      mediaType: 'application/vnd.cncf.model.weight.v1.raw',
      bytes: HOSTILE_SAFETENSORS,
      annotations: { 'org.cncf.model.filepath': 'weights/bad.safetensors' },
    },
    { mediaType: 'application/vnd.cncf.model.weight.v1.tar', bytes: weightsTar, annotations: { 'org.cncf.model.filepath': 'weights/good.safetensors' } },
    {
      mediaType: 'application/vnd.cncf.model.doc.v1.raw',
      bytes: new TextEncoder().encode('# Demo model\n'),
      annotations: { 'org.cncf.model.filepath': 'README.md' },
    },
  ];
  const config = {
    descriptor: { name: 'demo-model', licenses: ['Apache-2.0'] },
    config: { format: 'safetensors' },
    // Uncompressed layers: the diff ID is the layer digest (ModelPack config, oci-model-formats.md §1.3).
    modelfs: { type: 'layers', diffIds: layers.map((layer) => sha256Digest(layer.bytes)) },
  };
  const artifact = await pushArtifact(target, repository, tag, {
    artifactType: 'application/vnd.cncf.model.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.model.config.v1+json', bytes: json(config) },
    layers,
  });
  return sized(repository, tag, artifact);
}

export async function pushModelImage(target: PushTarget, repository: string, tag = 'v1'): Promise<PushedModel> {
  return pushFilesImage(target, repository, { 'models/bad.safetensors': HOSTILE_SAFETENSORS, 'models/good.safetensors': GOOD_SAFETENSORS }, tag);
}

/** An OCI image with one tar+gzip layer holding `files` (path → content; parent directories implied). */
export async function pushFilesImage(target: PushTarget, repository: string, files: Readonly<Record<string, string | Uint8Array>>, tag = 'v1'): Promise<PushedModel> {
  const tar = tarArchive(Object.entries(files).map(([name, data]) => tarEntry({ name }, data)));
  const layer = gzipSync(tar);
  const imageConfig = {
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    config: { Cmd: ['/bin/serve'] },
  };
  const artifact = await pushArtifact(target, repository, tag, {
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: json(imageConfig) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: layer }],
  });
  return sized(repository, tag, artifact);
}

export async function pushImageIndex(target: PushTarget, image: PushedModel, tag = 'multi'): Promise<string> {
  return pushIndex(target, image.repository, tag, [{ ...image.descriptor, platform: { architecture: 'amd64', os: 'linux' } } as never]);
}
