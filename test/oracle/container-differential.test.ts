/**
 * Differential test of the container readers against CPython's zipfile and tarfile (issue 11): mutations of
 * real zip/tar/npz files and of the red-team containers are read by the oracle; wherever it reads a member
 * whose pickle (raw, or after an .npy header) asks for a code-execution global, the engine must report High or
 * Critical on the container. Seeds are printed by fast-check on failure (FC_SEED replays).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ScanEngine } from '../../analyzers/engine.js';
import { severityRank } from '../../analyzers/finding.js';
import { ALL_ANALYZERS } from '../../analyzers/index.js';
import { DEFAULT_LIMITS } from '../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../analyzers/settings.js';
import { BufferSource } from '../../analyzers/source.js';
import { oracleAvailable, PythonOracle } from './oracle-client.js';
import { mutated } from './pickle-programs.js';

const RUNS = Number(process.env['ORACLE_RUNS'] ?? 1500);
const SEED = process.env['FC_SEED'] ? Number(process.env['FC_SEED']) : undefined;
/** Globals the red-team and fixture payloads use to run a command or write a file. */
const PAYLOAD = /^(os|posix|builtins|subprocess|logging|mailbox) (system|exec|eval|open|check_call|Popen|FileHandler|mbox)$/;
const NPY_MAGIC = Buffer.from('\x93NUMPY', 'latin1');

interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly kind: 'zip' | 'tar';
}

function seeds(): Seed[] {
  const dirs = ['test/fixtures/redteam/files', 'test/fixtures/pickle/containers'];
  const found: Seed[] = [];
  for (const dir of dirs) {
    for (const name of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name)) {
      const bytes = readFileSync(path.join(dir, name));
      if (bytes.length >= 64 * 1024) continue;
      if (bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) found.push({ name, bytes, kind: 'zip' });
      else if (/\.(tar|pt)$/.test(name) && bytes.length % 512 === 0 && bytes.length >= 1024) found.push({ name, bytes, kind: 'tar' });
    }
  }
  return found;
}

describe.skipIf(!oracleAvailable())('container readers against zipfile and tarfile', () => {
  const oracle = new PythonOracle();
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
  afterAll(() => oracle.close());

  /** Does any member the oracle reads run a payload global (find_class reached with it)? */
  async function oracleRunsPayload(seed: Seed, bytes: Uint8Array): Promise<string | undefined> {
    const answer = seed.kind === 'zip' ? await oracle.zip(bytes) : await oracle.tar(bytes);
    for (const member of answer.members) {
      const body = member[member.length - 1];
      if (typeof body !== 'string') continue;
      let data = Buffer.from(body, 'base64');
      if (data.subarray(0, 6).equals(NPY_MAGIC)) {
        const headerLength = data[6] === 1 ? data.readUInt16LE(8) + 10 : data.readUInt32LE(8) + 12;
        data = data.subarray(headerLength);
      }
      const unpickled = await oracle.unpickle(data);
      const hit = unpickled.globals.map(([m, n]) => `${m} ${n}`).find((g) => PAYLOAD.test(g));
      if (hit) return `${member[0]}: ${hit}`;
    }
    return undefined;
  }

  it('should flag every container whose member, as the loaders read it, runs a payload', async () => {
    const all = seeds();
    expect(all.length).toBeGreaterThan(20);
    let reached = 0;
    const bySeed = fc.constantFrom(...all).chain((seed) => fc.tuple(fc.constant(seed), fc.oneof(fc.constant(seed.bytes), mutated([seed.bytes]))));
    await fc.assert(
      fc.asyncProperty(bySeed, async ([seed, bytes]) => {
        const payload = await oracleRunsPayload(seed, bytes);
        if (!payload) return;
        reached++;
        const result = await engine.scanFile({ path: seed.name, size: bytes.length }, new BufferSource(bytes));
        const worst = Math.max(0, ...result.findings.filter((f) => f.analyzer !== 'license').map((f) => severityRank(f.severity)));
        expect(worst, `${seed.name} (${payload}) base64 ${Buffer.from(bytes).toString('base64').slice(0, 2000)}`).toBeGreaterThanOrEqual(severityRank('High'));
      }),
      { numRuns: RUNS, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    expect(reached).toBeGreaterThan(RUNS / 10);
  }, 240_000);
});
