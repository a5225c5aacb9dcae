/**
 * Renders a finished scan in the report format Harbor asked for. The job result is stored once; each
 * format is a pure mapping of it (./vulnerability-report.ts, ./model-security-report.ts,
 * ./sbom-report.ts).
 */
import { REPORT_MIME, sameMime } from '../../spec/mime.js';
import type { ReportQuery, ReportRenderer } from '../http/report-renderer.js';
import { SCANNER } from '../http/scanner-info.js';
import type { DecodedJob, ScanJob, ScanResult } from '../jobs/model.js';
import type { ReportContext } from './context.js';
import { withoutControlCharacters } from './harbor-text.js';
import { toModelSecurityReport } from './model-security-report.js';
import { isSbomFormat, toHarborSbomReport } from './sbom-report.js';
import { toVulnerabilityReport } from './vulnerability-report.js';

export interface HarborReportRendererOptions {
  /** Published URL of docs/rules.md; every finding links to its rule's section there. */
  readonly docsUrl: string;
}

export class HarborReportRenderer implements ReportRenderer {
  /** Vulnerability 1.1 first: it is what a wildcard or absent `Accept` gets. */
  readonly produces = [REPORT_MIME.vulnerabilityV1_1, REPORT_MIME.modelSecurityV1_0, REPORT_MIME.sbomV1_0] as const;

  constructor(private readonly options: HarborReportRendererOptions) {}

  /** Every string of the report is safe to store in Harbor's database (./harbor-text.ts). */
  render(mimeType: string, job: DecodedJob, query: ReportQuery = {}): unknown {
    return withoutControlCharacters(this.renderReport(mimeType, job, query));
  }

  private renderReport(mimeType: string, job: DecodedJob, query: ReportQuery): unknown {
    const ctx = this.context(job);
    if (sameMime(mimeType, REPORT_MIME.vulnerabilityV1_1)) return toVulnerabilityReport(job.result.findings, ctx);
    if (sameMime(mimeType, REPORT_MIME.modelSecurityV1_0)) return toModelSecurityReport(job.result.findings, ctx);
    if (sameMime(mimeType, REPORT_MIME.sbomV1_0)) {
      // The API answers 400 before rendering when the format is missing or unknown.
      const format = query.sbomMediaType ?? '';
      if (!isSbomFormat(format)) throw new Error(`unsupported SBOM format ${format}`);
      return toHarborSbomReport(job, format, ctx.artifact, ctx.scanner);
    }
    throw new Error(`no renderer for report type ${mimeType}`);
  }

  private context(job: DecodedJob): ReportContext {
    const { target, result } = job;
    const fileDigests = new Map<string, string>();
    // Members of uncompressed tar layers are read by Range, never whole, so they have no digest of their
    // own: their layer's digest still ties the record to this content.
    for (const file of result.files) {
      const digest = file.digest ?? file.layerDigest;
      if (digest) fileDigests.set(file.path, digest);
    }
    return {
      artifact: {
        repository: target.repository,
        digest: target.digest,
        ...(target.tag === undefined ? {} : { tag: target.tag }),
        ...(target.mimeType === undefined ? {} : { mime_type: target.mimeType }),
      },
      scanner: SCANNER,
      generatedAt: new Date(result.generatedAt),
      fileDigests,
      filesScanned: result.filesScanned,
      bytesScanned: result.bytesScanned,
      docsBaseUrl: this.options.docsUrl,
    };
  }
}
