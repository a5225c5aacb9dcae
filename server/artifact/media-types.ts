/**
 * How a manifest is packaged and how each layer is to be read, from media types and annotations alone
 * (no blob download). Sources: shared/reference/oci-model-formats.md §1–§3 and §8.1. Classification is by
 * prefix family, so old and draft spellings (`vnd.cnai.model.*`, `vnd.cncf.cnai.model.*`, `vnd.jozu.*`)
 * and non-standard suffixes (Docker Model Runner's `…weight.v1.gguf`) still land somewhere sensible.
 * Media types are hints: the resolver sniffs every layer declared as tar before choosing a reader.
 */
import type { Descriptor } from '../registry/types.js';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociImageConfig: 'application/vnd.oci.image.config.v1+json',
  dockerImageConfig: 'application/vnd.docker.container.image.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  modelPackManifest: 'application/vnd.cncf.model.manifest.v1+json',
  modelPackConfig: 'application/vnd.cncf.model.config.v1+json',
  legacyModelPackManifest: 'application/vnd.cnai.model.manifest.v1+json',
  legacyModelPackConfig: 'application/vnd.cnai.model.config.v1+json',
  kitopsManifest: 'application/vnd.kitops.modelkit.manifest.v1+json',
  kitopsIndex: 'application/vnd.kitops.modelkit.index.v1+json',
  kitopsConfig: 'application/vnd.kitops.modelkit.config.v1+json',
  legacyKitopsConfig: 'application/vnd.jozu.model.config.v1+json',
} as const;

export const ANNOTATIONS = {
  /** ModelPack v0.0.7+ layer file path (§1.5). */
  modelFilepath: 'org.cncf.model.filepath',
  /** ModelPack ≤ v0.0.6 layer file path. */
  legacyModelFilepath: 'org.cnai.model.filepath',
  /** ORAS file name (oras-go `content/file`), also used by other pushers. */
  title: 'org.opencontainers.image.title',
  /** ORAS directory layers: a tar+gzip to unpack under the title. */
  orasUnpack: 'io.deis.oras.content.unpack',
  /** The 2024 ModelPack draft marked README layers with this key. */
  draftModelReadme: 'org.cnai.model.readme',
  /** BuildKit attestation manifests in image indexes (`attestation-manifest`). */
  dockerReferenceType: 'vnd.docker.reference.type',
} as const;

export type Packaging = 'modelpack' | 'kitops' | 'docker-model' | 'ollama' | 'oras' | 'image';
/** What a layer holds, as the packaging declares it (ModelPack's five kinds; `other` for the rest). */
export type LayerKind = 'weight' | 'config' | 'doc' | 'code' | 'dataset' | 'other';
/** How a layer's bytes wrap its files: the blob is the file (`raw`) or a tar, possibly compressed. */
export type LayerEncoding = 'raw' | 'tar' | 'tar+gzip' | 'tar+zstd';

/** A layer descriptor plus Ollama's non-standard `name` field (tensor or config path, §3.2). */
export interface LayerDescriptor extends Descriptor {
  readonly name?: string;
}

export interface LayerPlan {
  readonly descriptor: LayerDescriptor;
  readonly kind: LayerKind;
  /** Encoding the packaging's conventions imply; tar encodings are confirmed by sniffing the blob. */
  readonly encoding: LayerEncoding;
  /** File path the annotations claim, unnormalised (attacker-controlled). */
  readonly pathHint?: string;
  /** File format named by a non-standard media type suffix (`gguf`, `safetensors`). */
  readonly formatHint?: string;
}

export interface ManifestShape {
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly LayerDescriptor[];
}

export interface Classification {
  readonly packaging: Packaging;
  /** One plan per layer that carries content (empty-descriptor placeholders are dropped). */
  readonly layers: readonly LayerPlan[];
}

// ModelPack and its drafts: `application/vnd.<cncf|cnai|cncf.cnai>.model.<kind>.v<N>.<encoding>` or `…v<N>+json`.
const MODELPACK_FAMILY = /^application\/vnd\.(?:cncf\.cnai|cncf|cnai)\.model\./;
const MODELPACK_LAYER = /^application\/vnd\.(?:cncf\.cnai|cncf|cnai)\.model\.([a-z0-9.]+?)\.v\d+(?:\.([\w.+-]+)|\+json)$/;
// kitops-ml/kitops `pkg/lib/constants/mediatype` (§2.2); `vnd.jozu.model.*` is the pre-rename spelling.
const KITOPS_FAMILY = /^application\/vnd\.(?:kitops\.modelkit|jozu\.model)\./;
const KITOPS_LAYER = /^application\/vnd\.(?:kitops\.modelkit|jozu\.model)\.(\w+)\.v1\.(\w+)(?:\+([\w-]+))?$/;
const DOCKER_AI_FAMILY = /^application\/vnd\.docker\.ai\./;
const OLLAMA_FAMILY = /^application\/vnd\.ollama\.image\./;

const IMAGE_CONFIGS: ReadonlySet<string> = new Set([MEDIA_TYPES.ociImageConfig, MEDIA_TYPES.dockerImageConfig]);
/** Container image layer types (image-spec `layer.md`, Docker schema 2), with the encoding they declare. */
const IMAGE_LAYERS: ReadonlyMap<string, LayerEncoding> = new Map([
  ['application/vnd.oci.image.layer.v1.tar', 'tar'],
  ['application/vnd.oci.image.layer.v1.tar+gzip', 'tar+gzip'],
  ['application/vnd.oci.image.layer.v1.tar+zstd', 'tar+zstd'],
  ['application/vnd.oci.image.layer.nondistributable.v1.tar', 'tar'],
  ['application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'tar+gzip'],
  ['application/vnd.oci.image.layer.nondistributable.v1.tar+zstd', 'tar+zstd'],
  ['application/vnd.docker.image.rootfs.diff.tar', 'tar'],
  ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'tar+gzip'],
  ['application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'tar+gzip'],
]);

const MODELPACK_KINDS: Readonly<Record<string, LayerKind>> = {
  weight: 'weight',
  weights: 'weight', // "spec v2" draft
  'weight.config': 'config',
  config: 'config',
  doc: 'doc',
  license: 'doc',
  description: 'doc',
  code: 'code',
  engine: 'code',
  dataset: 'dataset',
};
// KitOps `modelpart` is an adapter or extra weights file (Kitfile `model.parts`), so it is a weight here.
const KITOPS_KINDS: Readonly<Record<string, LayerKind>> = {
  model: 'weight',
  modelpart: 'weight',
  dataset: 'dataset',
  code: 'code',
  docs: 'doc',
};
const OLLAMA_KINDS: Readonly<Record<string, LayerKind>> = {
  model: 'weight',
  adapter: 'weight',
  projector: 'weight',
  embed: 'weight',
  tensor: 'weight',
  draft: 'weight',
  template: 'config',
  prompt: 'config',
  system: 'config',
  params: 'config',
  messages: 'config',
  json: 'config',
  license: 'doc',
};
/** docker/model-runner `MODEL_TYPES.md` (§3.1): suffix after `application/vnd.docker.ai.`. */
const DOCKER_AI_LAYERS: ReadonlyArray<readonly [RegExp, LayerKind, LayerEncoding, string?]> = [
  [/^gguf(\.v\d+)?$/, 'weight', 'raw', 'gguf'],
  [/^safetensors$/, 'weight', 'raw', 'safetensors'],
  [/^(dduf|mmproj)$/, 'weight', 'raw'],
  [/^license$/, 'doc', 'raw'],
  [/^chat\.template\.jinja$/, 'config', 'raw'],
  [/^vllm\.config\.tar$/, 'config', 'tar'],
  [/\.tar$/, 'other', 'tar'],
];

/** Layer encodings named by a media type's last component. */
const ENCODINGS: Readonly<Record<string, LayerEncoding>> = {
  raw: 'raw',
  tar: 'tar',
  'tar+gzip': 'tar+gzip',
  'tar+zstd': 'tar+zstd',
};

/**
 * Classify a manifest: `artifactType`, then config media type, then layer families (§8.1). Returns
 * undefined when nothing identifies it as a model or image (a Helm chart, a signature…).
 */
export function classifyManifest(manifest: ManifestShape): Classification | undefined {
  const packaging = detectPackaging(manifest);
  if (packaging === undefined) return undefined;
  const layers = manifest.layers.filter((layer) => !isEmptyDescriptor(layer)).map((layer) => planLayer(layer, packaging));
  return { packaging, layers };
}

function detectPackaging({ artifactType = '', config, layers }: ManifestShape): Packaging | undefined {
  const claims = [artifactType, config.mediaType];
  if (claims.some((type) => MODELPACK_FAMILY.test(type))) return 'modelpack';
  if (claims.some((type) => KITOPS_FAMILY.test(type))) return 'kitops';
  if (DOCKER_AI_FAMILY.test(config.mediaType)) return 'docker-model';
  const types = layers.map((layer) => layer.mediaType);
  if (types.some((type) => OLLAMA_FAMILY.test(type))) return 'ollama';
  if (layers.some((layer) => MODELPACK_FAMILY.test(layer.mediaType) || MODELPACK_FAMILY.test(layer.artifactType ?? ''))) return 'modelpack';
  if (types.some((type) => KITOPS_FAMILY.test(type))) return 'kitops';
  if (types.some((type) => DOCKER_AI_FAMILY.test(type))) return 'docker-model';
  // Image builders never set a title on layers; `oras push` always does (§3.3).
  if (layers.some((layer) => layer.annotations?.[ANNOTATIONS.title] !== undefined)) return 'oras';
  const contentLayers = layers.filter((layer) => !isEmptyDescriptor(layer)).map((layer) => layer.mediaType);
  if (IMAGE_CONFIGS.has(config.mediaType) && contentLayers.every((type) => IMAGE_LAYERS.has(type))) return 'image';
  return undefined;
}

/**
 * The empty descriptor placeholder (image-spec `manifest.md` "Guidance for an Empty Descriptor": `{}`,
 * size 2, this digest). A layer that only claims the media type but carries other bytes is content,
 * read like any other layer: nothing is skipped on a media type's word.
 */
const EMPTY_DESCRIPTOR_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

function isEmptyDescriptor(layer: LayerDescriptor): boolean {
  return layer.mediaType === MEDIA_TYPES.ociEmpty && layer.digest === EMPTY_DESCRIPTOR_DIGEST && layer.size === 2;
}

/** How to read one layer: its kind, the encoding its packaging declares, and the path it claims. */
function planLayer(descriptor: LayerDescriptor, packaging: Packaging): LayerPlan {
  const plan = packaging === 'image' ? imageLayer(descriptor) : modelLayer(descriptor, packaging);
  const pathHint = layerPathHint(descriptor, packaging);
  return pathHint === undefined ? plan : { ...plan, pathHint };
}

function imageLayer(descriptor: LayerDescriptor): LayerPlan {
  return { descriptor, kind: 'other', encoding: IMAGE_LAYERS.get(descriptor.mediaType) ?? 'raw' };
}

function modelLayer(descriptor: LayerDescriptor, packaging: Packaging): LayerPlan {
  const { mediaType } = descriptor;
  // ORAS writes each file as-is whatever media type it gets (default `…layer.v1.tar`); only directories,
  // flagged for unpacking, are archives (oras-go `content/file`, §3.3).
  if (packaging === 'oras' && descriptor.annotations?.[ANNOTATIONS.title] !== undefined)
    return descriptor.annotations[ANNOTATIONS.orasUnpack] === 'true'
      ? { descriptor, kind: 'other', encoding: IMAGE_LAYERS.get(mediaType) ?? 'tar+gzip' }
      : { descriptor, kind: 'other', encoding: 'raw' };

  const modelPack = MODELPACK_LAYER.exec(mediaType) ?? draftModelPackLayer(descriptor);
  if (modelPack) {
    const [, kindName = '', suffix] = modelPack;
    const encoding = suffix === undefined ? 'raw' : ENCODINGS[suffix];
    const kind = kindName === 'layer' && descriptor.annotations?.[ANNOTATIONS.draftModelReadme] === 'true' ? 'doc' : modelPackKind(kindName);
    // An unknown suffix names a file format (Docker Model Runner's `…weight.v1.gguf`): a raw file (§1.4).
    return encoding ? { descriptor, kind, encoding } : { descriptor, kind, encoding: 'raw', ...(suffix ? { formatHint: suffix } : {}) };
  }

  const kit = KITOPS_LAYER.exec(mediaType);
  if (kit) {
    const [, base = '', format, compression] = kit;
    const kind = KITOPS_KINDS[base] ?? (base === 'mcpb' ? 'code' : 'other');
    return { descriptor, kind, encoding: format === 'tar' ? tarEncoding(compression) : 'raw' };
  }

  if (DOCKER_AI_FAMILY.test(mediaType)) {
    const suffix = mediaType.slice('application/vnd.docker.ai.'.length);
    const match = DOCKER_AI_LAYERS.find(([pattern]) => pattern.test(suffix));
    if (!match) return { descriptor, kind: 'other', encoding: 'raw' };
    const [, kind, encoding, formatHint] = match;
    return { descriptor, kind, encoding, ...(formatHint ? { formatHint } : {}) };
  }

  if (OLLAMA_FAMILY.test(mediaType)) {
    const kind = OLLAMA_KINDS[mediaType.slice('application/vnd.ollama.image.'.length)] ?? 'other';
    return { descriptor, kind, encoding: 'raw' };
  }

  // Plain OCI/Docker layer types in a model artifact: tar by declaration, confirmed by sniffing.
  return { descriptor, kind: 'other', encoding: IMAGE_LAYERS.get(mediaType) ?? 'raw' };
}

/** 2024 draft: OCI tar layer types carrying `artifactType: application/vnd.cnai.model.layer.v1.tar[+gzip]`. */
function draftModelPackLayer(descriptor: LayerDescriptor): RegExpExecArray | null {
  return IMAGE_LAYERS.has(descriptor.mediaType) && descriptor.artifactType ? MODELPACK_LAYER.exec(descriptor.artifactType) : null;
}

function modelPackKind(name: string): LayerKind {
  if (name.startsWith('processor.')) return 'config'; // "spec v2" draft tokenizer/processor layers
  if (name.startsWith('architecture.')) return 'code';
  return MODELPACK_KINDS[name] ?? 'other';
}

function tarEncoding(compression: string | undefined): LayerEncoding {
  if (compression === undefined) return 'tar';
  if (compression.startsWith('gzip')) return 'tar+gzip'; // `gzip-fastest` is written as `+gzip`, accept both
  if (compression === 'zstd') return 'tar+zstd';
  return 'raw'; // an unknown wrapper: hand the blob over whole and let content sniffing open it
}

/** The file path a layer claims: ModelPack key (current, then legacy), ORAS title, Ollama `name`. */
function layerPathHint(descriptor: LayerDescriptor, packaging: Packaging): string | undefined {
  const annotations = descriptor.annotations ?? {};
  const fromAnnotations =
    annotations[ANNOTATIONS.modelFilepath] ?? annotations[ANNOTATIONS.legacyModelFilepath] ?? annotations[ANNOTATIONS.title];
  if (fromAnnotations !== undefined) return fromAnnotations;
  return packaging === 'ollama' ? descriptor.name : undefined;
}

/** True for manifest media types this resolver reads (OCI and Docker schema 2; not schema 1). */
export function isManifestMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociManifest || mediaType === MEDIA_TYPES.dockerManifest;
}

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}
