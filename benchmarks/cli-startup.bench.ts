/**
 * CLI start-up: wall time of `scan` on a one-byte file through the compiled CLI (what the npm package
 * and the image run) and through the checkout's bin (tsx), against `node -e 0` in the same run, plus the
 * modules the compiled scan loads. Builds dist/ first. Run: `npm run bench -- cli-startup`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 15;
const file = path.join(mkdtempSync(path.join(tmpdir(), 'cli-startup-')), 'one.bin');
writeFileSync(file, 'x');

const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
if (build.status !== 0) throw new Error('npm run build failed');

const COMPILED = `const { main } = await import(${JSON.stringify(path.join(ROOT, 'dist/cli/main.js'))}); process.exitCode = await main(['scan', ${JSON.stringify(file)}, '-f', 'json']);`;
const commands: Record<string, string[]> = {
  'node -e 0': ['-e', '0'],
  'compiled CLI, scan 1-byte file': ['--input-type=module', '-e', COMPILED],
  'bin via tsx (checkout), scan 1-byte file': [path.join(ROOT, 'bin/harbor-scanner-models.js'), 'scan', file, '-f', 'json'],
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const medians: Record<string, number> = {};
for (const [name, args] of Object.entries(commands)) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const run = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
    times.push(performance.now() - start);
    if (run.status !== 0) throw new Error(`${name} exited ${run.status}`);
  }
  medians[name] = median(times);
}
const base = medians['node -e 0']!;
for (const [name, ms] of Object.entries(medians)) console.log(`${name.padEnd(44)} median ${ms.toFixed(0).padStart(5)} ms  ${(ms / base).toFixed(1)}× node -e 0`);

// Which npm packages the compiled scan path loads (each costs parse and compile time at every start).
const hooksFile = path.join(path.dirname(file), 'hooks.mjs');
writeFileSync(
  hooksFile,
  "export async function resolve(s, c, n) { const r = await n(s, c); if (!/^(node:|file:|\\.|data:)/.test(s)) process.stderr.write('PKG ' + s + '\\n'); return r; }\n",
);
const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooksFile).href)});`;
const traced = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', COMPILED], { cwd: ROOT, encoding: 'utf8' });
const packages = [...new Set(traced.stderr.split('\n').filter((l) => l.startsWith('PKG ')).map((l) => l.slice(4)))].sort();
console.log(`packages loaded by a scan of a local file: ${packages.join(', ') || 'none'}`);
