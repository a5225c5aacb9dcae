/**
 * Directories as CI users scan them: 1,000 small pickles (written by Debian's python3 `pickle`) and
 * 10,000 small text files, through the compiled CLI, with wall and CPU time and peak RSS; with
 * PICKLESCAN_DIR (a picklescan checkout, run with /usr/bin/python3) picklescan's time on the same
 * directories in the same run. Run: `npm run bench -- local-dirs`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const work = mkdtempSync(path.join(tmpdir(), 'local-dirs-'));

const pickles = path.join(work, 'pickles-1000');
mkdirSync(pickles);
const made = spawnSync(PYTHON, ['-c', `import pickle\nfor i in range(1000):\n  open(f'${pickles}/obj{i}.pkl','wb').write(pickle.dumps({'i': i, 'v': list(range(20)), 's': 'x' * 50}, protocol=4))`]);
if (made.status !== 0) throw new Error(`${PYTHON} could not write the pickles: ${made.stderr}`);
const texts = path.join(work, 'files-10000');
mkdirSync(texts);
for (let i = 0; i < 10_000; i++) writeFileSync(path.join(texts, `f${i}.txt`), `line ${i}\n`.repeat(10));

if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' }).status !== 0) throw new Error('npm run build failed');
const cli = (dir: string) => [
  '--input-type=module',
  '-e',
  `const { main } = await import(${JSON.stringify(path.join(ROOT, 'dist/cli/main.js'))}); process.exitCode = await main(['scan', ${JSON.stringify(dir)}, '-f', 'json', '-o', '/dev/null']);`,
];

/** Median of 3 runs under GNU time: wall and CPU seconds, peak RSS in MB. */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const runs = [0, 1, 2].map(() => {
    const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', command, ...args], { encoding: 'utf8', env });
    const [wall, user, sys, rss] = run.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
    return { wall, cpu: user + sys, rss: rss / 1024 };
  });
  const m = runs.sort((a, b) => a.wall - b.wall)[1]!;
  return `${m.wall.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU, ${m.rss.toFixed(0)} MB peak RSS`;
}

const picklescan = process.env['PICKLESCAN_DIR'];
for (const [name, dir] of [['1,000 small pickles', pickles], ['10,000 small text files', texts]] as const) {
  console.log(`${name}`);
  console.log(`  ours        ${measure(process.execPath, cli(dir))}`);
  if (picklescan && existsSync(path.join(picklescan, 'src/picklescan')))
    console.log(`  picklescan  ${measure(PYTHON, ['-m', 'picklescan', '--path', dir], { ...process.env, PYTHONPATH: path.join(picklescan, 'src') })}`);
}
if (!picklescan) console.log('(set PICKLESCAN_DIR to a picklescan checkout to measure it in the same run)');
