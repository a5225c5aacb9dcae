/**
 * How the embedded mode opens its SQLite files under SCANNER_DATA_DIR (the job store, the layer result
 * cache): WAL, so readers never wait for the writer and several connections (the main thread, scan worker
 * threads) can share a file; synchronous NORMAL, which WAL keeps consistent after a crash.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * How long a write waits for another connection's lock before failing with SQLITE_BUSY. Writes here are
 * one statement or one small transaction, held for milliseconds, so a second rides out any real contention
 * and a scan does not fail on a brief lock. better-sqlite3 waits synchronously, and on the main thread
 * that stalls every HTTP request, so it stays well under Harbor's 5 s client timeout (also
 * better-sqlite3's default, hence set explicitly).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 1_000;

/** Opens (creating it and the directory if missing) `fileName` in `dataDir`. */
export function openSqliteFile(dataDir: string, fileName: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, fileName), { timeout: SQLITE_BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}
