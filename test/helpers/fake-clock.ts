import type { Clock } from '../../electron/services/ports';

/**
 * Where every fake clock starts: the real time, so that dates a real server judges (radosgw refuses
 * retention dates in the past) are valid on any day the suite runs. `CUSTODY_TEST_CLOCK_SHIFT_DAYS`
 * moves it (the suite runs the audit tests a year ahead too). Never pin a fake clock to a calendar day.
 */
export function testClockStart(): number {
  const shiftDays = Number(process.env.CUSTODY_TEST_CLOCK_SHIFT_DAYS ?? 0);
  if (!Number.isFinite(shiftDays)) throw new Error('CUSTODY_TEST_CLOCK_SHIFT_DAYS must be a number of days');
  return Date.now() + shiftDays * 86_400_000;
}

/** A clock that moves only when told to. Sleepers wake in deadline order as time advances. */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: Array<{ until: number; resolve: () => void }> = [];
  constructor(start = testClockStart()) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  get pendingSleeps(): number {
    return this.sleepers.length;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.current + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      });
    });
  }
  /** Advance time, waking sleepers whose deadline passed, letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.sleepers.filter((s) => s.until <= target).sort((a, b) => a.until - b.until)[0];
      if (!next) break;
      this.current = Math.max(this.current, next.until);
      this.sleepers = this.sleepers.filter((s) => s !== next);
      next.resolve();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

/** Moves `clock` on in `stepMs` steps until `promise` settles, for code that sleeps on it (retries, polls, loops). */
export async function advanceUntilSettled<T>(clock: FakeClock, promise: Promise<T>, stepMs = 100): Promise<T> {
  let settled = false;
  const watched = (async () => {
    try {
      return await promise;
    } finally {
      settled = true;
    }
  })();
  // The caller awaits the outcome below; this copy must not count as unhandled meanwhile.
  watched.catch(() => undefined);
  await flushMicrotasks();
  while (!settled) await clock.advance(stepMs);
  return watched;
}
