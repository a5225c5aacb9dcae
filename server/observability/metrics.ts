/**
 * What the scanner measures: scans by status and capability, scan and stage durations, bytes fetched
 * against artifact size, findings by severity and rule, queue depth, registry errors by kind, and the
 * progress of running scans. Each metric is defined once here and recorded into every {@link MetricSink}
 * attached: Prometheus for /metrics (./prometheus.ts), OpenTelemetry when its SDK runs (./otel.ts).
 * With no sink attached nothing is recorded anywhere.
 */
import { METRICS_ROUTE } from '../../spec/routes.js';
import * as registryErrors from '../errors/registry-errors.js';
import { RelayedScannerError } from '../errors/scanner-error.js';
import type { JobFailure, ScanTarget } from '../jobs/model.js';
import type { ResultSummary } from '../jobs/packed-result.js';

/** Where Prometheus scrapes (the path harbor-scanner-trivy uses too). */
export const METRICS_PATH = METRICS_ROUTE.path;

export type Labels = Readonly<Record<string, string>>;

export interface MetricDefinition {
  readonly kind: 'counter' | 'gauge';
  /** Prometheus name, prefix included (`_total` for counters). */
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
}

export interface HistogramDefinition extends Omit<MetricDefinition, 'kind'> {
  readonly kind: 'histogram';
  readonly buckets: readonly number[];
  /** UCUM unit for OpenTelemetry (`s`, `1`); the Prometheus name carries it as a suffix. */
  readonly unit: string;
}

type Definition = MetricDefinition | HistogramDefinition;

/** A metrics backend: creates instruments from definitions; gauges are read when the backend collects. */
export interface MetricSink {
  counter(definition: MetricDefinition): Recorder;
  histogram(definition: HistogramDefinition): Recorder;
  gauge(definition: MetricDefinition, observe: () => Iterable<readonly [Labels, number]>): void;
}

export type Recorder = (value: number, labels: Labels) => void;

const PREFIX = 'harbor_scanner_models_';

/** From a 1 s manifest pull to hour-long model scans (SCANNER_SCAN_TIMEOUT defaults to 60 m). */
const DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Bytes fetched per artifact byte: far below 1 when headers are read by Range, near 1 when layers stream. */
const FETCH_RATIO_BUCKETS = [0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2];

const counter = (name: string, help: string, labels: readonly string[] = []): MetricDefinition => ({ kind: 'counter', name: `${PREFIX}${name}`, help, labels });
const gauge = (name: string, help: string, labels: readonly string[] = []): MetricDefinition => ({ kind: 'gauge', name: `${PREFIX}${name}`, help, labels });
const histogram = (name: string, help: string, labels: readonly string[], buckets: readonly number[], unit: string): HistogramDefinition => ({
  kind: 'histogram',
  name: `${PREFIX}${name}`,
  help,
  labels,
  buckets,
  unit,
});

export const METRICS = {
  scans: counter('scans_total', 'Scans by status (accepted, finished, failed) and capability.', ['status', 'capability']),
  scanDuration: histogram(
    'scan_duration_seconds',
    'Duration of finished and failed scans, from worker start to final state.',
    ['status', 'capability'],
    DURATION_BUCKETS,
    's',
  ),
  stageDuration: histogram(
    'scan_stage_duration_seconds',
    'Duration of scan stages: pull (manifests and config resolved) and analyze (files fetched and analysed).',
    ['stage'],
    DURATION_BUCKETS,
    's',
  ),
  bytesFetched: counter('registry_bytes_fetched_total', 'Bytes fetched from registries by finished scans.'),
  artifactBytes: counter('artifact_bytes_total', 'Artifact size (as Harbor reports it) of finished scans.'),
  bytesAnalyzed: counter('bytes_analyzed_total', 'Bytes analysed by finished scans (decompressed, container members included).'),
  fetchRatio: histogram('scan_fetch_ratio', 'Bytes fetched divided by artifact size, per finished scan of known size.', [], FETCH_RATIO_BUCKETS, '1'),
  findings: counter('findings_total', 'Findings of finished scans by severity and rule.', ['severity', 'rule']),
  failures: counter('scan_failures_total', 'Failed scans by error code.', ['code']),
  storeWriteFailures: counter('store_write_failures_total', 'Failed job-store writes by operation (each retry counts); results are kept and written again.', ['operation']),
  registryErrors: counter('registry_errors_total', 'Registry errors that ended a scan, by kind (error code).', ['kind']),
  analyses: counter(
    'analyses_total',
    'Artifact analyses performed, and scans answered from another scan of the same digest and rule set (deduplicated).',
    ['outcome'],
  ),
  queueDepth: gauge('queue_depth', 'Scans waiting for a worker.'),
  running: gauge('scans_running', 'Scans running in this process.'),
  progressFiles: gauge('scan_progress_files', 'Files analysed so far by each running scan.', ['scan_job_id']),
  progressBytes: gauge('scan_progress_bytes', 'Bytes analysed so far by each running scan.', ['scan_job_id']),
  progressFetched: gauge('scan_progress_bytes_fetched', 'Bytes fetched from the registry so far by each running scan.', ['scan_job_id']),
} as const satisfies Record<string, Definition>;

type RecordedMetric = { [K in keyof typeof METRICS]: (typeof METRICS)[K]['kind'] extends 'gauge' ? never : K }[keyof typeof METRICS];
type Recorders = { readonly [K in RecordedMetric]?: Recorder };

/** The live counts of a running scan, read when metrics are collected. */
export interface ScanProgressView {
  readonly filesDone: number;
  readonly bytesDone: number;
  bytesFetched(): number;
}

export type ScanStage = 'pull' | 'analyze';

export interface ScanMetricsOptions {
  readonly sinks: readonly MetricSink[];
  /** Jobs waiting for a worker (JobQueue.depth). */
  readonly queueDepth?: () => number;
}

/** Records scan events into every attached sink. One per server. */
export class ScanMetrics {
  private readonly recorders: Recorders;
  private readonly running = new Map<string, ScanProgressView>();

  constructor(options: ScanMetricsOptions) {
    const recorders: Partial<Record<RecordedMetric, Recorder>> = {};
    for (const [key, definition] of Object.entries(METRICS) as [keyof typeof METRICS, Definition][]) {
      if (definition.kind === 'gauge' || options.sinks.length === 0) continue;
      const each = options.sinks.map((sink) => (definition.kind === 'histogram' ? sink.histogram(definition) : sink.counter(definition)));
      recorders[key as RecordedMetric] = (value, labels) => each.forEach((record) => record(value, labels));
    }
    this.recorders = recorders;
    const { queueDepth } = options;
    for (const sink of options.sinks) {
      if (queueDepth) sink.gauge(METRICS.queueDepth, () => [[{}, queueDepth()]]);
      sink.gauge(METRICS.running, () => [[{}, this.running.size]]);
      sink.gauge(METRICS.progressFiles, () => this.perScan((p) => p.filesDone));
      sink.gauge(METRICS.progressBytes, () => this.perScan((p) => p.bytesDone));
      sink.gauge(METRICS.progressFetched, () => this.perScan((p) => p.bytesFetched()));
    }
  }

  scanAccepted(target: ScanTarget): void {
    this.recorders.scans?.(1, { status: 'accepted', capability: capabilityOf(target) });
  }

  /** A worker took the job; the returned handle records its stages and outcome. */
  scanStarted(jobId: string, target: ScanTarget, progress: ScanProgressView): RunningScanMetrics {
    this.running.set(jobId, progress);
    return new RunningScanMetrics(this.recorders, capabilityOf(target), target.size, () => this.running.delete(jobId));
  }

  /** One artifact analysis ran (registry reads and analyzers). */
  analysisPerformed(): void {
    this.recorders.analyses?.(1, { outcome: 'performed' });
  }

  /** A job-store write failed (full disk, Redis down); ../jobs/write-retrying-store.ts retries it. */
  storeWriteFailed(operation: string): void {
    this.recorders.storeWriteFailures?.(1, { operation });
  }

  /** A scan was answered from the analysis of another scan of the same digest and rule set. */
  analysisDeduplicated(): void {
    this.recorders.analyses?.(1, { outcome: 'deduplicated' });
  }

  private *perScan(value: (progress: ScanProgressView) => number): Iterable<readonly [Labels, number]> {
    for (const [jobId, progress] of this.running) yield [{ scan_job_id: jobId }, value(progress)];
  }
}

/** One running scan's measurements; `finished` or `failed` ends it. */
export class RunningScanMetrics {
  private readonly startedAt = process.hrtime.bigint();

  constructor(
    private readonly recorders: Recorders,
    private readonly capability: string,
    /** Artifact size as Harbor reported it, when it did. */
    private readonly artifactSize: number | undefined,
    private readonly end: () => void,
  ) {}

  /** Runs `work` and records its duration as `stage`, whether it succeeds or not. */
  async time<T>(stage: ScanStage, work: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.recorders.stageDuration?.(secondsSince(started), { stage });
    }
  }

  finished(result: ResultSummary): void {
    const r = this.recorders;
    this.outcome('finished');
    r.bytesFetched?.(result.bytesFetched, {});
    r.bytesAnalyzed?.(result.bytesScanned, {});
    if (this.artifactSize !== undefined && this.artifactSize > 0) {
      r.artifactBytes?.(this.artifactSize, {});
      r.fetchRatio?.(result.bytesFetched / this.artifactSize, {});
    }
    for (const { severity, rule, count } of result.findings) r.findings?.(count, { severity, rule });
  }

  failed(error: unknown, failure: JobFailure): void {
    this.outcome('failed');
    this.recorders.failures?.(1, { code: failure.code });
    const registryCode = registryErrorCode(error);
    if (registryCode) this.recorders.registryErrors?.(1, { kind: registryCode });
  }

  private outcome(status: 'finished' | 'failed'): void {
    this.end();
    const labels = { status, capability: this.capability };
    this.recorders.scans?.(1, labels);
    this.recorders.scanDuration?.(secondsSince(this.startedAt), labels);
  }
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * The capability label: the types the scan request enabled (Harbor sends one per scan: vulnerability,
 * sbom or model-security); a scan without them (none in the request, or not from Harbor's API) counts
 * as vulnerability, the spec's default.
 */
export function capabilityOf(target: ScanTarget): string {
  return target.capabilities?.length ? [...new Set(target.capabilities)].sort().join(',') : 'vulnerability';
}

/** Every error class of the registry client (../errors/registry-errors.ts), whatever gets added there. */
const REGISTRY_ERROR_CLASSES: readonly (abstract new (...args: never[]) => Error)[] = Object.values(registryErrors).filter(
  (value) => typeof value === 'function' && value.prototype instanceof Error,
);

/**
 * The code of the first registry error along the `cause` chain (artifact errors wrap them), or of the one
 * an analysis thread relayed.
 */
export function registryErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) {
    if (current instanceof RelayedScannerError) return current.registryCode;
    if (REGISTRY_ERROR_CLASSES.some((c) => current instanceof c)) return (current as unknown as { code: string }).code;
  }
  return undefined;
}
