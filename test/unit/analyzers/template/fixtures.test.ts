import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { severityRank, type Finding } from '../../../../analyzers/finding.js';
import { FindingBudget } from '../../../../analyzers/finding-budget.js';
import { reportTemplate, type TemplateRenderer } from '../../../../analyzers/template/report.js';

const DIR = new URL('../../../fixtures/templates/', import.meta.url);
const files = (kind: 'benign' | 'malicious') => readdirSync(new URL(kind, DIR)).sort();
const read = (kind: string, name: string) => readFileSync(new URL(`${kind}/${name}`, DIR), 'utf8');
const isGo = (name: string) => name.endsWith('.gotmpl');

function findings(template: string, renderer: TemplateRenderer): Finding[] {
  const budget = new FindingBudget('t');
  reportTemplate(template, renderer, 'template', budget);
  return budget.findings();
}

/** Jinja payloads that do not reach Python objects themselves (they load files): High, not Critical, unsandboxed. */
const HIGH_ONLY = new Set(['include-file.jinja', 'import-template.jinja']);

describe('published chat templates (reproductions)', () => {
  it('should have the templates real models ship', () => {
    expect(files('benign').length).toBeGreaterThanOrEqual(10);
  });

  it.each(files('benign'))('should find nothing in %s under any renderer', (name) => {
    const renderers: TemplateRenderer[] = isGo(name) ? ['go'] : ['sandboxed', 'unsandboxed', 'unknown'];
    for (const renderer of renderers) expect(findings(read('benign', name), renderer)).toEqual([]);
  });
});

describe('template-injection payloads', () => {
  it.each(files('malicious').filter((n) => !isGo(n)))('should rate %s High when sandboxed and Critical when not', (name) => {
    const template = read('malicious', name);
    const worst = (renderer: TemplateRenderer) => Math.max(...findings(template, renderer).map((f) => severityRank(f.severity)));
    expect(worst('sandboxed')).toBeGreaterThanOrEqual(severityRank('High'));
    expect(worst('unsandboxed')).toBe(severityRank(HIGH_ONLY.has(name) ? 'High' : 'Critical'));
  });

  it.each(['format-sandbox-escape.jinja', 'format-attr-escape.jinja', 'format-map-escape.jinja'])(
    'should rate the format-string sandbox escape %s Critical even when sandboxed',
    (name) => {
      const escape = findings(read('malicious', name), 'sandboxed').filter((f) => f.ruleId === 'template.sandbox-escape');
      expect(escape.map((f) => f.severity)).toEqual(['Critical']);
    },
  );

  it.each(files('malicious').filter(isGo))('should report %s as an Ollama Go template', (name) => {
    const ids = findings(read('malicious', name), 'go').map((f) => f.ruleId);
    expect(ids.some((id) => id === 'template.go-call' || id === 'template.code-reach')).toBe(true);
  });
});
