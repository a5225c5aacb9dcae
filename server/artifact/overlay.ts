/**
 * The merged file tree of a container image, built while walking layers from the top (last) layer down,
 * so whiteouts and shadowed paths of lower layers are skipped in one pass without buffering a layer.
 * Rules: opencontainers/image-spec `layer.md` "Whiteouts" — `.wh.<name>` deletes `<name>` from lower
 * layers, `.wh..wh..opq` hides every lower entry under its directory, and a path present in a higher layer
 * replaces the lower one (directories merge with directories).
 */

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';

/** What the walker does with an entry of the current layer. */
export type OverlayVerdict = 'visible' | 'hidden' | 'whiteout';

export class ImageOverlay {
  /** Paths of the layers above the current one; ancestors of their entries count as directories. */
  private readonly upper = new Map<string, 'directory' | 'other'>();
  private readonly deleted = new Set<string>();
  private readonly opaque = new Set<string>();
  /** The current layer's contribution, applied by {@link endLayer}: whiteouts never hide their own layer. */
  private layerPaths: Array<readonly [string, 'directory' | 'other']> = [];
  private layerDeleted: string[] = [];
  private layerOpaque: string[] = [];

  /** Paths recorded so far (for the tree-size limit). */
  get size(): number {
    return this.upper.size + this.deleted.size + this.opaque.size;
  }

  /** Classify an entry (normalised path) of the current layer and record it for the layers below. */
  visit(path: string, isDirectory: boolean): OverlayVerdict {
    const verdict = this.peek(path, isDirectory);
    const slash = path.lastIndexOf('/');
    const parent = slash === -1 ? '' : path.slice(0, slash);
    const base = path.slice(slash + 1);
    if (base === OPAQUE_WHITEOUT) this.layerOpaque.push(parent);
    else if (verdict === 'whiteout') this.layerDeleted.push(join(parent, base.slice(WHITEOUT_PREFIX.length)));
    else if (verdict === 'visible') this.layerPaths.push([path, isDirectory ? 'directory' : 'other']);
    return verdict;
  }

  /**
   * What {@link visit} would answer, recording nothing. An entry's verdict depends on the layers above
   * only (a layer's own entries and whiteouts apply below it), so a whole layer can be classified first.
   */
  peek(path: string, isDirectory: boolean): OverlayVerdict {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base === OPAQUE_WHITEOUT || base.startsWith(WHITEOUT_PREFIX)) return 'whiteout';
    return this.isHidden(path, isDirectory) ? 'hidden' : 'visible';
  }

  /** Finish the current layer: its entries and whiteouts now apply to the layers below. */
  endLayer(): void {
    for (const [path, kind] of this.layerPaths) {
      // A later entry of the same layer overwrites an earlier one; a file wins over an implied directory.
      if (kind === 'other' || !this.upper.has(path)) this.upper.set(path, kind);
      for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
        const ancestor = path.slice(0, slash);
        if (!this.upper.has(ancestor)) this.upper.set(ancestor, 'directory');
      }
    }
    for (const path of this.layerDeleted) this.deleted.add(path);
    for (const path of this.layerOpaque) this.opaque.add(path);
    this.layerPaths = [];
    this.layerDeleted = [];
    this.layerOpaque = [];
  }

  private isHidden(path: string, isDirectory: boolean): boolean {
    const above = this.upper.get(path);
    if (above !== undefined && !(above === 'directory' && isDirectory)) return true;
    if (this.deleted.has(path)) return true;
    if (this.opaque.has('')) return true;
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const ancestor = path.slice(0, slash);
      if (this.deleted.has(ancestor) || this.opaque.has(ancestor) || this.upper.get(ancestor) === 'other') return true;
    }
    return false;
  }
}

function join(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}
