/**
 * The Prometheus side of ./metrics.ts: a registry of this server's own (not prom-client's global one, so
 * several servers in one test process do not collide), the Node.js process metrics, and the text
 * exposition served on GET /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HistogramDefinition, Labels, MetricDefinition, MetricSink, Recorder } from './metrics.js';

/** What GET /metrics serves. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

export class PrometheusSink implements MetricSink, MetricsExposition {
  private readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  counter(definition: MetricDefinition): Recorder {
    const counter = new Counter(this.base(definition));
    return (value, labels) => counter.inc(labels, value);
  }

  histogram(definition: HistogramDefinition): Recorder {
    const histogram = new Histogram({ ...this.base(definition), buckets: [...definition.buckets] });
    return (value, labels) => histogram.observe(labels, value);
  }

  gauge(definition: MetricDefinition, observe: () => Iterable<readonly [Labels, number]>): void {
    new Gauge({
      ...this.base(definition),
      collect() {
        // Reset first: label sets of scans that ended since the last scrape must disappear.
        this.reset();
        for (const [labels, value] of observe()) this.set(labels, value);
      },
    });
  }

  private base(definition: MetricDefinition | HistogramDefinition) {
    return { name: definition.name, help: definition.help, labelNames: [...definition.labels], registers: [this.registry] };
  }
}
