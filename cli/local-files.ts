/**
 * Model files from local paths: a file, or a directory walked recursively. Every regular file is
 * scanned whatever its extension; symlinks are followed only while they stay inside the scanned root
 * (and each real file is scanned once), so a link cannot pull in files from elsewhere on the machine.
 */
import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { closeSync, constants, createReadStream, fstatSync, openSync, readdirSync, statSync, type Dirent } from 'node:fs';
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

/** Never blocks on a FIFO swapped in after the directory was listed; regular files are unaffected. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Yields the files under `target`; `skipped` collects what was left out and why. */
export async function* localFiles(target: string, skipped: SkippedPath[], options: LocalFilesOptions = {}): AsyncIterable<ModelFileInput> {
  const info = await stat(target);
  if (info.isFile()) {
    const opened = openRegular(target);
    if (opened && opened !== 'directory') yield await localFile(path.basename(target), target, opened, options);
    else skipped.push({ path: path.basename(target), reason: 'not a regular file' });
    return;
  }
  const root = await realpath(target);
  const seen = new Set<string>();
  yield* walk(root, root, skipped, seen, options);
}

/** An open descriptor and the size of what it is, when it is a regular file (else closed). */
interface Opened {
  readonly fd: number;
  readonly size: number;
}

/**
 * Opens `file` and asks its descriptor what it is (fstat, not a second lookup by name): the size and the
 * bytes analysed are then those of one and the same file, and it is opened once for the whole scan.
 * Synchronous: locally an open costs microseconds, its trip through the thread pool more.
 */
function openRegular(file: string): Opened | 'directory' | undefined {
  const fd = openSync(file, OPEN_FLAGS);
  const info = fstatSync(fd);
  if (info.isFile()) return { fd, size: info.size };
  closeSync(fd);
  return info.isDirectory() ? 'directory' : undefined;
}

async function localFile(relative: string, real: string, opened: Opened, options: LocalFilesOptions): Promise<ModelFileInput> {
  return {
    path: relative,
    size: opened.size,
    source: new FileSource(real, opened.size, opened.fd),
    ...(options.hash ? { digest: await sha256OfFile(opened.fd) } : {}),
  };
}

async function sha256OfFile(fd: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream('', { fd, autoClose: false, start: 0, highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function* walk(root: string, dir: string, skipped: SkippedPath[], seen: Set<string>, options: LocalFilesOptions): AsyncIterable<ModelFileInput> {
  // Listed at once and synchronously, as files are opened: a local listing takes microseconds, where
  // iterating a Dir costs a promise per entry (most of the walk's time on a Python tree of 8,000 entries).
  const entries = readdirSync(dir, { withFileTypes: true });
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
    const kind = kindOf(entry, real);
    const opened = kind === 'file' ? openRegular(real) : kind;
    if (opened === 'directory') yield* walk(root, real, skipped, seen, options);
    else if (opened) yield await localFile(relative, real, opened, options);
    else skipped.push({ path: relative, reason: 'not a regular file' });
  }
}

/**
 * What a listed entry is. The listing says so for most; devices, FIFOs and sockets are never opened
 * (opening a device can act on it). A link (already resolved to `real`) or an entry of a type the
 * listing did not give is asked with a stat.
 */
function kindOf(entry: Dirent, real: string): 'directory' | 'file' | undefined {
  if (entry.isDirectory()) return 'directory';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink() && (entry.isFIFO() || entry.isSocket() || entry.isBlockDevice() || entry.isCharacterDevice())) return undefined;
  const info = statSync(real);
  return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : undefined;
}
