import { describe, expect, it } from 'vitest';
import { compareForReport, findingVersion, shortDigest } from '../../../../server/report/context.js';
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

describe('findingVersion', () => {
  const artifact = { repository: 'models/x', digest: `sha256:${'a'.repeat(64)}` };
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
    ['a path that is no scanned file: the artifact', 'README.md', 'sha256:aaaaaaaaaaaa'],
    ['the artifact itself', '.', 'sha256:aaaaaaaaaaaa'],
    ['a member of a file without digest', 'other.zip!a', 'sha256:aaaaaaaaaaaa'],
  ])('should give %s the right version', (_name, path, expected) => {
    expect(findingVersion({ file: path }, { fileDigests: digests, artifact })).toBe(expected);
  });

  it('should key a conclusion about the whole artifact by the artifact, even on a file with a digest', () => {
    expect(findingVersion({ file: 'model.safetensors', scope: 'artifact' }, { fileDigests: digests, artifact })).toBe('sha256:aaaaaaaaaaaa');
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
