/**
 * Artifact facts shaped like real packagings (ModelPack by modctl, KitOps by kit, Docker Model Runner,
 * ORAS, Ollama, a container image), clean unless a test breaks them. Digests are real sha256 strings of
 * a label, so names and digests stay readable in failures.
 */
import { createHash } from 'node:crypto';
import type {
  ArtifactFacts,
  EntryFacts,
  LayerEncoding,
  LayerFacts,
  LayerKind,
  ManifestFacts,
} from '../../../../analyzers/manifest/types.js';

export function digestOf(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`;
}

export const MANIFEST = digestOf('manifest');
export const CONFIG = digestOf('config');

export interface LayerSpec {
  readonly label: string;
  readonly mediaType: string;
  readonly kind?: LayerKind;
  readonly declared: LayerEncoding;
  readonly read?: LayerEncoding;
  readonly size?: number;
  readonly annotations?: Record<string, string>;
  /** Normalised claimed path (the name); defaults to the digest. */
  readonly name?: string;
}

export function layer(spec: LayerSpec): LayerFacts {
  const digest = digestOf(spec.label);
  return {
    digest,
    mediaType: spec.mediaType,
    size: spec.size ?? 1000,
    annotations: spec.annotations ?? {},
    kind: spec.kind ?? 'weight',
    declaredEncoding: spec.declared,
    readEncoding: spec.read ?? spec.declared,
    name: spec.name ?? digest,
  };
}

/** A file of `layerFacts` as the walk reports it (tar member unless the layer is raw). */
export function file(layerFacts: LayerFacts, path: string, extra: Partial<EntryFacts> = {}): EntryFacts {
  const raw = (layerFacts.readEncoding ?? layerFacts.declaredEncoding) === 'raw';
  return {
    manifestDigest: MANIFEST,
    layerDigest: layerFacts.digest,
    path,
    rawPath: path,
    type: 'file',
    wholeLayer: raw,
    size: raw ? layerFacts.size : 100,
    mode: 0o644,
    format: 'unknown',
    ...(raw ? { mediaType: layerFacts.mediaType } : {}),
    ...extra,
  };
}

export function manifest(packaging: ManifestFacts['packaging'], configMediaType: string, json: unknown, layers: LayerFacts[], extra: Partial<ManifestFacts> = {}): ManifestFacts {
  return {
    digest: MANIFEST,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    annotations: {},
    packaging,
    config: { digest: CONFIG, mediaType: configMediaType, size: 300, json },
    layers,
    ...extra,
  };
}

export function artifact(manifests: ManifestFacts[], entries: readonly EntryFacts[], extra: Partial<ArtifactFacts> = {}): ArtifactFacts {
  return { digest: manifests[0]?.digest ?? MANIFEST, manifests, entries, collisions: [], layerErrors: [], ...extra };
}

const metadata = (name: string, size: number, mode = 420): string =>
  JSON.stringify({ name, mode, uid: 1000, gid: 1000, size, mtime: '2025-07-21T10:00:00Z', typeflag: 0 });

/** What modctl pushes: raw weights, a tar per config file, raw docs; diffIds = layer digests. */
export function modelPack(): ArtifactFacts {
  const weights = layer({
    label: 'weights',
    mediaType: 'application/vnd.cncf.model.weight.v1.raw',
    declared: 'raw',
    size: 4_000_000,
    name: 'model.safetensors',
    annotations: { 'org.cncf.model.filepath': 'model.safetensors', 'org.cncf.model.file.metadata+json': metadata('model.safetensors', 4_000_000) },
  });
  const tokenizer = layer({
    label: 'tokenizer',
    mediaType: 'application/vnd.cncf.model.weight.config.v1.tar',
    kind: 'config',
    declared: 'tar',
    name: 'tokenizer/tokenizer.json',
    annotations: { 'org.cncf.model.filepath': 'tokenizer/tokenizer.json', 'org.cncf.model.file.metadata+json': metadata('tokenizer.json', 100) },
  });
  const readme = layer({
    label: 'readme',
    mediaType: 'application/vnd.cncf.model.doc.v1.raw',
    kind: 'doc',
    declared: 'raw',
    size: 14,
    name: 'README.md',
    annotations: { 'org.cncf.model.filepath': 'README.md' },
  });
  const config = {
    descriptor: { createdAt: '2025-07-21T10:00:00Z', family: 'qwen2', name: 'qwen2-0.5b', licenses: ['Apache-2.0'] },
    config: { architecture: 'transformer', format: 'safetensors', paramSize: '0.5B', precision: 'bfloat16', capabilities: { reasoning: false } },
    modelfs: { type: 'layers', diffIds: [weights.digest, tokenizer.digest, readme.digest] },
  };
  return artifact(
    [manifest('modelpack', 'application/vnd.cncf.model.config.v1+json', config, [weights, tokenizer, readme], { artifactType: 'application/vnd.cncf.model.manifest.v1+json' })],
    [
      file(weights, 'model.safetensors', { format: 'safetensors' }),
      file(tokenizer, 'tokenizer/tokenizer.json', { format: 'json' }),
      file(readme, 'README.md', { format: 'text' }),
    ],
  );
}

/** What `kit pack` pushes (v1.7): tar layers, the Kitfile as config with digest and diffId per entry. */
export function kitops(): ArtifactFacts {
  const model = layer({ label: 'kit-model', mediaType: 'application/vnd.kitops.modelkit.model.v1.tar+gzip', declared: 'tar+gzip', name: 'models/model.gguf' });
  const code = layer({ label: 'kit-code', mediaType: 'application/vnd.kitops.modelkit.code.v1.tar', kind: 'code', declared: 'tar', name: 'src' });
  const docs = layer({ label: 'kit-docs', mediaType: 'application/vnd.kitops.modelkit.docs.v1.tar', kind: 'doc', declared: 'tar', name: 'README.md' });
  const kitfile = {
    manifestVersion: '1.0.0',
    package: { name: 'tiny', version: '1.0.0', license: 'Apache-2.0', authors: ['Jozu'] },
    model: { name: 'tiny', path: 'models/model.gguf', format: 'gguf', license: 'Apache-2.0', digest: model.digest, diffId: digestOf('kit-model-uncompressed') },
    code: [{ path: 'src', description: 'serving code', digest: code.digest, diffId: code.digest }],
    docs: [{ path: 'README.md', digest: docs.digest, diffId: docs.digest }],
  };
  return artifact(
    [manifest('kitops', 'application/vnd.kitops.modelkit.config.v1+json', kitfile, [model, code, docs])],
    [
      file(model, 'models/model.gguf', { format: 'gguf' }),
      file(code, 'src/serve.py', { format: 'text' }),
      file(code, 'src/util/io.py', { format: 'text' }),
      file(docs, 'README.md', { format: 'text' }),
    ],
  );
}

/** Docker Model Runner: a raw GGUF and a license, rootfs diff IDs = the raw layers' digests. */
export function dockerModel(): ArtifactFacts {
  const gguf = layer({
    label: 'dmr-gguf',
    mediaType: 'application/vnd.docker.ai.gguf.v3',
    declared: 'raw',
    name: 'model.gguf',
    annotations: { 'org.cncf.model.filepath': 'model.gguf', 'org.cncf.model.file.mediatype.untested': 'false' },
  });
  const license = layer({ label: 'dmr-license', mediaType: 'application/vnd.docker.ai.license', kind: 'doc', declared: 'raw', name: 'LICENSE', annotations: { 'org.cncf.model.filepath': 'LICENSE' } });
  const config = {
    config: { format: 'gguf', quantization: 'Q4_K_M', parameters: '494M', architecture: 'qwen2', size: '1000' },
    descriptor: { created: '2025-06-01T00:00:00Z' },
    rootfs: { type: 'layers', diff_ids: [gguf.digest, license.digest] },
  };
  return artifact(
    [manifest('docker-model', 'application/vnd.docker.ai.model.config.v0.1+json', config, [gguf, license])],
    [file(gguf, 'model.gguf', { format: 'gguf' }), file(license, 'LICENSE', { format: 'text' })],
  );
}

/** `oras push`: raw files named by title under the default `…layer.v1.tar` type, empty config. */
export function oras(): ArtifactFacts {
  const onnx = layer({ label: 'oras-onnx', mediaType: 'application/vnd.oci.image.layer.v1.tar', kind: 'other', declared: 'raw', name: 'model.onnx', annotations: { 'org.opencontainers.image.title': 'model.onnx' } });
  return artifact(
    [manifest('oras', 'application/vnd.oci.empty.v1+json', {}, [onnx], { artifactType: 'application/vnd.unknown.artifact.v1' })],
    [file(onnx, 'model.onnx', { format: 'protobuf' })],
  );
}

/** Ollama: raw GGUF, template and params; the config is a Docker image config. */
export function ollama(): ArtifactFacts {
  const model = layer({ label: 'ollama-model', mediaType: 'application/vnd.ollama.image.model', declared: 'raw' });
  const template = layer({ label: 'ollama-template', mediaType: 'application/vnd.ollama.image.template', kind: 'config', declared: 'raw' });
  const config = { model_format: 'gguf', model_family: 'llama', file_type: 'Q4_0', rootfs: { type: 'layers', diff_ids: [model.digest, template.digest] } };
  return artifact(
    [manifest('ollama', 'application/vnd.docker.container.image.v1+json', config, [model, template], { mediaType: 'application/vnd.docker.distribution.manifest.v2+json' })],
    [file(model, model.digest, { format: 'gguf' }), file(template, template.digest, { format: 'text' })],
  );
}

/** A container image embedding a model: absolute symlinks and a setuid binary are ordinary there. */
export function image(): ArtifactFacts {
  const base = layer({ label: 'image-base', mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', kind: 'other', declared: 'tar+gzip' });
  const models = layer({ label: 'image-models', mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', kind: 'other', declared: 'tar+gzip' });
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf('base-diff'), digestOf('models-diff')] } };
  return artifact(
    [manifest('image', 'application/vnd.oci.image.config.v1+json', config, [base, models])],
    [
      file(base, 'usr/bin/su', { mode: 0o4755, format: 'unknown' }),
      { ...file(base, 'bin'), type: 'symlink', linkname: 'usr/bin', size: 0 },
      { ...file(base, 'lib64/ld-linux-x86-64.so.2'), type: 'symlink', linkname: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', size: 0 },
      file(models, 'models/model.safetensors', { format: 'safetensors' }),
    ],
  );
}

/** The fixture with its (only) manifest changed by `change`. */
export function withManifest(facts: ArtifactFacts, change: (m: ManifestFacts) => Partial<ManifestFacts>): ArtifactFacts {
  const [only] = facts.manifests;
  return { ...facts, manifests: [{ ...only!, ...change(only!) }] };
}

/** The fixture with layer `index` changed, entries kept. */
export function withLayer(facts: ArtifactFacts, index: number, change: (l: LayerFacts) => Partial<LayerFacts>): ArtifactFacts {
  return withManifest(facts, (m) => ({ layers: m.layers.map((l, i) => (i === index ? { ...l, ...change(l) } : l)) }));
}

/** The fixture with its entries replaced. */
export function withEntries(facts: ArtifactFacts, entries: (existing: readonly EntryFacts[]) => EntryFacts[]): ArtifactFacts {
  return { ...facts, entries: entries(facts.entries) };
}

/** The fixture with its config JSON replaced. */
export function withConfig(facts: ArtifactFacts, json: unknown): ArtifactFacts {
  return withManifest(facts, (m) => ({ config: { ...m.config, json } }));
}

/** A fresh copy of the clean ModelPack config. */
export const modelPackConfig = (): Record<string, unknown> => structuredClone(modelPack().manifests[0]!.config.json) as Record<string, unknown>;
export const layerOf = (facts: ArtifactFacts, index: number): LayerFacts => facts.manifests[0]!.layers[index]!;
