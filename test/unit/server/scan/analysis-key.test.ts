import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, makeLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import type { ScanTarget } from '../../../../server/jobs/model.js';
import { analysisFingerprint, analysisKey } from '../../../../server/scan/analysis-key.js';

const fingerprint = analysisFingerprint(DEFAULT_SETTINGS, DEFAULT_LIMITS);
const base: ScanTarget = { registryUrl: 'https://harbor.example.com', repository: 'team-a/model', digest: `sha256:${'a'.repeat(64)}`, tag: 'v1' };

describe('analysisKey', () => {
  it.each<[string, ScanTarget]>([
    ['another repository', { ...base, repository: 'team-b/copy' }],
    ['another tag', { ...base, tag: 'latest' }],
    ['no tag, another size and MIME type', { registryUrl: base.registryUrl, repository: base.repository, digest: base.digest, size: 42, mimeType: 'x' }],
    ['the registry host in upper case', { ...base, registryUrl: 'https://HARBOR.example.com' }],
    ['a trailing slash on the registry URL', { ...base, registryUrl: 'https://harbor.example.com/' }],
  ])('should give the same key when only %s differs', (_name, other) => {
    expect(analysisKey(other, fingerprint)).toBe(analysisKey(base, fingerprint));
  });

  it.each<[string, ScanTarget]>([
    ['the digest', { ...base, digest: `sha256:${'b'.repeat(64)}` }],
    ['the registry host', { ...base, registryUrl: 'https://mirror.example.com' }],
    ['the registry port', { ...base, registryUrl: 'https://harbor.example.com:8443' }],
  ])('should give another key when %s differs', (_name, other) => {
    expect(analysisKey(other, fingerprint)).not.toBe(analysisKey(base, fingerprint));
  });
});

describe('analysisFingerprint', () => {
  it.each([
    ['a pickle allow-list entry', { ...DEFAULT_SETTINGS, pickle: { allow: ['mod.safe'], deny: [] } }, DEFAULT_LIMITS],
    ['a pickle deny-list entry', { ...DEFAULT_SETTINGS, pickle: { allow: [], deny: ['mod.*'] } }, DEFAULT_LIMITS],
    ['another limit', DEFAULT_SETTINGS, makeLimits({ maxDepth: 3 })],
  ])('should change with %s', (_name, settings, limits) => {
    expect(analysisFingerprint(settings, limits)).not.toBe(fingerprint);
  });

  it('should not depend on the order of keys in the settings', () => {
    const reversed = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).reverse()) as T;
    const settings = reversed(Object.fromEntries(Object.entries(DEFAULT_SETTINGS).map(([k, v]) => [k, reversed(v)]))) as typeof DEFAULT_SETTINGS;
    expect(Object.keys(settings)).not.toEqual(Object.keys(DEFAULT_SETTINGS));
    expect(analysisFingerprint(settings, reversed(DEFAULT_LIMITS))).toBe(fingerprint);
  });
});
