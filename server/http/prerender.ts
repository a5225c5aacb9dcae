/**
 * Renders a finished job's reports before Harbor asks: the report types its request enabled that need no
 * query (vulnerability, model-security; an SBOM waits for its `sbom_media_type`). Harbor's next poll then
 * finds the body kept (./rendered-reports.ts) instead of a render under way.
 */
import { REPORT_MIME } from '../../spec/mime.js';
import type { ScanJob } from '../jobs/model.js';
import type { Logger } from '../observability/logger.js';
import type { RenderedReports } from './rendered-reports.js';
import type { PackedReportRenderer } from './report-renderer.js';

const REPORT_OF_CAPABILITY: Readonly<Record<string, string>> = {
  vulnerability: REPORT_MIME.vulnerabilityV1_1,
  'model-security': REPORT_MIME.modelSecurityV1_0,
};

/** A listener for the controller's finished jobs (ScanController.onFinished). */
export function prerenderReports(reports: RenderedReports, renderer: PackedReportRenderer, logger: Logger): (job: ScanJob) => void {
  return (job) => {
    const { result } = job;
    if (job.status !== 'finished' || !result) return;
    // Webhook-mode scans are published, not polled.
    if (job.target.origin) return;
    for (const capability of job.target.capabilities ?? ['vulnerability']) {
      const mimeType = REPORT_OF_CAPABILITY[capability];
      if (!mimeType) continue;
      reports
        .rendered(job.id, mimeType, '', () => renderer.render(mimeType, { ...job, result }, {}), 0)
        .catch((err: unknown) => logger.warn({ scan_job_id: job.id, err }, 'rendering a finished report ahead of its poll failed'));
    }
  };
}
