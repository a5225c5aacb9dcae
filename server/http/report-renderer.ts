/** Renders a finished job's result in the report format Harbor asked for. */
import type { ScanJob, ScanResult } from '../jobs/model.js';

export interface ReportRenderer {
  /** Report media types this scanner can render, in order of preference for a wildcard Accept. */
  readonly produces: readonly string[];
  render(mimeType: string, job: ScanJob & { result: ScanResult }, query: ReportQuery): unknown;
}

export interface ReportQuery {
  /** `?sbom_media_type=` (spec 1.2), for SBOM reports. */
  readonly sbomMediaType?: string;
}
