/**
 * Shared setup of the Redis unit suites: the test Redis on 127.0.0.1:6390 (started here, leased like in
 * the integration runs), a connected client per suite, and a fresh key namespace per test so suites and
 * concurrent runs never see each other's keys.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { connectRedis } from '../../../../server/jobs/redis-connection.js';
import { createLogger } from '../../../../server/observability/logger.js';
import { REDIS, startSharedRedis, stopSharedRedis } from '../../../services/redis.js';

export const silentLogger = createLogger('silent');

/** A namespace no other test uses. */
export function uniqueNamespace(prefix = 'unit'): string {
  return `test-${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Starts (or joins) the test Redis for the suite; `connect()` opens clients that are closed when the suite ends. */
export function useTestRedis(): { url: string; connect(): Promise<Redis> } {
  const opened: Redis[] = [];
  beforeAll(() => startSharedRedis());
  afterAll(async () => {
    await Promise.all(opened.map((client) => client.quit().catch(() => client.disconnect())));
    await stopSharedRedis();
  });
  return {
    url: REDIS.url,
    async connect() {
      const client = await connectRedis(REDIS.url, silentLogger);
      opened.push(client);
      return client;
    },
  };
}
