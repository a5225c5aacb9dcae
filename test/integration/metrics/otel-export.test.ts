/**
 * OpenTelemetry export: with the standard OTEL_* variables pointing at a local OTLP/HTTP collector (a
 * node:http server here, JSON protocol), a scanner process exports the scan spans and the scan metrics;
 * without them, the SDK module is never loaded.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST } from '../../services/push.js';
import { pushModelImage } from '../../support/model-artifacts.js';
import { startTestScanner } from '../../support/scanner.js';
import { startScannerProcess, type ScannerProcess } from '../../support/server-process.js';
import { makeTempDir } from '../tls/pki.js';

interface OtlpSpan {
  readonly name: string;
  readonly attributes?: readonly { key: string; value: { stringValue?: string } }[];
}

/** What an OTLP/HTTP JSON collector received, by signal. */
interface Collector {
  readonly url: string;
  readonly bodies: { traces: unknown[]; metrics: unknown[] };
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function startCollector(): Promise<Collector> {
  const bodies = { traces: [] as unknown[], metrics: [] as unknown[] };
  const server: Server = createServer((request, response) => {
    const signal = request.url === '/v1/traces' ? 'traces' : request.url === '/v1/metrics' ? 'metrics' : undefined;
    readJson(request).then(
      (body) => {
        if (signal) bodies[signal].push(body);
        response.writeHead(signal ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      },
      () => response.writeHead(400).end(),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function spansOf(bodies: readonly unknown[]): { service: string | undefined; span: OtlpSpan }[] {
  type Export = { resourceSpans?: { resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
  return (bodies as Export[]).flatMap((body) =>
    (body.resourceSpans ?? []).flatMap((rs) => {
      const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
      return (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((span) => ({ service, span })));
    }),
  );
}

function metricNamesOf(bodies: readonly unknown[]): Set<string> {
  type Export = { resourceMetrics?: { scopeMetrics?: { metrics?: { name: string }[] }[] }[] };
  return new Set((bodies as Export[]).flatMap((b) => (b.resourceMetrics ?? []).flatMap((rm) => (rm.scopeMetrics ?? []).flatMap((sm) => (sm.metrics ?? []).map((m) => m.name)))));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not arrive within 20 s`);
    await sleep(100);
  }
}

describe('OpenTelemetry export with OTEL_* set', () => {
  let collector: Collector;
  let scanner: ScannerProcess;

  beforeAll(async () => {
    collector = await startCollector();
    scanner = await startScannerProcess({
      SCANNER_DATA_DIR: makeTempDir('scanner-otel-data-'),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'scanner-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_LOGS_EXPORTER: 'none',
    });
  });
  afterAll(async () => {
    await scanner.kill();
    await collector.close();
  });

  it('should export the scan spans and scan metrics of a scan to the OTLP endpoint', async () => {
    const registry = REGISTRIES.plain;
    const model = await pushModelImage({ registry }, uniqueRepository('otel'));
    const harbor = new HarborSimulator({ url: scanner.url, timing: { firstCheckDelayMs: 20, refreshSecondMs: 20 } });
    const outcome = await harbor.scan({
      artifact: { repository: model.repository, digest: model.digest, tag: model.tag, manifestMediaType: OCI_MANIFEST, size: model.harborSize },
      registry: { url: registry.url, robot: { name: ROBOT_USER.username, secret: ROBOT_USER.password } },
    });
    expect(outcome.error).toBeUndefined();

    const ofThisScan = () =>
      spansOf(collector.bodies.traces).filter(({ span }) => span.attributes?.some((a) => a.key === 'artifact.digest' && a.value.stringValue === model.digest));
    await until(() => ofThisScan().length > 0, 'the scan span');
    await until(() => ['scan.pull', 'scan.analyze'].every((name) => spansOf(collector.bodies.traces).some(({ span }) => span.name === name)), 'the stage spans');
    expect(ofThisScan().map(({ span }) => span.name)).toEqual(['scan']);
    expect(ofThisScan()[0]?.service).toBe('scanner-under-test');

    await until(() => metricNamesOf(collector.bodies.metrics).has('harbor_scanner_models_findings'), 'the findings metric');
    const names = metricNamesOf(collector.bodies.metrics);
    for (const name of ['harbor_scanner_models_scans', 'harbor_scanner_models_scan_duration_seconds', 'harbor_scanner_models_queue_depth'])
      expect(names, name).toContain(name);
  });
});

describe('OpenTelemetry without OTEL_* set', () => {
  it('should never load the SDK module', async () => {
    const scanner = await startTestScanner();
    try {
      expect((await fetch(`${scanner.url}/probe/ready`)).status).toBe(200);
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      expect(loaded.some((file) => file.includes('@opentelemetry/api'))).toBe(true);
      expect(loaded.filter((file) => file.includes('@opentelemetry/sdk-'))).toEqual([]);
    } finally {
      await scanner.stop();
    }
  });
});
