/**
 * The analysis ledger in Redis, shared by all replicas: a scan accepted by one replica waits for, or
 * reuses, an analysis run by another. Each operation is one Lua script, so two replicas joining the same
 * key at once cannot both lead, and a job cannot start waiting just after its leader settled.
 *
 * Keys (`<ns>` = SCANNER_REDIS_NAMESPACE, `<key>` = analysis key): `<ns>:analysis:<key>` hash
 * {state: running|done, job}; `<ns>:analysis:<key>:waiting` set of waiting job ids. Both expire.
 */
import type { Redis } from 'ioredis';
import type { AnalysisLedger, LedgerTurn } from './analysis-ledger.js';
import { defineLua, type LuaScript } from './redis-connection.js';

export interface RedisLedgerOptions {
  readonly namespace: string;
  /** Lifetime of an entry: a finished one is reused this long; a running one must outlive its scan. */
  readonly ttlMs: number;
}

/** KEYS: entry, waiting set. ARGV: job id, ttl. Returns {role, job}. */
const JOIN = `
local entry = redis.call('HMGET', KEYS[1], 'state', 'job')
if not entry[1] then
  redis.call('HSET', KEYS[1], 'state', 'running', 'job', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'lead', ARGV[1]}
end
if entry[1] == 'done' then return {'reuse', entry[2]} end
if entry[2] == ARGV[1] then return {'lead', ARGV[1]} end
return {'wait', entry[2]}
`;

/** KEYS: entry, waiting set. ARGV: job id, leader id, ttl. Returns 1 when attached, 0 when that leader no longer runs. */
const ATTACH = `
local entry = redis.call('HMGET', KEYS[1], 'state', 'job')
if entry[1] ~= 'running' or entry[2] ~= ARGV[2] then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS: entry, waiting set. ARGV: leader id, ttl. Returns the waiting ids (removed). */
const SETTLE = `
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return {} end
redis.call('HSET', KEYS[1], 'state', 'done')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local waiting = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return waiting
`;

/** KEYS: entry, waiting set. ARGV: job id. Returns the waiting ids (removed). */
const RELEASE = `
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return {} end
redis.call('DEL', KEYS[1])
local waiting = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return waiting
`;

export class RedisAnalysisLedger implements AnalysisLedger {
  private readonly joinScript: LuaScript;
  private readonly attachScript: LuaScript;
  private readonly settleScript: LuaScript;
  private readonly releaseScript: LuaScript;

  /** Borrows `redis` (the store's connection; the store closes it). */
  constructor(
    redis: Redis,
    private readonly options: RedisLedgerOptions,
  ) {
    this.joinScript = defineLua(redis, 'scannerLedgerJoin', 2, JOIN);
    this.attachScript = defineLua(redis, 'scannerLedgerAttach', 2, ATTACH);
    this.settleScript = defineLua(redis, 'scannerLedgerSettle', 2, SETTLE);
    this.releaseScript = defineLua(redis, 'scannerLedgerRelease', 2, RELEASE);
  }

  async join(key: string, jobId: string): Promise<LedgerTurn> {
    const [role, job] = (await this.joinScript(this.keys(key), [jobId, this.options.ttlMs])) as [string, string];
    if (role === 'reuse') return { role, finishedJobId: job };
    if (role === 'wait') return { role, leaderId: job };
    return { role: 'lead' };
  }

  async attach(key: string, jobId: string, leaderId: string): Promise<boolean> {
    return (await this.attachScript(this.keys(key), [jobId, leaderId, this.options.ttlMs])) === 1;
  }

  async settle(key: string, leaderId: string): Promise<string[]> {
    return (await this.settleScript(this.keys(key), [leaderId, this.options.ttlMs])) as string[];
  }

  async release(key: string, jobId: string): Promise<string[]> {
    return (await this.releaseScript(this.keys(key), [jobId])) as string[];
  }

  private keys(key: string): string[] {
    const entry = `${this.options.namespace}:analysis:${key}`;
    return [entry, `${entry}:waiting`];
  }
}
