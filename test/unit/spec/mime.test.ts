import { describe, expect, it } from 'vitest';
import {
  API_MIME,
  ARTIFACT_MIME,
  REPORT_MIME,
  mimeEssence,
  negotiate,
  parseAccept,
  parseMime,
  sameMime,
} from '../../../spec/mime.js';

describe('MIME constants', () => {
  it('should write the generic vulnerability report type without +json when used as Harbor does', () => {
    expect(REPORT_MIME.vulnerabilityV1_1).toBe('application/vnd.security.vulnerability.report; version=1.1');
  });

  it('should keep the exact strings Harbor sends when comparing byte for byte', () => {
    // Harbor compares consumes/produces MIME types with exact string equality (slices.Contains).
    expect(API_MIME.metadataV1_0).toBe('application/vnd.scanner.adapter.metadata+json; version=1.0');
    expect(API_MIME.scanRequestV1_0).toBe('application/vnd.scanner.adapter.scan.request+json; version=1.0');
    expect(ARTIFACT_MIME.dockerManifestV2).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(ARTIFACT_MIME.modelManifest).toBe('application/vnd.cncf.model.manifest.v1+json');
    expect(REPORT_MIME.modelSecurityV1_0).toBe('application/vnd.security.model.report+json; version=1.0');
  });

  it('should hold only parseable media types when any constant is parsed', () => {
    for (const value of [...Object.values(API_MIME), ...Object.values(REPORT_MIME), ...Object.values(ARTIFACT_MIME)])
      expect(parseMime(value), value).toBeDefined();
  });
});

describe('parseMime', () => {
  it.each([
    ['application/json', 'application', 'json', {}],
    ['Application/VND.Foo+JSON', 'application', 'vnd.foo+json', {}],
    ['application/x; version=1.0', 'application', 'x', { version: '1.0' }],
    ['application/x;version=1.0', 'application', 'x', { version: '1.0' }],
    ['application/x ;  Version = "1.0" ', 'application', 'x', { version: '1.0' }],
    ['application/x; a="semi;colon"; b=2', 'application', 'x', { a: 'semi;colon', b: '2' }],
    ['application/x; a="esc\\"aped"', 'application', 'x', { a: 'esc"aped' }],
    ['application/x;', 'application', 'x', {}],
  ])('should parse %j when well formed', (text, type, subtype, params) => {
    const parsed = parseMime(text);
    expect(parsed).toBeDefined();
    expect(parsed?.type).toBe(type);
    expect(parsed?.subtype).toBe(subtype);
    expect(Object.fromEntries(parsed?.params ?? [])).toEqual(params);
  });

  it.each(['', 'json', '/json', 'application/', 'application/x; version', 'app lication/x', 'application/x; =1'])(
    'should return undefined when given %j',
    (text) => {
      expect(parseMime(text)).toBeUndefined();
    },
  );

  it('should drop parameters when asked for the essence', () => {
    expect(mimeEssence('Application/Spdx+JSON; charset=utf-8')).toBe('application/spdx+json');
    expect(mimeEssence('nonsense')).toBeUndefined();
  });
});

describe('sameMime', () => {
  it.each([
    [REPORT_MIME.vulnerabilityV1_1, 'application/vnd.security.vulnerability.report;version=1.1', true],
    [REPORT_MIME.vulnerabilityV1_1, 'APPLICATION/vnd.security.vulnerability.report;  VERSION="1.1"', true],
    [REPORT_MIME.vulnerabilityV1_1, 'application/vnd.security.vulnerability.report; version=1.0', false],
    [REPORT_MIME.vulnerabilityV1_1, 'application/vnd.security.vulnerability.report', false],
    [REPORT_MIME.vulnerabilityV1_1, 'application/vnd.security.vulnerability.report+json; version=1.1', false],
    ['application/x; a=1; b=2', 'application/x; b=2; a=1', true],
    ['application/x; a=1', 'application/x; a=1; b=2', false],
    ['garbage', 'garbage', false],
  ])('should compare %j with %j as %s', (a, b, expected) => {
    expect(sameMime(a, b)).toBe(expected);
    expect(sameMime(b, a)).toBe(expected);
  });
});

describe('parseAccept', () => {
  it('should read q-values and keep range parameters when the header has several ranges', () => {
    const ranges = parseAccept('application/a; version=1.0; q=0.5, text/*;q=0, */*');
    expect(ranges.map((r) => [`${r.type}/${r.subtype}`, Object.fromEntries(r.params), r.q])).toEqual([
      ['application/a', { version: '1.0' }, 0.5],
      ['text/*', {}, 0],
      ['*/*', {}, 1],
    ]);
  });

  it.each(['a/b;q=2', 'a/b;q=0.1234', 'a/b;q=x', '*/b', 'nonsense', ''])(
    'should drop the malformed range %j instead of failing',
    (header) => {
      expect(parseAccept(`${header}, c/d`).map((r) => r.subtype)).toEqual(['d']);
    },
  );

  it('should not split on commas inside quoted parameter values', () => {
    expect(parseAccept('a/b; p="x, y", c/d')).toHaveLength(2);
  });
});

describe('negotiate', () => {
  const offered = [REPORT_MIME.vulnerabilityV1_1, REPORT_MIME.modelSecurityV1_0, REPORT_MIME.sbomV1_0];

  it.each([
    ['Harbor vulnerability poller', REPORT_MIME.vulnerabilityV1_1, REPORT_MIME.vulnerabilityV1_1],
    ['fork model poller', REPORT_MIME.modelSecurityV1_0, REPORT_MIME.modelSecurityV1_0],
    ['no space before version', 'application/vnd.security.model.report+json;version=1.0', REPORT_MIME.modelSecurityV1_0],
    ['range without version', 'application/vnd.security.sbom.report+json', REPORT_MIME.sbomV1_0],
    ['wildcard', '*/*', REPORT_MIME.vulnerabilityV1_1],
    ['absent header', undefined, REPORT_MIME.vulnerabilityV1_1],
    ['blank header', '  ', REPORT_MIME.vulnerabilityV1_1],
    ['q-values', `${REPORT_MIME.vulnerabilityV1_1};q=0.2, ${REPORT_MIME.sbomV1_0};q=0.9`, REPORT_MIME.sbomV1_0],
    ['specific q=0 beats wildcard', `${REPORT_MIME.vulnerabilityV1_1};q=0, */*`, REPORT_MIME.modelSecurityV1_0],
    ['subtype wildcard', 'application/*', REPORT_MIME.vulnerabilityV1_1],
  ])('should pick the right report when the client is a %s', (_name, accept, expected) => {
    expect(negotiate(accept, offered)).toBe(expected);
  });

  it.each([
    ['a type we do not produce', REPORT_MIME.harborVulnV1_0],
    ['another version', 'application/vnd.security.vulnerability.report; version=1.0'],
    ['only q=0', '*/*;q=0'],
    ['unparseable header', 'garbage'],
  ])('should return undefined when the client asks for %s', (_name, accept) => {
    expect(negotiate(accept, offered)).toBeUndefined();
  });
});
