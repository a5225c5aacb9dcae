/**
 * GET /metrics after real scans driven by the Harbor simulator: counters by status and capability,
 * duration histograms with their buckets, bytes fetched against artifact size, findings by severity and
 * rule, registry errors by kind, and the progress gauges of a scan caught mid-flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST } from '../../services/push.js';
import { startGateProxy } from '../../support/gate-proxy.js';
import { pushModelImage, type PushedModel } from '../../support/model-artifacts.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';

const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;
const robot = { name: ROBOT_USER.username, secret: ROBOT_USER.password };
const P = 'harbor_scanner_models_';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not an exposition line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(scanner: TestScanner): Promise<{ contentType: string | null; samples: Sample[] }> {
  const res = await fetch(`${scanner.url}/metrics`);
  expect(res.status).toBe(200);
  return { contentType: res.headers.get('content-type'), samples: parseExposition(await res.text()) };
}

function scanOf(harbor: HarborSimulator, registryUrl: string, model: PushedModel, digest = model.digest) {
  return harbor.scan({
    artifact: { repository: model.repository, digest, tag: model.tag, manifestMediaType: OCI_MANIFEST, size: model.harborSize },
    registry: { url: registryUrl, robot },
  });
}

describe('GET /metrics after scans', () => {
  let scanner: TestScanner;
  let model: PushedModel;
  let samples: Sample[];
  let contentType: string | null;

  beforeAll(async () => {
    scanner = await startTestScanner();
    const harbor = new HarborSimulator({ url: scanner.url, timing: FAST });
    const registry = REGISTRIES.plain;
    model = await pushModelImage({ registry }, uniqueRepository('metrics'));
    expect((await scanOf(harbor, registry.url, model)).error).toBeUndefined();
    // A digest the registry does not have: the scan fails with a registry error.
    expect((await scanOf(harbor, registry.url, model, `sha256:${'0'.repeat(64)}`)).error).toMatch(/500/);
    ({ samples, contentType } = await scrape(scanner));
  });
  afterAll(async () => scanner.stop());

  it('should answer in the Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it.each([
    ['accepted', 2],
    ['finished', 1],
    ['failed', 1],
  ])('should count %s scans by capability', (status, count) => {
    expect(value(samples, `${P}scans_total`, { status, capability: 'vulnerability' })).toBe(count);
  });

  it('should record scan durations in a histogram with every bucket', () => {
    const buckets = samples.filter((s) => s.name === `${P}scan_duration_seconds_bucket` && s.labels['status'] === 'finished');
    expect(buckets.map((s) => s.labels['le'])).toEqual(['0.1', '0.5', '1', '2.5', '5', '10', '30', '60', '120', '300', '600', '1800', '3600', '+Inf']);
    expect(buckets.at(-1)?.value).toBe(1);
    expect(value(samples, `${P}scan_duration_seconds_count`, { status: 'failed' })).toBe(1);
  });

  it.each(['pull', 'analyze'])('should time the %s stage', (stage) => {
    expect(value(samples, `${P}scan_stage_duration_seconds_count`, { stage })).toBeGreaterThanOrEqual(1);
    expect(value(samples, `${P}scan_stage_duration_seconds_bucket`, { stage, le: '+Inf' })).toBeGreaterThanOrEqual(1);
  });

  it('should count bytes fetched against the artifact size Harbor reported', () => {
    expect(value(samples, `${P}artifact_bytes_total`)).toBe(model.harborSize);
    expect(value(samples, `${P}registry_bytes_fetched_total`)).toBeGreaterThan(0);
    expect(value(samples, `${P}bytes_analyzed_total`)).toBeGreaterThan(0);
    expect(value(samples, `${P}scan_fetch_ratio_count`)).toBe(1);
  });

  it('should count findings by severity and rule', () => {
    expect(value(samples, `${P}findings_total`, { rule: 'safetensors.offset-overlap' })).toBeGreaterThanOrEqual(1);
    const findings = samples.filter((s) => s.name === `${P}findings_total`);
    expect(findings.every((s) => ['Low', 'Medium', 'High', 'Critical'].includes(s.labels['severity'] ?? ''))).toBe(true);
  });

  it('should count the failure by code and the registry error by kind', () => {
    expect(value(samples, `${P}scan_failures_total`, { code: 'E_MANIFEST_UNKNOWN' })).toBe(1);
    expect(value(samples, `${P}registry_errors_total`, { kind: 'E_MANIFEST_UNKNOWN' })).toBe(1);
  });

  it('should show an empty queue and no running scan once all scans are over', () => {
    expect(value(samples, `${P}queue_depth`)).toBe(0);
    expect(value(samples, `${P}scans_running`)).toBe(0);
    expect(samples.some((s) => s.name === `${P}scan_progress_files`)).toBe(false);
  });
});

describe('progress gauges of a running scan', () => {
  it('should expose files and bytes done for a scan while it runs, and drop them when it ends', async () => {
    const registry = REGISTRIES.plain;
    const model = await pushModelImage({ registry }, uniqueRepository('metrics-progress'));
    const gate = await startGateProxy(registry.port);
    const scanner = await startTestScanner();
    try {
      const harbor = new HarborSimulator({ url: scanner.url, timing: FAST });
      const outcome = scanOf(harbor, gate.url, model);
      // The gate holds the manifest request: the scan is running, stuck in its pull stage.
      let running: Sample[] = [];
      const deadline = Date.now() + 10_000;
      while (value(running, `${P}scans_running`) !== 1) {
        if (Date.now() > deadline) throw new Error('the scan did not start within 10 s');
        await sleep(20);
        running = (await scrape(scanner)).samples;
      }
      const files = running.filter((s) => s.name === `${P}scan_progress_files`);
      expect(files).toHaveLength(1);
      expect(files[0]?.labels['scan_job_id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(files[0]?.value).toBe(0);
      expect(value(running, `${P}scan_progress_bytes`, { scan_job_id: files[0]!.labels['scan_job_id']! })).toBe(0);

      gate.open();
      expect((await outcome).error).toBeUndefined();
      const after = (await scrape(scanner)).samples;
      expect(value(after, `${P}scans_running`)).toBe(0);
      expect(after.some((s) => s.name === `${P}scan_progress_files`)).toBe(false);
    } finally {
      await scanner.stop();
      await gate.close();
    }
  });
});

describe('SCANNER_API_SERVER_METRICS_ENABLED=false', () => {
  it('should not serve /metrics', async () => {
    const scanner = await startTestScanner({ SCANNER_API_SERVER_METRICS_ENABLED: 'false' });
    try {
      expect((await fetch(`${scanner.url}/metrics`)).status).toBe(404);
    } finally {
      await scanner.stop();
    }
  });
});
