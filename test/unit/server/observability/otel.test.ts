import type { Meter } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import { METRICS } from '../../../../server/observability/metrics.js';
import { createLogger } from '../../../../server/observability/logger.js';
import { OtelSink, startTelemetry } from '../../../../server/observability/otel.js';

const logger = createLogger('silent');

/** Stands in for `@opentelemetry/sdk-node`: records what the scanner asks of it. */
function fakeSdkModule() {
  const instances: { options: unknown; started: boolean; shutdown: boolean }[] = [];
  class NodeSDK {
    private readonly record = { options: undefined as unknown, started: false, shutdown: false };
    constructor(options: unknown) {
      this.record.options = options;
      instances.push(this.record);
    }
    start(): void {
      this.record.started = true;
    }
    async shutdown(): Promise<void> {
      this.record.shutdown = true;
    }
  }
  return { instances, importSdk: vi.fn(async () => ({ NodeSDK }) as never) };
}

describe('startTelemetry', () => {
  it('should not import the SDK when no OTEL_* variable asks for export', async () => {
    const sdk = fakeSdkModule();
    expect(await startTelemetry({ enabled: false, serviceName: 'x' }, logger, sdk.importSdk)).toBeUndefined();
    expect(sdk.importSdk).not.toHaveBeenCalled();
  });

  it('should start the SDK with the service name and shut it down on request when export is asked for', async () => {
    const sdk = fakeSdkModule();
    const telemetry = await startTelemetry({ enabled: true, serviceName: 'scanner-a' }, logger, sdk.importSdk);
    expect(sdk.instances).toEqual([{ options: { serviceName: 'scanner-a' }, started: true, shutdown: false }]);
    expect(telemetry?.sink).toBeInstanceOf(OtelSink);
    await telemetry?.shutdown();
    expect(sdk.instances[0]?.shutdown).toBe(true);
  });
});

describe('OtelSink', () => {
  it('should create instruments under the Prometheus names without _total, with histogram buckets as advice', () => {
    const created: { kind: string; name: string; options: unknown }[] = [];
    const record = (kind: string) => (name: string, options: unknown) => {
      created.push({ kind, name, options });
      return { add: () => {}, record: () => {}, addCallback: () => {} };
    };
    const meter = { createCounter: record('counter'), createHistogram: record('histogram'), createObservableGauge: record('gauge') } as unknown as Meter;
    const sink = new OtelSink(meter);
    sink.counter(METRICS.scans);
    sink.histogram(METRICS.scanDuration);
    sink.gauge(METRICS.queueDepth, () => []);
    expect(created.map((c) => [c.kind, c.name])).toEqual([
      ['counter', 'harbor_scanner_models_scans'],
      ['histogram', 'harbor_scanner_models_scan_duration_seconds'],
      ['gauge', 'harbor_scanner_models_queue_depth'],
    ]);
    expect(created[1]?.options).toMatchObject({ unit: 's', advice: { explicitBucketBoundaries: METRICS.scanDuration.buckets } });
  });
});
