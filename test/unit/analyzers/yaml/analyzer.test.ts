import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FindingBudget } from '../../../../analyzers/finding-budget.js';
import { BufferSource } from '../../../../analyzers/source.js';
import { checkYaml, isYamlFile, MAX_YAML_ALIASES, yamlAnalyzer } from '../../../../analyzers/yaml/analyzer.js';
import { YAML_RULES as RULES } from '../../../../analyzers/yaml/rules.js';
import { ruleIds, runAnalyzer } from '../safetensors/context.js';

// Fixtures written and proven against PyYAML by test/fixtures/yaml/make_fixtures.py.
const DIR = new URL('../../../fixtures/yaml/', import.meta.url);
const files = (kind: 'benign' | 'malicious') => readdirSync(new URL(kind, DIR)).sort();
const check = (text: string) => {
  const budget = new FindingBudget('config.yaml');
  checkYaml(new TextEncoder().encode(text), budget);
  return budget.findings();
};

describe('yamlAnalyzer', () => {
  it.each(files('malicious'))('should rate %s Critical with the tag and its target', async (name) => {
    const bytes = readFileSync(new URL(`malicious/${name}`, DIR));
    const findings = await runAnalyzer(yamlAnalyzer, new BufferSource(bytes), { path: `repo/${name}`, format: 'text' });
    const tags = findings.filter((f) => f.ruleId === RULES.pythonTag.id);
    expect(tags.length).toBeGreaterThan(0);
    expect(tags.every((f) => f.severity === 'Critical')).toBe(true);
    expect(String(tags[0]!.details?.['tag'])).toMatch(/^tag:yaml\.org,2002:python\//);
    expect(tags[0]!.details?.['target']).toMatch(/^(os\.mkdir|tuple|argparse\.Namespace|os)$/);
    expect(tags[0]!.location).toMatch(/^line \d+$/);
  });

  it.each(files('benign'))('should find nothing in %s', async (name) => {
    const bytes = readFileSync(new URL(`benign/${name}`, DIR));
    expect(await runAnalyzer(yamlAnalyzer, new BufferSource(bytes), { path: name, format: 'text' })).toEqual([]);
  });

  it('should leave the plain-value python tags alone and flag unknown python tags', () => {
    expect(check('a: !!python/tuple [1, 2]\nb: !!python/str x\n')).toEqual([]);
    expect(ruleIds(check('a: !!python/objekt:os.system x\n'))).toEqual([RULES.pythonTag.id]);
  });

  it('should find a tag in every document of a stream', () => {
    const findings = check('a: 1\n---\nb: !!python/name:os.system\n');
    expect(findings.map((f) => f.details?.['document'])).toEqual([2]);
  });

  it('should report a file that does not parse, and still check what it read', () => {
    const findings = check('a: !!python/object/apply:os.system [id]\nb: [unclosed\n');
    expect(ruleIds(findings)).toEqual([RULES.pythonTag.id, RULES.unreadable.id]);
  });

  it('should count aliases without expanding them (billion laughs)', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) levels.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(check(levels.join('\n'))).toEqual([]);
    const many = `base: &b 1\nlist: [${Array(MAX_YAML_ALIASES + 1).fill('*b').join(', ')}]\n`;
    expect(ruleIds(check(many))).toEqual([RULES.aliasBomb.id]);
  });

  it.each([
    ['configs/train.yaml', true],
    ['x.YML', true],
    ['model!MLmodel', true],
    ['repo/mlmodel', false],
    ['config.json', false],
  ])('should treat %s as YAML: %s', (path, expected) => {
    expect(isYamlFile(path)).toBe(expected);
  });
});
