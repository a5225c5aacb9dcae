/**
 * The layer result cache of the embedded mode: `layer-cache.sqlite` beside the job store, one row per
 * entry, opened by ./sqlite-file.ts so that the main thread and scan worker threads share the file.
 * "Recently used" is a sequence number bumped on every get and put, so the order is exact across
 * connections; a put evicts, oldest first, whatever no longer fits the byte budget.
 */
import type Database from 'better-sqlite3';
import { maxEntryBytes, type LayerResultCache } from './layer-cache.js';
import { openSqliteFile } from './sqlite-file.js';

export const LAYER_CACHE_FILE = 'layer-cache.sqlite';

export interface SqliteLayerCacheOptions {
  /** Byte budget of the stored values. */
  readonly maxBytes: number;
}

export class SqliteLayerResultCache implements LayerResultCache {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { value: Buffer }>;
  private readonly touch: Database.Statement<[string]>;
  private readonly insert: Database.Statement<[string, Buffer, number]>;
  private readonly total: Database.Statement<[], { bytes: number | null }>;
  private readonly evict: Database.Statement<[number]>;
  private readonly store: (key: string, value: Buffer) => void;

  constructor(dataDir: string, private readonly options: SqliteLayerCacheOptions) {
    this.db = openSqliteFile(dataDir, LAYER_CACHE_FILE);
    this.db.exec(`CREATE TABLE IF NOT EXISTS layer_results (
      key TEXT PRIMARY KEY,
      value BLOB NOT NULL,
      bytes INTEGER NOT NULL,
      used INTEGER NOT NULL
    )`);
    this.db.exec('CREATE INDEX IF NOT EXISTS layer_results_used ON layer_results (used)');
    this.select = this.db.prepare('SELECT value FROM layer_results WHERE key = ?');
    this.touch = this.db.prepare('UPDATE layer_results SET used = (SELECT COALESCE(MAX(used), 0) + 1 FROM layer_results) WHERE key = ?');
    this.insert = this.db.prepare(
      'INSERT OR REPLACE INTO layer_results (key, value, bytes, used) VALUES (?, ?, ?, (SELECT COALESCE(MAX(used), 0) + 1 FROM layer_results))',
    );
    this.total = this.db.prepare('SELECT SUM(bytes) AS bytes FROM layer_results');
    // Keeps the most recently used entries whose sizes add up to the budget; the rest goes.
    this.evict = this.db.prepare(
      `DELETE FROM layer_results WHERE key IN (
        SELECT key FROM (SELECT key, SUM(bytes) OVER (ORDER BY used DESC ROWS UNBOUNDED PRECEDING) AS kept FROM layer_results) WHERE kept > ?
      )`,
    );
    this.store = this.db.transaction((key: string, value: Buffer) => {
      this.insert.run(key, value, value.length);
      if ((this.total.get()?.bytes ?? 0) > this.options.maxBytes) this.evict.run(this.options.maxBytes);
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const row = this.select.get(key);
    if (!row) return undefined;
    this.touch.run(key);
    return new Uint8Array(row.value.buffer, row.value.byteOffset, row.value.length);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    if (value.length > maxEntryBytes(this.options.maxBytes)) return;
    this.store(key, Buffer.from(value.buffer, value.byteOffset, value.length));
  }

  /** Bytes stored and entries (for tests and logs). */
  usage(): { bytes: number; entries: number } {
    const row = this.db.prepare('SELECT COALESCE(SUM(bytes), 0) AS bytes, COUNT(*) AS entries FROM layer_results').get() as { bytes: number; entries: number };
    return row;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
