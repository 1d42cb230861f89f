import type { LinkDecision, MatchReason, MatchWindow } from '../../../shared/trades';

/**
 * How a call scores against a voice trade (README "Matching rules" shows the same table):
 *
 * | reason         | points | when                                                                     |
 * |----------------|--------|--------------------------------------------------------------------------|
 * | trading-id     | 100    | the call carries the trade's id (decisive: linked unless rejected)       |
 * | trader         | 30     | the trade's trader is the call's agent (user id, or email → user id)     |
 * | client-account | 25     | the call carries the trade's client account                              |
 * | time           | 1–30   | 30 if the call was in progress at execution, less the farther it ended   |
 * |                |        | before (or started after) it, 0 outside the window                       |
 * | desk           | 10     | the call's queue is a trading desk                                       |
 *
 * Without the id a call scores at most 95, so a decisive call always ranks first.
 */
export const MATCH_POINTS = { tradingId: 100, trader: 30, clientAccount: 25, timeMax: 30, desk: 10 } as const;

/** A call as the scorer reads it. */
export type ScoredCall = {
  conversationId: string;
  startMs: number;
  endMs: number | null;
  agentId: string | null;
  agentName: string | null;
  queueId?: string | null;
  queueName: string | null;
  tradingId: string | null;
  clientAccount: string | null;
};

export type TradeToScore = { tradeId: string; executedMs: number; trader: string; clientAccount: string | null };

export type ScoringContext = {
  /** The Genesys user ids the trade's trader names. */
  agentIds: ReadonlySet<string>;
  window: MatchWindow;
  isDesk: (call: Pick<ScoredCall, 'queueId' | 'queueName'>) => boolean;
};

export type CallScore = {
  score: number;
  reasons: Array<MatchReason>;
  /** 0 when the call was in progress at execution; else the gap between call and execution. */
  distanceMs: number;
  decisive: boolean;
};

const MINUTE_MS = 60_000;

const utcTime = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;
const minutes = (ms: number) => {
  const m = ms / MINUTE_MS;
  return m < 1 ? `${Math.round(ms / 1000)} s` : `${m < 10 ? m.toFixed(1).replace(/\.0$/, '') : Math.round(m)} min`;
};
const sameText = (a: string | null, b: string | null) => a !== null && b !== null && a.toLowerCase() === b.toLowerCase();

/** The distance from a call to an execution: 0 while in progress, else how long before (negative side) or after. */
export function callDistance(call: Pick<ScoredCall, 'startMs' | 'endMs'>, executedMs: number): { distanceMs: number; side: 'during' | 'before' | 'after' } {
  const endMs = call.endMs ?? call.startMs;
  if (call.startMs <= executedMs && executedMs <= endMs) return { distanceMs: 0, side: 'during' };
  if (endMs < executedMs) return { distanceMs: executedMs - endMs, side: 'before' };
  return { distanceMs: call.startMs - executedMs, side: 'after' };
}

/** Points and the officer-readable reasons of one call against one trade. Pure. */
export function scoreCall(trade: TradeToScore, call: ScoredCall, context: ScoringContext): CallScore {
  const reasons: Array<MatchReason> = [];
  const decisive = sameText(call.tradingId, trade.tradeId);
  if (decisive) reasons.push({ kind: 'trading-id', points: MATCH_POINTS.tradingId, text: `The call carries the trade's id ${trade.tradeId}.` });
  if (call.agentId !== null && context.agentIds.has(call.agentId)) {
    const who = call.agentName ? ` (${call.agentName})` : '';
    reasons.push({ kind: 'trader', points: MATCH_POINTS.trader, text: `The trader ${trade.trader} is the call's agent${who}.` });
  }
  if (sameText(call.clientAccount, trade.clientAccount)) {
    reasons.push({ kind: 'client-account', points: MATCH_POINTS.clientAccount, text: `The call carries the client account ${trade.clientAccount}.` });
  }
  const { distanceMs, side } = callDistance(call, trade.executedMs);
  const sideLimitMs = (side === 'after' ? context.window.afterMinutes : context.window.beforeMinutes) * MINUTE_MS;
  const at = utcTime(trade.executedMs);
  if (side === 'during') {
    reasons.push({ kind: 'time', points: MATCH_POINTS.timeMax, text: `The call was in progress at the execution (${at}).` });
  } else if (distanceMs <= sideLimitMs) {
    // Linear from the full points at the execution down to 1 at the window's edge.
    const points = Math.max(1, Math.round(MATCH_POINTS.timeMax * (1 - distanceMs / Math.max(sideLimitMs, 1))));
    const text = side === 'before' ? `The call ended ${minutes(distanceMs)} before the execution (${at}).` : `The call started ${minutes(distanceMs)} after the execution (${at}).`;
    reasons.push({ kind: 'time', points, text });
  } else {
    const text = `The call is outside the window (${minutes(distanceMs)} ${side} the execution at ${at}).`;
    reasons.push({ kind: 'time', points: 0, text });
  }
  if (context.isDesk(call)) reasons.push({ kind: 'desk', points: MATCH_POINTS.desk, text: `The call's queue ${call.queueName ?? call.queueId ?? ''} is a trading desk.` });
  return { score: reasons.reduce((sum, r) => sum + r.points, 0), reasons, distanceMs, decisive };
}

/** The newest decision on each pair (decisions come oldest first). */
export function latestDecisions(decisions: ReadonlyArray<LinkDecision>): Map<string, LinkDecision> {
  const latest = new Map<string, LinkDecision>();
  for (const d of decisions) latest.set(d.conversationId, d);
  return latest;
}

/** Linked: confirmed by an officer, or decisive and not rejected. */
export function isLinked(decisive: boolean, decision: Pick<LinkDecision, 'decision'> | null | undefined): boolean {
  return decision?.decision === 'confirmed' || (decisive && decision?.decision !== 'rejected');
}

/** Best first: by score, then by closeness to the execution, then by id; rejected pairs last. */
export function rankCandidates<T extends { conversationId: string; score: number; distanceMs: number; rejected: boolean }>(candidates: ReadonlyArray<T>): Array<T> {
  return [...candidates].sort(
    (a, b) => Number(a.rejected) - Number(b.rejected) || b.score - a.score || a.distanceMs - b.distanceMs || a.conversationId.localeCompare(b.conversationId),
  );
}

/** The window around an execution as epoch ms: [executed − before, executed + after). */
export function windowAround(executedMs: number, window: MatchWindow): { fromMs: number; toMs: number } {
  return { fromMs: executedMs - window.beforeMinutes * MINUTE_MS, toMs: executedMs + window.afterMinutes * MINUTE_MS };
}

/** A desk predicate: the configured queues (id or name, any case), else the queues seen carrying trading ids. */
export function deskPredicate(desks: ReadonlyArray<{ id: string | null; name: string | null }>): ScoringContext['isDesk'] {
  const keys = new Set(desks.flatMap((d) => [d.id, d.name]).filter((k): k is string => k !== null).map((k) => k.toLowerCase()));
  return (call) => (call.queueId != null && keys.has(call.queueId.toLowerCase())) || (call.queueName != null && keys.has(call.queueName.toLowerCase()));
}
