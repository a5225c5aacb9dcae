import { describe, expect, it } from 'vitest';
import { headingAnchor, ruleAnchor, ruleDocLink } from '../../../../server/report/rule-links.js';

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

describe('ruleDocLink', () => {
  it('should point at the rule anchor of the catalogue when given a base URL', () => {
    expect(ruleDocLink('engine.limit-exceeded', 'https://x.test/docs/rules.md')).toBe(
      'https://x.test/docs/rules.md#enginelimit-exceeded',
    );
  });

  it('should replace a fragment already present in the base URL', () => {
    expect(ruleDocLink('a.b', 'https://x.test/rules.md#top')).toBe('https://x.test/rules.md#ab');
  });

  it('should use the same anchor as ruleAnchor', () => {
    expect(ruleDocLink('license.unknown', 'https://x.test/r.md').endsWith(`#${ruleAnchor('license.unknown')}`)).toBe(true);
  });
});
