/**
 * Model files from local paths: a file, or a directory walked recursively. Every regular file is
 * scanned whatever its extension; symlinks are followed only while they stay inside the scanned root
 * (and each real file is scanned once), so a link cannot pull in files from elsewhere on the machine.
 */
import { createHash } from 'node:crypto';
import { opendir, realpath, stat } from 'node:fs/promises';
import { createReadStream, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { FileSource } from '../analyzers/source.js';
import type { ModelFileInput } from '../server/scan/scan-files.js';

export interface SkippedPath {
  readonly path: string;
  readonly reason: string;
}

export interface LocalFilesOptions {
  /**
   * Give each file its SHA-256 (for SBOMs). The analyzers read only what they need, so this reads every
   * file whole: about a second per GB more on a local disk.
   */
  readonly hash?: boolean;
}

/** Yields the files under `target`; `skipped` collects what was left out and why. */
export async function* localFiles(target: string, skipped: SkippedPath[], options: LocalFilesOptions = {}): AsyncIterable<ModelFileInput> {
  const info = await stat(target);
  if (info.isFile()) {
    yield await localFile(path.basename(target), target, info.size, options);
    return;
  }
  const root = await realpath(target);
  const seen = new Set<string>();
  yield* walk(root, root, skipped, seen, options);
}

async function localFile(relative: string, real: string, size: number, options: LocalFilesOptions): Promise<ModelFileInput> {
  return { path: relative, size, source: new FileSource(real, size), ...(options.hash ? { digest: await sha256OfFile(real) } : {}) };
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function* walk(root: string, dir: string, skipped: SkippedPath[], seen: Set<string>, options: LocalFilesOptions): AsyncIterable<ModelFileInput> {
  const entries: Dirent[] = [];
  for await (const entry of await opendir(dir)) entries.push(entry);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const relative = path.relative(root, full).split(path.sep).join('/');
    let real = full;
    // The directory entry says what it is; only a link needs resolving (and confining to the root).
    if (entry.isSymbolicLink()) {
      try {
        real = await realpath(full);
      } catch {
        skipped.push({ path: relative, reason: 'dangling symlink' });
        continue;
      }
      if (real !== root && !real.startsWith(root + path.sep)) {
        skipped.push({ path: relative, reason: 'symlink leaves the scanned directory' });
        continue;
      }
    }
    if (seen.has(real)) continue;
    seen.add(real);
    // Synchronous: a stat of a local file costs microseconds, its trip through the thread pool more.
    const info = statSync(real);
    if (info.isDirectory()) yield* walk(root, real, skipped, seen, options);
    else if (info.isFile()) yield await localFile(relative, real, info.size, options);
    else skipped.push({ path: relative, reason: 'not a regular file' });
  }
}
