import { describe, expect, it } from 'vitest';
import { nextJobChunkMs } from '../../../../../electron/services/index/index-sync';

const DAY_MS = 86_400_000;

describe('details-job spans reaching back in time', () => {
  it('doubles after an empty span up to a year, halves after a busy one down to a week, keeps a normal one', () => {
    let span = 31 * DAY_MS;
    const spans = [];
    for (let i = 0; i < 6; i += 1) spans.push((span = nextJobChunkMs(span, 0)) / DAY_MS);
    expect(spans).toEqual([62, 124, 248, 372, 372, 372]);
    // 2000-2026 with calls only in the last two years: 24 monthly jobs, then at most ~26 for the empty years.
    expect(nextJobChunkMs(31 * DAY_MS, 5_000)).toBe(31 * DAY_MS);
    expect(nextJobChunkMs(31 * DAY_MS, 250_000)).toBe(15.5 * DAY_MS);
    expect(nextJobChunkMs(8 * DAY_MS, 250_000)).toBe(7 * DAY_MS);
  });
});
