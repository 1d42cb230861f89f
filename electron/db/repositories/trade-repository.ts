import type { Officer } from '../../../shared/domain';
import type { ImportedTrade, LinkDecision, MatchReason, Trade } from '../../../shared/trades';
import type { Db } from '../connection';

/** A trade as the import stores it: validated fields plus where it came from. */
export type TradeUpsert = Trade & { source: ImportedTrade['source'] };

/** A call from the index as matching and timelines read it, with its recordings. */
export type IndexedCall = {
  conversationId: string;
  startMs: number;
  endMs: number | null;
  agentId: string | null;
  agentName: string | null;
  queueName: string | null;
  tradingId: string | null;
  clientAccount: string | null;
  recordings: Array<{ recordingId: string; startMs: number | null; endMs: number | null }>;
  /** False while Genesys has not been asked for this call's recordings (an index sync lists calls, not recordings). */
  recordingsListed: boolean;
};

type CallRow = {
  id: string;
  start_ms: number;
  end_ms: number | null;
  agent_id: string | null;
  agent_name: string | null;
  queue_name: string | null;
  trading_id: string | null;
  client_account: string | null;
  recordings_json: string;
  recordings_synced_ms: number | null;
  has_recording: number;
};

const callColumns = `c.id, c.start_ms, c.end_ms, c.agent_id, c.agent_name, c.queue_name, c.trading_id, c.client_account, c.recordings_synced_ms, c.has_recording,
  (SELECT json_group_array(json_array(r.id, r.start_ms, r.end_ms)) FROM recordings r WHERE r.conversation_id = c.id) AS recordings_json`;

const toCall = (row: CallRow): IndexedCall => ({
  conversationId: row.id,
  startMs: row.start_ms,
  endMs: row.end_ms,
  agentId: row.agent_id,
  agentName: row.agent_name,
  queueName: row.queue_name,
  tradingId: row.trading_id,
  clientAccount: row.client_account,
  recordings: (JSON.parse(row.recordings_json) as Array<[string, number | null, number | null]>)
    .map(([recordingId, startMs, endMs]) => ({ recordingId, startMs, endMs }))
    .sort((a, b) => (a.startMs ?? 0) - (b.startMs ?? 0) || a.recordingId.localeCompare(b.recordingId)),
  recordingsListed: row.recordings_synced_ms !== null || row.has_recording === 0,
});

/** How many of a queue's latest calls are read to tell whether it is a trading desk. */
const RECENT_CALLS_PER_QUEUE = 1000;

/** Calls are at most this long for window queries: a call that started earlier cannot overlap the window. */
const LONGEST_CALL_MS = 12 * 3_600_000;

/** One trade's candidate-call query: its trader (id or email), client and window. */
export type MatchQuery = { tradeId: string; trader: string; clientAccount: string | null; fromMs: number; toMs: number };

/** A call as matching scores it (no recordings: `show` reads those). */
export type MatchCall = Omit<IndexedCall, 'recordings' | 'recordingsListed'> & { queueId: string | null };

type MatchCallRow = Omit<CallRow, 'recordings_json' | 'recordings_synced_ms' | 'has_recording'> & { queue_id: string | null };

const toMatchCall = (row: MatchCallRow): MatchCall => ({
  conversationId: row.id,
  startMs: row.start_ms,
  endMs: row.end_ms,
  agentId: row.agent_id,
  agentName: row.agent_name,
  queueId: row.queue_id,
  queueName: row.queue_name,
  tradingId: row.trading_id,
  clientAccount: row.client_account,
});

export type StoredCandidate = { tradeId: string; conversationId: string; score: number; reasons: Array<MatchReason>; matchedMs: number };

type TradeRow = {
  trade_id: string;
  executed_ms: number;
  executed_at: string;
  trader: string;
  client_account: string | null;
  instrument: string | null;
  side: 'buy' | 'sell' | null;
  quantity: string | null;
  price: string | null;
  channel: 'voice' | 'electronic';
  source_json: string;
  imported_ms: number;
  updated_ms: number;
};

type DecisionRow = {
  trade_id: string;
  conversation_id: string;
  decision: 'confirmed' | 'rejected';
  decided_ms: number;
  decided_by_json: string;
  case_reference: string;
  audit_event_id: string;
};

const toTrade = (row: TradeRow): ImportedTrade => ({
  tradeId: row.trade_id,
  executedAt: row.executed_at,
  trader: row.trader,
  clientAccount: row.client_account,
  instrument: row.instrument,
  side: row.side,
  quantity: row.quantity,
  price: row.price,
  channel: row.channel,
  source: JSON.parse(row.source_json) as ImportedTrade['source'],
  importedAt: new Date(row.imported_ms).toISOString(),
  updatedAt: new Date(row.updated_ms).toISOString(),
});

const toDecision = (row: DecisionRow): LinkDecision => ({
  tradeId: row.trade_id,
  conversationId: row.conversation_id,
  decision: row.decision,
  decidedAt: new Date(row.decided_ms).toISOString(),
  decidedBy: JSON.parse(row.decided_by_json) as Officer,
  caseReference: row.case_reference,
  auditEventId: row.audit_event_id,
});

/** The trade fields that make a re-import an update (the source line may move without changing the trade). */
const sameTrade = (row: TradeRow, trade: Trade) =>
  row.executed_at === trade.executedAt &&
  row.trader === trade.trader &&
  row.client_account === trade.clientAccount &&
  row.instrument === trade.instrument &&
  row.side === trade.side &&
  row.quantity === trade.quantity &&
  row.price === trade.price &&
  row.channel === trade.channel;

/** The imported blotter, the last matching run's candidates and officers' link decisions (migration 0160). */
export function createTradeRepository(db: Db) {
  const selectTrade = db.prepare('SELECT * FROM trades WHERE trade_id = ?');
  const insertTrade = db.prepare(`
    INSERT INTO trades (trade_id, executed_ms, executed_at, trader, client_account, instrument, side, quantity, price, channel, source_json, imported_ms, updated_ms)
    VALUES (@tradeId, @executedMs, @executedAt, @trader, @clientAccount, @instrument, @side, @quantity, @price, @channel, @sourceJson, @now, @now)`);
  const updateTrade = db.prepare(`
    UPDATE trades SET executed_ms = @executedMs, executed_at = @executedAt, trader = @trader, client_account = @clientAccount, instrument = @instrument,
      side = @side, quantity = @quantity, price = @price, channel = @channel, source_json = @sourceJson, updated_ms = @now
    WHERE trade_id = @tradeId`);
  const selectRange = db.prepare('SELECT * FROM trades WHERE executed_ms >= ? AND executed_ms < ? ORDER BY executed_ms, trade_id');
  const deleteCandidates = db.prepare('DELETE FROM trade_candidates WHERE trade_id = ?');
  const insertCandidate = db.prepare(
    'INSERT INTO trade_candidates (trade_id, conversation_id, score, reasons_json, matched_ms) VALUES (@tradeId, @conversationId, @score, @reasonsJson, @matchedMs)',
  );
  const selectCandidates = db.prepare('SELECT * FROM trade_candidates WHERE trade_id = ? ORDER BY score DESC, conversation_id');
  const insertDecision = db.prepare(`
    INSERT INTO trade_link_decisions (trade_id, conversation_id, decision, decided_ms, decided_by_json, case_reference, audit_event_id)
    VALUES (@tradeId, @conversationId, @decision, @decidedMs, @decidedByJson, @caseReference, @auditEventId)`);
  const selectDecisions = db.prepare('SELECT * FROM trade_link_decisions WHERE trade_id = ? ORDER BY seq');

  const selectUsersByEmail = db.prepare('SELECT id FROM genesys_users WHERE email = ? ORDER BY id');
  const upsertUser = db.prepare(`
    INSERT INTO genesys_users (id, name, email, synced_ms) VALUES (@id, @name, @email, @syncedMs)
    ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email, synced_ms = excluded.synced_ms`);
  const selectCallsWithTradingId = db.prepare(`SELECT ${callColumns} FROM conversations c WHERE c.trading_id = ? ORDER BY c.start_ms, c.id`);
  // Overlap with [from, to): started before `to`, ended after `from` (or still open); bounded below for the index range.
  const overlap = 'c.start_ms < @toMs AND c.start_ms >= @fromMs - @longest AND COALESCE(c.end_ms, c.start_ms) >= @fromMs';
  const selectCallsOfAgent = db.prepare(`SELECT ${callColumns} FROM conversations c WHERE c.agent_id = @key AND ${overlap}`);
  const selectCallsOfAccount = db.prepare(`SELECT ${callColumns} FROM conversations c WHERE c.client_account = @key AND ${overlap}`);

  const upsertUsers = db.transaction((users: ReadonlyArray<{ id: string; name: string | null; email: string | null }>, syncedMs: number) => {
    for (const user of users) upsertUser.run({ ...user, syncedMs });
  });

  /** What storing `trade` would do: the one rule both the import's preview (for its audit event) and the upsert follow. */
  const outcomeOf = (trade: Trade): 'inserted' | 'updated' | 'unchanged' => {
    const existing = selectTrade.get(trade.tradeId) as TradeRow | undefined;
    return !existing ? 'inserted' : sameTrade(existing, trade) ? 'unchanged' : 'updated';
  };

  const upsert = db.transaction((trades: ReadonlyArray<TradeUpsert>, now: number) => {
    const counts = { inserted: 0, updated: 0, unchanged: 0 };
    for (const trade of trades) {
      const outcome = outcomeOf(trade);
      counts[outcome] += 1;
      const row = { ...trade, executedMs: Date.parse(trade.executedAt), sourceJson: JSON.stringify(trade.source), now };
      if (outcome === 'inserted') insertTrade.run(row);
      else if (outcome === 'updated') updateTrade.run(row);
    }
    return counts;
  });

  const replaceCandidates = db.transaction((tradeId: string, candidates: ReadonlyArray<StoredCandidate>) => {
    deleteCandidates.run(tradeId);
    for (const c of candidates) insertCandidate.run({ ...c, reasonsJson: JSON.stringify(c.reasons) });
  });

  // Matching (issue 13 part 2): the calls a batch of trades is scored against, in one worker round trip.
  const matchColumns = 'c.id, c.start_ms, c.end_ms, c.agent_id, c.agent_name, c.queue_id, c.queue_name, c.trading_id, c.client_account';
  const selectMatchCallsOfAgent = db.prepare(`SELECT ${matchColumns} FROM conversations c WHERE c.agent_id = @key AND ${overlap}`);
  const selectMatchCallsOfAccount = db.prepare(`SELECT ${matchColumns} FROM conversations c WHERE c.client_account = @key AND ${overlap}`);
  const selectMatchCallsWithTradingId = db.prepare(`SELECT ${matchColumns} FROM conversations c WHERE c.trading_id = ?`);
  const selectUserEmails = db.prepare('SELECT id, email FROM genesys_users WHERE email IS NOT NULL');
  // A queue is a desk when one of its latest calls carries a trading id: bounded work per known queue,
  // where a scan of every tagged call (hundreds of thousands at 1M) took seconds.
  const selectTradingQueues = db.prepare(`
    SELECT n.id AS queue_id, nullif(n.name, '') AS queue_name FROM index_names n
    WHERE n.kind = 'queue' AND EXISTS (
      SELECT 1 FROM (SELECT c.trading_id FROM conversations c WHERE c.queue_id = n.id ORDER BY c.start_ms DESC LIMIT ${RECENT_CALLS_PER_QUEUE}) WHERE trading_id IS NOT NULL)`);
  const selectAllDecisions = db.prepare('SELECT * FROM trade_link_decisions ORDER BY seq');
  const selectCallById = db.prepare(`SELECT ${callColumns}, c.queue_id FROM conversations c WHERE c.id = ?`);
  const selectSummaries = db.prepare(`
    SELECT t.*,
      (SELECT count(*) FROM trade_candidates tc WHERE tc.trade_id = t.trade_id) AS candidate_count,
      (SELECT max(tc.score) FROM trade_candidates tc WHERE tc.trade_id = t.trade_id) AS top_score
    FROM trades t WHERE t.executed_ms >= @fromMs AND t.executed_ms < @toMs ORDER BY t.executed_ms, t.trade_id`);
  // Pairs linked by the id on the call (rejections are applied by the caller, from the decisions).
  const selectDecisiveCandidates = db.prepare(`
    SELECT tc.trade_id, tc.conversation_id FROM trade_candidates tc JOIN conversations c ON c.id = tc.conversation_id
    JOIN trades t ON t.trade_id = tc.trade_id
    WHERE c.trading_id = t.trade_id COLLATE NOCASE AND t.executed_ms >= @fromMs AND t.executed_ms < @toMs`);
  const selectTaggedCallsWithoutTrade = db.prepare(`
    SELECT c.id, c.start_ms, c.agent_name, c.queue_id, c.queue_name, c.trading_id FROM conversations c
    WHERE c.trading_id IS NOT NULL AND c.start_ms >= @fromMs AND c.start_ms < @toMs
      AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.trade_id = c.trading_id)
    ORDER BY c.start_ms, c.id`);

  const replaceCandidatesOfTrades = db.transaction((tradeIds: ReadonlyArray<string>, candidates: ReadonlyArray<StoredCandidate>) => {
    for (const tradeId of tradeIds) deleteCandidates.run(tradeId);
    for (const c of candidates) insertCandidate.run({ ...c, reasonsJson: JSON.stringify(c.reasons) });
  });

  return {
    /** Inserts new trades and updates changed ones in one transaction: a re-import never duplicates. */
    async upsertTrades(trades: ReadonlyArray<TradeUpsert>, now: number): Promise<{ inserted: number; updated: number; unchanged: number }> {
      return upsert(trades, now);
    },
    async trade(tradeId: string): Promise<ImportedTrade | null> {
      const row = selectTrade.get(tradeId) as TradeRow | undefined;
      return row ? toTrade(row) : null;
    },
    /** Trades executed in [fromMs, toMs), oldest first. */
    async tradesBetween(fromMs: number, toMs: number): Promise<Array<ImportedTrade>> {
      return (selectRange.all(fromMs, toMs) as Array<TradeRow>).map(toTrade);
    },
    /** The matching run's candidates of a trade, replacing the previous run's. */
    async replaceCandidates(tradeId: string, candidates: ReadonlyArray<StoredCandidate>): Promise<void> {
      replaceCandidates(tradeId, candidates);
    },
    /** Best first. */
    async candidates(tradeId: string): Promise<Array<StoredCandidate>> {
      return (selectCandidates.all(tradeId) as Array<{ trade_id: string; conversation_id: string; score: number; reasons_json: string; matched_ms: number }>).map((r) => ({
        tradeId: r.trade_id,
        conversationId: r.conversation_id,
        score: r.score,
        reasons: JSON.parse(r.reasons_json) as Array<MatchReason>,
        matchedMs: r.matched_ms,
      }));
    },
    /** The org's users with their emails (read by each index sync), so that a blotter's trader email finds the agent. */
    async upsertUsers(users: ReadonlyArray<{ id: string; name: string | null; email: string | null }>, syncedMs: number): Promise<void> {
      upsertUsers(users, syncedMs);
    },
    /** The Genesys user ids a blotter's trader names: the id itself, or the users with that email. */
    async agentIdsOfTrader(trader: string): Promise<Array<string>> {
      if (!trader.includes('@')) return [trader];
      return (selectUsersByEmail.all(trader) as Array<{ id: string }>).map((r) => r.id);
    },
    /** Calls carrying this trading id, oldest first. */
    async callsWithTradingId(tradingId: string): Promise<Array<IndexedCall>> {
      return (selectCallsWithTradingId.all(tradingId) as Array<CallRow>).map(toCall);
    },
    /** Calls of these agents or of this client account overlapping [fromMs, toMs), each once, oldest first. */
    async callsOfParties(parties: { agentIds: ReadonlyArray<string>; clientAccount: string | null }, fromMs: number, toMs: number): Promise<Array<IndexedCall>> {
      const window = { fromMs, toMs, longest: LONGEST_CALL_MS };
      const rows = new Map<string, CallRow>();
      for (const key of parties.agentIds) for (const row of selectCallsOfAgent.all({ ...window, key }) as Array<CallRow>) rows.set(row.id, row);
      if (parties.clientAccount) for (const row of selectCallsOfAccount.all({ ...window, key: parties.clientAccount }) as Array<CallRow>) rows.set(row.id, row);
      return [...rows.values()].map(toCall).sort((a, b) => a.startMs - b.startMs || a.conversationId.localeCompare(b.conversationId));
    },
    /** What upsertTrades would do with these trades now, writing nothing (an import audits it before storing). */
    async previewUpsert(trades: ReadonlyArray<Trade>): Promise<{ inserted: number; updated: number; unchanged: number }> {
      const counts = { inserted: 0, updated: 0, unchanged: 0 };
      for (const trade of trades) counts[outcomeOf(trade)] += 1;
      return counts;
    },
    /** Stores a decision whose 'link' audit event is acknowledged. */
    async recordDecision(decision: LinkDecision): Promise<void> {
      insertDecision.run({
        ...decision,
        decidedMs: Date.parse(decision.decidedAt),
        decidedByJson: JSON.stringify(decision.decidedBy),
      });
    },
    /** Every decision on a trade's pairs, oldest first (the newest per pair counts). */
    async decisions(tradeId: string): Promise<Array<LinkDecision>> {
      return (selectDecisions.all(tradeId) as Array<DecisionRow>).map(toDecision);
    },
    /**
     * For each trade of a batch: the user ids its trader names and its candidate calls (the trader's or
     * the client's overlapping its window, and those carrying its id at any time), each call once.
     */
    async matchInputs(queries: ReadonlyArray<MatchQuery>): Promise<Array<{ tradeId: string; agentIds: Array<string>; calls: Array<MatchCall> }>> {
      const idsByEmail = new Map<string, Array<string>>();
      for (const u of selectUserEmails.all() as Array<{ id: string; email: string }>) {
        const key = u.email.toLowerCase();
        idsByEmail.set(key, [...(idsByEmail.get(key) ?? []), u.id]);
      }
      return queries.map((q) => {
        const agentIds = q.trader.includes('@') ? (idsByEmail.get(q.trader.toLowerCase()) ?? []) : [q.trader];
        const window = { fromMs: q.fromMs, toMs: q.toMs, longest: LONGEST_CALL_MS };
        const rows = new Map<string, MatchCallRow>();
        for (const key of agentIds) for (const row of selectMatchCallsOfAgent.all({ ...window, key }) as Array<MatchCallRow>) rows.set(row.id, row);
        if (q.clientAccount) for (const row of selectMatchCallsOfAccount.all({ ...window, key: q.clientAccount }) as Array<MatchCallRow>) rows.set(row.id, row);
        for (const row of selectMatchCallsWithTradingId.all(q.tradeId) as Array<MatchCallRow>) rows.set(row.id, row);
        return { tradeId: q.tradeId, agentIds, calls: [...rows.values()].map(toMatchCall) };
      });
    },
    /** A batch's candidates replacing the previous run's for those trades, in one transaction. */
    async replaceCandidatesOfTrades(tradeIds: ReadonlyArray<string>, candidates: ReadonlyArray<StoredCandidate>): Promise<void> {
      replaceCandidatesOfTrades(tradeIds, candidates);
    },
    /** The queues whose latest indexed calls carry trading ids (the desks when the profile names none). */
    async queuesWithTradingIds(): Promise<Array<{ id: string | null; name: string | null }>> {
      return (selectTradingQueues.all() as Array<{ queue_id: string | null; queue_name: string | null }>).map((r) => ({ id: r.queue_id, name: r.queue_name }));
    },
    /** Every decision on every pair, oldest first. */
    async allDecisions(): Promise<Array<LinkDecision>> {
      return (selectAllDecisions.all() as Array<DecisionRow>).map(toDecision);
    },
    /** Indexed calls by conversation id, with their recordings (absent ones left out). */
    async callsById(conversationIds: ReadonlyArray<string>): Promise<Array<IndexedCall & { queueId: string | null }>> {
      return conversationIds.flatMap((id) => {
        const row = selectCallById.get(id) as (CallRow & { queue_id: string | null }) | undefined;
        return row ? [{ ...toCall(row), queueId: row.queue_id }] : [];
      });
    },
    /** Trades executed in [fromMs, toMs) with their candidate count, top score and the pairs linked by the call's id. */
    async summaries(fromMs: number, toMs: number): Promise<{ trades: Array<ImportedTrade & { candidateCount: number; topScore: number | null }>; decisivePairs: Array<{ tradeId: string; conversationId: string }> }> {
      const rows = selectSummaries.all({ fromMs, toMs }) as Array<TradeRow & { candidate_count: number; top_score: number | null }>;
      const pairs = selectDecisiveCandidates.all({ fromMs, toMs }) as Array<{ trade_id: string; conversation_id: string }>;
      return {
        trades: rows.map((r) => ({ ...toTrade(r), candidateCount: r.candidate_count, topScore: r.top_score })),
        decisivePairs: pairs.map((p) => ({ tradeId: p.trade_id, conversationId: p.conversation_id })),
      };
    },
    /** Calls started in [fromMs, toMs) carrying a trading id that no imported trade has, oldest first. */
    async taggedCallsWithoutTrade(fromMs: number, toMs: number): Promise<Array<{ conversationId: string; startMs: number; agentName: string | null; queueId: string | null; queueName: string | null; tradingId: string }>> {
      return (
        selectTaggedCallsWithoutTrade.all({ fromMs, toMs }) as Array<{ id: string; start_ms: number; agent_name: string | null; queue_id: string | null; queue_name: string | null; trading_id: string }>
      ).map((r) => ({ conversationId: r.id, startMs: r.start_ms, agentName: r.agent_name, queueId: r.queue_id, queueName: r.queue_name, tradingId: r.trading_id }));
    },
  };
}

export type TradeRepository = ReturnType<typeof createTradeRepository>;
