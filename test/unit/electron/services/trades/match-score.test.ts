import { describe, expect, it } from 'vitest';
import { deskPredicate, MATCH_POINTS, rankCandidates, scoreCall, type ScoredCall } from '../../../../../electron/services/trades/match-score';
import { testClockStart } from '../../../../helpers/fake-clock';

const MIN = 60_000;
const executedMs = testClockStart();
const trade = { tradeId: 'T-20261102-0036', executedMs, trader: 'ann@desk.example', clientAccount: 'ACC-1' };
const context = { agentIds: new Set(['u-ann']), window: { beforeMinutes: 30, afterMinutes: 5 }, isDesk: deskPredicate([{ id: null, name: 'FX Spot Desk' }]) };
const call = (overrides: Partial<ScoredCall>): ScoredCall => ({
  conversationId: 'c-1',
  startMs: executedMs - 10 * MIN,
  endMs: executedMs + MIN,
  agentId: null,
  agentName: null,
  queueName: null,
  tradingId: null,
  clientAccount: null,
  ...overrides,
});

describe('match score', () => {
  it('adds the points of each matching fact and says why in words', () => {
    const scored = scoreCall(trade, call({ agentId: 'u-ann', agentName: 'Ann Lee', clientAccount: 'acc-1', queueName: 'fx spot desk' }), context);
    expect(scored.decisive).toBe(false);
    expect(scored.score).toBe(MATCH_POINTS.trader + MATCH_POINTS.clientAccount + MATCH_POINTS.timeMax + MATCH_POINTS.desk);
    expect(scored.reasons.map((r) => r.text)).toEqual([
      "The trader ann@desk.example is the call's agent (Ann Lee).",
      'The call carries the client account ACC-1.',
      expect.stringMatching(/^The call was in progress at the execution \(\d\d:\d\d:\d\d UTC\)\.$/),
      "The call's queue fx spot desk is a trading desk.",
    ]);
  });

  it('makes the trading id decisive: it outscores every other fact together', () => {
    const tagged = scoreCall(trade, call({ tradingId: 'T-20261102-0036', startMs: executedMs - 300 * MIN, endMs: executedMs - 290 * MIN }), context);
    const best = scoreCall(trade, call({ agentId: 'u-ann', clientAccount: 'ACC-1', queueName: 'FX Spot Desk' }), context);
    expect(tagged.decisive).toBe(true);
    expect(tagged.reasons.find((r) => r.kind === 'time')).toMatchObject({ points: 0, text: expect.stringContaining('outside the window') });
    expect(tagged.score).toBeGreaterThan(best.score);
  });

  it('gives fewer time points the farther the call is from the execution, and none past the window', () => {
    const points = (startMin: number, endMin: number) =>
      scoreCall(trade, call({ agentId: 'u-ann', startMs: executedMs + startMin * MIN, endMs: executedMs + endMin * MIN }), context).reasons.find((r) => r.kind === 'time')!;
    expect(points(-20, -2).points).toBeGreaterThan(points(-20, -15).points);
    expect(points(-20, -15).text).toBe(`The call ended 15 min before the execution (${new Date(executedMs).toISOString().slice(11, 19)} UTC).`);
    expect(points(2, 4).text).toMatch(/^The call started 2 min after/);
    expect(points(-50, -31).points).toBe(0);
    expect(points(6, 9).points).toBe(0);
  });

  it('ranks by score, then by closeness to the execution, with rejected pairs last', () => {
    const ranked = rankCandidates([
      { conversationId: 'far', score: 60, distanceMs: 10 * MIN, rejected: false },
      { conversationId: 'rejected-best', score: 135, distanceMs: 0, rejected: true },
      { conversationId: 'near', score: 60, distanceMs: MIN, rejected: false },
      { conversationId: 'top', score: 95, distanceMs: 0, rejected: false },
    ]);
    expect(ranked.map((c) => c.conversationId)).toEqual(['top', 'near', 'far', 'rejected-best']);
  });
});
