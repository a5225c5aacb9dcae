/**
 * Runs the engine over a sequence of model files (from a registry artifact or a local directory) and
 * collects one ScanResult. Files are taken one at a time unless the artifact says they are independent
 * (`concurrency`): those backed by a decompression stream are only readable until the next file is
 * requested. Results keep the order of `files()` either way. Artifact-level findings (manifests, configs,
 * the layer walk) are added once every file has been scanned — the one path the service and the CLI share.
 */
import type { Fact, FileMeta } from '../../analyzers/analyzer.js';
import type { ScanEngine, ScanStats } from '../../analyzers/engine.js';
import type { Finding } from '../../analyzers/finding.js';
import type { ByteSource } from '../../analyzers/source.js';
import type { FileAnalysis } from '../artifact/types.js';
import type { ScanResult, ScannedFile } from '../jobs/model.js';

export interface ModelFileInput extends FileMeta {
  readonly source: ByteSource;
  /** Digest of the layer holding the file, when the file has none of its own (members of uncompressed tar layers). */
  readonly layerDigest?: string;
  /** The digest of a member of a streamed layer, known once the files after it are being read. */
  readonly streamedDigest?: () => string | undefined;
  /** The file's analysis, replayed from the layer result cache: the engine does not read it again. */
  readonly analysis?: FileAnalysis;
  /** Told the file's analysis once it is done and no transport failure touched it (the layer result cache records it). */
  readonly recordAnalysis?: (analysis: FileAnalysis) => void;
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
  /**
   * How many files may be analysed at once: only for files that stay readable after the next one is
   * requested (local files). Absent: one at a time.
   */
  readonly concurrency?: number;
  /** Registry artifacts: transport failures met while files are read fail the scan (./transport-watch.ts). */
  readonly transport?: TransportFailures;
}

/** Aborts with, and {@link check} throws, the first transport failure a file's reads met. */
export interface TransportFailures {
  readonly signal: AbortSignal;
  check(): void;
}

/** Scan every file of `artifact` ({@link scanFiles}), then add its artifact-level findings. */
export async function scanArtifact(
  engine: ScanEngine,
  artifact: ScannableArtifact,
  options: Parameters<typeof scanFiles>[2],
): Promise<ScanResult> {
  const packaging = artifact.packagingFacts?.() ?? [];
  const transport = artifact.transport;
  const result = await scanFiles(engine, artifact.files(), {
    ...options,
    ...(packaging.length > 0 ? { facts: packaging } : {}),
    ...(artifact.concurrency ? { concurrency: artifact.concurrency } : {}),
    ...(transport ? { transport } : {}),
  });
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
    /** Files analysed at once (see {@link ScannableArtifact.concurrency}); default 1. */
    concurrency?: number;
    transport?: TransportFailures;
  },
): Promise<ScanResult> {
  const { transport } = options;
  // A transport failure stops the analysis at once: the engine rethrows an abort reason, never grades it.
  const signal = transport ? AbortSignal.any([options.signal, transport.signal]) : options.signal;
  const stats: ScanStats = { filesScanned: 0, bytesScanned: 0 };
  const perFile: Array<{ file: ScannedFile; findings: readonly Finding[]; facts: readonly Fact[] }> = [];
  const streamed: Array<{ index: number; digest: () => string | undefined }> = [];
  let done = 0;
  const scanOne = async (file: ModelFileInput, index: number): Promise<void> => {
    const { source, layerDigest, streamedDigest, analysis, recordAnalysis, ...meta } = file;
    if (streamedDigest) streamed.push({ index, digest: streamedDigest });
    try {
      const result = analysis ? replayed(meta, analysis, stats) : await engine.scanFile(meta, source, signal, stats);
      transport?.check();
      if (!analysis) recordAnalysis?.({ format: result.format, findings: result.findings, facts: result.facts });
      perFile[index] = {
        file: {
          path: meta.path,
          size: meta.size,
          format: result.format,
          ...(meta.digest ? { digest: meta.digest } : {}),
          ...(meta.mediaType ? { mediaType: meta.mediaType } : {}),
          ...(layerDigest ? { layerDigest } : {}),
        },
        findings: result.findings,
        facts: result.facts,
      };
    } finally {
      await source.close?.();
    }
    options.onFile?.({ files: ++done, bytes: stats.bytesScanned, path: meta.path });
  };
  await forEachBounded(files, options.concurrency ?? 1, scanOne);
  transport?.check();
  const scanned = perFile.map((p) => p.file);
  const findings = perFile.flatMap((p) => p.findings);
  const facts = [...(options.facts ?? []), ...perFile.flatMap((p) => p.facts)];
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

/** A recorded analysis, counted as the engine counts a file it scans. */
function replayed(meta: FileMeta, analysis: FileAnalysis, stats: ScanStats): FileAnalysis {
  stats.filesScanned += 1;
  stats.bytesScanned += meta.size ?? 0;
  return analysis;
}

/**
 * Runs `task` on each item with at most `limit` in flight, in order of arrival; the first failure stops
 * taking items and is thrown once the running tasks have settled (none is left running unobserved).
 */
async function forEachBounded<T>(items: AsyncIterable<T>, limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let index = 0;
  try {
    for await (const item of items) {
      // An abort fails the task at once (the engine checks the signal first), which still releases the item.
      const run: Promise<void> = task(item, index++).then(
        () => void running.delete(run),
        (error: unknown) => {
          running.delete(run);
          failure ??= { error };
        },
      );
      running.add(run);
      if (running.size >= limit) await Promise.race(running);
      if (failure) break;
    }
  } finally {
    await Promise.all(running);
  }
  if (failure) throw failure.error;
}

/** Marks a finding drawn from the whole artifact (reports key its record by the artifact, not a file). */
function aboutTheArtifact(finding: Finding): Finding {
  return { ...finding, scope: 'artifact' };
}
