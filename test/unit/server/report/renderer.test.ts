import { describe, expect, it } from 'vitest';
import { REPORT_MIME } from '../../../../spec/mime.js';
import { ModelSecurityReportSchema, VulnerabilityReportSchema } from '../../../../spec/schemas.js';
import type { DecodedJob, ScanJob, ScanResult } from '../../../../server/jobs/model.js';
import { HarborReportRenderer } from '../../../../server/report/renderer.js';
import { MODEL_DIGEST, finding } from './fixtures.js';

const job: DecodedJob = {
  id: 'job-1',
  status: 'finished',
  target: { registryUrl: 'http://core:8080', repository: 'library/model', digest: `sha256:${'cd'.repeat(32)}`, tag: 'v1' },
  createdAt: 0,
  updatedAt: 0,
  result: {
    generatedAt: '2026-11-28T10:00:00.000Z',
    packaging: 'modelpack',
    files: [{ path: 'model.safetensors', size: 10, digest: MODEL_DIGEST, format: 'safetensors' }],
    filesScanned: 1,
    bytesScanned: 10,
    bytesFetched: 10,
    findings: [finding('offsets', 'model.safetensors')],
  },
};

describe('HarborReportRenderer', () => {
  const renderer = new HarborReportRenderer({ docsUrl: 'https://example.com/rules.md' });

  it('should render a spec-valid vulnerability report keyed by the file digest when asked for 1.1', () => {
    const report = VulnerabilityReportSchema.parse(renderer.render(REPORT_MIME.vulnerabilityV1_1, job));
    expect(report.artifact).toEqual({ repository: 'library/model', digest: job.target.digest, tag: 'v1' });
    expect(report.vulnerabilities[0]?.version).toBe('sha256:0123456789ab');
  });

  it('should render a model-security report when asked with different spacing', () => {
    const report = ModelSecurityReportSchema.parse(
      renderer.render('application/vnd.security.model.report+json;version=1.0', job),
    );
    expect(report.summary.total).toBe(1);
  });

  it('should throw when asked for a type it does not produce', () => {
    expect(() => renderer.render(REPORT_MIME.harborVulnV1_0, job)).toThrow(/no renderer/);
  });
});
