/** The hand-written Keras 3 configs of test/fixtures/keras, packed into `.keras` zips and scanned by the whole engine. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERAS_RULES as RULES } from '../../../../analyzers/keras/rules.js';
import { buildZip } from '../archive/zip-writer.js';
import { formatFixture, scanBytes } from '../protobuf/scan-file.js';

const DIR = new URL('../../../fixtures/keras/', import.meta.url);
const configs = (prefix: string) => readdirSync(DIR).filter((n) => n.startsWith(prefix) && n.endsWith('.json')).sort();
const kerasFile = (name: string) =>
  buildZip([
    { name: 'metadata.json', data: JSON.stringify({ keras_version: '3.8.0', date_saved: '2025-01-01@00:00:00' }) },
    { name: 'config.json', data: readFileSync(new URL(name, DIR)) },
    { name: 'model.weights.h5', data: formatFixture('model.weights.h5') },
  ]);
const kerasFindings = async (name: string) => (await scanBytes('model.keras', kerasFile(name))).findings.filter((f) => f.analyzer === 'keras');

const EXPECTED: Readonly<Record<string, string>> = {
  'cve-2025-1550-unregistered-module.json': RULES.outsideModule.id,
  'cve-2025-1550-nested-initializer.json': RULES.outsideModule.id,
  'cve-2025-1550-denied-module.json': RULES.unsafeModule.id,
  'cve-2025-9906-safe-mode-off.json': RULES.safeModeBypass.id,
  'cve-2025-8747-get-file.json': RULES.nonModelingApi.id,
};

describe('Keras 3 config fixtures', () => {
  it('should have a fixture for each bypass shape', () => {
    expect(configs('cve-')).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(configs('cve-'))('should report %s', async (name) => {
    const findings = await kerasFindings(name);
    const rule = Object.values(RULES).find((r) => r.id === EXPECTED[name])!;
    expect(findings.map((f) => f.ruleId)).toContain(rule.id);
    expect(findings.find((f) => f.ruleId === rule.id)!.file).toBe('model.keras!config.json');
    if (rule.id === RULES.outsideModule.id) expect(findings.find((f) => f.ruleId === rule.id)!.severity).toBe('Critical');
  });

  it('should find nothing in a built-in model, and only a Medium for a registered custom layer', async () => {
    expect(await kerasFindings('clean-sequential.json')).toEqual([]);
    expect((await kerasFindings('clean-registered-custom.json')).map((f) => `${f.ruleId} ${f.severity}`)).toEqual([`${RULES.customModule.id} Medium`]);
  });
});
