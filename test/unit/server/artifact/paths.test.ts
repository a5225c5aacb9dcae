import { describe, expect, it } from 'vitest';
import { normaliseArtifactPath, PathRegistry } from '../../../../server/artifact/paths.js';

describe('normaliseArtifactPath', () => {
  it.each([
    ['model.safetensors', 'model.safetensors', []],
    ['./models/./config.json', 'models/config.json', []],
    ['models//nested/', 'models/nested', []],
    ['/etc/passwd', 'etc/passwd', ['absolute']],
    ['//server/share/x', 'server/share/x', ['absolute']],
    ['C:\\Windows\\system32', 'Windows/system32', ['backslash', 'absolute']],
    ['..\\..\\evil.pth', 'evil.pth', ['backslash', 'parent-traversal']],
    ['../../../etc/cron.d/job', 'etc/cron.d/job', ['parent-traversal']],
    ['a/b/../c', 'a/c', ['parent-traversal']],
    ['model.bin\0.txt', 'model.bin', ['nul']],
    ['../', '', ['parent-traversal', 'empty']],
    ['', '', ['empty']],
  ])('should turn %j into %j and report %j', (raw, path, issues) => {
    expect(normaliseArtifactPath(raw)).toEqual({ path, issues });
  });

  it('should never return an absolute or climbing path whatever the input', () => {
    for (const raw of ['/..//../a', '\\\\?\\C:\\x', 'a/../../..', 'Z:..\\b', '.../x', '..\0/..']) {
      const { path } = normaliseArtifactPath(raw);
      expect(path.startsWith('/')).toBe(false);
      expect(path.split('/')).not.toContain('..');
      expect(path).not.toMatch(/[\\\0]/);
    }
  });
});

describe('PathRegistry', () => {
  const owner = (rawPath: string, layerDigest = 'sha256:1'): { rawPath: string; layerDigest: string } => ({ rawPath, layerDigest });

  it('should report a duplicate when a path is added twice', () => {
    const registry = new PathRegistry();
    expect(registry.add('a/b', owner('a/b'))).toBeUndefined();
    expect(registry.add('a/b', owner('./a/b', 'sha256:2'))).toEqual({
      path: 'a/b',
      kind: 'duplicate',
      first: owner('a/b'),
      second: owner('./a/b', 'sha256:2'),
    });
  });

  it.each([
    ['a file where a directory already is', ['dir/file', 'dir'], 'dir'],
    ['a member under an existing file', ['file', 'file/inner'], 'file'],
    ['a deep member under an existing file', ['x/file', 'x/file/y/z'], 'x/file'],
  ])('should report a file-directory conflict for %s', (_, [first, second], path) => {
    const registry = new PathRegistry();
    registry.add(first!, owner(first!));
    expect(registry.add(second!, owner(second!))).toMatchObject({ kind: 'file-directory', path, first: { rawPath: first } });
  });

  it('should accept siblings and nested files when nothing conflicts', () => {
    const registry = new PathRegistry();
    for (const path of ['a/b', 'a/c', 'a/d/e', 'b']) expect(registry.add(path, owner(path))).toBeUndefined();
  });
});
