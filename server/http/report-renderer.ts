/** Renders a finished job's result in the report format Harbor asked for. */
import type { DecodedJob, PackedResult, ScanJob } from '../jobs/model.js';

export interface ReportRenderer {
  /** Report media types this scanner can render, in order of preference for a wildcard Accept. */
  readonly produces: readonly string[];
  render(mimeType: string, job: DecodedJob, query: ReportQuery): unknown;
}

export interface ReportQuery {
  /** `?sbom_media_type=` (spec 1.2), for SBOM reports. */
  readonly sbomMediaType?: string;
}

/**
 * What the API serves polls with: a report body (UTF-8 JSON) rendered from the packed result, off the
 * HTTP thread (../report/report-thread.ts).
 */
export interface PackedReportRenderer {
  readonly produces: readonly string[];
  render(mimeType: string, job: ScanJob & { readonly result: PackedResult }, query: ReportQuery): Promise<Uint8Array>;
}

