/**
 * Runs byte streams through CPython's C unpickler with a non-executing `find_class` (unpickle_oracle.py),
 * so tests can check our reading against the loader's own. Needs Debian's /usr/bin/python3 (CI installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ORACLE_PYTHON = process.env.ORACLE_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./unpickle_oracle.py', import.meta.url));

export interface OracleOutcome {
  readonly ok: boolean;
  /** `int:42`, `True`, `str:'os'`, `float:1.5`, `stub`, `global`, or a type name. */
  readonly value?: string;
  readonly error?: string;
  readonly consumed?: number;
  /** What `find_class` was asked, in order. */
  readonly globals: ReadonlyArray<readonly [string, string]>;
}

export const oracleAvailable = (): boolean => existsSync(ORACLE_PYTHON);

/**
 * One Python process for the whole batch. `encoding` is the Unpickler's (for Python 2 STRING data):
 * `ASCII` as `pickle.load` defaults to, `latin1` as numpy reads Python 2 files, `utf-8` as torch.load.
 */
export function unpickleWithOracle(streams: readonly Uint8Array[], encoding = 'ASCII'): OracleOutcome[] {
  const input = streams.map((s) => JSON.stringify({ data: Buffer.from(s).toString('base64'), encoding })).join('\n') + '\n';
  const run = spawnSync(ORACLE_PYTHON, [SCRIPT], { input, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (run.status !== 0) throw new Error(`oracle failed (${run.status}): ${run.stderr.toString()}`);
  const lines = run.stdout.toString().trim().split('\n');
  if (lines.length !== streams.length) throw new Error(`oracle answered ${lines.length} of ${streams.length} streams`);
  return lines.map((line) => JSON.parse(line) as OracleOutcome);
}

/** Pickles CPython writes for each Python expression in each protocol (seeds for mutation tests). */
export function picklesFromPython(expressions: readonly string[], protocols: readonly number[]): Uint8Array[] {
  const program = [
    'import base64, json, pickle, sys',
    'for expr in json.loads(sys.argv[1]):',
    '    for proto in json.loads(sys.argv[2]):',
    '        print(base64.b64encode(pickle.dumps(eval(expr), protocol=proto)).decode())',
  ].join('\n');
  const run = spawnSync(ORACLE_PYTHON, ['-c', program, JSON.stringify(expressions), JSON.stringify(protocols)], { timeout: 60_000 });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr.toString()}`);
  return run.stdout.toString().trim().split('\n').map((line) => Uint8Array.from(Buffer.from(line, 'base64')));
}
