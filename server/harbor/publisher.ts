/**
 * Attaches a finished webhook-mode scan to its artifact in Harbor: the report artifact (model-security
 * report + SARIF + CycloneDX SBOM, `subject` = the scanned manifest), the SPDX SBOM as Harbor's SBOM
 * accessory, and the outcome label. Each piece is independent: one failing (a permission missing, say) is logged and
 * reported, the others are still attempted. Pushes go through the same registry client (token flow,
 * `pull,push` scope) as pulls, with the configured robot account.
 */
import type { Rule } from '../../analyzers/finding.js';
import { REPORT_MIME, SBOM_FORMAT } from '../../spec/mime.js';
import { ModelSecurityReportSchema, type ModelSecurityReport } from '../../spec/schemas.js';
import { ScannerError } from '../errors/scanner-error.js';
import type { ReportRenderer } from '../http/report-renderer.js';
import { SCANNER } from '../http/scanner-info.js';
import type { DecodedJob, ScanJob, ScanResult } from '../jobs/model.js';
import { unpackResult } from '../jobs/packed-result.js';
import type { Logger } from '../observability/logger.js';
import type { HttpRegistryClient } from '../registry/client.js';
import type { Descriptor } from '../registry/types.js';
import { toSarif } from '../report/sarif.js';
import { renderSbom, sbomModelOfJob } from '../report/sbom-report.js';
import { outcomeOf, type OutcomeLabeler, type ScanOutcome } from './labels.js';
import { pushArtifact } from './oci-artifact.js';
import { buildReportArtifact } from './report-artifact.js';
import { robotRegistryClient, type RegistryAccess } from './robot.js';
import { buildSbomAccessory } from './sbom-accessory.js';
import type { HarborModeSettings } from './settings.js';

export interface ResultPublisherDeps {
  readonly settings: HarborModeSettings;
  readonly registry: RegistryAccess;
  readonly renderer: ReportRenderer;
  /** Rule definitions for SARIF's `tool.driver.rules` (ScanEngine.rules()). */
  readonly rules: readonly Rule[];
  readonly docsUrl: string;
  readonly labeler: OutcomeLabeler;
  readonly logger: Logger;
}

/** What was attached; `problems` names each piece that could not be. */
export interface Publication {
  readonly outcome: ScanOutcome;
  readonly reportDigest?: string;
  readonly sbomDigest?: string;
  readonly labelled: boolean;
  readonly problems: readonly string[];
}

export class ResultPublisher {
  constructor(private readonly deps: ResultPublisherDeps) {}

  async publish(job: ScanJob): Promise<Publication> {
    const { repository, digest } = job.target;
    const log = this.deps.logger.child({ scan_job_id: job.id, repository, digest });
    const problems: string[] = [];
    const attempt = async <T>(piece: string, work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work();
      } catch (error) {
        const code = error instanceof ScannerError ? error.code : 'E_INTERNAL';
        problems.push(`${piece}: ${(error as Error).message}`);
        log.warn({ code, piece, error: (error as Error).message }, 'attaching scan results failed');
        return undefined;
      }
    };

    // Decoded here, on the webhook's path: results Harbor polls for are rendered on the report thread.
    const finished = job.status === 'finished' && job.result !== undefined ? { ...job, result: await unpackResult(job.result) } : undefined;
    const report = finished ? await attempt('report', async () => this.#report(finished)) : undefined;
    let reportDigest: string | undefined;
    let sbomDigest: string | undefined;
    if (finished && report) {
      const sbom = await attempt('SBOM', async () => {
        const model = sbomModelOfJob(finished, SCANNER);
        return { cyclonedx: renderSbom(model, SBOM_FORMAT.cyclonedx), spdx: new TextEncoder().encode(JSON.stringify(renderSbom(model, SBOM_FORMAT.spdx))) };
      });
      const client = robotRegistryClient(this.deps.settings, this.deps.registry, this.deps.logger);
      try {
        const subject = await attempt('subject manifest', () => subjectOf(client, repository, digest));
        if (subject) {
          reportDigest = await attempt('report artifact', () => this.#pushReport(client, finished, report, subject, sbom?.cyclonedx));
          if (sbom) sbomDigest = await attempt('SBOM accessory', () => this.#pushSbom(client, finished, sbom.spdx, subject));
        }
      } finally {
        await client.close();
      }
    }
    const outcome = outcomeOf(report);
    const project = repository.slice(0, repository.indexOf('/'));
    const labelled =
      (await attempt('label', async () => {
        await this.deps.labeler.apply(project, repository, digest, outcome);
        return true;
      })) ?? false;
    log.info({ outcome, report_digest: reportDigest, sbom_digest: sbomDigest, problems: problems.length }, 'scan results attached');
    return { outcome, ...(reportDigest ? { reportDigest } : {}), ...(sbomDigest ? { sbomDigest } : {}), labelled, problems };
  }

  /** The model-security report, checked against the schema before it leaves the process (fail closed). */
  #report(job: DecodedJob): ModelSecurityReport {
    return ModelSecurityReportSchema.parse(this.deps.renderer.render(REPORT_MIME.modelSecurityV1_0, job, {}));
  }

  async #pushReport(
    client: HttpRegistryClient,
    job: DecodedJob,
    report: ModelSecurityReport,
    subject: Descriptor,
    cyclonedx: unknown,
  ): Promise<string> {
    const sarif = toSarif(job.result.findings, this.deps.rules, {
      toolName: SCANNER.name,
      toolVersion: SCANNER.version,
      docsUrl: this.deps.docsUrl,
    });
    const artifact = buildReportArtifact({ subject, report, sarif, scanner: SCANNER, ...(cyclonedx === undefined ? {} : { cyclonedx }) });
    return (await pushArtifact(client, this.#target(job), artifact, subject.digest)).digest;
  }

  async #pushSbom(client: HttpRegistryClient, job: DecodedJob, spdx: Uint8Array, subject: Descriptor): Promise<string> {
    const artifact = buildSbomAccessory({ subject, spdx, created: job.result.generatedAt, scannerName: SCANNER.name });
    return (await pushArtifact(client, this.#target(job), artifact, subject.digest)).digest;
  }

  #target(job: Pick<ScanJob, 'target'>): { registry: string; repository: string } {
    return { registry: this.deps.settings.url, repository: job.target.repository };
  }
}

/** The subject descriptor: the manifest's own media type, digest and byte size. */
async function subjectOf(client: HttpRegistryClient, repository: string, digest: string): Promise<Descriptor> {
  const manifest = await client.getManifest(repository, digest);
  return { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
}
