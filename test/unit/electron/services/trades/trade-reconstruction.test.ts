import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { migrate } from '../../../../../electron/db/migrate';
import { silentLogger } from '../../../../../electron/services/logging/file-logger';
import { createIndexRepository, type ConversationUpsert } from '../../../../../electron/db/repositories/index-repository';
import { createTradeRepository, type TradeRepository } from '../../../../../electron/db/repositories/trade-repository';
import type { PackRequest } from '../../../../../electron/services/packs/pack-builder';
import { TradeReconstruction } from '../../../../../electron/services/trades/trade-reconstruction';
import { tradeSettingsSchema } from '../../../../../electron/services/trades/trade-settings';
import type { PackBuildResult } from '../../../../../shared/ipc/channels/packs';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { FakeOfficerSession } from '../../../../fakes/officer-session';
import { testActors } from '../../../../helpers/audit-actors';
import { FakeClock } from '../../../../helpers/fake-clock';

const MIN = 60_000;
const officer = { genesysUserId: 'u-officer', name: 'Olivia Adler', email: 'olivia@example.com' };

/** A trade executed on the minute 10 minutes ago, by trader u-1 (named by email), for client ACC-1. */
function setup() {
  const clock = new FakeClock();
  const exec = Math.floor((clock.now() - 10 * MIN) / MIN) * MIN;
  const db = openDatabaseSync(':memory:');
  migrate(db);
  const trades = createTradeRepository(db);
  const index = createIndexRepository(db);
  const audit = new FakeAuditWriter({ clock });
  const builds: Array<PackRequest> = [];
  const packs = {
    build: async (request: PackRequest): Promise<PackBuildResult> => {
      builds.push(request);
      return { packId: 'p', path: request.outPath, zip: Boolean(request.zip), caseReference: request.caseReference, exportEventId: 'e', recordings: 0, payloadBytes: 0, payloadFiles: 0, checkpointTreeSize: 1, wroteCheckpoint: false, signingKeyId: 'k', ms: 1, verified: true };
    },
  };
  const session = new FakeOfficerSession();
  let caseReference: string | null = 'FCA-2026-0042';
  // What Genesys is asked for: recordings of calls the index lists without them (an empty listing here).
  const listings: Array<Array<string>> = [];
  let genesysDown = false;
  const reconstruction = new TradeReconstruction({
    trades,
    settings: () => tradeSettingsSchema.parse({ deskTimeZone: 'America/New_York' }),
    packs,
    listRecordings: async (ids) => {
      listings.push([...ids]);
      if (genesysDown) throw new Error('connect ECONNREFUSED');
      for (const id of ids) await index.replaceRecordings(id, [], clock.now());
    },
    logger: silentLogger,
    actors: testActors(session),
    audit: async () => audit,
    currentCase: () => caseReference,
    packsDir: join(tmpdir(), 'unused'),
    clock,
  });
  const call = (id: string, startMin: number, endMin: number, agentId: string, clientAccount: string | null, tradingId: string | null = null): ConversationUpsert => ({
    id,
    startMs: exec + startMin * MIN,
    endMs: exec + endMin * MIN,
    direction: 'inbound',
    queueId: 'q-fx',
    queueName: 'FX Spot Desk',
    agentId,
    agentName: agentId === 'u-1' ? 'Anna Berg' : 'Ben Okafor',
    tradingId,
    clientAccount,
    participants: [],
    hasRecording: true,
  });
  return {
    clock,
    exec,
    trades,
    index,
    audit,
    builds,
    session,
    reconstruction,
    call,
    listings,
    setGenesysDown: (down: boolean) => (genesysDown = down),
    setCase: (c: string | null) => (caseReference = c),
  };
}

async function importTrade(trades: TradeRepository, exec: number, overrides: { tradeId?: string; clientAccount?: string | null } = {}) {
  await trades.upsertTrades(
    [
      {
        tradeId: overrides.tradeId ?? 'T-1',
        executedAt: new Date(exec).toISOString(),
        trader: 'anna@example.com',
        clientAccount: overrides.clientAccount === undefined ? 'ACC-1' : overrides.clientAccount,
        instrument: 'EURUSD',
        side: 'buy',
        quantity: '5000000',
        price: '1.0812',
        channel: 'voice',
        source: { format: 'csv', fileName: 'blotter.csv', fileSha256: 'a'.repeat(64), line: 2, raw: { trade_id: overrides.tradeId ?? 'T-1' } },
      },
    ],
    exec,
  );
  await trades.upsertUsers([{ id: 'u-1', name: 'Anna Berg', email: 'anna@example.com' }], exec);
}

describe('trade timeline', () => {
  it("lists the trader's and the client's calls in the window and the calls carrying the trade id, oldest first, with links, scores and recordings", async () => {
    const { exec, trades, index, audit, reconstruction, call } = setup();
    await importTrade(trades, exec);
    await index.upsertConversations(
      [
        call('c-trader', -20, -12, 'u-1', null),
        call('c-client', -3, 2, 'u-2', 'ACC-1'),
        call('c-both', -40, -29, 'u-1', 'ACC-1'),
        call('c-tagged-early', -300, -290, 'u-2', null, 'T-1'),
        call('c-trader-before-window', -60, -31, 'u-1', null),
        call('c-after-window', 6, 9, 'u-1', 'ACC-1'),
        call('c-other', -10, -5, 'u-2', 'ACC-2'),
      ],
      exec,
    );
    await index.replaceRecordings('c-trader', [{ id: 'r-trader', startMs: exec - 20 * MIN, endMs: exec - 12 * MIN, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], exec);
    const reasons = [{ kind: 'trader' as const, points: 30, text: 'the trader spoke on the call' }];
    await trades.replaceCandidates('T-1', [{ tradeId: 'T-1', conversationId: 'c-trader', score: 55, reasons, matchedMs: exec }]);
    const decide = (conversationId: string, decision: 'confirmed' | 'rejected', at: number) =>
      trades.recordDecision({ tradeId: 'T-1', conversationId, decision, decidedAt: new Date(at).toISOString(), decidedBy: officer, caseReference: 'FCA-2026-0042', auditEventId: `e-${at}` });
    await decide('c-client', 'rejected', exec + 1);
    await decide('c-client', 'confirmed', exec + 2);
    await decide('c-tagged-early', 'rejected', exec + 3);

    const timeline = await reconstruction.timeline('T-1');

    expect(timeline).toMatchObject({
      schema: 'custody.timeline.v1',
      tradeId: 'T-1',
      deskTimeZone: 'America/New_York',
      window: { from: new Date(exec - 30 * MIN).toISOString(), to: new Date(exec + 5 * MIN).toISOString() },
      execution: { at: new Date(exec).toISOString(), trade: { tradeId: 'T-1', trader: 'anna@example.com', clientAccount: 'ACC-1', channel: 'voice' } },
    });
    expect(timeline.execution.trade).not.toHaveProperty('source');
    expect(timeline.calls.map((c) => [c.conversationId, c.parties, c.linked])).toEqual([
      ['c-tagged-early', [], false],
      ['c-both', ['trader', 'client'], false],
      ['c-trader', ['trader'], false],
      ['c-client', ['client'], true],
    ]);
    const trader = timeline.calls.find((c) => c.conversationId === 'c-trader')!;
    expect(trader).toMatchObject({ score: 55, reasons, agentName: 'Anna Berg', recordings: [{ recordingId: 'r-trader', start: new Date(exec - 20 * MIN).toISOString(), durationMs: 8 * MIN }] });
    expect(timeline.calls.find((c) => c.conversationId === 'c-client')).toMatchObject({ score: null, reasons: [], recordings: [] });

    // The read was a search of the index, audited first under the sitting's case.
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ action: 'search', tradingId: 'T-1', caseReference: 'FCA-2026-0042', details: { query: { tradeTimeline: 'T-1', beforeMinutes: 30, afterMinutes: 5 } } });
  });

  it("a call carrying the trade id is linked unless an officer rejected it; another window takes the calls it covers", async () => {
    const { exec, trades, index, reconstruction, call } = setup();
    await importTrade(trades, exec);
    await index.upsertConversations([call('c-tagged', -2, 1, 'u-1', 'ACC-1', 'T-1'), call('c-early', -50, -45, 'u-1', null)], exec);
    const wide = await reconstruction.timeline('T-1', { beforeMinutes: 60, afterMinutes: 0 });
    expect(wide.calls.map((c) => [c.conversationId, c.linked])).toEqual([
      ['c-early', false],
      ['c-tagged', true],
    ]);
    expect(wide.window.from).toBe(new Date(exec - 60 * MIN).toISOString());
  });

  it('a trade with no call has an empty timeline; an unknown trade is NOT_FOUND in words; a bad window is refused', async () => {
    const { exec, trades, reconstruction } = setup();
    await importTrade(trades, exec, { clientAccount: null });
    expect((await reconstruction.timeline('T-1')).calls).toEqual([]);
    await expect(reconstruction.timeline('T-404')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('Trade T-404 is not in the index') });
    await expect(reconstruction.timeline('T-1', { beforeMinutes: -1, afterMinutes: 5 })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('nobody signed in reads nothing and records nothing', async () => {
    const { exec, trades, audit, session, reconstruction } = setup();
    await importTrade(trades, exec);
    session.signOut();
    await expect(reconstruction.timeline('T-1')).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    expect(audit.events).toEqual([]);
  });
});

describe('reconstruct', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'custody-reconstruct-'));
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it("hands the pack builder the trade, its timeline and the window (the builder audits the export), into the officer's empty folder", async () => {
    const { exec, trades, index, audit, builds, reconstruction, call } = setup();
    await importTrade(trades, exec);
    await index.upsertConversations([call('c-tagged', -2, 1, 'u-1', 'ACC-1', 'T-1')], exec);
    const out = join(root, 'empty');
    await mkdir(out);
    const result = await reconstruction.reconstruct({ tradeId: 'T-1', zip: false, outPath: out, caseReference: 'FCA-2026-0042', window: { beforeMinutes: 10, afterMinutes: 2 } });
    expect(result).toMatchObject({ tradeId: 'T-1', path: out, verified: true });
    expect(builds).toHaveLength(1);
    const [request] = builds;
    expect(request).toMatchObject({ caseReference: 'FCA-2026-0042', outPath: out, zip: false, selection: { kind: 'trade', window: { beforeMinutes: 10, afterMinutes: 2 }, trade: { tradeId: 'T-1', source: { fileName: 'blotter.csv', line: 2 } } } });
    expect(request!.selection.kind === 'trade' && request!.selection.timeline.calls.map((c) => c.conversationId)).toEqual(['c-tagged']);
    // The empty folder made way for the pack; no search event: the export event is the record.
    expect(await readdir(root)).toEqual([]);
    expect(audit.events).toEqual([]);
  });

  it("asks Genesys for the recordings of calls an index sync listed without them; when it cannot answer, the timeline is shown and no pack is built", async () => {
    const { exec, trades, index, builds, reconstruction, call, listings, setGenesysDown } = setup();
    await importTrade(trades, exec);
    await index.upsertConversations([call('c-tagged', -2, 1, 'u-1', 'ACC-1', 'T-1'), call('c-listed', -9, -8, 'u-1', null)], exec);
    await index.replaceRecordings('c-listed', [{ id: 'r-listed', startMs: exec - 9 * MIN, endMs: exec - 8 * MIN, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], exec);
    setGenesysDown(true);
    expect((await reconstruction.timeline('T-1')).calls.map((c) => c.conversationId)).toEqual(['c-listed', 'c-tagged']);
    await expect(reconstruction.reconstruct({ tradeId: 'T-1', zip: false, outPath: join(root, 'pack'), caseReference: 'FCA-2026-0042' })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: expect.stringContaining('nothing was exported'),
    });
    expect(builds).toEqual([]);
    setGenesysDown(false);
    await reconstruction.reconstruct({ tradeId: 'T-1', zip: false, outPath: join(root, 'pack'), caseReference: 'FCA-2026-0042' });
    expect(listings).toEqual([['c-tagged'], ['c-tagged'], ['c-tagged']]);
    expect(builds).toHaveLength(1);
    // Listed once: the next read asks for nothing.
    await reconstruction.timeline('T-1');
    expect(listings).toHaveLength(3);
  });

  it('leaves a non-empty target for the builder to refuse, and needs a case reference', async () => {
    const { exec, trades, reconstruction, setCase } = setup();
    await importTrade(trades, exec);
    const full = join(root, 'full');
    await mkdir(full);
    await writeFile(join(full, 'keep.txt'), 'officer file');
    await reconstruction.reconstruct({ tradeId: 'T-1', zip: false, outPath: full, caseReference: 'FCA-2026-0042' });
    expect(await readdir(full)).toEqual(['keep.txt']);
    setCase(null);
    await expect(reconstruction.reconstruct({ tradeId: 'T-1', zip: false, outPath: join(root, 'x') })).rejects.toMatchObject({ code: 'CASE_REFERENCE_REQUIRED' });
    await expect(reconstruction.reconstruct({ tradeId: 'T-404', zip: false, outPath: join(root, 'x'), caseReference: 'FCA-2026-0042' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
