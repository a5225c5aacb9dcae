import { describe, expect, it } from 'vitest';
import { redactRedisUrl, redisOptionsFromUrl } from '../../../../server/jobs/redis-connection.js';

describe('redisOptionsFromUrl', () => {
  it.each([
    ['redis://127.0.0.1:6390/0', { host: '127.0.0.1', port: 6390, db: 0 }],
    ['redis://redis', { host: 'redis', port: 6379 }],
    ['redis://:p%40ss@redis:6380/2', { host: 'redis', port: 6380, password: 'p@ss', db: 2 }],
    ['redis://scanner:secret@redis/1', { host: 'redis', port: 6379, username: 'scanner', password: 'secret', db: 1 }],
    ['rediss://redis.example.com:6380', { host: 'redis.example.com', port: 6380, tls: {} }],
    ['redis://[::1]:6390', { host: '::1', port: 6390 }],
  ])('should read %s', (url, expected) => {
    const { retryStrategy, ...options } = redisOptionsFromUrl(url);
    expect(options).toEqual(expected);
    expect(retryStrategy(1)).toBeLessThan(retryStrategy(5));
    expect(retryStrategy(1_000)).toBe(2_000);
  });
});

describe('redactRedisUrl', () => {
  it.each([
    ['redis://:secret@redis:6379/0', 'redis://:redacted@redis:6379/0'],
    ['redis://user:secret@redis:6379/0', 'redis://user:redacted@redis:6379/0'],
    ['redis://redis:6379/0', 'redis://redis:6379/0'],
  ])('should hide the password of %s', (url, expected) => {
    expect(redactRedisUrl(url)).toBe(expected);
  });
});
