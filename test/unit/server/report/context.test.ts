import { describe, expect, it } from 'vitest';
import { compareForReport, fileVersion, shortDigest } from '../../../../server/report/context.js';
import { ARCHIVE_DIGEST, MODEL_DIGEST } from './fixtures.js';

describe('shortDigest', () => {
  it.each([
    [MODEL_DIGEST, 'sha256:0123456789ab'],
    [`sha512:${'a'.repeat(128)}`, 'sha512:aaaaaaaaaaaa'],
    ['sha256:abc', 'sha256:abc'],
    ['0123456789abcdef', undefined],
    ['sha256:XYZ', undefined],
    ['', undefined],
  ])('should shorten %j to %j', (digest, expected) => {
    expect(shortDigest(digest)).toBe(expected);
  });
});

describe('fileVersion', () => {
  const digests = new Map([
    ['model.safetensors', MODEL_DIGEST],
    ['archive.zip', ARCHIVE_DIGEST],
    ['archive.zip!own.pkl', `sha256:${'1'.repeat(64)}`],
  ]);

  it.each([
    ['a top-level file with a digest', 'model.safetensors', 'sha256:0123456789ab'],
    ['a member without its own digest', 'archive.zip!data.pkl', 'sha256:fedcba987654'],
    ['a nested member', 'archive.zip!inner.tar!x.pkl', 'sha256:fedcba987654'],
    ['a member with its own digest', 'archive.zip!own.pkl', 'sha256:111111111111'],
    ['a file without any digest', 'README.md', 'unknown'],
    ['a member of a file without digest', 'other.zip!a', 'unknown'],
  ])('should give %s the right version', (_name, path, expected) => {
    expect(fileVersion(path, digests)).toBe(expected);
  });
});

describe('compareForReport', () => {
  it('should order by severity first, then path, then rule id', () => {
    const entries = [
      { severity: 'Low', path: 'a', ruleId: 'x' },
      { severity: 'Critical', path: 'b', ruleId: 'y' },
      { severity: 'Critical', path: 'a', ruleId: 'z' },
      { severity: 'Critical', path: 'a', ruleId: 'b' },
    ] as const;
    expect([...entries].sort(compareForReport)).toEqual([entries[3], entries[2], entries[1], entries[0]]);
  });
});
