/**
 * The scan slice of the configuration (server/config/analysis.ts), read without zod: the same variables
 * and policy file the service reads, refused for the same reasons, with the variable or key named.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANALYSIS_VARIABLES, loadAnalysisConfig, loadPolicyFile } from '../../../../server/config/analysis.js';
import { ConfigError, loadConfig, VARIABLES } from '../../../../server/config/config.js';

function policy(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'policy-')), 'policy.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('analysis variables', () => {
  it('should apply the defaults', () => {
    const config = loadAnalysisConfig({});
    expect(config.limits.maxDepth).toBe(6);
    expect(config.limits.maxCompressionRatio).toBe(200);
    expect(config.registry).toMatchObject({ insecureSkipVerify: false, timeoutMs: 60_000, retries: 3, verifyBlobs: false });
    expect(config.docsUrl).toBe('');
  });

  it('should read what the service reads, from the same table', () => {
    const env = { SCANNER_MAX_DEPTH: '3', SCANNER_REGISTRY_TIMEOUT: '5m', SCANNER_VERIFY_BLOBS: 'Yes', SCANNER_REGISTRY_RETRIES: '0', SCANNER_DOCS_URL: 'https://wiki.example/rules' };
    const service = loadConfig(env);
    const cli = loadAnalysisConfig(env);
    expect(cli.limits).toEqual(service.limits);
    expect(cli.registry).toEqual(service.registry);
    expect(cli.docsUrl).toBe(service.harbor.docsUrl);
    for (const name of Object.keys(ANALYSIS_VARIABLES)) expect(VARIABLES).toHaveProperty(name);
  });

  it.each([
    ['SCANNER_MAX_DEPTH', '0', 'expected a positive integer'],
    ['SCANNER_MAX_DEPTH', '2.5', 'expected a positive integer'],
    ['SCANNER_MAX_COMPRESSION_RATIO', 'many', 'expected a positive integer'],
    ['SCANNER_REGISTRY_RETRIES', '11', 'expected an integer from 0 to 10'],
    ['SCANNER_REGISTRY_TIMEOUT', 'soon', 'expected a duration'],
    ['SCANNER_REGISTRY_INSECURE_SKIP_VERIFY', 'maybe', 'expected true or false'],
    ['SCANNER_DOCS_URL', 'ftp://wiki.example/', 'expected an http:// or https:// URL'],
  ])('should refuse %s=%j in the CLI and the service alike', (name, value, reason) => {
    for (const load of [loadAnalysisConfig, loadConfig]) {
      expect(() => load({ [name]: value })).toThrow(ConfigError);
      expect(() => load({ [name]: value })).toThrow(`invalid ${name}=${JSON.stringify(value)}: ${reason}`);
    }
  });
});

describe('policy file', () => {
  it('should read both slices, defaulting what is left out', () => {
    const settings = loadPolicyFile(policy({ pickle: { deny: ['bad.*'] }, license: { severities: { copyleft: 'off', 'non-commercial': 'Critical' } } }));
    expect(settings).toEqual({
      pickle: { allow: [], deny: ['bad.*'] },
      license: { allow: [], deny: [], severities: { copyleft: 'off', 'non-commercial': 'Critical' } },
    });
    expect(loadPolicyFile(policy({})).license).toEqual({ allow: [], deny: [], severities: {} });
  });

  it.each([
    ['not JSON', '{"pickle": ', /invalid --policy .*JSON/],
    ['an array', [], /: expected an object$/],
    ['an unknown top-level key', { pickles: {} }, /: unknown key "pickles"$/],
    ['an unknown pickle key', { pickle: { trust: ['x'] } }, /: pickle: unknown key "trust"$/],
    ['a name list that is not a list', { pickle: { allow: 'numpy.*' } }, /: pickle\.allow: expected an array of names$/],
    ['an empty name', { license: { deny: ['MIT', ''] } }, /: license\.deny\.1: expected a non-empty string$/],
    ['null for a list', { license: { allow: null } }, /: license\.allow: expected an array of names$/],
    ['an unknown licence class', { license: { severities: { 'no-such-class': 'High' } } }, /: license\.severities: unknown key "no-such-class"$/],
    ['a severity that is none', { license: { severities: { copyleft: 'Severe' } } }, /: license\.severities\.copyleft: expected Low, Medium, High, Critical or off$/],
  ])('should refuse %s, naming the label and the key', (_what, content, message) => {
    const file = policy(content);
    expect(() => loadPolicyFile(file, '--policy')).toThrow(ConfigError);
    expect(() => loadPolicyFile(file, '--policy')).toThrow(message);
    expect(() => loadPolicyFile(file, '--policy')).toThrow(`invalid --policy ${file}`);
  });

  it('should list every problem at once', () => {
    expect(() => loadPolicyFile(policy({ pickle: { allow: [1] }, license: { extra: true } }))).toThrow(/pickle\.allow\.0: .*; license: unknown key "extra"/);
  });
});
