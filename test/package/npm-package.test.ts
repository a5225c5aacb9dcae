/**
 * The npm package as a CI user installs it: `npm pack` (prepack builds dist/), the tarball installed into
 * an empty project with install scripts off (no native module may be needed to scan), and its CLI run on
 * a malicious and a clean fixture, exit codes asserted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MALICIOUS = path.join(ROOT, 'test/fixtures/pickle/malicious/build_on_global.pkl');
const BENIGN = path.join(ROOT, 'test/fixtures/pickle/benign/numpy_array.npy');

interface PackedFile {
  readonly path: string;
}

describe('npm package', () => {
  let files: readonly string[] = [];
  let project = '';

  beforeAll(() => {
    const out = mkdtempSync(path.join(tmpdir(), 'hsm-pack-'));
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
    ) as [{ filename: string; files: PackedFile[] }];
    files = packed.files.map((f) => f.path);
    project = mkdtempSync(path.join(tmpdir(), 'hsm-install-'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'ci-user', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', path.join(out, packed.filename)], {
      cwd: project,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }, 600_000);

  it('should hold the build, the bin and the rule catalogue, and no sources, tests, maps or data', () => {
    expect(files).toContain('bin/harbor-scanner-models.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/server/main.js');
    expect(files).toContain('docs/rules.md');
    // Licence identification reads the SPDX index the build wrote instead of building it at every start.
    expect(files).toContain('dist/analyzers/license/reference-index.bin');
    const unwanted = files.filter((f) => /^(test|cli|server|analyzers|spec|benchmarks|scripts|data|deploy)\//.test(f) || /\.(ts|map)$/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('should exit 1 on a malicious file and 0 on a clean one, through npx in the installing project', () => {
    const cli = (target: string) => spawnSync('npx', ['--no-install', 'harbor-scanner-models', 'scan', target, '-f', 'json'], { cwd: project, encoding: 'utf8' });
    const bad = cli(MALICIOUS);
    expect(bad.status, bad.stderr).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ severity: 'Critical' });
    const good = cli(BENIGN);
    expect(good.status, good.stderr).toBe(0);
    const version = spawnSync('npx', ['--no-install', 'harbor-scanner-models', '--version'], { cwd: project, encoding: 'utf8' });
    const { version: expected } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(`harbor-scanner-models ${expected}`);
  });
});
