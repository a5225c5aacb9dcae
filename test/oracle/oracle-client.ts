/**
 * Client of oracle_server.py: one long-lived Debian /usr/bin/python3 process per test suite, asked over a
 * pipe (one JSON line per request, answers in order). See test/oracle/README.md.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ORACLE_PYTHON = process.env['ORACLE_PYTHON'] ?? '/usr/bin/python3';
const SERVER = fileURLToPath(new URL('./oracle_server.py', import.meta.url));

export type Pair = readonly [string, string];
export interface UnpickleAnswer {
  readonly ok: boolean;
  readonly error?: string;
  /** What find_class was asked, in order; `calls` / `setstate`: stubs instantiated or called / given state. */
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
