/**
 * OpenTelemetry export, driven by the standard `OTEL_*` environment variables (endpoint, protocol,
 * exporters, sampling, intervals are all the SDK's own settings). When none asks for export, the SDK
 * module is never imported: spans stay no-ops (./tracing.ts) and metrics go to Prometheus only.
 * When one does, the Node SDK exports the spans of ./tracing.ts and the metrics of ./metrics.ts.
 */
import { metrics, type Meter } from '@opentelemetry/api';
import { SCANNER } from '../http/scanner-info.js';
import type { Logger } from './logger.js';
import type { HistogramDefinition, Labels, MetricDefinition, MetricSink, Recorder } from './metrics.js';

export interface TelemetrySettings {
  /** True when an `OTEL_*` variable asks for traces or metrics to be exported (see config.ts). */
  readonly enabled: boolean;
  /** `OTEL_SERVICE_NAME`, else the scanner's name. */
  readonly serviceName: string;
}

export interface Telemetry {
  /** Records ./metrics.ts instruments into the SDK's meter provider. */
  readonly sink: MetricSink;
  /** Flushes pending spans and metrics, then stops the exporters. */
  shutdown(): Promise<void>;
}

type SdkModule = Pick<typeof import('@opentelemetry/sdk-node'), 'NodeSDK'>;

/**
 * Starts the OpenTelemetry Node SDK when `settings.enabled`, before the server handles work.
 * `importSdk` exists for tests; the default is the only import of the SDK in the code base.
 */
export async function startTelemetry(
  settings: TelemetrySettings,
  logger: Logger,
  importSdk: () => Promise<SdkModule> = () => import('@opentelemetry/sdk-node'),
): Promise<Telemetry | undefined> {
  if (!settings.enabled) return undefined;
  const { NodeSDK } = await importSdk();
  const sdk = new NodeSDK({ serviceName: settings.serviceName });
  sdk.start();
  logger.info({ service_name: settings.serviceName }, 'OpenTelemetry export started');
  return {
    sink: new OtelSink(metrics.getMeter(SCANNER.name, SCANNER.version)),
    shutdown: () => sdk.shutdown(),
  };
}

/** ./metrics.ts definitions as OpenTelemetry instruments (counter names without Prometheus' `_total`). */
export class OtelSink implements MetricSink {
  constructor(private readonly meter: Meter) {}

  counter(definition: MetricDefinition): Recorder {
    const counter = this.meter.createCounter(otelName(definition), { description: definition.help });
    return (value, labels) => counter.add(value, labels);
  }

  histogram(definition: HistogramDefinition): Recorder {
    const histogram = this.meter.createHistogram(otelName(definition), {
      description: definition.help,
      unit: definition.unit,
      advice: { explicitBucketBoundaries: [...definition.buckets] },
    });
    return (value, labels) => histogram.record(value, labels);
  }

  gauge(definition: MetricDefinition, observe: () => Iterable<readonly [Labels, number]>): void {
    this.meter.createObservableGauge(otelName(definition), { description: definition.help }).addCallback((result) => {
      for (const [labels, value] of observe()) result.observe(value, labels);
    });
  }
}

function otelName(definition: MetricDefinition | HistogramDefinition): string {
  return definition.name.replace(/_total$/, '');
}
