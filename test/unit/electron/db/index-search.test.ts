import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../electron/db/connection';
import { latestSchemaVersion, migrate } from '../../../../electron/db/migrate';
import { migrations } from '../../../../electron/db/migrations';
import { completeness, createIndexRepository, ftsMatchExpression } from '../../../../electron/db/repositories/index-repository';
import { conversationRow } from '../../../helpers/index-rows';

const conv = conversationRow;

describe('index search: free text, names and job sources', () => {
  it('finds calls by free text over participant, agent and queue names and identifiers, as word prefixes', async () => {
    const repo = createIndexRepository(openDatabaseSync(':memory:'));
    await repo.upsertConversations(
      [
        conv('c1', 1000, { tradingId: 'T-20260114-0042', participants: [{ purpose: 'customer', name: 'Chloë Novak', userId: null }] }),
        conv('c2', 2000, { queueName: 'Rates Desk', queueId: 'q-rates', participants: [{ purpose: 'customer', name: 'Raj Mehta', userId: null }] }),
      ],
      10,
    );
    const ids = async (text: string) => (await repo.search({ text }, 10)).map((m) => m.conversationId);
    expect(await ids('novak')).toEqual(['c1']);
    expect(await ids('chloe')).toEqual(['c1']);
    expect(await ids('T-2026')).toEqual(['c1']);
    expect(await ids('rates raj')).toEqual(['c2']);
    expect(await ids('anna')).toEqual(['c2', 'c1']);
    expect(await ids('"; DROP TABLE x; --')).toEqual([]);
    expect(await ids('  ')).toEqual([]);
    // A re-synced conversation is re-indexed: old words no longer find it.
    await repo.upsertConversations([conv('c1', 1000, { participants: [{ purpose: 'customer', name: 'Elena Moreau', userId: null }] })], 11);
    expect(await ids('novak')).toEqual([]);
    expect(await ids('moreau')).toEqual(['c1']);
  });

  it('migration 20 indexes the conversations an existing index already holds', async () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version <= 10));
    db.prepare(
      `INSERT INTO conversations (id, start_ms, queue_id, queue_name, agent_id, agent_name, trading_id, participants_json, has_recording, synced_ms)
       VALUES ('c1', 1000, 'q-fx', 'FX Spot Desk', 'u-anna', 'Anna Berg', 'T-9', '[{"purpose":"customer","name":"Raj Mehta","userId":null}]', 1, 5)`,
    ).run();
    expect(migrate(db)).toBe(latestSchemaVersion());
    const repo = createIndexRepository(db);
    expect((await repo.search({ text: 'mehta' }, 10)).map((m) => m.conversationId)).toEqual(['c1']);
    expect((await repo.search({ queue: 'FX' }, 10)).map((m) => m.conversationId)).toEqual(['c1']);
    expect((await repo.search({ agent: 'anna' }, 10)).map((m) => m.conversationId)).toEqual(['c1']);
  });

  it('turns typed words into an FTS5 expression that never interprets operators', () => {
    expect(ftsMatchExpression('T-2026 novak')).toBe('"T 2026"* "novak"*');
    expect(ftsMatchExpression('a OR b')).toBe('"a"* "OR"* "b"*');
    expect(ftsMatchExpression('"*()')).toBeNull();
  });

  it('matches a queue or agent by name prefix or exact id, on the name each call carried', async () => {
    const repo = createIndexRepository(openDatabaseSync(':memory:'));
    await repo.upsertConversations(
      [
        conv('c1', 1000),
        conv('c2', 2000, { queueId: 'q-rates', queueName: 'Rates Desk', agentId: 'u-ben', agentName: 'Ben Cole' }),
        conv('c3', 3000, { queueName: 'FX Spot and Forwards' }),
        conv('c4', 4000, { queueId: null, queueName: null }),
      ],
      10,
    );
    const ids = async (query: Parameters<typeof repo.search>[0]) => (await repo.search(query, 10)).map((m) => m.conversationId);
    expect(await ids({ queue: 'fx spot' })).toEqual(['c3', 'c1']);
    expect(await ids({ queue: 'FX Spot and' })).toEqual(['c3']);
    expect(await ids({ queue: 'q-rates' })).toEqual(['c2']);
    expect(await ids({ queue: 'Equities' })).toEqual([]);
    expect(await ids({ agent: 'ben', queue: 'rates' })).toEqual(['c2']);
    expect(await ids({ agent: 'u-anna', fromMs: 2500 })).toEqual(['c4', 'c3']);
  });

  it('lists every matching conversation for a job, oldest first, with the recordings the index knows', async () => {
    const repo = createIndexRepository(openDatabaseSync(':memory:'));
    await repo.upsertConversations([conv('c1', 1000, { tradingId: 'T-1' }), conv('c2', 2000, { tradingId: 'T-1' }), conv('c3', 3000, { hasRecording: false })], 10);
    await repo.replaceRecordings(
      'c1',
      [
        { id: 'r1', startMs: 1000, endMs: 2000, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null },
        { id: 'r2', startMs: 3000, endMs: 4000, media: 'audio', fileState: 'ARCHIVED', archiveDate: null, deleteDate: null },
      ],
      11,
    );
    expect(await repo.selectForJob({ queue: 'FX' })).toEqual([
      { conversationId: 'c1', recordingId: 'r1', tradingId: 'T-1', clientAccount: null, startMs: 1000, hasRecording: true, recordingsListed: true, fileState: 'AVAILABLE' },
      { conversationId: 'c1', recordingId: 'r2', tradingId: 'T-1', clientAccount: null, startMs: 1000, hasRecording: true, recordingsListed: true, fileState: 'ARCHIVED' },
      { conversationId: 'c2', recordingId: null, tradingId: 'T-1', clientAccount: null, startMs: 2000, hasRecording: true, recordingsListed: false, fileState: null },
      { conversationId: 'c3', recordingId: null, tradingId: null, clientAccount: null, startMs: 3000, hasRecording: false, recordingsListed: false, fileState: null },
    ]);
  });
});

describe('index completeness for an asked window', () => {
  const DAY = 86_400_000;
  it('gives the covered fraction and the missing spans, cut at now', () => {
    const now = 100 * DAY;
    const windows = [
      { fromMs: 10 * DAY, toMs: 20 * DAY, syncedMs: now },
      { fromMs: 50 * DAY, toMs: 90 * DAY, syncedMs: now },
    ];
    expect(completeness(0, 1_000 * DAY, windows, now)).toEqual({
      fromMs: 0,
      toMs: now,
      coveredFraction: 0.5,
      missing: [
        [0, 10 * DAY],
        [20 * DAY, 50 * DAY],
        [90 * DAY, now],
      ],
    });
    expect(completeness(12 * DAY, 18 * DAY, windows, now)).toEqual({ fromMs: 12 * DAY, toMs: 18 * DAY, coveredFraction: 1, missing: [] });
    // A window wholly in the future holds no calls: nothing is missing.
    expect(completeness(200 * DAY, 300 * DAY, windows, now)).toMatchObject({ coveredFraction: 1, missing: [] });
  });

  it('searches a trading ID or client account without dates over the whole index, newest first', async () => {
    const repo = createIndexRepository(openDatabaseSync(':memory:'));
    await repo.upsertConversations(
      [
        conv('c-2004', Date.parse('2004-05-06T10:00:00Z'), { tradingId: 'T-7', clientAccount: 'ACC-1' }),
        conv('c-2026', Date.parse('2026-11-30T10:00:00Z'), { tradingId: 'T-7', clientAccount: 'ACC-1' }),
        conv('c-other', Date.parse('2026-11-30T11:00:00Z'), { tradingId: 'T-8', clientAccount: 'ACC-2' }),
      ],
      1,
    );
    expect((await repo.search({ tradingId: 'T-7' }, 10)).map((m) => m.conversationId)).toEqual(['c-2026', 'c-2004']);
    expect((await repo.search({ clientAccount: 'ACC-1' }, 10)).map((m) => m.conversationId)).toEqual(['c-2026', 'c-2004']);
  });
});
