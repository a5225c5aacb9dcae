/**
 * A Python ML environment as CI users scan it (issue 17): Debian's numpy, scipy, scikit-learn, joblib,
 * PyTorch and h5py trees under /usr/lib/python3/dist-packages (code, compiled extensions, metadata and
 * the libraries' own test data), scanned with the compiled CLI: files, wall and CPU time, peak RSS; with
 * PICKLESCAN_DIR (a picklescan checkout, run with /usr/bin/python3) picklescan's `scan_directory_path`
 * over the same trees in one process, in the same run. Run: `npm run bench -- python-env`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const SITE = '/usr/lib/python3/dist-packages';
const trees = ['numpy', 'scipy', 'sklearn', 'joblib', 'torch', 'h5py'].map((t) => path.join(SITE, t)).filter((t) => existsSync(t));
if (trees.length === 0) {
  console.log(`no Debian Python ML tree under ${SITE} (apt-get install python3-numpy python3-scipy python3-sklearn python3-joblib python3-torch python3-h5py)`);
  process.exit(0);
}
if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' }).status !== 0) throw new Error('npm run build failed');

const report = path.join(mkdtempSync(path.join(tmpdir(), 'python-env-')), 'report.json');
const ours = [
  '--input-type=module',
  '-e',
  `const { main } = await import(${JSON.stringify(path.join(ROOT, 'dist/cli/main.js'))}); process.exitCode = await main(['scan', ...${JSON.stringify(trees)}, '-f', 'json', '-o', ${JSON.stringify(report)}, '--fail-on', 'none']);`,
];
const theirs = [
  '-c',
  `from picklescan.scanner import scan_directory_path\nfor t in ${JSON.stringify(trees)}:\n    scan_directory_path(t)`,
];

/** Median of 3 runs under GNU time: wall and CPU seconds, peak RSS in MB. */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const runs = [0, 1, 2].map(() => {
    const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', command, ...args], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`${command} failed: ${run.stderr.slice(-2000)}`);
    const [wall, user, sys, rss] = run.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
    return { wall, cpu: user + sys, rss: rss / 1024 };
  });
  const m = runs.sort((a, b) => a.wall - b.wall)[1]!;
  return `${m.wall.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU, ${m.rss.toFixed(0)} MB peak RSS`;
}

console.log(`trees: ${trees.map((t) => path.basename(t)).join(', ')}`);
console.log(`  ours        ${measure(process.execPath, ours)}`);
const scanned = JSON.parse(readFileSync(report, 'utf8')) as { files_scanned: number; bytes_scanned?: number; findings: { id: string; severity: string }[] };
const noisy = scanned.findings.filter((f) => !f.id.startsWith('license.') && f.severity !== 'Low');
console.log(`  ours: ${scanned.files_scanned} files, ${noisy.length} non-licence findings at Medium or above`);
const picklescan = process.env['PICKLESCAN_DIR'];
if (picklescan && existsSync(path.join(picklescan, 'src/picklescan')))
  console.log(`  picklescan  ${measure(PYTHON, theirs, { ...process.env, PYTHONPATH: path.join(picklescan, 'src') })}`);
else console.log('(set PICKLESCAN_DIR to a picklescan checkout to measure it in the same run)');
