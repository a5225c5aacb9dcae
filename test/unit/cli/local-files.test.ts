/**
 * Local directories as the CLI scans them (issue 15 §3): each file opened once for the whole scan (its
 * size from that descriptor), files analysed concurrently with the same results as one at a time, and
 * what is not a regular file never opened.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ALL_ANALYZERS } from '../../../analyzers/index.js';
import { ScanEngine } from '../../../analyzers/engine.js';
import { DEFAULT_LIMITS } from '../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../analyzers/settings.js';
import { localFiles, type SkippedPath } from '../../../cli/local-files.js';
import { scanFiles } from '../../../server/scan/scan-files.js';

// The seam: every synchronous open of the process (the walk's and any FileSource reopening a file).
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, openSync: vi.fn(real.openSync) };
});

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'local-files-'));
  mkdirSync(path.join(dir, 'nested'));
  for (const name of ['build_on_global.pkl', 'compat_builtin_eval_p0.pkl']) copyFileSync(path.join(FIXTURES, 'pickle/malicious', name), path.join(dir, name));
  for (const name of ['numpy_array.npy', 'sklearn_pipeline.joblib', 'torch_state_dict_legacy.pt'])
    copyFileSync(path.join(FIXTURES, 'pickle/benign', name), path.join(dir, 'nested', name));
  for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, `notes-${i}.txt`), `line ${i}\n`.repeat(i + 1));
  symlinkSync(path.join(dir, 'build_on_global.pkl'), path.join(dir, 'nested', 'link.pkl'));
  execFileSync('mkfifo', [path.join(dir, 'pipe')]);
});

async function scan(concurrency: number) {
  const skipped: SkippedPath[] = [];
  const opens = vi.mocked(fs.openSync);
  opens.mockClear();
  const result = await scanFiles(engine, localFiles(dir, skipped), { packaging: 'local', signal: new AbortController().signal, concurrency });
  const opened = opens.mock.calls.map(([file]) => path.relative(dir, String(file)));
  return { result: { ...result, generatedAt: '' }, skipped, opened };
}

describe('local directory scans', () => {
  it('should open each regular file once and never a FIFO, however many reads its analysis makes', async () => {
    const { result, opened, skipped } = await scan(8);
    // The link's target is scanned once, under its own name.
    expect(result.files).toHaveLength(45);
    expect([...opened].sort()).toEqual(result.files.map((f) => f.path).sort());
    expect(skipped).toEqual([{ path: 'pipe', reason: 'not a regular file' }]);
    expect(result.files.find((f) => f.path === 'nested/torch_state_dict_legacy.pt')?.size).toBe(fs.statSync(path.join(dir, 'nested/torch_state_dict_legacy.pt')).size);
  });

  it('should give the same result with files in flight as one at a time', async () => {
    const one = await scan(1);
    const many = await scan(8);
    expect(many.result).toEqual(one.result);
    expect(one.result.findings.some((f) => f.file === 'build_on_global.pkl' && f.severity === 'Critical')).toBe(true);
  });
});
