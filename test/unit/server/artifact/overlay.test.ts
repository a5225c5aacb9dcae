import { describe, expect, it } from 'vitest';
import { ImageOverlay } from '../../../../server/artifact/overlay.js';

/** Visit layers top-down; each layer is a list of [path, isDirectory]. Returns the visible paths. */
function merge(layersTopDown: ReadonlyArray<ReadonlyArray<readonly [string, boolean?]>>): string[][] {
  const overlay = new ImageOverlay();
  return layersTopDown.map((layer) => {
    const visible = layer.filter(([path, isDirectory]) => overlay.visit(path, isDirectory ?? false) === 'visible').map(([path]) => path);
    overlay.endLayer();
    return visible;
  });
}

describe('ImageOverlay', () => {
  it.each<[string, Array<Array<readonly [string, boolean?]>>, string[][]]>([
    ['a whiteout deletes the named file of lower layers', [[['d/.wh.f']], [['d/f'], ['d/g']]], [[], ['d/g']]],
    ['a whiteout of a directory deletes everything under it', [[['.wh.d']], [['d', true], ['d/f'], ['d/e/g'], ['dx']]], [[], ['dx']]],
    ['an opaque whiteout hides lower children but not the directory itself', [[['d/.wh..wh..opq'], ['d/new']], [['d', true], ['d/old'], ['e']]], [['d/new'], ['d', 'e']]],
    ['a root opaque whiteout hides every lower entry', [[['.wh..wh..opq'], ['a']], [['b'], ['c/d']]], [['a'], []]],
    ['a higher file shadows a lower file of the same path', [[['f']], [['f'], ['g']]], [['f'], ['g']]],
    ['a higher file replaces a lower directory and its content', [[['d']], [['d', true], ['d/f']]], [['d'], []]],
    ['a higher directory replaces a lower file but merges with a lower directory', [[['d/x'], ['e', true]], [['d'], ['e', true], ['e/f']]], [['d/x', 'e'], ['e', 'e/f']]],
    ['a whiteout never hides entries of its own layer', [[['.wh.f'], ['f']], [['f']]], [['f'], []]],
  ])('should apply the rule that %s', (_, layers, expected) => {
    expect(merge(layers)).toEqual(expected);
  });

  it('should classify whiteout entries as whiteouts and hidden entries as hidden', () => {
    const overlay = new ImageOverlay();
    expect(overlay.visit('a/.wh.b', false)).toBe('whiteout');
    expect(overlay.visit('a/.wh..wh..opq', false)).toBe('whiteout');
    overlay.endLayer();
    expect(overlay.visit('a/b', false)).toBe('hidden');
    expect(overlay.visit('a/c', false)).toBe('hidden');
    expect(overlay.visit('a', true)).toBe('visible');
  });

  it('should tell with peek what visit would answer, recording nothing', () => {
    const overlay = new ImageOverlay();
    overlay.visit('etc/motd', false);
    overlay.visit('.wh.opt', false);
    overlay.endLayer();
    expect(overlay.peek('etc/motd', false)).toBe('hidden');
    expect(overlay.peek('opt/x', false)).toBe('hidden');
    expect(overlay.peek('etc/.wh.passwd', false)).toBe('whiteout');
    expect(overlay.peek('usr/bin/x', false)).toBe('visible');
    // Nothing peeked applies to the layers below.
    overlay.endLayer();
    expect(overlay.visit('usr/bin/x', false)).toBe('visible');
    expect(overlay.visit('etc/passwd', false)).toBe('visible');
  });
});
