import { describe, expect, it } from 'vitest';
import { RateGovernor } from '../../../../../electron/services/retrieval/rate-governor';
import { FakeClock } from '../../../../helpers/fake-clock';
import { recordingLogger, sequenceRandom } from '../../../../helpers/fakes';

function setup(options: { allowed?: number; targetFraction?: number; maxInFlight?: number; burst?: number; random?: () => number } = {}) {
  const clock = new FakeClock();
  const governor = new RateGovernor({
    clock,
    random: options.random ?? (() => 0),
    logger: recordingLogger(),
    targetFraction: options.targetFraction ?? 1,
    ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
    burst: options.burst ?? 0,
  });
  // A window that has just ended: the governor knows the limit but nothing about the current window.
  if (options.allowed) governor.observe({ allowed: options.allowed, count: 1, resetSeconds: 0, at: clock.now(), status: 200 });
  return { clock, governor };
}

/** Starts `n` acquisitions; records when each was granted and releases it at once. */
function start(governor: RateGovernor, clock: FakeClock, n: number, kind: 'bulk' | 'interactive' = 'bulk') {
  const t0 = clock.now();
  const granted: Array<number> = [];
  const all = Array.from({ length: n }, async () => {
    const release = await governor.acquire(undefined, kind);
    granted.push(clock.now() - t0);
    release();
  });
  return { granted, all: Promise.all(all) };
}

describe('rate governor', () => {
  it('paces bulk requests at the allowed rate the headers announce', async () => {
    const { clock, governor } = setup({ allowed: 600 });
    const run = start(governor, clock, 30);
    await clock.advance(1_000);
    // 600 per minute is one every 100 ms: 0, 100, ..., 1000.
    expect(run.granted.length).toBe(11);
    await clock.advance(2_000);
    await run.all;
    expect(run.granted.at(-1)).toBe(2_900);
    expect(governor.snapshot()).toMatchObject({ allowedPerMinute: 600, pacePerMinute: 600, inFlight: 0 });
  });

  it('spreads what is left of the current window over the time left in it, never faster than twice the steady pace', async () => {
    const behind = setup({ allowed: 600 });
    behind.governor.observe({ allowed: 600, count: 100, resetSeconds: 10, at: behind.clock.now(), status: 200 });
    const fast = start(behind.governor, behind.clock, 5);
    await behind.clock.advance(200);
    // 500 left for 10 s would be 20 ms apart; capped at 50 ms (twice the steady 10/s).
    expect(fast.granted).toEqual([0, 50, 100, 150, 200]);

    const ahead = setup({ allowed: 600 });
    ahead.governor.observe({ allowed: 600, count: 550, resetSeconds: 10, at: ahead.clock.now(), status: 200 });
    const slow = start(ahead.governor, ahead.clock, 3);
    await ahead.clock.advance(450);
    // About 50 left for 10 s: one every ~200 ms.
    expect(slow.granted).toHaveLength(3);
    for (const [i, t] of slow.granted.entries()) expect(t).toBeGreaterThanOrEqual(i * 200);
  });

  it('keeps a share of the quota free for interactive calls and never paces those', async () => {
    const { clock, governor } = setup({ allowed: 600, targetFraction: 0.5 });
    const bulk = start(governor, clock, 5);
    const interactive = start(governor, clock, 5, 'interactive');
    await clock.advance(0);
    expect(interactive.granted).toEqual([0, 0, 0, 0, 0]);
    expect(bulk.granted).toEqual([0]);
    await clock.advance(800);
    expect(bulk.granted).toEqual([0, 200, 400, 600, 800]);
  });

  it('honours Retry-After for every caller after a 429, then wakes them spread out and slower', async () => {
    const { clock, governor } = setup({ allowed: 600, random: sequenceRandom([0.1, 0.9, 0.5]) });
    governor.observe({ allowed: 600, count: 601, resetSeconds: 3, at: clock.now(), status: 429, retryAfterMs: 3_000 });
    expect(governor.snapshot().pausedUntilMs).toBe(clock.now() + 3_000);
    const bulk = start(governor, clock, 3);
    const interactive = start(governor, clock, 1, 'interactive');
    await clock.advance(2_999);
    expect([...bulk.granted, ...interactive.granted]).toEqual([]);
    await clock.advance(2_000);
    await Promise.all([bulk.all, interactive.all]);
    expect(Math.min(...bulk.granted, ...interactive.granted)).toBeGreaterThanOrEqual(3_000);
    // The pace dropped by a fifth: slots 125 ms apart instead of 100.
    const sorted = [...bulk.granted].sort((a, b) => a - b);
    expect(sorted[2]! - sorted[1]!).toBeGreaterThanOrEqual(125);
    expect(governor.snapshot()).toMatchObject({ rateLimited: 1, pacePerMinute: 480 });
  });

  it('waits for the window to reset when the headers say its budget is spent', async () => {
    const { clock, governor } = setup({ allowed: 600 });
    governor.observe({ allowed: 600, count: 600, resetSeconds: 5, at: clock.now(), status: 200 });
    const run = start(governor, clock, 1, 'interactive');
    await clock.advance(4_999);
    expect(run.granted).toEqual([]);
    await clock.advance(1);
    await run.all;
    expect(run.granted).toEqual([5_000]);
  });

  it('takes a new token window (a lower count with another reset time) as the current one', async () => {
    const { clock, governor } = setup({ allowed: 600 });
    governor.observe({ allowed: 600, count: 600, resetSeconds: 40, at: clock.now(), status: 200 });
    governor.observe({ allowed: 600, count: 1, resetSeconds: 60, at: clock.now(), status: 200 });
    const run = start(governor, clock, 1, 'interactive');
    await clock.advance(0);
    expect(run.granted).toEqual([0]);
  });

  it('limits bulk requests in flight and lets the next one go when one ends', async () => {
    const { clock, governor } = setup({ allowed: 60_000, maxInFlight: 2 });
    const first = await governor.acquire(undefined, 'bulk');
    await clock.advance(1);
    await governor.acquire(undefined, 'bulk');
    await clock.advance(1);
    let third = false;
    const pending = (async () => {
      await governor.acquire(undefined, 'bulk');
      third = true;
    })();
    await clock.advance(10);
    expect(third).toBe(false);
    first();
    first();
    await clock.advance(0);
    await pending;
    expect(third).toBe(true);
    expect(governor.snapshot().inFlight).toBe(2);
  });

  it('stops waiting when the caller aborts', async () => {
    const { clock, governor } = setup({ allowed: 60 });
    await governor.acquire(undefined, 'bulk');
    const controller = new AbortController();
    const waiting = governor.acquire(controller.signal, 'bulk');
    controller.abort(new Error('job paused'));
    await expect(waiting).rejects.toThrow('job paused');
    await clock.advance(0);
  });
});
