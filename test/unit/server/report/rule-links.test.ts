import { describe, expect, it } from 'vitest';
import { headingAnchor, ruleAnchor, ruleDocLinks } from '../../../../server/report/rule-links.js';

describe('headingAnchor', () => {
  it.each([
    ['safetensors.offsets-not-contiguous', 'safetensorsoffsets-not-contiguous'],
    ['engine.analysis-failed', 'engineanalysis-failed'],
    ['Rule catalogue', 'rule-catalogue'],
    ['pickle.global_os_system', 'pickleglobal_os_system'],
    ['  Trim Me  ', 'trim-me'],
    ['a|b`c*d', 'abcd'],
  ])('should slug %j as GitHub does', (heading, anchor) => {
    expect(headingAnchor(heading)).toBe(anchor);
  });
});

describe('ruleDocLinks', () => {
  it('should point at the rule anchor of the catalogue when given a base URL', () => {
    expect(ruleDocLinks('engine.limit-exceeded', 'https://x.test/docs/rules.md')).toEqual(['https://x.test/docs/rules.md#enginelimit-exceeded']);
  });

  it('should replace a fragment already present in the base URL', () => {
    expect(ruleDocLinks('a.b', 'https://x.test/rules.md#top')).toEqual(['https://x.test/rules.md#ab']);
  });

  it('should use the same anchor as ruleAnchor', () => {
    expect(ruleDocLinks('license.unknown', 'https://x.test/r.md')[0]!.endsWith(`#${ruleAnchor('license.unknown')}`)).toBe(true);
  });

  it('should give no link while no catalogue URL is set (a link that does not resolve is worse than none)', () => {
    expect(ruleDocLinks('license.unknown', '')).toEqual([]);
  });
});
