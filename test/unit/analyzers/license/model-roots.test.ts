/**
 * Licence scope per model: a folder or image holding several models judges `license.missing` and
 * `license.conflict` per model root, never across siblings, and the CLI inventory lists an unlicensed
 * model as NOASSERTION.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { LicenseDeclaration } from '../../../../analyzers/analyzer.js';
import { modelRoots } from '../../../../analyzers/license/model-roots.js';
import { evaluateLicensePolicy, unlicensedRoots } from '../../../../analyzers/license/policy.js';
import { identifyDeclared } from '../../../../analyzers/license/spdx-id.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { main } from '../../../../cli/main.js';

const declared = (value: string, file: string, source: LicenseDeclaration['source'] = 'model-card'): LicenseDeclaration => ({
  kind: 'license',
  file,
  source,
  scope: 'artifact',
  declared: value,
  ...identifyDeclared(value),
});

describe('model roots', () => {
  const roots = modelRoots(['models/llama/README.md', 'models/llama/model.safetensors', 'models/bert/config.json', 'models/bert/tok/vocab.txt', 'notes.txt', 'w/x.pt!archive/data.pkl']);

  it('should find a root at every directory holding a model card, a config or weights', () => {
    expect(roots.roots).toEqual(['', 'models/bert', 'models/llama', 'w']);
    expect(roots.hasMarker('')).toBe(false);
  });

  it('should give each file, member and packaging declaration its nearest root', () => {
    expect(roots.rootOf('models/bert/tok/vocab.txt')).toBe('models/bert');
    expect(roots.rootOf('w/x.pt!archive/data.pkl')).toBe('w');
    expect(roots.rootOf('notes.txt')).toBe('');
    expect(roots.rootOf('.')).toBe('');
  });
});

describe('licence policy per model root', () => {
  const files = ['a/README.md', 'a/model.safetensors', 'b/README.md', 'b/LICENSE', 'b/config.json', 'c/model.gguf'];
  const facts = [declared('mit', 'a/README.md'), declared('apache-2.0', 'b/README.md'), declared('GPL-3.0-only', 'b/LICENSE', 'license-file')];
  const findings = evaluateLicensePolicy(facts, DEFAULT_SETTINGS.license, files);

  it('should not compare sibling models with each other, and keep the real conflict inside one', () => {
    const conflicts = findings.filter((f) => f.ruleId === 'license.conflict');
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.file).toMatch(/^b\//);
    expect(conflicts[0]!.message).not.toContain('a/README.md');
  });

  it('should report the model without a licence, and only that one', () => {
    const missing = findings.filter((f) => f.ruleId === 'license.missing');
    expect(missing.map((f) => f.file)).toEqual(['c']);
    expect(missing[0]!.message).toContain('c/');
    expect(unlicensedRoots(facts, files)).toEqual(['c']);
  });

  it('should still judge a single-model scan as one artifact', () => {
    expect(evaluateLicensePolicy([], DEFAULT_SETTINGS.license, ['model.safetensors']).map((f) => [f.ruleId, f.file])).toEqual([['license.missing', '.']]);
    expect(evaluateLicensePolicy([declared('mit', 'README.md')], DEFAULT_SETTINGS.license, ['README.md', 'sub/model.safetensors']).map((f) => f.ruleId)).toEqual([
      'license.missing',
    ]);
  });
});

describe('CLI inventory of a folder of models', () => {
  it('should list an unlicensed model as NOASSERTION and report no cross-model conflict', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'models-'));
    const fixtures = fileURLToPath(new URL('../../../fixtures/license/', import.meta.url));
    cpSync(path.join(fixtures, 'mit'), path.join(dir, 'mit-model'), { recursive: true });
    cpSync(path.join(fixtures, 'apache'), path.join(dir, 'apache-model'), { recursive: true });
    mkdirSync(path.join(dir, 'bare-model'));
    writeFileSync(path.join(dir, 'bare-model', 'config.json'), '{"model_type": "bert"}');
    const out = path.join(dir, 'report.json');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await main(['scan', dir, '-f', 'json', '-o', out], {});
    } finally {
      vi.restoreAllMocks();
    }
    const report = JSON.parse(readFileSync(out, 'utf8')) as { findings: { id: string; file: string }[]; licenses: { file: string; spdx: string; source: string }[] };
    expect(report.findings.filter((f) => f.id === 'license.conflict')).toEqual([]);
    expect(report.findings.filter((f) => f.id === 'license.missing').map((f) => f.file)).toEqual(['bare-model']);
    expect(report.licenses).toContainEqual(expect.objectContaining({ file: 'bare-model', spdx: 'NOASSERTION', source: 'none' }));
  });
});
