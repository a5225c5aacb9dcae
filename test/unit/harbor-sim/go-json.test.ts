import { describe, expect, it } from 'vitest';
import { HARBOR_TYPES, goUnmarshal } from '../../harbor-sim/go-json.js';

describe('goUnmarshal', () => {
  const report = HARBOR_TYPES.vulnerabilityReport;

  it.each([
    ['a full 1.1 report', { generated_at: 'x', severity: 'High', vulnerabilities: [{ id: 'a', links: ['u'], preferred_cvss: { score_v3: 7.5 }, vendor_attributes: { x: [1] } }] }],
    ['an empty object', {}],
    ['JSON null', null],
    ['nulls in every field', { scanner: null, vulnerabilities: null, severity: null }],
    ['unknown keys such as artifact', { artifact: { repository: 'r' }, extra: 1 }],
    ['keys in another case', { Severity: 'High', VULNERABILITIES: [] }],
  ])('should accept %s as Go would', (_name, body) => {
    expect(goUnmarshal(JSON.stringify(body), report).error).toBeUndefined();
  });

  it.each([
    ['a top-level array', [], 'json: cannot unmarshal array into Go value of type vuln.Report'],
    ['a string', '"x"', 'json: cannot unmarshal string into Go value of type vuln.Report'],
    ['a numeric version', { vulnerabilities: [{ version: 1 }] }, 'Go struct field vuln.Report.vulnerabilities.version of type string'],
    ['an object severity', { severity: { level: 3 } }, 'cannot unmarshal object into Go struct field vuln.Report.severity of type string'],
    ['a string CVSS score', { vulnerabilities: [{ preferred_cvss: { score_v3: '7.5' } }] }, 'of type float64'],
    ['a links string', { vulnerabilities: [{ links: 'https://x' }] }, 'of type []string'],
    ['an array vendor_attributes', { vulnerabilities: [{ vendor_attributes: [] }] }, 'of type map[string]interface {}'],
  ])('should reject %s with Go’s error', (_name, body, message) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    expect(goUnmarshal(text, report).error).toContain(message);
  });

  it('should reject fractional numbers for int fields of the model report', () => {
    const body = { summary: { total: 1.5 } };
    expect(goUnmarshal(JSON.stringify(body), HARBOR_TYPES.modelSecurityReport).error).toBe(
      'json: cannot unmarshal number 1.5 into Go struct field model.Report.summary.total of type int64',
    );
  });

  it.each([
    ['', 'unexpected end of JSON input'],
    ['{', undefined],
    ['<html>', undefined],
  ])('should report a syntax error for %j', (body, message) => {
    const { error } = goUnmarshal(body, report);
    expect(error).toBeDefined();
    if (message) expect(error).toBe(message);
  });
});
