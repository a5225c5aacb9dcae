/**
 * The CLI as CI pipelines use it: exit codes (1 for High or above by default), --version, short flags,
 * one-line argument errors, the analysis limits from flags or SCANNER_* variables while server-only
 * variables are ignored, and SARIF that code scanning can place (official SARIF 2.1.0 schema).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../cli/main.js';
import { parseScanArgs, UsageError } from '../../../cli/options.js';
import { sarifRuleName } from '../../../server/report/sarif.js';
import { describeErrors, SARIF_SCHEMA, sarifValidator } from '../../support/official-schemas.js';

const MALICIOUS = fileURLToPath(new URL('../../fixtures/pickle/malicious/build_on_global.pkl', import.meta.url));
const BENIGN = fileURLToPath(new URL('../../fixtures/pickle/benign/numpy_array.npy', import.meta.url));
const MALICIOUS_DIR = path.dirname(MALICIOUS);

/** Runs `main`, capturing what it writes. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(argv, env), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('exit codes', () => {
  it('should exit 1 on a Critical finding without --fail-on, and 0 on a clean file', async () => {
    expect((await run(['scan', MALICIOUS, '-f', 'json'])).code).toBe(1);
    expect((await run(['scan', BENIGN, '-f', 'json'])).code).toBe(0);
  });

  it('should never fail for findings with --fail-on none, and move the threshold with a severity', async () => {
    expect((await run(['scan', MALICIOUS, '--fail-on', 'none'])).code).toBe(0);
    expect(parseScanArgs(['scan', 'x'], {})).toMatchObject({ failOn: 'High' });
    expect(parseScanArgs(['scan', 'x', '--fail-on', 'medium'], {})).toMatchObject({ failOn: 'Medium' });
    expect(() => parseScanArgs(['scan', 'x', '--fail-on', 'severe'], {})).toThrow(/expected Low, Medium, High, Critical or none/);
  });

  it('should exit 2 with one line for a missing target', async () => {
    const { code, stderr } = await run(['scan', path.join(tmpdir(), 'does-not-exist-hsm')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^harbor-scanner-models: scan could not complete: .*ENOENT/);
  });
});

describe('arguments', () => {
  it('should print the version for --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await run([flag]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^harbor-scanner-models \d+\.\d+\.\d+/);
    }
  });

  it('should say an unknown option in one line, not node:util wording plus the usage', async () => {
    const { code, stderr } = await run(['scan', 'x', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toBe("harbor-scanner-models: unknown option --bogus\nRun 'harbor-scanner-models --help' for usage.\n");
  });

  it('should take -f and -o', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'cli-short-')), 'report.json');
    expect((await run(['scan', MALICIOUS, '-f', 'json', '-o', out])).code).toBe(1);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ severity: 'Critical' });
  });

  it('should reject a limit that is not a positive integer', () => {
    expect(() => parseScanArgs(['scan', 'x', '--max-depth', '0'], {})).toThrow(UsageError);
    expect(parseScanArgs(['scan', 'x', '--max-depth', '2'], {})).toMatchObject({ limits: { maxDepth: 2 } });
  });
});

describe('environment', () => {
  it('should ignore server-only variables a CI job may carry', async () => {
    const env = { SCANNER_API_AUTH: 'apikey', SCANNER_REDIS_URL: 'not a url', SCANNER_API_SERVER_ADDR: 'nonsense' };
    expect((await run(['scan', BENIGN], env)).code).toBe(0);
  });

  it('should read the analysis limits from SCANNER_* variables, and say which one is wrong', async () => {
    const { code, stderr } = await run(['scan', BENIGN], { SCANNER_MAX_DEPTH: 'deep' });
    expect(code).toBe(2);
    expect(stderr).toContain('SCANNER_MAX_DEPTH');
  });

  it('should name --policy, not the server variable, when the policy file is bad', async () => {
    const policy = path.join(mkdtempSync(path.join(tmpdir(), 'cli-policy-')), 'policy.json');
    writeFileSync(policy, '{"pickle": {"allow": 3}}');
    const { code, stderr } = await run(['scan', BENIGN, '--policy', policy]);
    expect(code).toBe(2);
    expect(stderr).toContain(`invalid --policy ${policy}`);
    expect(stderr).not.toContain('SCANNER_POLICY_FILE');
  });
});

describe('SARIF for code scanning', () => {
  const validate = sarifValidator();

  async function sarifOf(argv: string[]): Promise<{ runs: [{ results: Array<Record<string, any>>; originalUriBaseIds: Record<string, { uri: string }>; tool: { driver: { rules: Array<{ id: string; name: string }> } } }] }> {
    const { stdout } = await run(['scan', ...argv, '-f', 'sarif']);
    return JSON.parse(stdout);
  }

  it.skipIf(!validate)(`should validate against the official SARIF 2.1.0 schema (${SARIF_SCHEMA})`, async () => {
    const sarif = await sarifOf([MALICIOUS_DIR]);
    expect(validate!(sarif), describeErrors(validate!)).toBe(true);
    expect(validate!({ ...sarif, version: '2.0.0' })).toBe(false);
  });

  it('should locate files relative to the working directory under %SRCROOT%, with a region', async () => {
    const sarif = await sarifOf([path.relative(process.cwd(), MALICIOUS_DIR)]);
    const [run0] = sarif.runs;
    expect(run0.originalUriBaseIds['%SRCROOT%']!.uri).toBe(`file://${process.cwd()}/`);
    const location = run0.results.find((r) => r['ruleId'] === 'pickle.dangerous-global')!['locations'][0].physicalLocation;
    expect(location.artifactLocation.uriBaseId).toBe('%SRCROOT%');
    expect(location.artifactLocation.uri).toMatch(/^test\/fixtures\/pickle\/malicious\/[^/]+$/);
    expect(location.region).toEqual({ startLine: 1 });
  });

  it('should make locations relative to --sarif-root', async () => {
    const sarif = await sarifOf([MALICIOUS, '--sarif-root', path.dirname(MALICIOUS_DIR)]);
    const uris = sarif.runs[0].results.map((r) => r['locations'][0].physicalLocation.artifactLocation.uri);
    expect(new Set(uris)).toEqual(new Set(['malicious/build_on_global.pkl']));
  });

  it('should give rules a name that is not their id', async () => {
    const rules = (await sarifOf([MALICIOUS])).runs[0].tool.driver.rules;
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.name).toBe(sarifRuleName(rule.id));
    expect(sarifRuleName('pickle.dangerous-global')).toBe('PickleDangerousGlobal');
  });
});
