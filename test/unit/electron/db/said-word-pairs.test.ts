import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../../electron/db/connection';
import { migrate } from '../../../../electron/db/migrate';
import { migrations } from '../../../../electron/db/migrations';
import { nextPhraseKeySql } from '../../../../electron/db/migrations/0170-time-ordered-search';
import { createTranscriptRepository, saidMatchExpression } from '../../../../electron/db/repositories/transcript-repository';
import { createRng } from '../../../sandbox/prng';

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
    "INSERT INTO conversations (id, start_ms, end_ms, queue_id, queue_name, agent_id, agent_name, participants_json, has_recording, synced_ms) VALUES (?, ?, ?, 'q-fx', 'FX Spot Desk', 'u-anna', 'Anna Berg', '[]', 1, 1)",
  );
  const insertRecording = db.prepare("INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, session_id, synced_ms) VALUES (?, ?, ?, ?, 'audio', ?, 1)");
  const insertTranscript = db.prepare(
    "INSERT INTO transcripts (recording_id, conversation_id, communication_id, status, phrases_json, fetched_ms) VALUES (?, ?, ?, 'available', '[]', 1)",
  );
  const insertPhrase = db.prepare(`INSERT INTO transcript_phrases (id, recording_id, start_ms, speaker, text) VALUES (${nextPhraseKeySql}, @recordingId, @offsetMs, 'agent', @text)`);
  for (let i = 0; i < 300; i += 1) {
    const startMs = 1_700_000_000_000 + rng.int(0, 365 * 86_400) * 1000;
    insertConversation.run(`c${i}`, startMs, startMs + 60_000);
    insertRecording.run(`r${i}`, `c${i}`, startMs, startMs + 60_000, `s${i}`);
    insertTranscript.run(`r${i}`, `c${i}`, `s${i}`);
    const reference = String(2026_0000 + i * 7).split('').map((d) => DIGITS[Number(d)]).join(' ');
    const texts = [rng.pick(LINES), `${rng.pick(LINES)} ${rng.pick(LINES)}`, `Trade reference ${reference}.`];
    texts.forEach((text, p) => insertPhrase.run({ startMs, recordingId: `r${i}`, offsetMs: p * 1000, text }));
  }
  return db;
}

/** What the said search answers by definition: the phrases' own full-text index, the last word a prefix, newest first. */
function saidByWords(db: Db, phrase: string, limit: number): Array<string> {
  const match = saidMatchExpression(phrase);
  if (match === null) return [];
  const rows = db
    .prepare('SELECT p.recording_id, p.start_ms FROM transcript_phrases_fts f JOIN transcript_phrases p ON p.id = f.rowid WHERE transcript_phrases_fts MATCH ? ORDER BY f.rowid DESC')
    .all(match) as Array<{ recording_id: string; start_ms: number }>;
  const byRecording = new Map<string, Array<number>>();
  for (const row of rows) byRecording.set(row.recording_id, [...(byRecording.get(row.recording_id) ?? []), row.start_ms]);
  return [...byRecording].slice(0, limit).map(([recording, offsets]) => `${recording}@${offsets.sort((a, b) => a - b).join(',')}`);
}

/** Phrases an officer might type: spans of the lines said (the last word whole or in part), names, references, absent words. */
function phrasesToTry(): Array<string> {
  const rng = createRng(1800);
  const words = LINES.join(' ').split(/\s+/);
  const spans = Array.from({ length: 60 }, () => {
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

describe('said word pairs (migration 180)', () => {
  it('answers every phrase exactly as the words index does, after filling the pairs of existing transcripts and as transcripts change', async () => {
    const db = seedIndexAt170();
    const phrases = phrasesToTry();
    const byWords = () => phrases.flatMap((phrase) => [1, 7, 1000].map((limit) => saidByWords(db, phrase, limit)));
    const expected = byWords();
    expect(expected.flat().length).toBeGreaterThan(2_000);

    migrate(db);
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
    expect(db.prepare('SELECT count(*) AS n FROM said_pairs_scratch_instance').get()).toEqual({ n: 0 });
  });

  it('indexes each pair of adjacent words once per phrase, joined by the words index own folding', () => {
    const db = new Database(':memory:');
    migrate(db);
    db.prepare("INSERT INTO transcript_phrases (id, recording_id, start_ms, speaker, text) VALUES (1, 'r', 0, 'agent', 'Chloë: euro-dollar, in TEN million.'), (2, 'r', 1, 'agent', 'Confirmed')").run();
    db.exec("CREATE VIRTUAL TABLE temp.pairs USING fts5vocab(main, transcript_pairs_fts, 'instance')");
    const pairs = db.prepare('SELECT term, doc, offset FROM temp.pairs ORDER BY offset').all();
    expect(pairs).toEqual(
      ['chloe_euro', 'euro_dollar', 'dollar_in', 'in_ten', 'ten_million'].map((term, offset) => ({ term, doc: 1, offset })),
    );
  });
});
