import { describe, expect, it } from 'vitest';
import { HttpError, NetworkError, RateLimitError, ValidationError } from '../../../../../electron/services/errors';
import { backoffDelay, parseRetryAfter, withRetry } from '../../../../../electron/services/genesys/backoff';
import { FakeClock, flushMicrotasks } from '../../../../helpers/fake-clock';
import { sequenceRandom } from '../../../../helpers/fakes';

const policy = { baseMs: 500, capMs: 8_000, maxAttempts: 5 };

describe('backoff', () => {
  it('draws full jitter below an exponentially growing ceiling, capped', () => {
    const max = () => 0.999999;
    expect(backoffDelay(0, policy, max)).toBe(499);
    expect(backoffDelay(3, policy, max)).toBe(3999);
    expect(backoffDelay(10, policy, max)).toBe(7999);
    expect(backoffDelay(10, policy, () => 0)).toBe(0);
  });

  it('treats Retry-After as a floor and spreads workers above it', () => {
    expect(backoffDelay(0, policy, () => 0, 3000)).toBe(3000);
    expect(backoffDelay(0, policy, () => 0.5, 3000)).toBe(3250);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 10, 26, 9, 0, 0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it('waits out a 429 for exactly Retry-After (plus jitter) on the fake clock, then succeeds', async () => {
    const clock = new FakeClock();
    const random = sequenceRandom([0]);
    const calls: Array<number> = [];
    const done = withRetry(
      async () => {
        calls.push(clock.now());
        if (calls.length < 3) throw new RateLimitError('GET /api/v2/x', 3000);
        return 'ok';
      },
      { clock, random, policy },
    );
    await flushMicrotasks();
    expect(calls).toHaveLength(1);
    await clock.advance(2999);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
    await clock.advance(3000);
    expect(await done).toBe('ok');
    expect(calls.map((t) => t - calls[0]!)).toEqual([0, 3000, 6000]);
  });

  it('retries 5xx and network errors but not 4xx or validation errors', async () => {
    const clock = new FakeClock();
    const run = async (error: Error) => {
      let attempts = 0;
      const p = withRetry(
        async () => {
          attempts += 1;
          throw error;
        },
        { clock, random: () => 0, policy },
      );
      p.catch(() => undefined);
      await clock.advance(60_000);
      await expect(p).rejects.toBe(error);
      return attempts;
    };
    expect(await run(new HttpError(503, 'x', 'unavailable'))).toBe(5);
    expect(await run(new NetworkError('x', new Error('ECONNRESET')))).toBe(5);
    expect(await run(new HttpError(404, 'x', 'missing'))).toBe(1);
    expect(await run(new HttpError(400, 'x', 'bad'))).toBe(1);
    expect(await run(new ValidationError('no'))).toBe(1);
  });

  it('stops when aborted while waiting', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const p = withRetry(
      async () => {
        throw new HttpError(503, 'x', 'unavailable');
      },
      { clock, random: () => 0.5, policy, signal: controller.signal },
    );
    await flushMicrotasks();
    controller.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
  });
});
