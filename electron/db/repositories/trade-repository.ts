import type { Officer } from '../../../shared/domain';
import type { ImportedTrade, LinkDecision, MatchReason, Trade } from '../../../shared/trades';
import type { Db } from '../connection';

/** A trade as the import stores it: validated fields plus where it came from. */
export type TradeUpsert = Trade & { source: ImportedTrade['source'] };

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

  const upsert = db.transaction((trades: ReadonlyArray<TradeUpsert>, now: number) => {
    const counts = { inserted: 0, updated: 0, unchanged: 0 };
    for (const trade of trades) {
      const row = { ...trade, executedMs: Date.parse(trade.executedAt), sourceJson: JSON.stringify(trade.source), now };
      const existing = selectTrade.get(trade.tradeId) as TradeRow | undefined;
      if (!existing) {
        insertTrade.run(row);
        counts.inserted += 1;
      } else if (sameTrade(existing, trade)) {
        counts.unchanged += 1;
      } else {
        updateTrade.run(row);
        counts.updated += 1;
      }
    }
    return counts;
  });

  const replaceCandidates = db.transaction((tradeId: string, candidates: ReadonlyArray<StoredCandidate>) => {
    deleteCandidates.run(tradeId);
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
  };
}

export type TradeRepository = ReturnType<typeof createTradeRepository>;
