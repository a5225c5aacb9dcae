import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../../server/config/config.js';
import { parseDuration } from '../../../../server/config/duration.js';

describe('loadConfig', () => {
  it('should apply the embedded defaults when no variable is set', () => {
    const config = loadConfig({});
    expect(config.api).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.jobs.workers).toBe(2);
    expect(config.jobs.refreshAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(config.harbor.modelSecurity).toBe(false);
    expect(config.settings.pickle.allow).toEqual([]);
  });

  it.each([
    ['SCANNER_API_SERVER_ADDR', '8080'],
    ['SCANNER_JOB_WORKERS', '0'],
    ['SCANNER_SCAN_TIMEOUT', 'soon'],
    ['SCANNER_REFRESH_AFTER', '128'],
    ['SCANNER_MODEL_SECURITY', 'maybe'],
    ['SCANNER_LOG_LEVEL', 'loud'],
  ])('should name %s when its value %j is invalid', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('should parse host:port and [ipv6]:port listen addresses', () => {
    expect(loadConfig({ SCANNER_API_SERVER_ADDR: '127.0.0.1:9000' }).api).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(loadConfig({ SCANNER_API_SERVER_ADDR: '[::1]:9000' }).api).toEqual({ host: '::1', port: 9000 });
  });

  it('should load pickle allow and deny lists from the policy file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
    const file = path.join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ pickle: { allow: ['mylib.Layer'], deny: ['badlib.*'] } }));
    expect(loadConfig({ SCANNER_POLICY_FILE: file }).settings.pickle).toEqual({ allow: ['mylib.Layer'], deny: ['badlib.*'] });
  });

  it('should reject a policy file with unknown keys', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
    const file = path.join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ pickle: { trust: ['x'] } }));
    expect(() => loadConfig({ SCANNER_POLICY_FILE: file })).toThrow(/SCANNER_POLICY_FILE/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
  ])('should parse %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'm', '5 minutes', '-1s'])('should reject %j', (text) => expect(parseDuration(text)).toBeUndefined());
});
