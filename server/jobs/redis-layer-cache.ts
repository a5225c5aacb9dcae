/**
 * The layer result cache in Redis mode, shared by every replica. Keys (`<ns>` = SCANNER_REDIS_NAMESPACE):
 * `<ns>:layers:data` hash {entry key → value}, `<ns>:layers:lru` sorted set of entry keys scored by a
 * use sequence, `<ns>:layers:meta` hash {bytes, seq}. A put adds the entry and, in the same Lua script,
 * drops the least recently used entries until the values fit the byte budget, so the budget holds across
 * replicas. The three keys expire a week after the last put (a deployment that stops scanning leaves
 * nothing behind); entries are small, bounded by the budget, never by Redis' own maxmemory eviction
 * (should Redis evict one of the keys anyway, the next put finds the index short and starts afresh).
 *
 * The client is its own (not the job store's), so a scan worker thread can open one from the Config.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { maxEntryBytes, type LayerResultCache } from './layer-cache.js';
import { logRedisOutages, redactRedisUrl, redisOptionsFromUrl } from './redis-connection.js';

export interface RedisLayerCacheOptions {
  readonly url: string;
  readonly namespace: string;
  /** Byte budget of the stored values, across all replicas. */
  readonly maxBytes: number;
  readonly logger?: Logger;
  /** Lifetime of the cache after its last put (default a week). */
  readonly ttlMs?: number;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** A slow Redis must not hold a scan: a lookup that takes longer is a miss. */
const COMMAND_TIMEOUT_MS = 5_000;

/** KEYS: data, lru, meta. ARGV: entry key. Returns the value (and marks it used) or nil. */
const GET = `
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return false end
local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
redis.call('ZADD', KEYS[2], 'XX', seq, ARGV[1])
return value
`;

/** KEYS: data, lru, meta. ARGV: entry key, value, budget, ttl. Returns the bytes stored afterwards. */
const PUT = `
local size = string.len(ARGV[2])
local old = redis.call('HSTRLEN', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
redis.call('ZADD', KEYS[2], seq, ARGV[1])
local total = redis.call('HINCRBY', KEYS[3], 'bytes', size - old)
local budget = tonumber(ARGV[3])
while total > budget do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #oldest == 0 or oldest[1] == ARGV[1] then
    -- The count says more than the index holds (a key was evicted or expired apart): start afresh.
    redis.call('DEL', KEYS[1], KEYS[2])
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    redis.call('ZADD', KEYS[2], seq, ARGV[1])
    redis.call('HSET', KEYS[3], 'bytes', size)
    total = size
    break
  end
  local freed = redis.call('HSTRLEN', KEYS[1], oldest[1])
  redis.call('HDEL', KEYS[1], oldest[1])
  redis.call('ZREM', KEYS[2], oldest[1])
  total = redis.call('HINCRBY', KEYS[3], 'bytes', -freed)
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return total
`;

type Script = (...args: unknown[]) => Promise<unknown>;

export class RedisLayerResultCache implements LayerResultCache {
  private readonly redis: Redis;
  private readonly getScript: Script;
  private readonly putScript: Script;
  private readonly keys: readonly [string, string, string];

  constructor(private readonly options: RedisLayerCacheOptions) {
    this.redis = new Redis({ ...redisOptionsFromUrl(options.url), lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
    if (options.logger) logRedisOutages(this.redis, redactRedisUrl(options.url), options.logger);
    else this.redis.on('error', () => {});
    this.redis.defineCommand('scannerLayerCacheGet', { numberOfKeys: 3, lua: GET });
    this.redis.defineCommand('scannerLayerCachePut', { numberOfKeys: 3, lua: PUT });
    const commands = this.redis as unknown as Record<string, Script>;
    // The Buffer variant: values are bytes, not text.
    this.getScript = commands['scannerLayerCacheGetBuffer']!.bind(this.redis);
    this.putScript = commands['scannerLayerCachePut']!.bind(this.redis);
    const ns = options.namespace;
    this.keys = [`${ns}:layers:data`, `${ns}:layers:lru`, `${ns}:layers:meta`];
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = (await this.getScript(...this.keys, key)) as Buffer | null;
    return value === null ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.length);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    if (value.length > maxEntryBytes(this.options.maxBytes)) return;
    await this.putScript(...this.keys, key, Buffer.from(value.buffer, value.byteOffset, value.length), this.options.maxBytes, this.options.ttlMs ?? WEEK_MS);
  }

  /** Bytes stored and entries (for tests and logs). */
  async usage(): Promise<{ bytes: number; entries: number }> {
    const [bytes, entries] = await Promise.all([this.redis.hget(this.keys[2], 'bytes'), this.redis.zcard(this.keys[1])]);
    return { bytes: Number(bytes ?? 0), entries };
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}
