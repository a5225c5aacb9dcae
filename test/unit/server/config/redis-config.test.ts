import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('Redis mode configuration', () => {
  it('should stay embedded when SCANNER_REDIS_URL is unset', () => {
    expect(loadConfig({}).redis).toBeUndefined();
  });

  it('should read the Redis settings with their defaults', () => {
    expect(loadConfig({ SCANNER_REDIS_URL: 'redis://redis:6379/0', SCANNER_STORE_KEY: KEY }).redis).toEqual({
      url: 'redis://redis:6379/0',
      namespace: 'harbor-scanner-models',
      jobLockMs: 30_000,
      maxInterruptions: 2,
    });
  });

  it.each([
    [{ SCANNER_REDIS_URL: 'redis://redis:6379/0' }, /SCANNER_REDIS_URL needs SCANNER_STORE_KEY/],
    [{ SCANNER_REDIS_URL: 'http://redis:6379', SCANNER_STORE_KEY: KEY }, /invalid SCANNER_REDIS_URL/],
    [{ SCANNER_REDIS_URL: 'redis://redis:6379/db', SCANNER_STORE_KEY: KEY }, /invalid SCANNER_REDIS_URL/],
    [{ SCANNER_REDIS_URL: 'redis://redis', SCANNER_STORE_KEY: KEY, SCANNER_REDIS_NAMESPACE: 'a b' }, /invalid SCANNER_REDIS_NAMESPACE/],
    [{ SCANNER_REDIS_URL: 'redis://redis', SCANNER_STORE_KEY: KEY, SCANNER_REDIS_JOB_LOCK: '200ms' }, /invalid SCANNER_REDIS_JOB_LOCK.*at least 1s/],
    [{ SCANNER_REDIS_URL: 'redis://redis', SCANNER_STORE_KEY: KEY, SCANNER_REDIS_MAX_INTERRUPTIONS: '-1' }, /invalid SCANNER_REDIS_MAX_INTERRUPTIONS/],
  ])('should refuse %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
