import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync, type Db } from '../../../../electron/db/connection';
import { migrate } from '../../../../electron/db/migrate';
import { migrations } from '../../../../electron/db/migrations';
import { createIndexRepository, ftsMatchExpression, type IndexQuery } from '../../../../electron/db/repositories/index-repository';
import { createTranscriptRepository, saidMatchExpression } from '../../../../electron/db/repositories/transcript-repository';
import { createRng } from '../../../sandbox/prng';
import { conversationRow } from '../../../helpers/index-rows';

const SURNAMES = ['Novak', 'Mehta', 'Moreau', 'Tanaka', 'Osei', 'Nováková'];
const QUEUES = [
  ['q-fx', 'FX Spot Desk'],
  ['q-rates', 'Rates Desk'],
  ['q-credit', 'Credit Desk'],
] as const;
const WORDS = ['euro dollar', 'cable', 'ten million', 'five millions', 'the gilt', 'euro sterling', 'confirmed', 'millionaire'];

/**
 * An index as Custody wrote it before migration 170 (schema 160, its triggers keying the full-text rows by
 * sync order): calls at distinct times over a year in random order, 1 or 2 recordings each, transcripts for
 * most. Written with plain SQL, as the repositories of that schema did.
 */
function seedIndexAt160(): Db {
  const db = new Database(':memory:');
  migrate(db, migrations.filter((m) => m.version <= 160));
  const rng = createRng(170);
  const starts = [...new Set(Array.from({ length: 400 }, () => 1_700_000_000_000 + rng.int(0, 365 * 86_400) * 1000))];
  const insertConversation = db.prepare(
    `INSERT INTO conversations (id, start_ms, end_ms, queue_id, queue_name, agent_id, agent_name, trading_id, client_account, participants_json, has_recording, synced_ms)
     VALUES (?, ?, ?, ?, ?, 'u-anna', 'Anna Berg', ?, ?, ?, 1, 1)`,
  );
  const insertRecording = db.prepare("INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, session_id, synced_ms) VALUES (?, ?, ?, ?, 'audio', ?, 1)");
  const insertTranscript = db.prepare(
    "INSERT INTO transcripts (recording_id, conversation_id, communication_id, status, phrases_json, fetched_ms) VALUES (?, ?, ?, 'available', '[]', 1)",
  );
  const insertPhrase = db.prepare('INSERT INTO transcript_phrases (recording_id, start_ms, speaker, text) VALUES (?, ?, ?, ?)');
  starts.forEach((startMs, i) => {
    const [queueId, queueName] = rng.pick(QUEUES);
    const participants = [{ purpose: 'customer', name: `${rng.pick(['Raj', 'Chloë', 'Elena'])} ${rng.pick(SURNAMES)}`, userId: null }];
    insertConversation.run(`c${i}`, startMs, startMs + 60_000, queueId, queueName, rng.chance(0.5) ? `T-${i}` : null, `ACC-${rng.int(1, 5)}`, JSON.stringify(participants));
    for (let part = 0; part < (rng.chance(0.2) ? 2 : 1); part += 1) {
      const recordingId = `r${i}-${part}`;
      insertRecording.run(recordingId, `c${i}`, startMs + part * 500, startMs + 60_000, `s${i}-${part}`);
      if (rng.chance(0.1)) continue;
      insertTranscript.run(recordingId, `c${i}`, `s${i}-${part}`);
      for (let p = 0; p < 3; p += 1) insertPhrase.run(recordingId, p * 5_000, rng.pick(['agent', 'client']), `${rng.pick(WORDS)} and ${rng.pick(WORDS)}`);
    }
  });
  return db;
}

/** Free text as the repository answered it before migration 170: the match set, ordered by start. */
function textSearchAt160(db: Db, text: string, criteria: IndexQuery, limit: number): Array<string> {
  const where = [`c.rowid IN (SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH @text)`];
  if (criteria.queue !== undefined) where.push('c.queue_name LIKE @queue');
  if (criteria.fromMs !== undefined) where.push('c.start_ms >= @fromMs');
  if (criteria.toMs !== undefined) where.push('c.start_ms < @toMs');
  const rows = db
    .prepare(
      `SELECT c.id AS conversation_id, r.id AS recording_id FROM conversations c LEFT JOIN recordings r ON r.conversation_id = c.id
       WHERE ${where.join(' AND ')} ORDER BY c.start_ms DESC, r.id LIMIT @limit`,
    )
    .all({ text: ftsMatchExpression(text), queue: `${criteria.queue}%`, fromMs: criteria.fromMs, toMs: criteria.toMs, limit }) as Array<{ conversation_id: string; recording_id: string | null }>;
  return rows.map((r) => `${r.conversation_id}/${r.recording_id}`);
}

/** A said search as the engine answered it before: every matching phrase, grouped by recording, newest call first. */
function saidSearchAt160(db: Db, phrase: string, limit: number): Array<string> {
  const rows = db
    .prepare(
      `SELECT p.recording_id, p.start_ms AS offset_ms, coalesce(r.start_ms, c.start_ms) AS recording_start FROM transcript_phrases_fts f
         JOIN transcript_phrases p ON p.id = f.rowid JOIN recordings r ON r.id = p.recording_id JOIN conversations c ON c.id = r.conversation_id
       WHERE transcript_phrases_fts MATCH ? ORDER BY recording_start DESC, p.start_ms`,
    )
    .all(saidMatchExpression(phrase)) as Array<{ recording_id: string; offset_ms: number }>;
  const byRecording = new Map<string, Array<number>>();
  for (const row of rows) byRecording.set(row.recording_id, [...(byRecording.get(row.recording_id) ?? []), row.offset_ms]);
  return [...byRecording].slice(0, limit).map(([recording, offsets]) => `${recording}@${offsets.join(',')}`);
}

describe('time-ordered full-text keys (migration 170)', () => {
  it('answers free text and said searches exactly as before the migration, newest first', async () => {
    const db = seedIndexAt160();
    const textQueries: Array<[string, IndexQuery]> = [
      ['novak', {}],
      ['nov', {}],
      ['chloe', {}],
      ['T-1', {}],
      ['rates', {}],
      ['mehta', { queue: 'FX' }],
      ['raj', { fromMs: 1_700_000_000_000 + 90 * 86_400_000, toMs: 1_700_000_000_000 + 200 * 86_400_000 }],
      ['elena', { queue: 'Credit', fromMs: 1_700_000_000_000 + 30 * 86_400_000 }],
      ['nobody', {}],
    ];
    const saidPhrases = ['euro dollar', 'euro dol', 'ten mil', 'million', 'millions and', 'the gilt and cable', 'sterling and confirmed', 'absent words'];
    const before = {
      text: textQueries.flatMap(([text, criteria]) => [5, 50, 1000].map((limit) => textSearchAt160(db, text, criteria, limit))),
      said: saidPhrases.flatMap((phrase) => [1, 7, 1000].map((limit) => saidSearchAt160(db, phrase, limit))),
    };
    expect(before.text.flat().length).toBeGreaterThan(500);
    expect(before.said.flat().length).toBeGreaterThan(500);

    migrate(db);
    const index = createIndexRepository(db);
    const transcripts = createTranscriptRepository(db);
    const after = {
      text: await Promise.all(
        textQueries.flatMap(([text, criteria]) =>
          [5, 50, 1000].map(async (limit) => (await index.search({ text, ...criteria }, limit)).map((m) => `${m.conversationId}/${m.recordingId}`)),
        ),
      ),
      said: await Promise.all(
        saidPhrases.flatMap((phrase) =>
          [1, 7, 1000].map(async (limit) =>
            (await transcripts.searchSaid(phrase, {}, limit)).map(({ recording, said }) => `${recording.recordingId}@${said.map((s) => s.offsetMs).join(',')}`),
          ),
        ),
      ),
    };
    expect(after).toEqual(before);
  });

  it('keeps keys in start order as calls are synced again, moved and deleted, and transcripts replaced', async () => {
    const db = openDatabaseSync(':memory:');
    const index = createIndexRepository(db);
    const transcripts = createTranscriptRepository(db);
    const names = (name: string) => [{ purpose: 'customer', name, userId: null }];
    // Two calls in the same millisecond get distinct keys; an older call synced later still sorts older.
    await index.upsertConversations([conversationRow('c1', 5000, { participants: names('Raj Novak') }), conversationRow('c2', 5000, { participants: names('Ana Novak') })], 1);
    await index.upsertConversations([conversationRow('c0', 1000, { participants: names('Ivo Novak') })], 2);
    const found = async (text: string, query: IndexQuery = {}) => (await index.search({ text, ...query }, 10)).map((m) => m.conversationId);
    expect(await found('novak')).toEqual(['c2', 'c1', 'c0']);
    // A call whose start moves is keyed again and found at its new time; a renamed one by its new words only.
    await index.upsertConversations([conversationRow('c0', 9000, { participants: names('Ivo Novak') }), conversationRow('c1', 5000, { participants: names('Raj Mehta') })], 3);
    expect(await found('novak')).toEqual(['c0', 'c2']);
    expect(await found('mehta')).toEqual(['c1']);
    expect(await found('novak', { fromMs: 5000, toMs: 9000 })).toEqual(['c2']);
    expect(await found('novak', { fromMs: 5001 })).toEqual(['c0']);
    db.prepare("DELETE FROM conversations WHERE id = 'c2'").run();
    expect(await found('novak')).toEqual(['c0']);
    expect(db.prepare('SELECT count(*) AS n FROM conversations_text').get()).toEqual({ n: 2 });

    // Said: phrases are keyed by their recording's start, so the newest recording comes first whatever the fetch order.
    for (const [conversationId, recordingId, startMs] of [['c0', 'r0', 9000], ['c1', 'r1', 5000]] as const) {
      await index.replaceRecordings(conversationId, [{ id: recordingId, startMs, endMs: startMs + 1000, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], 4);
    }
    const transcript = (recordingId: string, conversationId: string, texts: Array<string>) =>
      transcripts.put({
        status: 'available',
        recordingId,
        conversationId,
        communicationId: `s-${recordingId}`,
        language: 'en',
        fetchedMs: 4,
        phrases: texts.map((text, i) => ({ speaker: 'agent', text, startMs: i * 1000, durationMs: 900, words: [], confidence: null })),
      });
    await transcript('r0', 'c0', ['Euro dollar in ten million', 'Done']);
    await transcript('r1', 'c1', ['Euro sterling', 'euro dollars, Chloë']);
    const said = async (phrase: string, query: IndexQuery = {}) =>
      (await transcripts.searchSaid(phrase, query, 10)).map(({ recording, said }) => [recording.recordingId, said.map((s) => s.offsetMs)]);
    expect(await said('dollar in ten')).toEqual([['r0', [0]]]);
    expect(await said('euro dollar')).toEqual([['r0', [0]], ['r1', [1000]]]);
    expect(await said('euro dol')).toEqual([['r0', [0]], ['r1', [1000]]]);
    expect(await said('euro')).toEqual([['r0', [0]], ['r1', [0, 1000]]]);
    expect(await said('chloe')).toEqual([['r1', [1000]]]);
    expect(await said('euro', { toMs: 9000 })).toEqual([['r1', [0, 1000]]]);
    expect(await said('euro', { queue: 'Rates' })).toEqual([]);
    expect(await said('"*() OR')).toEqual([]);
    // Replaced whole: the old words no longer find it, the new ones do, still newest first.
    await transcript('r1', 'c1', ['Sell the gilt', 'euro cable']);
    expect(await said('euro')).toEqual([['r0', [0]], ['r1', [1000]]]);
    expect(await said('chloe')).toEqual([]);
    expect(await said('gilt')).toEqual([['r1', [0]]]);
  });
});
