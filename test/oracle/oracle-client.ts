/**
 * Client of oracle_server.py: one long-lived Debian /usr/bin/python3 process per test suite, asked over a
 * pipe (one JSON line per request, answers in order), or one process per batch for synchronous callers
 * ({@link unpickleWithOracle}). See test/oracle/README.md.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ORACLE_PYTHON = process.env['ORACLE_PYTHON'] ?? '/usr/bin/python3';
const SERVER = fileURLToPath(new URL('./oracle_server.py', import.meta.url));

export type Pair = readonly [string, string];
export interface UnpickleAnswer {
  readonly ok: boolean;
  readonly error?: string;
  /** What `load` returned: `int:42`, `True`, `str:'os'`, `float:1.5`, `stub`, `global`, or a type name. */
  readonly value?: string;
  /** Bytes the unpickler consumed, when it completed. */
  readonly consumed?: number;
  /** Every find_class call in order, refused ones (not dotted identifiers) included. */
  readonly asked: Pair[];
  /** What find_class resolved, in order; `calls` / `setstate`: stubs instantiated or called / given state. */
  readonly globals: Pair[];
  readonly calls: Pair[];
  readonly setstate: Pair[];
  readonly persistent: number;
}
export interface ZipAnswer {
  readonly ok: boolean;
  readonly error?: string;
  readonly members: Array<[string, string | null]>;
}
export interface TarAnswer {
  readonly ok: boolean;
  readonly error?: string;
  readonly members: Array<[string, string, string | null]>;
}

/** Under CI the oracle must be there (.ci/run installs python3 + numpy); elsewhere suites skip without it. */
export const oracleAvailable = (): boolean => {
  if (existsSync(ORACLE_PYTHON)) return true;
  if (process.env['CI'] === 'true') throw new Error(`${ORACLE_PYTHON} missing: .ci/run must install python3`);
  return false;
};

/**
 * One oracle process for a whole batch of unpickles, answered synchronously. `encoding` is the Unpickler's
 * (for Python 2 STRING data): `ASCII` as `pickle.load` defaults to, `latin1` as numpy reads Python 2 files,
 * `utf-8` as torch.load.
 */
export function unpickleWithOracle(streams: readonly Uint8Array[], encoding = 'ASCII'): UnpickleAnswer[] {
  const input = streams.map((s) => JSON.stringify({ op: 'unpickle', data: Buffer.from(s).toString('base64'), encoding }) + '\n').join('');
  const run = spawnSync(ORACLE_PYTHON, [SERVER], { input, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (run.status !== 0) throw new Error(`oracle failed (${run.status}): ${run.stderr.toString()}`);
  const lines = run.stdout.toString().trim().split('\n');
  if (lines.length !== streams.length) throw new Error(`oracle answered ${lines.length} of ${streams.length} streams`);
  return lines.map((line) => JSON.parse(line) as UnpickleAnswer);
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

export class PythonOracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(line: string) => void> = [];
  private stderr = '';

  constructor() {
    this.child = spawn(ORACLE_PYTHON, [SERVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const reject of this.waiting.splice(0)) reject(JSON.stringify({ crashed: code, stderr: this.stderr }));
    });
  }

  private ask<T>(op: string, data: Uint8Array, extra: Record<string, unknown> = {}): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const answer = JSON.parse(line) as T & { crashed?: number };
        if (answer.crashed !== undefined) reject(new Error(`oracle exited: ${line}`));
        else resolve(answer);
      });
      this.child.stdin.write(JSON.stringify({ op, data: Buffer.from(data).toString('base64'), ...extra }) + '\n');
    });
  }

  unpickle(data: Uint8Array, encoding = 'ASCII'): Promise<UnpickleAnswer> {
    return this.ask('unpickle', data, { encoding });
  }
  zip(data: Uint8Array): Promise<ZipAnswer> {
    return this.ask('zip', data);
  }
  tar(data: Uint8Array): Promise<TarAnswer> {
    return this.ask('tar', data);
  }

  close(): void {
    this.child.stdin.end();
  }
}
