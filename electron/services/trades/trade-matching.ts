import { conversationIdSchema } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import {
  tradeIdSchema,
  type GapsReport,
  type ImportedTrade,
  type LinkDecision,
  type MatchReport,
  type MatchStatus,
  type MatchWindow,
  type TradeCandidate,
  type TradeGap,
  type TradeSummary,
  type TradeView,
} from '../../../shared/trades';
import type { StoredCandidate, TradeRepository } from '../../db/repositories/trade-repository';
import { AuditActor } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { officerOf, type OfficerSession } from '../auth/officer';
import { requireCase } from '../custody-engine';
import { AppError, validated } from '../errors';
import type { Clock } from '../ports';
import type { TradeMatchingOperations } from './trade-ports';
import { callDistance, deskPredicate, isLinked, latestDecisions, rankCandidates, scoreCall, windowAround, type ScoringContext } from './match-score';

export type TradeMatchingDeps = {
  trades: Pick<
    TradeRepository,
    | 'trade'
    | 'tradesBetween'
    | 'candidates'
    | 'decisions'
    | 'recordDecision'
    | 'agentIdsOfTrader'
    | 'matchInputs'
    | 'replaceCandidatesOfTrades'
    | 'queuesWithTradingIds'
    | 'allDecisions'
    | 'callsById'
    | 'summaries'
    | 'taggedCallsWithoutTrade'
  >;
  audit: () => Promise<AuditWriter>;
  officer: OfficerSession;
  /**
   * Reads into the index the part of [fromMs, toMs) it does not cover yet (the officer's index sync): a
   * trade is matched against the calls of its whole window, never against a partly synced one.
   */
  syncIndex: (fromMs: number, toMs: number) => Promise<void>;
  /** The profile's window (trades.windowBefore/AfterMinutes) and trading desks (compliance.tradingQueues). */
  settings: { window: MatchWindow; tradingQueues: ReadonlyArray<string> };
  clock: Clock;
  logger: Logger;
  /** Trades per database round trip and per candidates transaction. */
  batchSize?: number;
};

const ALL_TIME = { fromMs: -8.64e15, toMs: 8.64e15 };
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Matching (issue 13 part 2) and completeness (part 3): scores every voice trade's candidate calls
 * (match-score.ts), keeps officers' confirmations and rejections apart from the scores (each a 'link'
 * WORM audit event first, as the signed-in officer under a case), and lists the gaps both ways.
 * Reads need a signed-in officer allowed to search; electronic trades are never matched nor gaps.
 */
export class TradeMatching implements TradeMatchingOperations {
  constructor(private readonly deps: TradeMatchingDeps) {}

  async match(): Promise<MatchReport> {
    await this.deps.officer.require('search');
    const started = performance.now();
    const { trades } = this.deps;
    const all = await trades.tradesBetween(ALL_TIME.fromMs, ALL_TIME.toMs);
    // `all` is ordered by execution: its first and last voice trades bound the span (no spread over a large blotter).
    const voiceTrades = all.filter((t) => t.channel === 'voice');
    if (voiceTrades.length > 0) {
      const { window } = this.deps.settings;
      // A gap claimed against calls never read would be false: the blotter's span is synced first (only what is missing).
      await this.deps.syncIndex(
        Date.parse(voiceTrades[0]!.executedAt) - window.beforeMinutes * 60_000,
        Date.parse(voiceTrades.at(-1)!.executedAt) + window.afterMinutes * 60_000 + 1,
      );
    }
    const context = await this.scoringContext();
    const decided = groupDecisions(await trades.allDecisions());
    const counts = { linked: 0, candidates: 0, none: 0 };
    const matchedMs = this.deps.clock.now();
    const batchSize = this.deps.batchSize ?? 500;
    for (let i = 0; i < all.length; i += batchSize) {
      const batch = all.slice(i, i + batchSize);
      const voice = batch.filter((t) => t.channel === 'voice');
      const inputs = await trades.matchInputs(voice.map((t) => ({ tradeId: t.tradeId, trader: t.trader, clientAccount: t.clientAccount, ...windowAround(Date.parse(t.executedAt), context.window) })));
      const stored: Array<StoredCandidate> = [];
      inputs.forEach((input, n) => {
        const trade = voice[n]!;
        const latest = decided.get(trade.tradeId.toLowerCase()) ?? new Map<string, LinkDecision>();
        let linked = false;
        const tradeContext = { ...context, agentIds: new Set(input.agentIds) };
        for (const call of input.calls) {
          const scored = scoreCall(toScored(trade), call, tradeContext);
          linked ||= isLinked(scored.decisive, latest.get(call.conversationId));
          stored.push({ tradeId: trade.tradeId, conversationId: call.conversationId, score: scored.score, reasons: scored.reasons, matchedMs });
        }
        linked ||= [...latest.values()].some((d) => d.decision === 'confirmed');
        counts[statusOf(linked, input.calls.length)] += 1;
      });
      // Electronic trades' candidates are cleared too: they are never matched.
      await trades.replaceCandidatesOfTrades(batch.map((t) => t.tradeId), stored);
    }
    const report = { trades: all.length, voiceTrades: voiceTrades.length, ...counts, ms: Math.round(performance.now() - started) };
    this.deps.logger.info('trades matched', report);
    return report;
  }

  async list(filter: { status?: MatchStatus; fromMs?: number; toMs?: number; limit?: number }): Promise<{ trades: Array<TradeSummary>; total: number }> {
    await this.deps.officer.require('search');
    const all = await this.summaries(filter.fromMs, filter.toMs);
    const chosen = filter.status ? all.filter((s) => s.status === filter.status) : all;
    return { trades: chosen.slice(0, filter.limit ?? chosen.length), total: chosen.length };
  }

  async show(tradeId: string): Promise<TradeView> {
    await this.deps.officer.require('search');
    const trade = await this.requireTrade(tradeId);
    const { trades } = this.deps;
    const [stored, decisions] = await Promise.all([trades.candidates(trade.tradeId), trades.decisions(trade.tradeId)]);
    const latest = latestDecisions(decisions);
    const window = this.deps.settings.window;
    if (trade.channel === 'electronic') return { trade, status: 'none', window, candidates: [], decisions, matchedAt: null };

    const storedById = new Map(stored.map((c) => [c.conversationId, c]));
    // A call an officer confirmed outside the window is shown too, scored now.
    const confirmedElsewhere = [...latest.values()].filter((d) => d.decision === 'confirmed' && !storedById.has(d.conversationId)).map((d) => d.conversationId);
    const calls = await trades.callsById([...storedById.keys(), ...confirmedElsewhere]);
    const context = confirmedElsewhere.length > 0 ? await this.tradeContext(trade) : null;
    const executedMs = Date.parse(trade.executedAt);
    const candidates = calls.map((call) => {
      const score = storedById.get(call.conversationId) ?? scoreCall(toScored(trade), call, context!);
      const decision = latest.get(call.conversationId) ?? null;
      const decisive = score.reasons.some((r) => r.kind === 'trading-id');
      const candidate: TradeCandidate = {
        conversationId: call.conversationId,
        startTime: new Date(call.startMs).toISOString(),
        endTime: call.endMs === null ? null : new Date(call.endMs).toISOString(),
        agentName: call.agentName,
        queueName: call.queueName,
        tradingId: call.tradingId,
        clientAccount: call.clientAccount,
        recordingIds: call.recordings.map((r) => r.recordingId),
        score: score.score,
        reasons: score.reasons,
        decision,
        linked: isLinked(decisive, decision),
      };
      return { ...candidate, distanceMs: callDistance(call, executedMs).distanceMs, rejected: decision?.decision === 'rejected' };
    });
    const ranked = rankCandidates(candidates).map(({ distanceMs: _, rejected: __, ...candidate }) => candidate);
    const status: MatchStatus = ranked.some((c) => c.linked) ? 'linked' : ranked.length > 0 ? 'candidates' : 'none';
    const matchedAt = stored.length > 0 ? new Date(Math.max(...stored.map((c) => c.matchedMs))).toISOString() : null;
    return { trade, status, window, candidates: ranked, decisions, matchedAt };
  }

  link(tradeId: string, conversationId: string, caseReference?: string): Promise<TradeView> {
    return this.decide('confirmed', tradeId, conversationId, caseReference);
  }

  unlink(tradeId: string, conversationId: string, caseReference?: string): Promise<TradeView> {
    return this.decide('rejected', tradeId, conversationId, caseReference);
  }

  async gaps(range: { fromMs?: number; toMs?: number }): Promise<GapsReport> {
    await this.deps.officer.require('search');
    const fromMs = range.fromMs ?? ALL_TIME.fromMs;
    const toMs = range.toMs ?? ALL_TIME.toMs;
    const summaries = await this.summaries(fromMs, toMs);
    const window = this.deps.settings.window;
    const gaps: Array<TradeGap> = [];
    for (const { trade, status } of summaries) {
      if (trade.channel !== 'voice' || status !== 'none') continue;
      const around = windowAround(Date.parse(trade.executedAt), window);
      const client = trade.clientAccount ? ` or client ${trade.clientAccount}` : '';
      gaps.push({
        kind: 'trade-without-call',
        tradeId: trade.tradeId,
        executedAt: trade.executedAt,
        trader: trade.trader,
        clientAccount: trade.clientAccount,
        reason: `No call of trader ${trade.trader}${client} between ${utc(around.fromMs)} and ${utc(around.toMs)}, and no call carries ${trade.tradeId}.`,
      });
    }
    const tradesWithoutCall = gaps.length;
    const isDesk = deskPredicate(await this.desks());
    for (const call of await this.deps.trades.taggedCallsWithoutTrade(fromMs, toMs)) {
      if (!isDesk(call)) continue;
      gaps.push({
        kind: 'call-without-trade',
        conversationId: call.conversationId,
        tradingId: call.tradingId,
        startTime: new Date(call.startMs).toISOString(),
        agentName: call.agentName,
        queueName: call.queueName,
        reason: `The call carries ${call.tradingId}, which no imported trade has.`,
      });
    }
    return {
      from: range.fromMs === undefined ? null : new Date(fromMs).toISOString(),
      to: range.toMs === undefined ? null : new Date(toMs).toISOString(),
      voiceTrades: summaries.filter((s) => s.trade.channel === 'voice').length,
      tradesWithoutCall,
      callsWithoutTrade: gaps.length - tradesWithoutCall,
      gaps,
    };
  }

  /** Audits the decision (with the pair's score and reasons at the time), then stores it. */
  private async decide(decision: LinkDecision['decision'], tradeId: string, conversationId: string, caseReference?: string): Promise<TradeView> {
    const checkedCase = requireCase(caseReference);
    const callId = validated(conversationIdSchema, conversationId, 'conversation');
    const { officer, actor } = await AuditActor.signedIn(this.deps.officer, 'search');
    const trade = await this.requireTrade(tradeId);
    if (decision === 'confirmed' && trade.channel === 'electronic') {
      throw new AppError('VALIDATION', `Trade ${trade.tradeId} is electronic: it has no call to link.`);
    }
    const [call] = await this.deps.trades.callsById([callId]);
    if (!call) throw new AppError('NOT_FOUND', `Conversation ${callId} is not in the local index; search for it first.`);
    const stored = (await this.deps.trades.candidates(trade.tradeId)).find((c) => c.conversationId === call.conversationId);
    const { score, reasons } = stored ?? scoreCall(toScored(trade), call, await this.tradeContext(trade));
    const audit = await this.deps.audit();
    const event = await audit.append(
      {
        action: 'link',
        conversationId: call.conversationId,
        tradingId: trade.tradeId,
        caseReference: checkedCase,
        details: { decision, tradeId: trade.tradeId, conversationId: call.conversationId, score, reasons },
      },
      actor,
    );
    await this.deps.trades.recordDecision({
      tradeId: trade.tradeId,
      conversationId: call.conversationId,
      decision,
      decidedAt: event.time,
      decidedBy: officerOf(officer),
      caseReference: event.caseReference ?? checkedCase,
      auditEventId: event.eventId,
    });
    this.deps.logger.info('trade link decided', { decision, tradeId: trade.tradeId, conversationId: call.conversationId, auditEventId: event.eventId });
    return this.show(trade.tradeId);
  }

  private async summaries(fromMs = ALL_TIME.fromMs, toMs = ALL_TIME.toMs): Promise<Array<TradeSummary>> {
    const { trades, decisivePairs } = await this.deps.trades.summaries(fromMs, toMs);
    const decided = groupDecisions(await this.deps.trades.allDecisions());
    const linkedById = new Set<string>();
    for (const pair of decisivePairs) {
      if (decided.get(pair.tradeId.toLowerCase())?.get(pair.conversationId)?.decision !== 'rejected') linkedById.add(pair.tradeId.toLowerCase());
    }
    return trades.map(({ candidateCount, topScore, source: _, importedAt: __, updatedAt: ___, ...trade }) => {
      const key = trade.tradeId.toLowerCase();
      const confirmed = [...(decided.get(key)?.values() ?? [])].some((d) => d.decision === 'confirmed');
      const status: MatchStatus = trade.channel === 'electronic' ? 'none' : statusOf(linkedById.has(key) || confirmed, candidateCount);
      return { trade, status, candidates: candidateCount, topScore };
    });
  }

  private async requireTrade(tradeId: string): Promise<ImportedTrade> {
    const id = validated(tradeIdSchema, tradeId, 'trade');
    const trade = await this.deps.trades.trade(id);
    if (!trade) throw new AppError('NOT_FOUND', `Trade ${id} is not in the imported blotter; import it first ("custody trades import").`);
    return trade;
  }

  /** The trading desks: the profile's queues, else the queues whose calls carry trading ids. */
  private async desks(): Promise<Array<{ id: string | null; name: string | null }>> {
    const configured = this.deps.settings.tradingQueues;
    return configured.length > 0 ? configured.map((q) => ({ id: q, name: q })) : this.deps.trades.queuesWithTradingIds();
  }

  private async scoringContext(): Promise<Omit<ScoringContext, 'agentIds'>> {
    return { window: this.deps.settings.window, isDesk: deskPredicate(await this.desks()) };
  }

  private async tradeContext(trade: ImportedTrade): Promise<ScoringContext> {
    return { ...(await this.scoringContext()), agentIds: new Set(await this.deps.trades.agentIdsOfTrader(trade.trader)) };
  }
}

function toScored(trade: ImportedTrade) {
  return { tradeId: trade.tradeId, executedMs: Date.parse(trade.executedAt), trader: trade.trader, clientAccount: trade.clientAccount };
}

function statusOf(linked: boolean, candidates: number): MatchStatus {
  return linked ? 'linked' : candidates > 0 ? 'candidates' : 'none';
}

/** Trade id (any case) → conversation → the newest decision on that pair. */
function groupDecisions(decisions: ReadonlyArray<LinkDecision>): Map<string, Map<string, LinkDecision>> {
  const byTrade = new Map<string, Map<string, LinkDecision>>();
  for (const d of decisions) {
    const key = d.tradeId.toLowerCase();
    const pairs = byTrade.get(key) ?? new Map<string, LinkDecision>();
    pairs.set(d.conversationId, d);
    byTrade.set(key, pairs);
  }
  return byTrade;
}
