/**
 * Runs the engine over a sequence of model files (from a registry artifact or a local directory) and
 * collects one ScanResult. Files are taken one at a time: those backed by a decompression stream are
 * only readable until the next file is requested.
 */
import type { FileMeta } from '../../analyzers/analyzer.js';
import type { ScanEngine, ScanStats } from '../../analyzers/engine.js';
import type { Finding } from '../../analyzers/finding.js';
import type { ByteSource } from '../../analyzers/source.js';
import type { ScanResult, ScannedFile } from '../jobs/model.js';

export interface ModelFileInput extends FileMeta {
  readonly source: ByteSource;
  /** Digest of the layer holding the file, when the file has none of its own (tar members). */
  readonly layerDigest?: string;
}

export interface ScanProgress {
  (done: { files: number; bytes: number; path: string }): void;
}

export async function scanFiles(
  engine: ScanEngine,
  files: AsyncIterable<ModelFileInput>,
  options: { packaging: string; signal: AbortSignal; onFile?: ScanProgress; bytesFetched?: () => number },
): Promise<ScanResult> {
  const stats: ScanStats = { filesScanned: 0, bytesScanned: 0 };
  const findings: Finding[] = [];
  const scanned: ScannedFile[] = [];
  for await (const file of files) {
    options.signal.throwIfAborted();
    const { source, layerDigest, ...meta } = file;
    const result = await engine.scanFile(meta, source, options.signal, stats);
    findings.push(...result.findings);
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
  return {
    generatedAt: new Date().toISOString(),
    packaging: options.packaging,
    files: scanned,
    filesScanned: stats.filesScanned,
    bytesScanned: stats.bytesScanned,
    bytesFetched: options.bytesFetched?.() ?? 0,
    findings,
  };
}
