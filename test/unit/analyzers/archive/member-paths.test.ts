import { describe, expect, it } from 'vitest';
import { linkEscapeReason, MemberPathChecker, normalizeMemberPath } from '../../../../analyzers/archive/member-paths.js';
import { applyZip64, unsafeNameReason } from '../../../../analyzers/archive/zip-format.js';

describe('member paths', () => {
  it.each([
    ['../x', 'climbs out of the extraction directory with ..'],
    ['a/../../x', 'climbs out of the extraction directory with ..'],
    ['a\\..\\..\\x', 'climbs out of the extraction directory with ..'],
    ['/etc/passwd', 'is an absolute path'],
    ['\\\\server\\share', 'is an absolute path'],
    ['C:/Windows/x', 'starts with a drive letter'],
    ['a\0b', 'contains a NUL byte'],
    ['archive/data.pkl', undefined],
    ['a/..b/c', undefined],
  ])('should say %j is %s', (name, reason) => {
    expect(unsafeNameReason(name)).toBe(reason);
  });

  it.each([
    ['model/link', '../weights.bin', undefined],
    ['model/a/link', '../../x', undefined],
    ['model/link', '../../x', 'climbs out of the extraction directory with ..'],
    ['link', '/etc/passwd', 'points to an absolute path'],
    ['a/b/link', './../.././../x', 'climbs out of the extraction directory with ..'],
  ])('should resolve a link at %s to %s as %s', (member, target, reason) => {
    expect(linkEscapeReason(member, target)).toBe(reason);
  });

  it('should normalise ./, doubled and backslash separators when comparing paths', () => {
    expect(normalizeMemberPath('./a//b\\.\\c')).toBe('a/b/c');
  });

  it('should report a duplicate once when a path occurs three times', () => {
    const checker = new MemberPathChecker('x.zip');
    const findings = ['a/b', './a/b', 'a//b'].flatMap((name) => checker.check(name));
    expect(findings.map((f) => f.ruleId)).toEqual(['archive.duplicate-member']);
  });

  it('should take ZIP64 values only for fields that are 0xFFFFFFFF', () => {
    const extra = new Uint8Array([1, 0, 16, 0, ...[5, 0, 0, 0, 1, 0, 0, 0], ...[9, 0, 0, 0, 0, 0, 0, 0]]);
    expect(applyZip64(extra, { uncompressedSize: 7, compressedSize: 0xffffffff, localHeaderOffset: 0xffffffff })).toEqual({
      uncompressedSize: 7,
      compressedSize: 2 ** 32 + 5,
      localHeaderOffset: 9,
      zip64: true,
    });
  });
});
