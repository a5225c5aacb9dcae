import { describe, expect, it } from 'vitest';
import { makeFinding, type Rule } from '../../../../analyzers/finding.js';
import { LayerReadError } from '../../../../server/errors/artifact-errors.js';
import { BlobUnknownError } from '../../../../server/errors/registry-errors.js';
import type { ScanResult, ScanTarget } from '../../../../server/jobs/model.js';
import { summarize, type ResultSummary } from '../../../../server/jobs/packed-result.js';
import {
  METRICS,
  ScanMetrics,
  capabilityOf,
  type HistogramDefinition,
  type Labels,
  type MetricDefinition,
  type MetricSink,
  type ScanProgressView,
} from '../../../../server/observability/metrics.js';
import { PrometheusSink } from '../../../../server/observability/prometheus.js';
import { ARTIFACT_MIME } from '../../../../spec/mime.js';

/** Records every call by metric name; gauges are read on `collect()`. */
class RecordingSink implements MetricSink {
  readonly calls: { name: string; value: number; labels: Labels }[] = [];
  private readonly gauges: { name: string; observe: () => Iterable<readonly [Labels, number]> }[] = [];

  counter(definition: MetricDefinition) {
    return (value: number, labels: Labels) => void this.calls.push({ name: definition.name, value, labels });
  }

  histogram(definition: HistogramDefinition) {
    return (value: number, labels: Labels) => void this.calls.push({ name: definition.name, value, labels });
  }

  gauge(definition: MetricDefinition, observe: () => Iterable<readonly [Labels, number]>): void {
    this.gauges.push({ name: definition.name, observe });
  }

  of(definition: MetricDefinition | HistogramDefinition) {
    return this.calls.filter((c) => c.name === definition.name);
  }

  collect(definition: MetricDefinition): [Labels, number][] {
    return this.gauges.filter((g) => g.name === definition.name).flatMap((g) => [...g.observe()].map(([l, v]) => [l, v] as [Labels, number]));
  }
}

const TARGET: ScanTarget = { registryUrl: 'http://r', repository: 'm/x', digest: `sha256:${'1'.repeat(64)}`, mimeType: ARTIFACT_MIME.ociManifest, size: 1000, capabilities: ['vulnerability'] };

const rule = (id: string): Rule => ({ id, analyzer: 'test', severity: 'High', title: id, why: 'w', remediation: 'r' });

/** What the controller hands the metrics: the summary of a result packed in the analysis thread. */
function result(overrides: Partial<ScanResult> = {}): ResultSummary {
  return summarize({ generatedAt: '', packaging: 'image', files: [], filesScanned: 2, bytesScanned: 5000, bytesFetched: 250, findings: [], ...overrides });
}

const idle: ScanProgressView = { filesDone: 0, bytesDone: 0, bytesFetched: () => 0 };

describe('ScanMetrics', () => {
  it.each([
    [['vulnerability'], 'vulnerability'],
    [['sbom'], 'sbom'],
    [['model-security'], 'model-security'],
    [['sbom', 'vulnerability', 'sbom'], 'sbom,vulnerability'],
    [[], 'vulnerability'],
    [undefined, 'vulnerability'],
  ])('should label a scan requesting %j with capability %s', (capabilities, capability) => {
    expect(capabilityOf({ ...TARGET, capabilities })).toBe(capability);
  });

  it('should count findings once per severity and rule with their number', () => {
    const sink = new RecordingSink();
    const metrics = new ScanMetrics({ sinks: [sink] });
    const a = rule('pickle.global-import');
    const b = rule('safetensors.offset-overlap');
    const findings = [makeFinding(a, 'f', { message: 'm' }), makeFinding(a, 'g', { message: 'm' }), makeFinding(a, 'g', { message: 'm', severity: 'Critical' }), makeFinding(b, 'f', { message: 'm' })];
    metrics.scanStarted('job', TARGET, idle).finished(result({ findings }));
    expect(sink.of(METRICS.findings).map((c) => [c.labels, c.value])).toEqual([
      [{ severity: 'High', rule: a.id }, 2],
      [{ severity: 'Critical', rule: a.id }, 1],
      [{ severity: 'High', rule: b.id }, 1],
    ]);
  });

  it('should record bytes fetched against the artifact size Harbor reported', () => {
    const sink = new RecordingSink();
    new ScanMetrics({ sinks: [sink] }).scanStarted('job', TARGET, idle).finished(result());
    expect(sink.of(METRICS.bytesFetched)[0]?.value).toBe(250);
    expect(sink.of(METRICS.artifactBytes)[0]?.value).toBe(1000);
    expect(sink.of(METRICS.fetchRatio)[0]?.value).toBe(0.25);
    expect(sink.of(METRICS.bytesAnalyzed)[0]?.value).toBe(5000);
  });

  it('should skip the size and ratio when Harbor sent no size', () => {
    const sink = new RecordingSink();
    new ScanMetrics({ sinks: [sink] }).scanStarted('job', { ...TARGET, size: undefined }, idle).finished(result());
    expect(sink.of(METRICS.artifactBytes)).toEqual([]);
    expect(sink.of(METRICS.fetchRatio)).toEqual([]);
  });

  it.each([
    ['a registry error', new BlobUnknownError({ registry: 'http://r' }, 'sha256:x', ''), 'E_BLOB_UNKNOWN'],
    ['a registry error wrapped by an artifact error', new LayerReadError('sha256:l', 'sha256:m', new BlobUnknownError({ registry: 'http://r' }, 'sha256:x', '')), 'E_BLOB_UNKNOWN'],
    ['an error that is not the registry\'s', new Error('boom'), undefined],
  ])('should count %s by kind', (_name, error, kind) => {
    const sink = new RecordingSink();
    new ScanMetrics({ sinks: [sink] }).scanStarted('job', TARGET, idle).failed(error, { code: 'E_X', message: 'm' });
    expect(sink.of(METRICS.registryErrors).map((c) => c.labels['kind'])).toEqual(kind ? [kind] : []);
    expect(sink.of(METRICS.failures).map((c) => c.labels)).toEqual([{ code: 'E_X' }]);
    expect(sink.of(METRICS.scans).map((c) => c.labels)).toEqual([{ status: 'failed', capability: 'vulnerability' }]);
  });

  it('should time a stage that throws as well as one that succeeds', async () => {
    const sink = new RecordingSink();
    const scan = new ScanMetrics({ sinks: [sink] }).scanStarted('job', TARGET, idle);
    await scan.time('pull', async () => 1);
    await expect(scan.time('analyze', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(sink.of(METRICS.stageDuration).map((c) => c.labels['stage'])).toEqual(['pull', 'analyze']);
    expect(sink.of(METRICS.stageDuration).every((c) => c.value >= 0)).toBe(true);
  });

  it('should report the progress of running scans only, and the queue depth, when collected', () => {
    const sink = new RecordingSink();
    let depth = 3;
    const metrics = new ScanMetrics({ sinks: [sink], queueDepth: () => depth });
    const progress = { filesDone: 4, bytesDone: 4096, bytesFetched: () => 512 };
    const scan = metrics.scanStarted('job-1', TARGET, progress);
    expect(sink.collect(METRICS.progressFiles)).toEqual([[{ scan_job_id: 'job-1' }, 4]]);
    expect(sink.collect(METRICS.progressFetched)).toEqual([[{ scan_job_id: 'job-1' }, 512]]);
    expect(sink.collect(METRICS.running)).toEqual([[{}, 1]]);
    expect(sink.collect(METRICS.queueDepth)).toEqual([[{}, 3]]);
    scan.finished(result());
    depth = 0;
    expect(sink.collect(METRICS.progressFiles)).toEqual([]);
    expect(sink.collect(METRICS.running)).toEqual([[{}, 0]]);
    expect(sink.collect(METRICS.queueDepth)).toEqual([[{}, 0]]);
  });

  it('should record every event into every sink attached', () => {
    const sinks = [new RecordingSink(), new RecordingSink()];
    const metrics = new ScanMetrics({ sinks });
    metrics.scanAccepted(TARGET);
    metrics.analysisDeduplicated();
    for (const sink of sinks) {
      expect(sink.of(METRICS.scans).map((c) => c.labels)).toEqual([{ status: 'accepted', capability: 'vulnerability' }]);
      expect(sink.of(METRICS.analyses).map((c) => c.labels)).toEqual([{ outcome: 'deduplicated' }]);
    }
  });

  it('should do nothing, and fail on nothing, without sinks', async () => {
    const metrics = new ScanMetrics({ sinks: [] });
    metrics.scanAccepted(TARGET);
    const scan = metrics.scanStarted('job', TARGET, idle);
    await expect(scan.time('pull', async () => 'done')).resolves.toBe('done');
    scan.finished(result());
  });
});

describe('PrometheusSink', () => {
  it('should expose counters, histogram buckets and collected gauges in the text format', async () => {
    const prometheus = new PrometheusSink();
    const metrics = new ScanMetrics({ sinks: [prometheus], queueDepth: () => 7 });
    metrics.scanAccepted(TARGET);
    metrics.scanStarted('job', TARGET, idle).finished(result());
    const text = await prometheus.render();
    expect(prometheus.contentType).toMatch(/^text\/plain/);
    expect(text).toContain('harbor_scanner_models_scans_total{status="accepted",capability="vulnerability"} 1');
    expect(text).toContain('harbor_scanner_models_scans_total{status="finished",capability="vulnerability"} 1');
    expect(text).toMatch(/harbor_scanner_models_scan_duration_seconds_bucket\{le="0.1",status="finished",capability="vulnerability"\} 1/);
    expect(text).toContain('harbor_scanner_models_queue_depth 7');
    expect(text).toContain('# HELP harbor_scanner_models_findings_total');
  });

  it('should keep the metrics of two servers in one process apart', async () => {
    const first = new PrometheusSink();
    const second = new PrometheusSink();
    new ScanMetrics({ sinks: [first] }).scanAccepted(TARGET);
    new ScanMetrics({ sinks: [second] });
    expect(await first.render()).toContain('scans_total{status="accepted",capability="vulnerability"} 1');
    expect(await second.render()).not.toContain('scans_total{status="accepted"');
  });
});
