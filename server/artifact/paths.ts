/**
 * File paths inside an artifact come from annotations and tar headers, both attacker-controlled. They are
 * normalised into relative, `/`-separated paths that cannot escape the artifact root, and what was wrong
 * with the raw value is kept for the format-integrity checks (oci-model-formats.md §1.5: reject absolute
 * paths, `..`, backslashes, NUL; detect duplicates and file/directory conflicts).
 */

/** What normalisation had to repair in a raw path. */
export type PathIssue = 'absolute' | 'parent-traversal' | 'backslash' | 'nul' | 'empty';

export interface NormalisedPath {
  /** Relative, `/`-separated, without `.`/`..`/empty segments; `''` when nothing is left. */
  readonly path: string;
  readonly issues: readonly PathIssue[];
}

/**
 * Normalise a path from an annotation or a tar header. NUL ends the path (as it would for a C loader),
 * backslashes are separators (as on Windows), a leading `/`, `//server` or drive letter is dropped, and
 * `..` is resolved lexically with anything that would climb above the root discarded.
 *
 * @example normaliseArtifactPath('/../etc\\passwd') // { path: 'etc/passwd', issues: ['backslash', 'absolute', 'parent-traversal'] }
 */
export function normaliseArtifactPath(raw: string): NormalisedPath {
  const issues: PathIssue[] = [];
  let value = raw;
  const nul = value.indexOf('\0');
  if (nul !== -1) {
    issues.push('nul');
    value = value.slice(0, nul);
  }
  if (value.includes('\\')) {
    issues.push('backslash');
    value = value.replaceAll('\\', '/');
  }
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) {
    issues.push('absolute');
    value = value.replace(/^[A-Za-z]:/, '');
  }
  const segments: string[] = [];
  let traversal = false;
  for (const segment of value.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      traversal = true;
      segments.pop();
    } else segments.push(segment);
  }
  if (traversal) issues.push('parent-traversal');
  const path = segments.join('/');
  if (path === '') issues.push('empty');
  return { path, issues };
}

/** Where a path came from, for collision reports. */
export interface PathOwner {
  readonly rawPath: string;
  readonly layerDigest: string;
}

export interface PathCollision {
  readonly path: string;
  /** `duplicate`: two entries with one path; `file-directory`: a file where another entry needs a directory. */
  readonly kind: 'duplicate' | 'file-directory';
  readonly first: PathOwner;
  readonly second: PathOwner;
}

/**
 * The set of paths one manifest exposes. Both entries of a collision are kept (nothing is renamed);
 * the collision is returned so it can be reported, as Harbor refuses such artifacts ("path conflicts").
 */
export class PathRegistry {
  private readonly files = new Map<string, PathOwner>();
  /** Directories implied by the files' parents, with the first file that implied each. */
  private readonly directories = new Map<string, PathOwner>();

  add(path: string, owner: PathOwner): PathCollision | undefined {
    const collision = this.findCollision(path, owner);
    if (!this.files.has(path)) this.files.set(path, owner);
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const directory = path.slice(0, slash);
      if (!this.directories.has(directory)) this.directories.set(directory, owner);
    }
    return collision;
  }

  private findCollision(path: string, owner: PathOwner): PathCollision | undefined {
    const same = this.files.get(path);
    if (same) return { path, kind: 'duplicate', first: same, second: owner };
    const directory = this.directories.get(path);
    if (directory) return { path, kind: 'file-directory', first: directory, second: owner };
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const file = this.files.get(path.slice(0, slash));
      if (file) return { path: path.slice(0, slash), kind: 'file-directory', first: file, second: owner };
    }
    return undefined;
  }
}
