/**
 * The scan controller: accepts a scan (store + queue, no registry traffic, so Harbor's 5 s timeout is
 * never at risk) and runs it when the queue hands it over: the analysis (pull → files → analyzers →
 * result) goes to the scanner — analysis threads in the server (./scan-threads.ts) — while the job's
 * state, deadline, metrics and logs stay here. Failures become job state with a message an admin can act
 * on; they never escape as exceptions.
 */
import { randomUUID } from 'node:crypto';
import { ScannerError } from '../errors/scanner-error.js';
import type { JobFailure, ScanJob, ScanTarget } from '../jobs/model.js';
import type { FinishedScan } from '../jobs/packed-result.js';
import type { JobQueue } from '../jobs/queue.js';
import type { SecretSealer } from '../jobs/sealed-secret.js';
import type { JobStore } from '../jobs/store.js';
import type { Logger } from '../observability/logger.js';
import type { RunningScanMetrics, ScanMetrics, ScanStage } from '../observability/metrics.js';
import { ScanProgress } from '../observability/progress.js';
import { inSpan } from '../observability/tracing.js';
import type { ArtifactScanner, ScanSession } from './artifact-scanner.js';
import type { ScannableArtifact } from './scan-files.js';
import type { SharedAnalyses, SharedTurn } from './shared-analysis.js';

/**
 * An artifact opened for scanning: its packaging, its files and its artifact-level findings, read through
 * one registry client.
 */
export interface OpenedArtifact extends ScannableArtifact {
  readonly packaging: string;
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
  /** Runs the analyses. */
  readonly scanner: ArtifactScanner;
  /** Opens artifacts (manifests only) to check a job's credentials before it shares an analysis. */
  readonly openArtifact: ArtifactOpener;
  readonly logger: Logger;
  readonly scanTimeoutMs: number;
  /** Scans of the same content share one analysis (./shared-analysis.ts). */
  readonly sharing: SharedAnalyses;
  /** Absent: nothing is measured. */
  readonly metrics?: ScanMetrics;
  /** Interval of "scan in progress" log lines; absent or 0: none. */
  readonly progressLogIntervalMs?: number;
}

export class ScanTimeoutError extends ScannerError {
  readonly code = 'E_SCAN_TIMEOUT';
}

export class CredentialsLostError extends ScannerError {
  readonly code = 'E_CREDENTIALS_LOST';
}

/** Told about a job once this controller brought it to a final state (`finished` or `failed`). */
export type ScanFinishedListener = (job: ScanJob) => void | Promise<void>;

/** What this process did with the scans it was given: analyses performed against requests accepted. */
export interface AnalysisCounters {
  /** Scan requests accepted (POST /scan). */
  requests: number;
  /** Analyses run (registry reads and analyzers). */
  analyses: number;
  /** Jobs finished from an earlier analysis of the same content. */
  reused: number;
  /** Jobs that waited for an analysis already running (possibly on another replica). */
  joined: number;
}

export class ScanController {
  readonly counters: AnalysisCounters = { requests: 0, analyses: 0, reused: 0, joined: 0 };

  private readonly finishedListeners: ScanFinishedListener[] = [];

  constructor(private readonly deps: ScanControllerDeps) {}

  /**
   * Registers `listener` for jobs this controller analysed, answered from an earlier analysis, or gave up
   * (the webhook mode attaches results with it). A job waiting for another job's analysis is finished by
   * that analysis, possibly on another replica, and is not reported here.
   */
  onFinished(listener: ScanFinishedListener): void {
    this.finishedListeners.push(listener);
  }

  /** Records and queues a scan; returns its id. Does no registry I/O. */
  async accept(target: ScanTarget, authorization: string | undefined): Promise<string> {
    const id = randomUUID();
    await this.deps.store.create({
      id,
      target,
      ...(authorization ? { sealedAuthorization: this.deps.sealer.seal(authorization) } : {}),
    });
    await this.deps.queue.enqueue(id);
    this.counters.requests++;
    this.deps.metrics?.scanAccepted(target);
    this.deps.logger.info({ scan_job_id: id, repository: target.repository, digest: target.digest }, 'scan accepted');
    return id;
  }

  /** Resumes jobs a previous process accepted but did not finish, as far as the queue leaves that to us. */
  async resume(): Promise<number> {
    const count = await this.deps.queue.resume(async () => (await this.deps.store.unfinished()).map((job) => job.id));
    if (count > 0) this.deps.logger.info({ count }, 'resuming unfinished scans');
    return count;
  }

  /** The queue gave up on a job (its replicas kept dying): record why, and let its waiting jobs run. */
  readonly abandon = async (jobId: string, failure: JobFailure): Promise<void> => {
    const job = await this.deps.store.get(jobId);
    if (!job || job.status === 'finished' || job.status === 'failed') return;
    await this.deps.store.fail(jobId, failure);
    await this.deps.sharing.failed(job);
    this.deps.logger.warn({ scan_job_id: jobId, code: failure.code, error: failure.message }, 'scan abandoned');
    await this.notifyFinished(jobId);
  };

  /** Worker entry: runs one job to a final state. */
  readonly run = async (jobId: string): Promise<void> => {
    const { store, logger } = this.deps;
    const job = await store.get(jobId);
    if (!job || !(await store.markRunning(jobId))) return;
    const log = logger.child({ scan_job_id: jobId });
    const started = Date.now();
    let progress: ScanProgress | undefined;
    let measured: RunningScanMetrics | undefined;
    try {
      const authorization = await this.authorizationOf(jobId, job.status === 'running');
      const turn = await this.deps.sharing.join(job, () => this.checkAccess(job.target, authorization));
      if (turn !== 'lead') {
        this.countShared(turn, log);
        if (turn === 'reused') await this.notifyFinished(jobId);
        return;
      }
      this.counters.analyses++;
      progress = new ScanProgress(log, this.deps.progressLogIntervalMs ?? 0);
      measured = this.deps.metrics?.scanStarted(jobId, job.target, progress);
      const { packed, summary } = await this.scanWithTimeout(job.target, authorization, log, progress, measured);
      await store.finish(jobId, packed);
      await this.deps.sharing.succeeded(job, packed);
      measured?.finished(summary);
      const findings = summary.findings.reduce((n, f) => n + f.count, 0);
      log.info(
        { duration_ms: Date.now() - started, files: summary.filesScanned, findings, bytes_fetched: summary.bytesFetched },
        'scan finished',
      );
    } catch (error) {
      const failure = describeFailure(error);
      measured?.failed(error, failure);
      await store.fail(jobId, failure);
      await this.deps.sharing.failed(job);
      log.warn({ duration_ms: Date.now() - started, code: failure.code, error: failure.message }, 'scan failed');
    } finally {
      progress?.stop();
    }
    await this.notifyFinished(jobId);
  };

  /**
   * Opening the artifact with the job's own credentials (manifests only, no layer is read) proves they
   * can pull it: only then may the job share another job's analysis.
   */
  private async checkAccess(target: ScanTarget, authorization: string | undefined): Promise<void> {
    const artifact = await this.deps.openArtifact(target, authorization, AbortSignal.timeout(this.deps.scanTimeoutMs));
    await artifact.close();
  }

  private countShared(turn: Exclude<SharedTurn, 'lead'>, log: Logger): void {
    if (turn === 'reused') this.counters.reused++;
    else this.counters.joined++;
    this.deps.metrics?.analysisDeduplicated();
    log.info({ shared: turn }, turn === 'reused' ? 'scan answered from an earlier analysis of the same content' : 'scan waits for a running analysis of the same content');
  }

  /** Hands the final job to each listener; a listener's failure is logged and never fails the job. */
  private async notifyFinished(jobId: string): Promise<void> {
    if (this.finishedListeners.length === 0) return;
    const job = await this.deps.store.get(jobId);
    if (!job || (job.status !== 'finished' && job.status !== 'failed')) return;
    for (const listener of this.finishedListeners) {
      try {
        await listener(job);
      } catch (err) {
        this.deps.logger.warn({ scan_job_id: jobId, err }, 'scan finished listener failed');
      }
    }
  }

  /** `interrupted`: a previous process had started this scan (it was `running`), not merely queued it. */
  private async authorizationOf(jobId: string, interrupted: boolean): Promise<string | undefined> {
    const sealed = await this.deps.store.sealedAuthorization(jobId);
    if (!sealed) return undefined;
    const authorization = this.deps.sealer.open(sealed);
    if (authorization === undefined)
      throw new CredentialsLostError(
        `the scanner restarted ${interrupted ? 'while this scan was running' : 'before this scan ran'} and could not recover the registry credentials to resume it (set SCANNER_STORE_KEY to resume scans across restarts); scan the artifact again`,
      );
    return authorization;
  }

  private async scanWithTimeout(
    target: ScanTarget,
    authorization: string | undefined,
    log: Logger,
    progress: ScanProgress,
    measured: RunningScanMetrics | undefined,
  ): Promise<FinishedScan> {
    const timed = <T>(stage: ScanStage, work: () => Promise<T>): Promise<T> => (measured ? measured.time(stage, work) : work());
    this.deps.metrics?.analysisPerformed();
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new ScanTimeoutError(`scan exceeded the time limit of ${Math.round(this.deps.scanTimeoutMs / 1000)} s (SCANNER_SCAN_TIMEOUT)`)),
      this.deps.scanTimeoutMs,
    );
    try {
      return await inSpan('scan', { 'artifact.repository': target.repository, 'artifact.digest': target.digest }, async () => {
        let session!: ScanSession;
        const { packaging } = await inSpan('scan.pull', {}, () =>
          timed('pull', () => {
            session = this.deps.scanner.start({
              target,
              authorization,
              signal: controller.signal,
              log,
              onProgress: (p) => progress.update(p.files, p.bytes),
            });
            return session.opened;
          }),
        );
        progress.start(() => session.bytesFetched());
        return await inSpan('scan.analyze', { 'artifact.packaging': packaging }, () => timed('analyze', () => session.result));
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
