/**
 * The scan controller: accepts a scan (store + queue, no registry traffic, so Harbor's 5 s timeout is
 * never at risk) and runs it on a worker (pull → files → analyzers → result). Failures become job state
 * with a message an admin can act on; they never escape as exceptions.
 */
import { randomUUID } from 'node:crypto';
import type { ScanEngine } from '../../analyzers/engine.js';
import { ScannerError } from '../errors/scanner-error.js';
import type { JobFailure, ScanResult, ScanTarget } from '../jobs/model.js';
import type { JobQueue } from '../jobs/queue.js';
import type { SecretSealer } from '../jobs/sealed-secret.js';
import type { JobStore } from '../jobs/store.js';
import type { Logger } from '../observability/logger.js';
import { inSpan } from '../observability/tracing.js';
import { scanFiles, type ModelFileInput } from './scan-files.js';

/** An artifact opened for scanning: its packaging and its files, read through one registry client. */
export interface OpenedArtifact {
  readonly packaging: string;
  files(): AsyncIterable<ModelFileInput>;
  bytesFetched(): number;
  /** Releases connections; called once the scan is over, whatever its outcome. */
  close(): Promise<void>;
}

/** Opens the artifact a target names, with the registry `Authorization` value Harbor sent (if any). */
export type ArtifactOpener = (target: ScanTarget, authorization: string | undefined, signal: AbortSignal) => Promise<OpenedArtifact>;

export interface ScanControllerDeps {
  readonly store: JobStore;
  readonly queue: JobQueue;
  readonly sealer: SecretSealer;
  readonly engine: ScanEngine;
  readonly openArtifact: ArtifactOpener;
  readonly logger: Logger;
  readonly scanTimeoutMs: number;
}

export class ScanTimeoutError extends ScannerError {
  readonly code = 'E_SCAN_TIMEOUT';
}

export class CredentialsLostError extends ScannerError {
  readonly code = 'E_CREDENTIALS_LOST';
}

export class ScanController {
  constructor(private readonly deps: ScanControllerDeps) {}

  /** Records and queues a scan; returns its id. Does no registry I/O. */
  async accept(target: ScanTarget, authorization: string | undefined): Promise<string> {
    const id = randomUUID();
    await this.deps.store.create({
      id,
      target,
      ...(authorization ? { sealedAuthorization: this.deps.sealer.seal(authorization) } : {}),
    });
    await this.deps.queue.enqueue(id);
    this.deps.logger.info({ scan_job_id: id, repository: target.repository, digest: target.digest }, 'scan accepted');
    return id;
  }

  /** Re-queues jobs a previous process accepted but did not finish. */
  async resume(): Promise<number> {
    const pending = await this.deps.store.unfinished();
    for (const job of pending) await this.deps.queue.enqueue(job.id);
    if (pending.length > 0) this.deps.logger.info({ count: pending.length }, 'resuming unfinished scans');
    return pending.length;
  }

  /** Worker entry: runs one job to a final state. */
  readonly run = async (jobId: string): Promise<void> => {
    const { store, logger } = this.deps;
    const job = await store.get(jobId);
    if (!job || !(await store.markRunning(jobId))) return;
    const log = logger.child({ scan_job_id: jobId });
    const started = Date.now();
    try {
      const authorization = await this.authorizationOf(jobId);
      const result = await this.scanWithTimeout(job.target, authorization, log);
      await store.finish(jobId, result);
      log.info(
        { duration_ms: Date.now() - started, files: result.filesScanned, findings: result.findings.length, bytes_fetched: result.bytesFetched },
        'scan finished',
      );
    } catch (error) {
      const failure = describeFailure(error);
      await store.fail(jobId, failure);
      log.warn({ duration_ms: Date.now() - started, code: failure.code, error: failure.message }, 'scan failed');
    }
  };

  private async authorizationOf(jobId: string): Promise<string | undefined> {
    const sealed = await this.deps.store.sealedAuthorization(jobId);
    if (!sealed) return undefined;
    const authorization = this.deps.sealer.open(sealed);
    if (authorization === undefined)
      throw new CredentialsLostError(
        'the scanner restarted before this scan ran and could not recover the registry credentials (set SCANNER_STORE_KEY to resume scans across restarts); scan the artifact again',
      );
    return authorization;
  }

  private async scanWithTimeout(target: ScanTarget, authorization: string | undefined, log: Logger): Promise<ScanResult> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new ScanTimeoutError(`scan exceeded the time limit of ${Math.round(this.deps.scanTimeoutMs / 1000)} s (SCANNER_SCAN_TIMEOUT)`)),
      this.deps.scanTimeoutMs,
    );
    try {
      return await inSpan('scan', { 'artifact.repository': target.repository, 'artifact.digest': target.digest }, async () => {
        const artifact = await inSpan('scan.pull', {}, () => this.deps.openArtifact(target, authorization, controller.signal));
        try {
          return await inSpan('scan.analyze', { 'artifact.packaging': artifact.packaging }, () =>
            scanFiles(this.deps.engine, artifact.files(), {
              packaging: artifact.packaging,
              signal: controller.signal,
              bytesFetched: () => artifact.bytesFetched(),
              onFile: (p) => log.debug({ files_done: p.files, bytes_done: p.bytes, path: p.path }, 'file analysed'),
            }),
          );
        } finally {
          await artifact.close();
        }
      });
    } catch (error) {
      // An abort surfaces as whatever the aborted operation threw; report the reason instead.
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
  }
}

function describeFailure(error: unknown): JobFailure {
  if (error instanceof ScannerError) return { code: error.code, message: error.message };
  return { code: 'E_INTERNAL', message: `internal error: ${error instanceof Error ? error.message : String(error)}` };
}
