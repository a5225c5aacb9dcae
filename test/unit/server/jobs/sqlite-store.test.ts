import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packResult, unpackResultSync } from '../../../../server/jobs/packed-result.js';
import { SecretSealer } from '../../../../server/jobs/sealed-secret.js';
import { SqliteJobStore } from '../../../../server/jobs/sqlite-store.js';

const target = { registryUrl: 'http://127.0.0.1:5055', repository: 'models/a', digest: 'sha256:' + 'a'.repeat(64) };
const result = packResult({
  generatedAt: '2026-11-28T00:00:00.000Z',
  packaging: 'modelpack',
  files: [],
  filesScanned: 0,
  bytesScanned: 0,
  bytesFetched: 0,
  findings: [],
}).packed;

function store(dir = mkdtempSync(path.join(tmpdir(), 'store-')), now?: () => number) {
  return { dir, store: new SqliteJobStore(dir, now) };
}

describe('SqliteJobStore', () => {
  it('should keep a queued job and its sealed credential across reopening', async () => {
    const sealer = new SecretSealer(new Uint8Array(32).fill(7));
    const { dir, store: first } = store();
    await first.create({ id: 'j1', target, sealedAuthorization: sealer.seal('Basic dTpw') });
    await first.close();
    const second = new SqliteJobStore(dir);
    expect((await second.unfinished()).map((j) => j.id)).toEqual(['j1']);
    expect(sealer.open((await second.sealedAuthorization('j1'))!)).toBe('Basic dTpw');
  });

  it('should erase the sealed credential when the job finishes or fails', async () => {
    const { store: s } = store();
    await s.create({ id: 'ok', target, sealedAuthorization: new Uint8Array([1, 2, 3]) });
    await s.create({ id: 'ko', target, sealedAuthorization: new Uint8Array([1, 2, 3]) });
    await s.finish('ok', result);
    await s.fail('ko', { code: 'E_X', message: 'boom' });
    expect(await s.sealedAuthorization('ok')).toBeUndefined();
    expect(await s.sealedAuthorization('ko')).toBeUndefined();
    expect((await s.get('ok'))?.result).toEqual(result);
    expect((await s.get('ko'))?.failure).toEqual({ code: 'E_X', message: 'boom' });
  });

  it('should not mark a final job running again', async () => {
    const { store: s } = store();
    await s.create({ id: 'j', target });
    expect(await s.markRunning('j')).toBe(true);
    await s.finish('j', result);
    expect(await s.markRunning('j')).toBe(false);
  });

  it('should purge only final jobs older than the cut-off', async () => {
    let t = 1000;
    const { store: s } = store(undefined, () => t);
    await s.create({ id: 'old', target });
    await s.finish('old', result);
    await s.create({ id: 'pending', target });
    t = 5000;
    await s.create({ id: 'new', target });
    await s.finish('new', result);
    expect(await s.purge(2000)).toBe(1);
    expect(await s.get('old')).toBeUndefined();
    expect(await s.get('pending')).toBeDefined();
    expect(await s.get('new')).toBeDefined();
  });
});

describe('SqliteJobStore results', () => {
  it('should keep a finished result in a file of its own, and remove it with its job', async () => {
    let t = 1000;
    const { dir, store: s } = store(undefined, () => t);
    await s.create({ id: 'done', target });
    await s.finish('done', result);
    const file = path.join(dir, 'results', 'done.json.gz');
    expect(readFileSync(file)).toEqual(Buffer.from(result.gzipJson));
    expect((await s.get('done'))?.result).toEqual(result);
    t = 5000;
    expect(await s.purge(2000)).toBe(1);
    expect(existsSync(file)).toBe(false);
    expect(await s.get('done')).toBeUndefined();
  });

  it('should read results that earlier versions kept in the row, as JSON text', async () => {
    const { dir, store: s } = store();
    await s.create({ id: 'old', target });
    await s.close();
    const db = new Database(path.join(dir, 'jobs.sqlite'));
    db.prepare("UPDATE jobs SET status = 'finished', result = ? WHERE id = 'old'").run(JSON.stringify({ packaging: 'legacy' }));
    db.close();
    const reopened = new SqliteJobStore(dir);
    expect(unpackResultSync((await reopened.get('old'))!.result!)).toEqual({ packaging: 'legacy' });
  });

  it('should take a finished job whose file is gone for an expired one', async () => {
    const { dir, store: s } = store();
    await s.create({ id: 'gone', target });
    await s.finish('gone', result);
    rmSync(path.join(dir, 'results', 'gone.json.gz'));
    expect(await s.get('gone')).toBeUndefined();
  });
});

describe('SecretSealer', () => {
  it('should not open a value sealed under another key', () => {
    const sealed = new SecretSealer().seal('Bearer t');
    expect(new SecretSealer().open(sealed)).toBeUndefined();
  });

  it('should not store the plaintext in the sealed bytes', () => {
    const sealed = new SecretSealer().seal('Basic c2VjcmV0');
    expect(Buffer.from(sealed).toString('latin1')).not.toContain('c2VjcmV0');
  });
});
