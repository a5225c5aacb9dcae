/**
 * Redis connections for Redis mode (SCANNER_REDIS_URL): connection options from the URL, a client that
 * fails fast while Redis is away (so readiness and API calls answer at once instead of queueing), an
 * outage logged once rather than on every reconnect attempt, and Lua scripts as plain functions.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';

/** Reconnect delay: quick after a blip, at most 2 s while Redis stays away. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 200, 2_000);

/** What both ioredis and BullMQ take to connect. */
export interface RedisConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: Record<string, never>;
  readonly retryStrategy: (attempt: number) => number;
}

/** Host, port, credentials, database and TLS from a `redis://` or `rediss://` URL (e.g. `redis://:secret@redis:6379/0`). */
export function redisOptionsFromUrl(url: string): RedisConnectionOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    retryStrategy,
  };
}

/** The URL with its password replaced, for log lines. */
export function redactRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = 'redacted';
  return parsed.toString();
}

/**
 * Connects a client for the store and the ledger. Commands issued while Redis is unreachable fail after
 * one reconnect attempt instead of waiting in ioredis's offline queue. Rejects when the first connection
 * fails, so a replica never starts without its store.
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const client = new Redis({ ...redisOptionsFromUrl(url), lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  logRedisOutages(client, redactRedisUrl(url), logger);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`connecting to Redis at ${redactRedisUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  return client;
}

/** While errors go on, one log line per this period; without a listener ioredis prints every one. */
const OUTAGE_LOG_INTERVAL_MS = 30_000;

/** Logs an outage (once per interval while it lasts) and, for clients that say so, the recovery. */
export function logRedisOutages(emitter: { on(event: string, listener: (...args: never[]) => void): unknown }, where: string, logger: Logger): void {
  let down = false;
  let loggedAt = -Infinity;
  emitter.on('error', (error: Error) => {
    down = true;
    if (Date.now() - loggedAt < OUTAGE_LOG_INTERVAL_MS) return;
    loggedAt = Date.now();
    logger.warn({ redis: where, err: error.message }, 'redis unreachable; retrying');
  });
  emitter.on('ready', () => {
    if (down) logger.info({ redis: where }, 'redis reachable again');
    down = false;
    loggedAt = -Infinity;
  });
}

export type LuaScript = (keys: readonly string[], args: readonly (string | number | Buffer)[]) => Promise<unknown>;

/** Registers `lua` on `client` (EVALSHA, loaded on first use) and returns it as a function. */
export function defineLua(client: Redis, name: string, keyCount: number, lua: string): LuaScript {
  client.defineCommand(name, { numberOfKeys: keyCount, lua });
  const command = (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
  return (keys, args) => {
    if (keys.length !== keyCount) throw new Error(`${name}: expected ${keyCount} keys`);
    return command.call(client, ...keys, ...args);
  };
}
