/**
 * Job store in Redis, shared by every replica, so any replica answers a poll for a job another one
 * accepted. As harbor-scanner-trivy does (harbor-scanner-api.md §4.1), each job is one key whose TTL
 * (SCANNER_REPORT_TTL) is renewed on every write, so reports expire without a purge. Transitions are
 * Lua scripts: a status check and its update are one atomic step across replicas.
 *
 * Keys (`<ns>` = SCANNER_REDIS_NAMESPACE): `<ns>:job:<id>` hash {status, target, sealed, result,
 * failure, createdAt, updatedAt}; `<ns>:jobs:unfinished` sorted set of queued and running ids, scored
 * by their last write (so entries whose job expired can be dropped by score).
 */
import type { Redis } from 'ioredis';
import type { JobFailure, JobStatus, PackedResult, ScanJob, ScanTarget } from './model.js';
import { storedResult } from './packed-result.js';
import { defineLua, type LuaScript } from './redis-connection.js';
import type { JobStore, NewJob } from './store.js';

export interface RedisJobStoreOptions {
  readonly namespace: string;
  /** Lifetime of a job after its last write (SCANNER_REPORT_TTL). */
  readonly ttlMs: number;
  readonly now?: () => number;
}

/** How long readiness waits for PING before calling the store unavailable. */
const HEALTH_TIMEOUT_MS = 1_000;

const FINAL: readonly JobStatus[] = ['finished', 'failed'];

/**
 * KEYS: job hash, unfinished index. ARGV: id, allowed current statuses (comma-separated), new status,
 * now, ttl, [field, value]. Final statuses erase the sealed credential, as the SQLite store does.
 * Returns 1 when applied, 0 when the job is missing or not in an allowed status.
 */
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or not string.find(',' .. ARGV[2] .. ',', ',' .. status .. ',', 1, true) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updatedAt', ARGV[4])
if ARGV[6] then redis.call('HSET', KEYS[1], ARGV[6], ARGV[7]) end
if ARGV[3] == 'finished' or ARGV[3] == 'failed' then
  redis.call('HDEL', KEYS[1], 'sealed')
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

const FIELDS = ['status', 'target', 'result', 'failure', 'createdAt', 'updatedAt'] as const;

export class RedisJobStore implements JobStore {
  private readonly transition: LuaScript;
  private readonly now: () => number;

  /** Takes ownership of `redis` (closed by close()). */
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisJobStoreOptions,
  ) {
    this.transition = defineLua(redis, 'scannerJobTransition', 2, TRANSITION);
    this.now = options.now ?? Date.now;
  }

  async create(job: NewJob): Promise<void> {
    const t = this.now();
    const key = this.jobKey(job.id);
    await this.redis
      .multi()
      .hset(key, {
        status: 'queued',
        target: JSON.stringify(job.target),
        createdAt: t,
        updatedAt: t,
        ...(job.sealedAuthorization ? { sealed: Buffer.from(job.sealedAuthorization) } : {}),
      })
      .pexpire(key, this.options.ttlMs)
      .zadd(this.unfinishedKey, t, job.id)
      // Index entries not written for a TTL belong to jobs Redis has expired.
      .zremrangebyscore(this.unfinishedKey, '-inf', String(t - this.options.ttlMs))
      .exec()
      .then(throwOnTransactionError);
  }

  async get(id: string): Promise<ScanJob | undefined> {
    // As buffers: the result is binary (packed).
    const values = await this.redis.hmgetBuffer(this.jobKey(id), ...FIELDS);
    return toJob(id, values);
  }

  async sealedAuthorization(id: string): Promise<Uint8Array | undefined> {
    return (await this.redis.hgetBuffer(this.jobKey(id), 'sealed')) ?? undefined;
  }

  async markRunning(id: string): Promise<boolean> {
    // Running is allowed too: BullMQ hands a job whose replica died to another one, which resumes it.
    return (await this.move(id, ['queued', 'running'], 'running')) === 1;
  }

  async finish(id: string, result: PackedResult): Promise<void> {
    await this.move(id, ['queued', 'running', ...FINAL], 'finished', ['result', Buffer.from(result.gzipJson.buffer, result.gzipJson.byteOffset, result.gzipJson.byteLength)]);
  }

  async fail(id: string, failure: JobFailure): Promise<void> {
    await this.move(id, ['queued', 'running', ...FINAL], 'failed', ['failure', JSON.stringify(failure)]);
  }

  async unfinished(): Promise<ScanJob[]> {
    const ids = await this.redis.zrange(this.unfinishedKey, '0', '-1');
    const jobs = await Promise.all(ids.map((id) => this.get(id)));
    return jobs.filter((job): job is ScanJob => job !== undefined && !FINAL.includes(job.status)).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Nothing to do: Redis expires each job a TTL after its last write. */
  async purge(): Promise<number> {
    return 0;
  }

  async healthy(): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.redis.ping().then((reply) => reply === 'PONG'),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
        }),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit();
    else this.redis.disconnect();
  }

  private async move(id: string, from: readonly JobStatus[], to: JobStatus, field: readonly [string, string | Buffer] | [] = []): Promise<number> {
    return (await this.transition([this.jobKey(id), this.unfinishedKey], [id, from.join(','), to, this.now(), this.options.ttlMs, ...field])) as number;
  }

  private jobKey(id: string): string {
    return `${this.options.namespace}:job:${id}`;
  }

  private get unfinishedKey(): string {
    return `${this.options.namespace}:jobs:unfinished`;
  }
}

function toJob(id: string, values: readonly (Buffer | null)[]): ScanJob | undefined {
  const [status, target, result, failure, createdAt, updatedAt] = values;
  if (!status || !target) return undefined;
  return {
    id,
    status: status.toString() as JobStatus,
    target: JSON.parse(target.toString()) as ScanTarget,
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
    ...(result ? { result: storedResult(result) } : {}),
    ...(failure ? { failure: JSON.parse(failure.toString()) as JobFailure } : {}),
  };
}

/** MULTI replies carry per-command errors instead of rejecting. */
function throwOnTransactionError(replies: [Error | null, unknown][] | null): void {
  if (replies === null) throw new Error('redis transaction aborted');
  const failed = replies.find(([error]) => error !== null);
  if (failed) throw failed[0]!;
}
