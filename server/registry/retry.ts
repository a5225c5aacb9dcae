/**
 * Bounded retries with exponential backoff and jitter, for what may pass: network errors, timeouts,
 * 429 (honouring `Retry-After`, RFC 9110 §10.2.3) and 5xx. A 4xx is an answer, not a glitch, and is never
 * retried here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryUnavailableError, type RegistryTarget } from '../errors/registry-errors.js';
import type { RegistryLogger } from './types.js';

export interface RetryPolicy {
  /** Attempts after the first one. */
  readonly maxRetries: number;
  /** Backoff before the first retry; doubles per retry. */
  readonly baseDelayMs: number;
  /** Cap of the backoff, and the longest `Retry-After` the client is willing to wait. */
  readonly maxDelayMs: number;
}

/** A failure worth another attempt. Internal signal: callers see {@link RegistryUnavailableError}. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    readonly detail: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

/**
 * Delay before retry number `retry` (1-based): "equal jitter", half fixed and half random, so a fleet of
 * scanners hitting one registry spreads out but never retries immediately.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP-date; undefined when absent or invalid. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with a day name; anything else (`-1`) is not one, however Date.parse reads it.
  const date = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Counts the retries of one logical operation (a manifest GET, a range read, a resumed stream). */
export class RetryBudget {
  #retries = 0;
  constructor(
    private readonly policy: RetryPolicy,
    private readonly target: RegistryTarget,
    private readonly logger?: RegistryLogger,
    /** The scan's deadline: a backoff never outlasts it. */
    private readonly signal?: AbortSignal,
  ) {}

  /** Attempts made so far, counting the first. */
  get attempts(): number {
    return this.#retries + 1;
  }

  /** Waits before the next attempt, or throws {@link RegistryUnavailableError} when the budget is spent. */
  async beforeRetry(error: TransientError): Promise<void> {
    if (this.#retries >= this.policy.maxRetries) {
      throw new RegistryUnavailableError(this.target, error.detail, this.attempts, { cause: error });
    }
    if (error.retryAfterMs !== undefined && error.retryAfterMs > this.policy.maxDelayMs) {
      const detail = `${error.detail}, asked to retry after ${Math.ceil(error.retryAfterMs / 1000)} s (longer than the ${Math.ceil(this.policy.maxDelayMs / 1000)} s the scanner waits)`;
      throw new RegistryUnavailableError(this.target, detail, this.attempts, { cause: error });
    }
    this.#retries += 1;
    const delayMs = error.retryAfterMs ?? backoffDelayMs(this.policy, this.#retries);
    this.logger?.debug(
      { registry: this.target.registry, repository: this.target.repository, retry: this.#retries, delayMs, reason: error.detail },
      'retrying registry request',
    );
    // Rejects with the signal's reason (the scan's timeout), not a generic AbortError.
    await sleep(delayMs, undefined, this.signal ? { signal: this.signal } : {}).catch((error: unknown) => {
      throw this.signal?.aborted ? this.signal.reason : error;
    });
  }
}

/** Runs `operation` until it succeeds, throws a non-transient error, or the budget is spent. */
export async function withRetries<T>(budget: RetryBudget, operation: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      await budget.beforeRetry(error);
    }
  }
}
