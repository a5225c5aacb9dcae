/**
 * The controller's seam to the analysis: start a scan of one target, learn when its artifact is open
 * (the `pull` stage) and when its result is ready (`analyze`). The server runs scans on analysis threads
 * (./scan-threads.ts); {@link inProcessScanner} runs them on the calling thread, and is what each analysis
 * thread runs.
 */
import type { ScanTarget } from '../jobs/model.js';
import { packResult, type FinishedScan } from '../jobs/packed-result.js';
import type { ScanRuntime } from './scan-runtime.js';
import { scanArtifact } from './scan-files.js';
import type { OpenedArtifact } from './controller.js';

export interface ScanRequest {
  readonly target: ScanTarget;
  /** The registry `Authorization` value Harbor sent, if any. */
  readonly authorization: string | undefined;
  /** The scan's deadline: aborting it ends the scan with the signal's reason. */
  readonly signal: AbortSignal;
  /** Totals so far, after files are analysed (possibly coalesced). */
  readonly onProgress?: (progress: { readonly files: number; readonly bytes: number }) => void;
  /** The scan's log: a debug line per file analysed, and whatever the registry client reports. */
  readonly log: ScanLog;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** The slice of a logger a scan writes to (pino's `Logger` fits). */
export type ScanLog = Record<LogLevel, (fields: Record<string, unknown>, message: string) => void>;

export interface ScanSession {
  /** Settles once the artifact is resolved (manifests, layer list): its packaging. */
  readonly opened: Promise<{ readonly packaging: string }>;
  /** The scan's result, packed where it was produced; rejects as `opened` does when the artifact could not be opened. */
  readonly result: Promise<FinishedScan>;
  /** Registry bytes read so far. */
  bytesFetched(): number;
}

export interface ArtifactScanner {
  start(request: ScanRequest): ScanSession;
}

/** Scans on the calling thread: open the artifact, analyse its files, close it whatever the outcome. */
export function inProcessScanner(runtime: ScanRuntime): ArtifactScanner {
  return {
    start({ target, authorization, signal, onProgress, log }) {
      let artifact: OpenedArtifact | undefined;
      const opening = runtime.openArtifact(target, authorization, signal).then((opened) => (artifact = opened));
      const result = opening.then(async (opened) => {
        try {
          const scanned = await scanArtifact(runtime.engine, opened, {
            packaging: opened.packaging,
            signal,
            bytesFetched: () => opened.bytesFetched(),
            onFile: (p) => {
              onProgress?.({ files: p.files, bytes: p.bytes });
              log.debug({ files_done: p.files, bytes_done: p.bytes, path: p.path }, 'file analysed');
            },
          });
          return packResult(scanned);
        } finally {
          await opened.close();
        }
      });
      // The caller awaits `opened` first: when it rejects, `result` is never awaited.
      result.catch(() => undefined);
      return { opened: opening.then((opened) => ({ packaging: opened.packaging })), result, bytesFetched: () => artifact?.bytesFetched() ?? 0 };
    },
  };
}
