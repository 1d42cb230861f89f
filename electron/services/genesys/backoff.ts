import { AppError, HttpError, NetworkError, RateLimitError } from '../errors';
import type { Clock, Random } from '../ports';

export type BackoffPolicy = {
  baseMs: number;
  capMs: number;
  /** Total attempts including the first. */
  maxAttempts: number;
};

export const defaultBackoff: BackoffPolicy = { baseMs: 500, capMs: 30_000, maxAttempts: 6 };

/**
 * Full jitter (AWS architecture blog): a uniform delay in [0, min(cap, base * 2^attempt)).
 * A server's Retry-After is a floor: we wait at least that long, plus up to one base of jitter so
 * that workers told the same Retry-After do not all come back in the same millisecond.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: Random, retryAfterMs?: number | null): number {
  if (retryAfterMs !== undefined && retryAfterMs !== null) {
    return retryAfterMs + Math.floor(random() * policy.baseMs);
  }
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** 429, 5xx (but 501), network failures and errors marked retryable; never 4xx or auth failures. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RateLimitError || error instanceof NetworkError) return true;
  if (error instanceof HttpError) return error.status === 429 || (error.status >= 500 && error.status !== 501) || error.status === 408;
  if (error instanceof AppError) return error.retryable && error.code !== 'AUDIT_UNAVAILABLE';
  return false;
}

export type RetryOptions = {
  policy?: BackoffPolicy;
  clock: Clock;
  random: Random;
  signal?: AbortSignal;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
};

/** Runs `operation` until it succeeds, fails with a non-retryable error, or attempts run out. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? defaultBackoff;
  for (let attempt = 0; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt + 1 >= policy.maxAttempts || options.signal?.aborted) throw error;
      const retryAfterMs = error instanceof RateLimitError ? error.retryAfterMs : null;
      const delayMs = backoffDelay(attempt, policy, options.random, retryAfterMs);
      options.onRetry?.({ attempt, delayMs, error });
      await options.clock.sleep(delayMs, options.signal);
    }
  }
}

/** Retry-After is seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
