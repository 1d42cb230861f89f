import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../electron/db/connection';
import { migrate } from '../../../../electron/db/migrate';
import { createIndexRepository, type ConversationUpsert } from '../../../../electron/db/repositories/index-repository';
import { createTradeRepository, type TradeUpsert } from '../../../../electron/db/repositories/trade-repository';

const officer = { genesysUserId: 'u-1', name: 'Olivia Adler', email: 'olivia@example.com' };

function trade(overrides: Partial<TradeUpsert> = {}): TradeUpsert {
  return {
    tradeId: 'T-20261102-0036',
    executedAt: '2026-11-02T10:15:00+01:00',
    trader: 'olivia@example.com',
    clientAccount: 'ACC-1',
    instrument: 'EUR/USD spot',
    side: 'buy',
    quantity: '10000000',
    price: '1.0812',
    channel: 'voice',
    source: { format: 'csv', fileName: 'blotter.csv', fileSha256: 'a'.repeat(64), line: 2, raw: { trade_id: 'T-20261102-0036' } },
    ...overrides,
  };
}

describe('trade repository', () => {
  it('imports idempotently: a re-import updates changed trades and never duplicates', async () => {
    const db = openDatabaseSync(':memory:');
    migrate(db);
    const repo = createTradeRepository(db);
    expect(await repo.upsertTrades([trade(), trade({ tradeId: 'T-2' })], 1_000)).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(await repo.upsertTrades([trade({ price: '1.0813' }), trade({ tradeId: 't-2' })], 2_000)).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    const stored = await repo.trade('T-20261102-0036');
    expect(stored).toMatchObject({ price: '1.0813', importedAt: new Date(1_000).toISOString(), updatedAt: new Date(2_000).toISOString() });
    expect((await repo.tradesBetween(0, Date.parse('2027-01-01'))).map((t) => t.tradeId)).toEqual(['T-2', 'T-20261102-0036']);
  });

  it('keeps decisions apart from candidates: a new matching run replaces candidates, never decisions', async () => {
    const db = openDatabaseSync(':memory:');
    migrate(db);
    const repo = createTradeRepository(db);
    await repo.upsertTrades([trade()], 1_000);
    const reasons = [{ kind: 'trader' as const, points: 30, text: 'the trader spoke on the call' }];
    await repo.replaceCandidates('T-20261102-0036', [{ tradeId: 'T-20261102-0036', conversationId: 'c-1', score: 30, reasons, matchedMs: 1 }]);
    await repo.recordDecision({
      tradeId: 'T-20261102-0036',
      conversationId: 'c-1',
      decision: 'confirmed',
      decidedAt: new Date(5_000).toISOString(),
      decidedBy: officer,
      caseReference: 'FCA-2026-0042',
      auditEventId: 'e-1',
    });
    await repo.replaceCandidates('T-20261102-0036', [{ tradeId: 'T-20261102-0036', conversationId: 'c-2', score: 10, reasons, matchedMs: 2 }]);
    expect((await repo.candidates('T-20261102-0036')).map((c) => c.conversationId)).toEqual(['c-2']);
    expect(await repo.decisions('T-20261102-0036')).toEqual([expect.objectContaining({ conversationId: 'c-1', decision: 'confirmed', decidedBy: officer })]);
  });

  it('finds the calls of a trader (by id or email) or a client that overlap a window, each once, with their recordings', async () => {
    const db = openDatabaseSync(':memory:');
    migrate(db);
    const repo = createTradeRepository(db);
    const index = createIndexRepository(db);
    const MIN = 60_000;
    const call = (id: string, startMin: number, endMin: number, agentId: string, clientAccount: string | null, tradingId: string | null = null): ConversationUpsert => ({
      id,
      startMs: startMin * MIN,
      endMs: endMin * MIN,
      direction: 'inbound',
      queueId: 'q',
      queueName: 'FX Spot Desk',
      agentId,
      agentName: agentId,
      tradingId,
      clientAccount,
      participants: [],
      hasRecording: true,
    });
    await index.upsertConversations(
      [call('c-before', 0, 50, 'u-1', null), call('c-overlap', 90, 101, 'u-1', null), call('c-client', 120, 125, 'u-9', 'ACC-1', 'T-9'), call('c-both', 110, 115, 'u-1', 'ACC-1'), call('c-other', 110, 115, 'u-2', 'ACC-2')],
      1,
    );
    await index.replaceRecordings('c-both', [{ id: 'r-1', startMs: 110 * MIN, endMs: 115 * MIN, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], 1);
    await repo.upsertUsers([{ id: 'u-1', name: 'Olivia Adler', email: 'Olivia@Example.com' }], 1);
    expect(await repo.agentIdsOfTrader('olivia@example.com')).toEqual(['u-1']);
    expect(await repo.agentIdsOfTrader('u-7')).toEqual(['u-7']);
    const calls = await repo.callsOfParties({ agentIds: ['u-1'], clientAccount: 'ACC-1' }, 100 * MIN, 130 * MIN);
    expect(calls.map((c) => c.conversationId)).toEqual(['c-overlap', 'c-both', 'c-client']);
    expect(calls[1]!.recordings).toEqual([{ recordingId: 'r-1', startMs: 110 * MIN, endMs: 115 * MIN }]);
    expect((await repo.callsWithTradingId('t-9')).map((c) => c.conversationId)).toEqual(['c-client']);
  });
});
