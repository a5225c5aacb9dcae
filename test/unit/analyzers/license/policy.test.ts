import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fact, LicenseDeclaration, ModelCardFact } from '../../../../analyzers/analyzer.js';
import { evaluateLicensePolicy } from '../../../../analyzers/license/policy.js';
import { identifyDeclared } from '../../../../analyzers/license/spdx-id.js';
import { DEFAULT_SETTINGS, type LicensePolicySettings } from '../../../../analyzers/settings.js';
import { loadPolicyFile } from '../../../../server/config/config.js';

const declared = (value: string, over: Partial<LicenseDeclaration> = {}): LicenseDeclaration => ({
  kind: 'license',
  file: 'README.md',
  source: 'model-card',
  scope: 'artifact',
  declared: value,
  ...identifyDeclared(value),
  ...over,
});
const card = (baseModels: ModelCardFact['baseModels']): ModelCardFact => ({ kind: 'model-card', file: 'README.md', source: 'model-card', baseModels, datasets: [], languages: [] });
const rules = (facts: Fact[], policy: LicensePolicySettings = DEFAULT_SETTINGS.license) => evaluateLicensePolicy(facts, policy).map((f) => f.ruleId).sort();

describe('license policy defaults', () => {
  it.each<[string, Fact[], string[]]>([
    ['nothing is declared', [], ['license.missing']],
    ['only code carries a license', [declared('MIT', { file: 'a.py', source: 'code-header', scope: 'file' })], ['license.missing']],
    ['a permissive license is declared', [declared('apache-2.0')], []],
    ['`other` has no license_name', [declared('other')], ['license.unresolved']],
    ['`unknown` is declared', [declared('unknown')], ['license.unresolved']],
    ['a family placeholder is declared', [declared('bsd')], ['license.family-placeholder']],
    ['a non-commercial license is declared', [declared('cc-by-nc-4.0')], ['license.non-commercial']],
    ['a no-derivatives license is declared', [declared('cc-by-nd-4.0')], ['license.no-derivatives']],
    ['a RAIL license is declared', [declared('creativeml-openrail-m')], ['license.use-restricted']],
    ['a vendor license is declared', [declared('llama3.1')], ['license.vendor-terms']],
    ['a strong copyleft license is declared', [declared('gpl-3.0')], ['license.copyleft']],
    ['a share-alike license is declared', [declared('cc-by-sa-4.0')], ['license.share-alike']],
    ['sources disagree', [declared('apache-2.0'), declared('llama3.1', { file: 'LICENSE', source: 'license-file' })], ['license.conflict', 'license.vendor-terms']],
    ['a text says GPL-3.0 and the card gpl-3.0-or-later', [declared('GPL-3.0-or-later'), declared('GPL-3.0-only', { file: 'COPYING', source: 'license-file' })], ['license.copyleft', 'license.copyleft']],
    ['a NOTICE merely mentions another license', [declared('mit'), declared('llama3.1', { file: 'NOTICE', source: 'notice-file', confidence: 0.6 })], ['license.vendor-terms']],
    ['the base model is under a stricter license', [declared('mit'), card([{ name: 'meta-llama/Llama-3.1-8B' }])], ['license.base-model-stricter']],
    ['the GGUF says its base model is non-commercial', [declared('mit'), card([{ name: 'org/base', license: 'cc-by-nc-4.0' }])], ['license.base-model-stricter']],
    ['the base model license is declared too', [declared('llama3.1'), card([{ name: 'meta-llama/Llama-3.1-8B' }])], ['license.vendor-terms']],
    ['the base model is unknown', [declared('mit'), card([{ name: 'someone/model' }])], []],
  ])('should report %s', (_name, facts, expected) => {
    expect(rules(facts)).toEqual(expected.sort());
  });

  it('should not report an unidentified text as unresolved when a named license links to it', () => {
    const named = declared('other', { ...identifyDeclared('acme-license'), link: 'LICENSE' });
    const text = declared('x', { file: 'LICENSE', source: 'license-file', spdx: 'LicenseRef-unidentified-0123456789ab', name: 'unidentified license text' });
    expect(rules([named, text])).toEqual(['license.vendor-terms']);
  });

  it('should put the detected license and its sources in the details when a class is reported', () => {
    const [finding] = evaluateLicensePolicy([declared('cc-by-nc-4.0'), declared('CC-BY-NC-4.0', { file: 'LICENSE', source: 'license-file', confidence: 0.99 })], DEFAULT_SETTINGS.license);
    expect(finding).toMatchObject({ ruleId: 'license.non-commercial', severity: 'Low', file: 'README.md' });
    expect(finding?.details).toMatchObject({
      license: 'CC-BY-NC-4.0',
      source: 'model-card',
      sources: [{ file: 'README.md', source: 'model-card' }, { file: 'LICENSE', source: 'license-file', confidence: 0.99 }],
    });
  });
});

describe('license policy settings', () => {
  const policy = (over: Partial<LicensePolicySettings>): LicensePolicySettings => ({ ...DEFAULT_SETTINGS.license, ...over });

  it('should raise no trait finding for an allowed license, by exact id or prefix', () => {
    expect(rules([declared('llama3.1')], policy({ allow: ['LicenseRef-llama*'] }))).toEqual([]);
    expect(rules([declared('gpl-3.0')], policy({ allow: ['gpl-3.0-only'] }))).toEqual([]);
  });

  it('should report a denied license as denied', () => {
    expect(rules([declared('agpl-3.0')], policy({ deny: ['AGPL-*'] }))).toEqual(['license.copyleft', 'license.denied']);
  });

  it('should apply the configured severity and drop classes turned off', () => {
    const findings = evaluateLicensePolicy([declared('gpl-3.0'), declared('CC-BY-SA-4.0', { file: 'data.py', source: 'code-header', scope: 'file' })], policy({ severities: { copyleft: 'Critical', 'share-alike': 'off' } }));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['license.copyleft', 'Critical']]);
  });

  it('should read the license slice of the policy file and reject unknown classes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ license: { allow: ['MIT'], severities: { 'non-commercial': 'Critical', copyleft: 'off' } } }));
    expect(loadPolicyFile(good).license).toEqual({ allow: ['MIT'], deny: [], severities: { 'non-commercial': 'Critical', copyleft: 'off' } });
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ license: { severities: { 'no-such-class': 'High' } } }));
    expect(() => loadPolicyFile(bad)).toThrow(/license\.severities/);
  });
});
