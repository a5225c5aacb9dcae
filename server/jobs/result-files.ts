/**
 * Packed results of the embedded store, one file each under `<data dir>/results/`. Kept out of SQLite
 * because better-sqlite3 writes synchronously: a result of 100,000 files packs to ~1.5 MB, and writing
 * that through the WAL held the thread answering Harbor 30–60 ms per finished scan. These writes and
 * reads run on libuv's pool; the row only says the job finished.
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export class ResultFiles {
  readonly #dir: string;

  constructor(dataDir: string) {
    this.#dir = path.join(dataDir, 'results');
    mkdirSync(this.#dir, { recursive: true });
  }

  /** Written whole and synced before it gets its name: a crash leaves the old file or none, never half. */
  async write(jobId: string, bytes: Uint8Array): Promise<void> {
    const file = this.#path(jobId);
    const partial = `${file}.partial`;
    const handle = await open(partial, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, file);
  }

  /** Undefined when the file is gone (purged meanwhile). */
  async read(jobId: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.#path(jobId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(jobId: string): Promise<void> {
    await rm(this.#path(jobId), { force: true });
  }

  /** Job ids are UUIDs (controller.ts); anything else must not name a path. */
  #path(jobId: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
    return path.join(this.#dir, `${jobId}.json.gz`);
  }
}
