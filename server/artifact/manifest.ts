/**
 * Manifest and index JSON → typed shapes. The registry client already verified the digest; this checks
 * the shape (image-spec `manifest.md`, `image-index.md`, `descriptor.md`) so later code can trust it, and
 * names the offending field when it is wrong. Unknown fields are ignored, `mediaType` in the body is
 * optional (KitOps v1.7 omits it, oci-model-formats.md §2.1).
 */
import { z } from 'zod';
import { InvalidManifestError, UnsupportedArtifactError } from '../errors/artifact-errors.js';
import type { Descriptor, FetchedManifest } from '../registry/types.js';
import { isIndexMediaType, isManifestMediaType, type LayerDescriptor } from './media-types.js';

/** image-spec `descriptor.md` digest grammar; sha256/sha512 encodings must be lower-case hex of their length. */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|(?!sha256:|sha512:)[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$/;

const descriptorSchema = z.object({
  mediaType: z.string().min(1).max(255),
  digest: z.string().max(200).regex(DIGEST, 'not a valid digest'),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().max(255).optional(),
  platform: z.record(z.string(), z.unknown()).optional(),
  data: z.string().optional(),
  /** Ollama's non-standard layer field (oci-model-formats.md §3.2). */
  name: z.string().optional(),
});

const manifestSchema = z.object({
  artifactType: z.string().max(255).optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

const indexSchema = z.object({
  artifactType: z.string().max(255).optional(),
  manifests: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

export interface ParsedManifest {
  readonly kind: 'manifest';
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly LayerDescriptor[];
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ParsedIndex {
  readonly kind: 'index';
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations: Readonly<Record<string, string>>;
}

/** Parse a fetched manifest or index; its kind comes from the media type, else from the body's shape. */
export function parseManifest(fetched: FetchedManifest): ParsedManifest | ParsedIndex {
  const { mediaType, digest, body } = fetched;
  const isIndex = isIndexMediaType(mediaType) || (!isManifestMediaType(mediaType) && Array.isArray(body.manifests));
  const isManifest = isManifestMediaType(mediaType) || (!isIndexMediaType(mediaType) && Array.isArray(body.layers));
  if (!isIndex && !isManifest) throw new UnsupportedArtifactError([mediaType], 'not an OCI or Docker schema 2 manifest or index');
  if (isIndex) {
    const index = validate(indexSchema, body, digest);
    return {
      kind: 'index',
      digest,
      mediaType,
      ...(index.artifactType ? { artifactType: index.artifactType } : {}),
      manifests: index.manifests.map(stripUndefined),
      annotations: index.annotations ?? {},
    };
  }
  const manifest = validate(manifestSchema, body, digest);
  return {
    kind: 'manifest',
    digest,
    mediaType,
    ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
    config: stripUndefined(manifest.config),
    layers: manifest.layers.map(stripUndefined),
    annotations: manifest.annotations ?? {},
  };
}

function validate<T>(schema: z.ZodType<T>, body: unknown, digest: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue ? formatPath(issue.path) : 'body';
  throw new InvalidManifestError(digest, `${field}: ${issue?.message ?? 'invalid'}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('') || 'body';
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
