/**
 * OpenTelemetry spans around the scan stages. Only the API is used: without an SDK registered, the
 * tracer is a no-op and these calls cost next to nothing.
 */
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('harbor-scanner-models');

/** Runs `work` inside a span named `name`, recording failure and ending the span either way. */
export async function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
