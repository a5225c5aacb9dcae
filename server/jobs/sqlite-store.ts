/**
 * Embedded job store on SQLite (better-sqlite3@12: v13 crashes on Node 20). One row per job; a finished
 * job's packed result (gzip JSON, ./packed-result.ts) is a file beside the database (./result-files.ts).
 * Survives restarts: queued and running jobs are resumed, finished ones kept until their TTL.
 */
import type Database from 'better-sqlite3';
import type { JobFailure, JobStatus, PackedResult, ScanJob, ScanTarget } from './model.js';
import { storedResult } from './packed-result.js';
import { ResultFiles } from './result-files.js';
import { openSqliteFile } from './sqlite-file.js';
import type { JobStore, NewJob } from './store.js';

interface Row {
  id: string;
  status: JobStatus;
  target: string;
  /** Only in rows written before results went to files: plain JSON text, or packed. */
  result: Buffer | string | null;
  failure: string | null;
  created_at: number;
  updated_at: number;
}

export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly results: ResultFiles;

  constructor(dataDir: string, private readonly now: () => number = Date.now) {
    this.db = openSqliteFile(dataDir, 'jobs.sqlite');
    this.results = new ResultFiles(dataDir);
    this.db.exec(`CREATE TABLE IF NOT EXISTS jobs (
      id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      target TEXT NOT NULL,
      sealed_auth BLOB,
      result TEXT,
      failure TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
    this.db.exec('CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created_at)');
    this.db.exec('CREATE TABLE IF NOT EXISTS write_probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)');
  }

  async create(job: NewJob): Promise<void> {
    const t = this.now();
    this.db
      .prepare('INSERT INTO jobs (id, status, target, sealed_auth, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(job.id, 'queued', JSON.stringify(job.target), job.sealedAuthorization ? Buffer.from(job.sealedAuthorization) : null, t, t);
  }

  async get(id: string): Promise<ScanJob | undefined> {
    const row = this.db.prepare('SELECT id, status, target, result, failure, created_at, updated_at FROM jobs WHERE id = ?').get(id) as Row | undefined;
    if (!row) return undefined;
    if (row.status !== 'finished') return toJob(row, undefined);
    const packed = row.result === null ? await this.results.read(id) : row.result;
    // A finished row whose file is gone was being purged: the job has expired.
    return packed === undefined ? undefined : toJob(row, storedResult(packed));
  }

  async sealedAuthorization(id: string): Promise<Uint8Array | undefined> {
    const row = this.db.prepare('SELECT sealed_auth FROM jobs WHERE id = ?').get(id) as { sealed_auth: Buffer | null } | undefined;
    return row?.sealed_auth ?? undefined;
  }

  async markRunning(id: string): Promise<boolean> {
    // A job found running after a restart is resumed too: the previous process died mid-scan.
    const info = this.db
      .prepare("UPDATE jobs SET status = 'running', updated_at = ? WHERE id = ? AND status IN ('queued', 'running')")
      .run(this.now(), id);
    return info.changes === 1;
  }

  async finish(id: string, result: PackedResult): Promise<void> {
    await this.results.write(id, result.gzipJson);
    this.db
      .prepare("UPDATE jobs SET status = 'finished', result = NULL, sealed_auth = NULL, updated_at = ? WHERE id = ?")
      .run(this.now(), id);
  }

  async fail(id: string, failure: JobFailure): Promise<void> {
    this.db
      .prepare("UPDATE jobs SET status = 'failed', failure = ?, sealed_auth = NULL, updated_at = ? WHERE id = ?")
      .run(JSON.stringify(failure), this.now(), id);
  }

  async unfinished(): Promise<ScanJob[]> {
    const rows = this.db
      .prepare("SELECT id, status, target, result, failure, created_at, updated_at FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at")
      .all() as Row[];
    return rows.map((row) => toJob(row, undefined));
  }

  async purge(olderThan: number): Promise<number> {
    const expired = this.db.prepare("SELECT id FROM jobs WHERE status IN ('finished', 'failed') AND updated_at < ?").pluck().all(olderThan) as string[];
    // Files first: a crash in between leaves expired rows, deleted next time, never files nothing names.
    for (const id of expired) await this.results.remove(id);
    const remove = this.db.prepare('DELETE FROM jobs WHERE id = ?');
    this.db.transaction(() => expired.forEach((id) => remove.run(id)))();
    return expired.length;
  }

  async healthy(): Promise<boolean> {
    try {
      // A write, not a read: a full or read-only data disk must make the scanner unready.
      this.db.prepare('INSERT OR REPLACE INTO write_probe (id, at) VALUES (1, ?)').run(this.now());
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function toJob(row: Row, result: PackedResult | undefined): ScanJob {
  return {
    id: row.id,
    status: row.status,
    target: JSON.parse(row.target) as ScanTarget,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(result ? { result } : {}),
    ...(row.failure ? { failure: JSON.parse(row.failure) as JobFailure } : {}),
  };
}
