import { describe, expect, it } from 'vitest';
import { RegistryUnavailableError } from '../../../../server/errors/registry-errors.js';
import {
  backoffDelayMs,
  parseRetryAfter,
  RetryBudget,
  TransientError,
  withRetries,
  type RetryPolicy,
} from '../../../../server/registry/retry.js';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000 };
const target = { registry: 'http://r.example', repository: 'a/b' };

describe('backoffDelayMs', () => {
  it.each([
    { retry: 1, low: 50, high: 100 },
    { retry: 2, low: 100, high: 200 },
    { retry: 3, low: 200, high: 400 },
    { retry: 10, low: 500, high: 1_000 },
  ])('should stay within [$low, $high] ms when retry is $retry', ({ retry, low, high }) => {
    expect(backoffDelayMs(policy, retry, () => 0)).toBe(low);
    expect(backoffDelayMs(policy, retry, () => 1)).toBe(high);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    { value: '3', expected: 3_000 },
    { value: ' 0 ', expected: 0 },
    { value: 'Thu, 01 Jan 2026 00:00:05 GMT', expected: 5_000 },
    { value: 'Wed, 31 Dec 2025 23:00:00 GMT', expected: 0 },
    { value: 'soon', expected: undefined },
    { value: '-1', expected: undefined },
    { value: undefined, expected: undefined },
  ])('should give $expected ms when Retry-After is $value', ({ value, expected }) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('withRetries', () => {
  const fast: RetryPolicy = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 10 };

  it('should return the result when a transient failure clears before the budget is spent', async () => {
    let calls = 0;
    const result = await withRetries(new RetryBudget(fast, target), async () => {
      calls += 1;
      if (calls < 3) throw new TransientError('HTTP 503');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('should throw E_REGISTRY_UNAVAILABLE naming the attempts when every attempt fails', async () => {
    let calls = 0;
    const failing = withRetries(new RetryBudget(fast, target), async () => {
      calls += 1;
      throw new TransientError('HTTP 502 for GET http://r.example/v2/');
    });
    await expect(failing).rejects.toThrow(RegistryUnavailableError);
    await expect(failing).rejects.toThrow(/after 3 attempts: HTTP 502/);
    expect(calls).toBe(3);
  });

  it('should not retry when the error is not transient', async () => {
    let calls = 0;
    const failing = withRetries(new RetryBudget(fast, target), async () => {
      calls += 1;
      throw new Error('404 is an answer');
    });
    await expect(failing).rejects.toThrow('404 is an answer');
    expect(calls).toBe(1);
  });

  it('should give up at once when Retry-After asks for longer than the longest wait', async () => {
    let calls = 0;
    const failing = withRetries(new RetryBudget(fast, target), async () => {
      calls += 1;
      throw new TransientError('HTTP 429', 60_000);
    });
    await expect(failing).rejects.toThrow(/asked to retry after 60 s/);
    expect(calls).toBe(1);
  });
});
