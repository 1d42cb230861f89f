import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../../electron/db/connection';
import { migrate } from '../../../../electron/db/migrate';
import { migrations } from '../../../../electron/db/migrations';
import { nextPhraseKeySql } from '../../../../electron/db/migrations/0170-time-ordered-search';
import { createIndexRepository, matchColumns, type IndexQuery } from '../../../../electron/db/repositories/index-repository';
import { createTranscriptRepository } from '../../../../electron/db/repositories/transcript-repository';
import { createRng } from '../../../sandbox/prng';
import { conversationRow } from '../../../helpers/index-rows';
import { saidByWords } from '../../../helpers/said-by-words';

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const LINES = [
  'Can you show me euro dollar in ten million?',
  'Euro-dollar in ten millions, Chloë speaking.',
  'Done. You buy ten million at one point zero eight.',
  'Raj speaking; cable in five, five million.',
  'euro euro dollar dollar',
  'Millionaire? No: a million, ten times.',
  'Confirmed',
];

/**
 * An index at schema 170 (before the word pairs): calls over a year, each recording's phrases keyed by its
 * start as the repository of that schema wrote them, dealer lines and a spelled trade reference in each.
 */
function seedIndexAt170(): Db {
  const db = new Database(':memory:');
  migrate(db, migrations.filter((m) => m.version <= 170));
  const rng = createRng(180);
  const insertConversation = db.prepare(
    "INSERT INTO conversations (id, start_ms, end_ms, queue_id, queue_name, agent_id, agent_name, client_account, participants_json, has_recording, synced_ms) VALUES (?, ?, ?, ?, 'FX Spot Desk', 'u-anna', 'Anna Berg', ?, '[]', 1, 1)",
  );
  const insertRecording = db.prepare("INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, session_id, synced_ms) VALUES (?, ?, ?, ?, 'audio', ?, 1)");
  const insertTranscript = db.prepare(
    "INSERT INTO transcripts (recording_id, conversation_id, communication_id, status, phrases_json, fetched_ms) VALUES (?, ?, ?, 'available', '[]', 1)",
  );
  const insertPhrase = db.prepare(`INSERT INTO transcript_phrases (id, recording_id, start_ms, speaker, text) VALUES (${nextPhraseKeySql}, @recordingId, @offsetMs, 'agent', @text)`);
  for (let i = 0; i < 520; i += 1) {
    const startMs = 1_700_000_000_000 + rng.int(0, 365 * 86_400) * 1000;
    insertConversation.run(`c${i}`, startMs, startMs + 60_000, `q${i % 3}`, `ACC-${i % 4}`);
    insertRecording.run(`r${i}`, `c${i}`, startMs, startMs + 60_000, `s${i}`);
    insertTranscript.run(`r${i}`, `c${i}`, `s${i}`);
    const reference = String(2026_0000 + i * 7).split('').map((d) => DIGITS[Number(d)]).join(' ');
    if (rng.chance(0.1)) insertRecording.run(`r${i}-b`, `c${i}`, startMs + 500, null, `s${i}-b`);
    const texts = [rng.pick(LINES), `${rng.pick(LINES)} ${rng.pick(LINES)}`, `${rng.pick(LINES)} ${rng.pick(LINES)}`, `Trade reference ${reference}.`];
    texts.forEach((text, p) => insertPhrase.run({ startMs, recordingId: `r${i}`, offsetMs: p * 1000, text }));
  }
  return db;
}

/** Phrases an officer might type: spans of the lines said (the last word whole or in part), names, references, absent words. */
function phrasesToTry(): Array<string> {
  const rng = createRng(1800);
  const words = LINES.join(' ').split(/\s+/);
  const spans = Array.from({ length: 30 }, () => {
    const from = rng.int(0, words.length - 2);
    const span = words.slice(from, from + rng.int(2, 5));
    const last = span.at(-1)!;
    if (rng.chance(0.4) && last.length > 2) span[span.length - 1] = last.slice(0, rng.int(1, last.length - 1));
    return span.join(' ');
  });
  return [
    ...spans,
    'euro dollar in ten million',
    'euro dollar in ten mil',
    'EURO DOLLAR',
    'euro euro dollar',
    'dollar dollar',
    'Chloe speaking',
    'chloë spea',
    'Raj speaking',
    'ten million ten',
    'trade reference two zero two six zero zero one four',
    'two six zero zero two one',
    'reference two zero two six zero one zero five',
    'zero eight trade',
    'sell cable at par',
    'euro sterling',
    'speaking euro',
    'a',
    'million',
    '"*() OR NEAR',
  ];
}

/** A structured search as the repository answered it before migration 180: each call joined to its recordings. */
function searchByJoin(db: Db, where: string, params: Record<string, unknown>, limit: number): Array<unknown> {
  return db
    .prepare(`SELECT ${matchColumns} FROM conversations c LEFT JOIN recordings r ON r.conversation_id = c.id WHERE ${where} ORDER BY c.start_ms DESC, r.id LIMIT ${limit}`)
    .all(params)
    .map((row) => {
      const r = row as Record<string, unknown>;
      return [r.conversation_id, r.recording_id, r.rec_start_ms, r.rec_end_ms, r.file_state, r.client_account, r.start_ms];
    });
}

describe('listed recordings (migration 180)', () => {
  it('lists each call with its recordings exactly as the join did, after the migration and through every change of the recordings', async () => {
    const db = seedIndexAt170();
    const lookups: Array<[IndexQuery, string, Record<string, unknown>]> = [
      ...['ACC-0', 'ACC-3', 'ACC-9'].map((account): [IndexQuery, string, Record<string, unknown>] => [{ clientAccount: account }, 'c.client_account = @a', { a: account }]),
      [{ tradingId: 'T-none' }, 'c.trading_id = @t', { t: 'T-none' }],
      [{ fromMs: 1_700_000_000_000 + 200 * 86_400_000 }, 'c.start_ms >= @f', { f: 1_700_000_000_000 + 200 * 86_400_000 }],
    ];
    const byJoin = () => lookups.flatMap(([, where, params]) => [1, 5, 1000].map((limit) => searchByJoin(db, where, params, limit)));
    migrate(db);
    const index = createIndexRepository(db);
    const listed = () =>
      Promise.all(
        lookups.flatMap(([query]) =>
          [1, 5, 1000].map(async (limit) =>
            (await index.search(query, limit)).map((m) => [m.conversationId, m.recordingId, m.recordingStartMs, m.recordingEndMs, m.fileState, m.clientAccount, m.startMs]),
          ),
        ),
      );
    expect((await listed()).flat().length).toBeGreaterThan(300);
    expect(await listed()).toEqual(byJoin());

    // Recordings replaced, added, moved to another call, changed and dropped; calls re-synced and deleted.
    const rng = createRng(1801);
    for (let i = 0; i < 40; i += 1) {
      const call = `c${rng.int(0, 299)}`;
      const parts = rng.int(0, 3);
      const recordings = Array.from({ length: parts }, (_, p) => ({ id: `n${i}-${p}`, startMs: p * 1000, endMs: rng.chance(0.5) ? null : 9000, media: 'audio', fileState: rng.pick(['AVAILABLE', 'ARCHIVED', null]), archiveDate: null, deleteDate: null }));
      await index.replaceRecordings(call, recordings, 3);
    }
    db.prepare("UPDATE recordings SET file_state = 'DELETED' WHERE id IN ('r5', 'r6', 'n3-0')").run();
    db.prepare("UPDATE recordings SET conversation_id = 'c7', start_ms = 42 WHERE id IN ('r8', 'r9')").run();
    db.prepare("DELETE FROM recordings WHERE id IN ('r10', 'r11-b')").run();
    await index.upsertConversations([conversationRow('c12', 1_800_000_000_000, { clientAccount: 'ACC-0' }), conversationRow('c-new', 5, { clientAccount: 'ACC-3' })], 4);
    db.prepare("DELETE FROM conversations WHERE id IN ('c13', 'c14')").run();
    expect(await listed()).toEqual(byJoin());
  });
});

describe('said word pairs and triples (migration 180)', () => {
  it('answers every phrase exactly as the words index does, after filling the n-grams of existing transcripts and as transcripts change', async () => {
    const db = seedIndexAt170();
    const phrases = phrasesToTry();
    const byWords = () =>
      phrases.flatMap((phrase) => {
        const all = saidByWords(db, phrase);
        return [1, 7, 1000].map((limit) => all.slice(0, limit));
      });
    const expected = byWords();
    expect(expected.flat().length).toBeGreaterThan(2_000);

    migrate(db);
    // Both ways of reading matches are exercised: walked newest first (500 matching phrases or more) and read whole.
    const matching = (match: string) => (db.prepare('SELECT count(*) AS n FROM transcript_ngrams_fts WHERE transcript_ngrams_fts MATCH ?').get(match) as { n: number }).n;
    expect(matching('pairs : "ten_million"')).toBeGreaterThan(500);
    expect(matching('triples : "euro_dollar_in"')).toBeGreaterThan(500);
    const transcripts = createTranscriptRepository(db);
    const answered = () =>
      Promise.all(
        phrases.flatMap((phrase) =>
          [1, 7, 1000].map(async (limit) =>
            (await transcripts.searchSaid(phrase, {}, limit)).map(({ recording, said }) => `${recording.recordingId}@${said.map((s) => s.offsetMs).join(',')}`),
          ),
        ),
      );
    expect(await answered()).toEqual(expected);

    // Transcripts fetched, replaced and dropped after the migration keep both indexes in step.
    const rng = createRng(18);
    for (let i = 0; i < 60; i += 1) {
      const recordingId = `r${rng.int(0, 299)}`;
      await transcripts.put({
        status: 'available',
        recordingId,
        conversationId: `c${recordingId.slice(1)}`,
        communicationId: `s${recordingId.slice(1)}`,
        language: 'en',
        fetchedMs: 2,
        phrases: [rng.pick(LINES), `${rng.pick(LINES)} trade reference two zero`].map((text, p) => ({ speaker: 'client', text, startMs: p * 500, durationMs: 400, words: [], confidence: null })),
      });
    }
    await transcripts.put({ status: 'not-transcribed', recordingId: 'r3', conversationId: 'c3', communicationId: 's3', fetchedMs: 2 });
    expect(await answered()).toEqual(byWords());
    expect(db.prepare('SELECT count(*) AS n FROM said_ngrams_scratch_instance').get()).toEqual({ n: 0 });
  }, 30_000);

  it('indexes the pairs and triples of adjacent words of each phrase, as the words index splits and folds them', () => {
    const db = new Database(':memory:');
    migrate(db);
    db.prepare("INSERT INTO transcript_phrases (id, recording_id, start_ms, speaker, text) VALUES (1, 'r', 0, 'agent', 'Chloë: euro-dollar, in TEN million.'), (2, 'r', 1, 'agent', 'Confirmed')").run();
    db.exec("CREATE VIRTUAL TABLE temp.ngrams USING fts5vocab(main, transcript_ngrams_fts, 'instance')");
    expect(db.prepare('SELECT term, doc, col, offset FROM temp.ngrams ORDER BY col, offset').all()).toEqual([
      ...['chloe_euro', 'euro_dollar', 'dollar_in', 'in_ten', 'ten_million'].map((term, offset) => ({ term, doc: 1, col: 'pairs', offset })),
      ...['chloe_euro_dollar', 'euro_dollar_in', 'dollar_in_ten', 'in_ten_million'].map((term, offset) => ({ term, doc: 1, col: 'triples', offset })),
    ]);
  });
});
