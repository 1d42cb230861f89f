import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { migrate } from '../../../../../electron/db/migrate';
import { createIndexRepository, type ConversationUpsert } from '../../../../../electron/db/repositories/index-repository';
import { createTradeRepository, type TradeUpsert } from '../../../../../electron/db/repositories/trade-repository';
import { TradeMatching } from '../../../../../electron/services/trades/trade-matching';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { FakeOfficerSession, OFFICER_A } from '../../../../fakes/officer-session';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';

const MIN = 60_000;
const CASE = 'FCA-2026-0042';

/** A real in-memory index: trader Ann (u-ann, by email in the blotter) on the FX desk, client ACC-1, one trade per shape. */
async function setUp() {
  const clock = new FakeClock();
  const t0 = Math.floor(clock.now() / MIN) * MIN - 24 * 60 * MIN;
  const db = openDatabaseSync(':memory:');
  migrate(db);
  const index = createIndexRepository(db);
  const trades = createTradeRepository(db);
  await trades.upsertUsers([{ id: 'u-ann', name: 'Ann Lee', email: 'ann@desk.example' }], t0);
  const call = (id: string, startMin: number, endMin: number, fields: Partial<ConversationUpsert>): ConversationUpsert => ({
    id,
    startMs: t0 + startMin * MIN,
    endMs: t0 + endMin * MIN,
    direction: 'inbound',
    queueId: 'q-fx',
    queueName: 'FX Spot Desk',
    agentId: 'u-ann',
    agentName: 'Ann Lee',
    tradingId: null,
    clientAccount: null,
    participants: [],
    hasRecording: true,
    ...fields,
  });
  await index.upsertConversations(
    [
      call('c-tagged', 0, 5, { tradingId: 'T-TAGGED', clientAccount: 'ACC-1' }),
      call('c-agreed', 100, 110, { clientAccount: 'ACC-1' }),
      call('c-chat', 80, 85, {}),
      call('c-other-client', 104, 106, { agentId: 'u-bob', agentName: 'Bob', clientAccount: 'ACC-1', queueName: 'Sales', queueId: 'q-sales' }),
      call('c-orphan', 300, 302, { tradingId: 'T-NOBODY', agentId: 'u-bob', agentName: 'Bob' }),
    ],
    t0,
  );
  const trade = (tradeId: string, atMin: number, fields: Partial<TradeUpsert> = {}): TradeUpsert => ({
    tradeId,
    executedAt: new Date(t0 + atMin * MIN).toISOString(),
    trader: 'ann@desk.example',
    clientAccount: 'ACC-1',
    instrument: 'EURUSD',
    side: 'buy',
    quantity: '1000000',
    price: '1.08',
    channel: 'voice',
    source: { format: 'csv', fileName: 'b.csv', fileSha256: 'a'.repeat(64), line: 2, raw: {} },
    ...fields,
  });
  await trades.upsertTrades(
    [trade('T-TAGGED', 4), trade('T-UNTAGGED', 109), trade('T-GAP', 600, { trader: 'u-carl', clientAccount: 'ACC-9' }), trade('T-ELEC', 109, { channel: 'electronic' })],
    t0,
  );
  const audit = new FakeAuditWriter({ clock });
  const synced: Array<[number, number]> = [];
  const matching = new TradeMatching({
    trades,
    audit: async () => audit,
    officer: new FakeOfficerSession(),
    syncIndex: async (fromMs, toMs) => {
      synced.push([fromMs, toMs]);
    },
    settings: { window: { beforeMinutes: 30, afterMinutes: 5 }, tradingQueues: [] },
    clock,
    logger: new MemoryLogger(),
    batchSize: 2,
  });
  return { matching, audit, synced };
}

describe('TradeMatching', () => {
  it('links the tagged trade, ranks the untagged trade\'s call first, leaves electronic trades alone and lists gaps both ways', async () => {
    const { matching, synced } = await setUp();
    expect(await matching.match()).toMatchObject({ trades: 4, voiceTrades: 3, linked: 1, candidates: 1, none: 1 });
    // The index was synced over the voice trades' span with the window around it (electronic trades aside) first.
    const [[syncFrom, syncTo]] = synced as [[number, number]];
    expect([syncTo - syncFrom, synced.length]).toEqual([(600 - 4 + 30 + 5) * MIN + 1, 1]);

    const untagged = await matching.show('T-UNTAGGED');
    expect(untagged.status).toBe('candidates');
    expect(untagged.candidates.map((c) => c.conversationId)).toEqual(['c-agreed', 'c-other-client', 'c-chat']);
    expect(untagged.candidates[0]!.reasons.map((r) => r.kind)).toEqual(['trader', 'client-account', 'time', 'desk']);
    expect((await matching.show('T-TAGGED')).candidates[0]).toMatchObject({ conversationId: 'c-tagged', linked: true, score: 195 });
    expect(await matching.show('T-ELEC')).toMatchObject({ status: 'none', candidates: [] });

    const gaps = await matching.gaps({});
    expect(gaps).toMatchObject({ voiceTrades: 3, tradesWithoutCall: 1, callsWithoutTrade: 1 });
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ kind: 'trade-without-call', tradeId: 'T-GAP', reason: expect.stringMatching(/^No call of trader u-carl or client ACC-9 between .+ UTC and .+ UTC/) }),
      expect.objectContaining({ kind: 'call-without-trade', conversationId: 'c-orphan', reason: 'The call carries T-NOBODY, which no imported trade has.' }),
    ]);
    expect((await matching.list({ status: 'none' })).trades.map((s) => s.trade.tradeId)).toEqual(['T-ELEC', 'T-GAP']);
  });

  it('audits each decision before keeping it, and the decisions survive a new matching run', async () => {
    const { matching, audit } = await setUp();
    await matching.match();
    const confirmed = await matching.link('T-UNTAGGED', 'c-agreed', CASE);
    expect(confirmed.status).toBe('linked');
    const rejected = await matching.unlink('T-TAGGED', 'c-tagged', CASE);
    expect(rejected.status).toBe('candidates');
    expect(rejected.candidates.at(-1)).toMatchObject({ conversationId: 'c-tagged', linked: false, decision: { decision: 'rejected', caseReference: CASE } });

    expect(audit.events.map((e) => [e.action, e.caseReference, e.conversationId, e.tradingId, (e.details as { decision: string }).decision])).toEqual([
      ['link', CASE, 'c-agreed', 'T-UNTAGGED', 'confirmed'],
      ['link', CASE, 'c-tagged', 'T-TAGGED', 'rejected'],
    ]);
    expect(audit.events[0]!.details).toMatchObject({ tradeId: 'T-UNTAGGED', score: 95, reasons: expect.arrayContaining([expect.objectContaining({ kind: 'trader' })]) });
    expect(confirmed.decisions[0]).toMatchObject({ decidedBy: { name: OFFICER_A.name }, auditEventId: audit.events[0]!.eventId });

    expect(await matching.match()).toMatchObject({ linked: 1, candidates: 1 });
    expect((await matching.show('T-UNTAGGED')).candidates[0]).toMatchObject({ conversationId: 'c-agreed', linked: true });
    expect((await matching.show('T-TAGGED')).status).toBe('candidates');
  });

  it('refuses without a case, for an unknown trade or call, and a confirmation of an electronic trade; nothing is audited', async () => {
    const { matching, audit } = await setUp();
    await expect(matching.link('T-UNTAGGED', 'c-agreed')).rejects.toMatchObject({ code: 'CASE_REFERENCE_REQUIRED' });
    await expect(matching.link('T-NONE', 'c-agreed', CASE)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(matching.link('T-UNTAGGED', 'c-missing', CASE)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(matching.link('T-ELEC', 'c-agreed', CASE)).rejects.toThrow(/electronic/);
    await expect(matching.show('T-\u202eX')).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(audit.events).toEqual([]);
  });
});
