/**
 * Runs the engine over a sequence of model files (from a registry artifact or a local directory) and
 * collects one ScanResult. Files are taken one at a time: those backed by a decompression stream are
 * only readable until the next file is requested. Artifact-level findings (manifests, configs, the layer
 * walk) are added once every file has been scanned — the one path the service and the CLI share.
 */
import type { Fact, FileMeta } from '../../analyzers/analyzer.js';
import type { ScanEngine, ScanStats } from '../../analyzers/engine.js';
import type { Finding } from '../../analyzers/finding.js';
import type { ByteSource } from '../../analyzers/source.js';
import type { ScanResult, ScannedFile } from '../jobs/model.js';

export interface ModelFileInput extends FileMeta {
  readonly source: ByteSource;
  /** Digest of the layer holding the file, when the file has none of its own (members of uncompressed tar layers). */
  readonly layerDigest?: string;
  /** The digest of a member of a streamed layer, known once the files after it are being read. */
  readonly streamedDigest?: () => string | undefined;
}

/** Something to scan: the files of a registry artifact or a local directory. */
export interface ScannableArtifact {
  files(): AsyncIterable<ModelFileInput>;
  /**
   * Findings about the artifact as a whole (manifests, configs, the layer walk), asked for once `files()`
   * has been read to the end; `scanned` lists the files in the order `files()` yielded them. Absent for
   * local directories.
   */
  artifactFindings?(scanned: readonly ScannedFile[]): readonly Finding[];
  /** What the manifests and config declare before any file is read (ModelPack/Kitfile licenses). */
  packagingFacts?(): readonly Fact[];
}

/** Scan every file of `artifact` ({@link scanFiles}), then add its artifact-level findings. */
export async function scanArtifact(
  engine: ScanEngine,
  artifact: ScannableArtifact,
  options: Parameters<typeof scanFiles>[2],
): Promise<ScanResult> {
  const packaging = artifact.packagingFacts?.() ?? [];
  const result = await scanFiles(engine, artifact.files(), packaging.length > 0 ? { ...options, facts: packaging } : options);
  const artifactFindings = (artifact.artifactFindings?.(result.files) ?? []).map(aboutTheArtifact);
  return artifactFindings.length === 0 ? result : { ...result, findings: [...result.findings, ...artifactFindings] };
}

export interface ScanProgress {
  (done: { files: number; bytes: number; path: string }): void;
}

export async function scanFiles(
  engine: ScanEngine,
  files: AsyncIterable<ModelFileInput>,
  options: {
    packaging: string;
    signal: AbortSignal;
    onFile?: ScanProgress;
    bytesFetched?: () => number;
    /** Facts the packaging gives before any file is read (a ModelPack config's licenses). */
    facts?: readonly Fact[];
  },
): Promise<ScanResult> {
  const stats: ScanStats = { filesScanned: 0, bytesScanned: 0 };
  const findings: Finding[] = [];
  const facts: Fact[] = [...(options.facts ?? [])];
  const scanned: ScannedFile[] = [];
  const streamed: Array<{ index: number; digest: () => string | undefined }> = [];
  for await (const file of files) {
    options.signal.throwIfAborted();
    const { source, layerDigest, streamedDigest, ...meta } = file;
    if (streamedDigest) streamed.push({ index: scanned.length, digest: streamedDigest });
    const result = await engine.scanFile(meta, source, options.signal, stats);
    findings.push(...result.findings);
    facts.push(...result.facts);
    scanned.push({
      path: meta.path,
      size: meta.size,
      format: result.format,
      ...(meta.digest ? { digest: meta.digest } : {}),
      ...(meta.mediaType ? { mediaType: meta.mediaType } : {}),
      ...(layerDigest ? { layerDigest } : {}),
    });
    options.onFile?.({ files: scanned.length, bytes: stats.bytesScanned, path: meta.path });
  }
  for (const { index, digest } of streamed) {
    const value = digest();
    if (value) scanned[index] = { ...scanned[index]!, digest: value };
  }
  findings.push(...engine.conclude(facts, scanned.map((f) => f.path)).map(aboutTheArtifact));
  return {
    generatedAt: new Date().toISOString(),
    packaging: options.packaging,
    files: scanned,
    filesScanned: stats.filesScanned,
    bytesScanned: stats.bytesScanned,
    bytesFetched: options.bytesFetched?.() ?? 0,
    findings,
    facts,
  };
}

/** Marks a finding drawn from the whole artifact (reports key its record by the artifact, not a file). */
function aboutTheArtifact(finding: Finding): Finding {
  return { ...finding, scope: 'artifact' };
}
