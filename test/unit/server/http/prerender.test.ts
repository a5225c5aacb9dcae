/** Reports rendered as a scan finishes: those its request enabled and that need no query, once each. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { prerenderReports } from '../../../../server/http/prerender.js';
import { RenderedReports } from '../../../../server/http/rendered-reports.js';
import type { PackedReportRenderer } from '../../../../server/http/report-renderer.js';
import type { ScanJob, ScanTarget } from '../../../../server/jobs/model.js';
import { packResult } from '../../../../server/jobs/packed-result.js';
import { createLogger } from '../../../../server/observability/logger.js';
import { REPORT_MIME } from '../../../../spec/mime.js';

const result = packResult({ generatedAt: '2026-12-08T00:00:00Z', packaging: 'image', files: [], filesScanned: 0, bytesScanned: 0, bytesFetched: 0, findings: [] }).packed;
const jobWith = (id: string, target: Partial<ScanTarget>, status: ScanJob['status'] = 'finished'): ScanJob => ({
  id,
  status,
  target: { registryUrl: 'http://r', repository: 'a/b', digest: `sha256:${'1'.repeat(64)}`, ...target },
  createdAt: 0,
  updatedAt: 0,
  ...(status === 'finished' ? { result } : {}),
});

function setup() {
  const rendered: string[] = [];
  const renderer: PackedReportRenderer = {
    produces: [],
    render: async (mimeType, job) => (rendered.push(`${job.id} ${mimeType}`), Buffer.from(mimeType)),
  };
  const reports = new RenderedReports(1024 * 1024);
  return { rendered, reports, listener: prerenderReports(reports, renderer, createLogger('silent')) };
}

describe('prerenderReports', () => {
  it('should render the vulnerability and model reports a request enabled, and keep them for the poll', async () => {
    const { rendered, reports, listener } = setup();
    listener(jobWith('a', { capabilities: ['vulnerability', 'sbom', 'model-security'] }));
    listener(jobWith('b', {}));
    await sleep(10);
    expect(rendered.sort()).toEqual([`a ${REPORT_MIME.modelSecurityV1_0}`, `a ${REPORT_MIME.vulnerabilityV1_1}`, `b ${REPORT_MIME.vulnerabilityV1_1}`]);
    expect(Buffer.from(reports.get('a', REPORT_MIME.vulnerabilityV1_1, '')!).toString()).toBe(REPORT_MIME.vulnerabilityV1_1);
  });

  it('should render nothing for a failed scan or one the webhook mode publishes', async () => {
    const { rendered, listener } = setup();
    listener(jobWith('f', {}, 'failed'));
    listener(jobWith('w', { origin: 'webhook' }));
    await sleep(10);
    expect(rendered).toEqual([]);
  });
});
