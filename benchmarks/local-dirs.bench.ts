/**
 * Local workloads as CI users scan them (issue 15 §4), each written by Debian's python3 (torch, numpy,
 * sklearn, joblib): 1,000 and 10,000 small pickles, 10,000 small text files, an HF-style model
 * directory, a legacy (non-zip) torch save, sklearn/joblib models and a ~500 MB torch.save state_dict.
 * For each: the scan in this process (the CLI's path: local walk, engine, 8 files in flight; start-up
 * excluded) with the bytes it read, then the compiled CLI with wall and CPU time and peak RSS; with
 * PICKLESCAN_DIR (a picklescan checkout, run with /usr/bin/python3) picklescan's figures on the same
 * directory in the same run. Medians of 3. Run: `PICKLESCAN_DIR=/tmp/picklescan npm run bench -- local-dirs`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_ANALYZERS } from '../analyzers/index.js';
import { ScanEngine } from '../analyzers/engine.js';
import { DEFAULT_LIMITS } from '../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../analyzers/settings.js';
import { localFiles } from '../cli/local-files.js';
import { scanFiles, type ModelFileInput } from '../server/scan/scan-files.js';
import { CountingSource } from '../test/support/sources.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const RUNS = 3;
const work = mkdtempSync(path.join(tmpdir(), 'local-dirs-'));

/** Writes every workload but the text files; tensors are float32 in a mix of large weights and small biases. */
const GENERATOR = String.raw`
import json, os, pickle, struct, sys
import numpy as np, torch, joblib
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
root = sys.argv[1]
def d(name):
    p = os.path.join(root, name); os.makedirs(p, exist_ok=True); return p
for n in (1000, 10000):
    out = d(f'pickles-{n}')
    for i in range(n):
        with open(f'{out}/obj{i}.pkl', 'wb') as f: pickle.dump({'i': i, 'v': list(range(20)), 's': 'x' * 50}, f, protocol=4)
def state_dict(total_mb, layers):
    g = torch.Generator().manual_seed(0); sd = {}
    per = total_mb * 2**20 // 4 // layers
    for i in range(layers):
        sd[f'layers.{i}.weight'] = torch.rand(per, generator=g)
        sd[f'layers.{i}.bias'] = torch.rand(768, generator=g)
        sd[f'layers.{i}.norm.weight'] = torch.ones(768)
    return sd
hf = d('hf-model')
sd = state_dict(100, 24)
torch.save(sd, f'{hf}/pytorch_model.bin')
header = {}; offset = 0
for k, t in sd.items():
    n = t.numel() * 4; header[k] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + n]}; offset += n
header['__metadata__'] = {'format': 'pt'}
h = json.dumps(header).encode(); h += b' ' * (-len(h) % 8)
with open(f'{hf}/model.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h)
    for t in sd.values(): f.write(t.numpy().tobytes())
json.dump({'architectures': ['BertModel'], 'hidden_size': 768, 'num_hidden_layers': 24, 'model_type': 'bert'}, open(f'{hf}/config.json', 'w'))
json.dump({'do_lower_case': True, 'model_max_length': 512}, open(f'{hf}/tokenizer_config.json', 'w'))
json.dump({'unk_token': '[UNK]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'cls_token': '[CLS]'}, open(f'{hf}/special_tokens_map.json', 'w'))
json.dump({'version': '1.0', 'model': {'type': 'WordPiece', 'vocab': {f'tok{i}': i for i in range(30000)}}}, open(f'{hf}/tokenizer.json', 'w'))
open(f'{hf}/vocab.txt', 'w').write(''.join(f'tok{i}\n' for i in range(30000)))
open(f'{hf}/README.md', 'w').write('---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# A model\n\nWeights for tests.\n')
legacy = d('legacy-torch')
torch.save(state_dict(200, 16), f'{legacy}/model.pt', _use_new_zipfile_serialization=False)
sk = d('sklearn')
rng = np.random.default_rng(0); X = rng.normal(size=(2000, 20)); y = (X[:, 0] > 0).astype(int)
rf = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)
joblib.dump(rf, f'{sk}/random_forest.joblib')
with open(f'{sk}/random_forest.pkl', 'wb') as f: pickle.dump(rf, f, protocol=4)
joblib.dump(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), f'{sk}/pipeline.joblib')
big = d('state-dict-500mb')
torch.save(state_dict(500, 60), f'{big}/pytorch_model.bin')
`;

const made = spawnSync(PYTHON, ['-c', GENERATOR, work], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`${PYTHON} could not write the workloads: ${made.stderr}`);
const texts = path.join(work, 'files-10000');
mkdirSync(texts);
for (let i = 0; i < 10_000; i++) writeFileSync(path.join(texts, `f${i}.txt`), `line ${i}\n`.repeat(10));

const WORKLOADS: ReadonlyArray<readonly [string, string]> = [
  ['1,000 small pickles', 'pickles-1000'],
  ['10,000 small pickles', 'pickles-10000'],
  ['10,000 small text files (picklescan skips .txt by name)', 'files-10000'],
  ['HF-style model directory (torch.save 100 MB, safetensors, tokenizer, config)', 'hf-model'],
  ['legacy torch save, 200 MB', 'legacy-torch'],
  ['sklearn/joblib models (random forest, pipeline)', 'sklearn'],
  ['torch.save state_dict, 500 MB', 'state-dict-500mb'],
];

const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });

interface Tally {
  files: number;
  size: number;
  readonly sources: CountingSource[];
}

/** Hands the analyzers each file through a {@link CountingSource}, so the bytes they were given can be summed. */
async function* counted(files: AsyncIterable<ModelFileInput>, tally: Tally): AsyncIterable<ModelFileInput> {
  for await (const file of files) {
    tally.files += 1;
    tally.size += file.size ?? 0;
    const source = new CountingSource(file.source);
    tally.sources.push(source);
    yield { ...file, source };
  }
}

/** The CLI's scan without its start-up: seconds (median), bytes read, files and their total size. */
async function inProcess(dir: string): Promise<string> {
  const runs: Array<{ seconds: number; bytes: number; files: number; size: number; findings: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const tally: Tally = { files: 0, size: 0, sources: [] };
    const started = process.hrtime.bigint();
    const result = await scanFiles(engine, counted(localFiles(dir, []), tally), { packaging: 'local', signal: new AbortController().signal, concurrency: 8 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const bytes = tally.sources.reduce((sum, source) => sum + source.bytesRead, 0);
    runs.push({ seconds, bytes, files: tally.files, size: tally.size, findings: result.findings.length });
  }
  const m = runs.sort((a, b) => a.seconds - b.seconds)[1]!;
  const share = m.size > 0 ? ` (${((100 * m.bytes) / m.size).toFixed(2)} % of ${mb(m.size)})` : '';
  return `${m.seconds.toFixed(2)} s, ${m.files} files, read ${mb(m.bytes)}${share}, ${m.findings} findings`;
}

const mb = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

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
const withPicklescan = picklescan !== undefined && existsSync(path.join(picklescan, 'src/picklescan'));
const empty = path.join(work, 'empty');
mkdirSync(empty);
console.log(`CLI start-up (empty directory): ${measure(process.execPath, cli(empty))}`);
for (const [name, sub] of WORKLOADS) {
  const dir = path.join(work, sub);
  console.log(name);
  console.log(`  ours, in process  ${await inProcess(dir)}`);
  console.log(`  ours, CLI         ${measure(process.execPath, cli(dir))}`);
  if (withPicklescan)
    console.log(`  picklescan        ${measure(PYTHON, ['-m', 'picklescan', '--path', dir], { ...process.env, PYTHONPATH: path.join(picklescan, 'src') })}`);
}
if (!withPicklescan) console.log('(set PICKLESCAN_DIR to a picklescan checkout to measure it in the same run)');
rmSync(work, { recursive: true, force: true });
