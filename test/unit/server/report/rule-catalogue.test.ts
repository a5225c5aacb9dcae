import { describe, expect, it } from 'vitest';
import type { Rule } from '../../../../analyzers/finding.js';
import { collectRules, renderRuleCatalogue } from '../../../../server/report/rule-catalogue.js';
import { ruleAnchor } from '../../../../server/report/rule-links.js';
import { TEST_RULES } from './fixtures.js';

const rules = Object.values(TEST_RULES);

describe('collectRules', () => {
  it('should list each rule once, ordered by analyzer then id, when a list repeats a rule', () => {
    const collected = collectRules([rules, [TEST_RULES.osSystem]]);
    expect(collected.map((r) => r.id)).toEqual(['license.unknown', 'pickle.dangerous-global', 'safetensors.offsets-not-contiguous']);
  });

  it('should throw when two different rules share an id', () => {
    const impostor: Rule = { ...TEST_RULES.license, why: 'different text' };
    expect(() => collectRules([rules, [impostor]])).toThrow(/license.unknown is defined twice/);
  });
});

describe('renderRuleCatalogue', () => {
  const doc = renderRuleCatalogue(collectRules([rules]));

  it('should link every table row to a heading whose anchor is the rule anchor', () => {
    for (const rule of rules) {
      expect(doc).toContain(`[\`${rule.id}\`](#${ruleAnchor(rule.id)})`);
      expect(doc).toContain(`\n### ${rule.id}\n`);
    }
  });

  it('should document id, analyzer, default severity, title, why and remediation of each rule', () => {
    const section = doc.slice(doc.indexOf('### safetensors.offsets-not-contiguous'));
    expect(section).toContain('**Tensor offsets are not contiguous**');
    expect(section).toContain('- Analyzer: `safetensors`');
    expect(section).toContain('- Default severity: High');
    expect(section).toContain('**Why it matters.** Readers disagree about the bytes.');
    expect(section).toContain('**Remediation.** Re-export the file.');
  });

  it('should group sections under one heading per analyzer', () => {
    expect(doc.match(/^## /gm)).toHaveLength(1 + 3);
    expect(doc.indexOf('## license')).toBeLessThan(doc.indexOf('## pickle'));
  });

  it('should escape pipes and newlines in table cells', () => {
    const rule: Rule = { ...TEST_RULES.license, id: 'license.pipe', title: 'a | b\nc' };
    expect(renderRuleCatalogue([rule])).toContain('| a \\| b c |');
  });

  it('should throw when two headings would get the same anchor', () => {
    const undotted: Rule = { ...TEST_RULES.license, id: 'licenseunknown' };
    expect(() => renderRuleCatalogue([undotted, TEST_RULES.license])).toThrow(/collides/);
    const namedLikeAnalyzer: Rule = { ...TEST_RULES.license, id: 'lic.ense' };
    expect(() => renderRuleCatalogue([{ ...namedLikeAnalyzer, analyzer: 'license' }])).toThrow(/collides/);
  });
});
