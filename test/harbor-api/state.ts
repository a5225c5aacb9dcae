/**
 * The in-memory Harbor the test API server answers from: projects, repositories, artifacts (with the type
 * Harbor's processors would give them), labels and accessories. Artifacts appear the way they appear in
 * Harbor: when a manifest is pushed through the server's `/v2/` proxy; a manifest with `subject` becomes
 * an accessory of its subject instead of a listed artifact (`src/server/middleware/subject/subject.go`).
 */

export interface HarborLabelRecord {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly color: string;
  /** `g` or `p`. */
  readonly scope: string;
  readonly project_id: number;
}

export interface HarborArtifactRecord {
  readonly id: number;
  readonly digest: string;
  readonly repository: string;
  /** Harbor's type: IMAGE, CNAI, MODEL, UNKNOWN… (harbor-scanner-api.md §3.8–§3.9). */
  readonly type: string;
  readonly mediaType: string;
  readonly manifestMediaType: string;
  readonly artifactType: string;
  readonly tags: string[];
  readonly labelIds: Set<number>;
  /** Manifests whose subject is this artifact, as Harbor records them. */
  readonly accessories: HarborAccessoryRecord[];
}

export interface HarborAccessoryRecord {
  readonly digest: string;
  /** Harbor's accessory type (`subject.accessory`, `sbom.harbor`…). */
  readonly type: string;
  /** What the referrers API answers for it (`src/server/registry/referrers.go`). */
  readonly descriptor: {
    readonly mediaType: string;
    readonly digest: string;
    readonly size: number;
    readonly artifactType: string;
    readonly annotations?: Record<string, string>;
  };
}

/** Accessory types as `subject.go` assigns them (the subset the scanner produces). */
const ACCESSORY_TYPES: Readonly<Record<string, string>> = { 'application/vnd.goharbor.harbor.sbom.v1': 'sbom.harbor' };

const IMAGE_KEYS = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/**
 * Harbor's type for a manifest: `IMAGE` for the image processors' keys, `CNAI` for the ModelPack
 * artifactType Harbor main registers, else the default processor's regex on the media type
 * (`src/controller/artifact/processor/default.go`), `UNKNOWN` when it does not match.
 */
export function harborType(manifestMediaType: string, body: Record<string, unknown>): { type: string; mediaType: string; artifactType: string } {
  const isIndex = Array.isArray(body['manifests']);
  const config = (body['config'] ?? {}) as { mediaType?: string };
  const mediaType = isIndex ? manifestMediaType : (config.mediaType ?? '');
  const artifactType = typeof body['artifactType'] === 'string' ? body['artifactType'] : isIndex ? '' : mediaType;
  const key = artifactType || mediaType;
  if (IMAGE_KEYS.has(key)) return { type: 'IMAGE', mediaType, artifactType };
  if (key === 'application/vnd.cncf.model.manifest.v1+json') return { type: 'CNAI', mediaType, artifactType };
  const match = /^application\/vnd\.[^.]*\.(.*)\.config\.[^.]*\+json$/.exec(mediaType);
  return { type: match ? match[1]!.toUpperCase() : 'UNKNOWN', mediaType, artifactType };
}

export class HarborState {
  readonly projects = new Map<string, number>();
  readonly artifacts: HarborArtifactRecord[] = [];
  readonly labels: HarborLabelRecord[] = [];
  #nextId = 1;

  project(name: string): number {
    let id = this.projects.get(name);
    if (id === undefined) {
      id = this.#nextId++;
      this.projects.set(name, id);
    }
    return id;
  }

  repositories(project: string): string[] {
    return [...new Set(this.artifacts.filter((a) => a.repository.startsWith(`${project}/`)).map((a) => a.repository))].sort();
  }

  artifact(repository: string, reference: string): HarborArtifactRecord | undefined {
    return this.artifacts.find((a) => a.repository === repository && (a.digest === reference || a.tags.includes(reference)));
  }

  /** A manifest pushed through the registry proxy: a new artifact, a new tag, or an accessory. */
  recordPush(
    repository: string,
    reference: string,
    manifest: { readonly digest: string; readonly size: number; readonly mediaType: string },
    body: Record<string, unknown>,
  ): HarborArtifactRecord | undefined {
    const { digest, mediaType: manifestMediaType } = manifest;
    this.project(repository.slice(0, repository.indexOf('/')));
    const subject = body['subject'] as { digest?: string } | undefined;
    if (subject?.digest) {
      const config = (body['config'] ?? {}) as { mediaType?: string };
      const artifactType = typeof body['artifactType'] === 'string' ? body['artifactType'] : (config.mediaType ?? '');
      const annotations = body['annotations'] as Record<string, string> | undefined;
      this.artifact(repository, subject.digest)?.accessories.push({
        digest,
        type: ACCESSORY_TYPES[artifactType] ?? 'subject.accessory',
        descriptor: { mediaType: manifestMediaType, digest, size: manifest.size, artifactType, ...(annotations ? { annotations } : {}) },
      });
      return undefined;
    }
    const existing = this.artifact(repository, digest);
    const isTag = !reference.includes(':');
    if (existing) {
      if (isTag && !existing.tags.includes(reference)) existing.tags.push(reference);
      return existing;
    }
    const record: HarborArtifactRecord = {
      id: this.#nextId++,
      digest,
      repository,
      ...harborType(manifestMediaType, body),
      manifestMediaType,
      tags: isTag ? [reference] : [],
      labelIds: new Set(),
      accessories: [],
    };
    this.artifacts.push(record);
    return record;
  }

  createLabel(label: Omit<HarborLabelRecord, 'id'>): HarborLabelRecord {
    const record = { ...label, id: this.#nextId++ };
    this.labels.push(record);
    return record;
  }

  /** Names of the labels on an artifact, sorted. */
  labelNames(artifact: HarborArtifactRecord): string[] {
    return this.labels.filter((l) => artifact.labelIds.has(l.id)).map((l) => l.name).sort();
  }
}
