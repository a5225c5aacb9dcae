import { describe, expect, it } from 'vitest';
import { ModelSecurityReportSchema } from '../../../../spec/schemas.js';
import { toModelSecurityReport } from '../../../../server/report/model-security-report.js';
import { finding, reportContext } from './fixtures.js';

describe('toModelSecurityReport', () => {
  it('should report severity None and zero counts when there are no findings', () => {
    const report = toModelSecurityReport([], reportContext({ analyzersRun: ['safetensors', 'pickle'] }));
    expect(ModelSecurityReportSchema.parse(report)).toEqual(report);
    expect(report.severity).toBe('None');
    expect(report.summary).toEqual({
      total: 0,
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      files_scanned: 3,
      bytes_scanned: 4096,
      scanners: ['pickle', 'safetensors'],
    });
    expect(report.findings).toEqual([]);
  });

  it('should keep every finding, count them by severity and order them most severe first', () => {
    const report = toModelSecurityReport(
      [
        finding('license', 'README.md'),
        finding('osSystem', 'a.pkl', { message: 'calls os.system', location: 'offset 64', details: { module: 'posix' } }),
        finding('osSystem', 'a.pkl', { message: 'calls os.system again', location: 'offset 99' }),
        finding('offsets', 'model.safetensors', { severity: 'Medium' }),
      ],
      reportContext(),
    );
    expect(ModelSecurityReportSchema.safeParse(report).success).toBe(true);
    expect(report.severity).toBe('Critical');
    expect(report.summary).toMatchObject({ total: 4, critical: 2, high: 0, medium: 1, low: 1, scanners: ['license', 'pickle', 'safetensors'] });
    expect(report.findings.map((f) => [f.severity, f.file])).toEqual([
      ['Critical', 'a.pkl'],
      ['Critical', 'a.pkl'],
      ['Medium', 'model.safetensors'],
      ['Low', 'README.md'],
    ]);
    expect(report.findings[0]).toEqual({
      id: 'pickle.dangerous-global',
      severity: 'Critical',
      message: 'calls os.system',
      why: 'Loading runs the call.\n\nRemediation: Use safetensors.',
      file: 'a.pkl',
      location: 'offset 64',
      scanner: 'pickle',
      details: { module: 'posix' },
      links: ['https://example.com/harbor-scanner-models/docs/rules.md#pickledangerous-global'],
    });
  });
});
