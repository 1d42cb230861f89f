import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../electron/db/connection';
import { nextPhraseKeySql } from '../../../../electron/db/migrations/0170-time-ordered-search';
import { createTranscriptRepository } from '../../../../electron/db/repositories/transcript-repository';
import { bulkLoad } from '../../../bench/bulk-index';
import { saidByWords } from '../../../helpers/said-by-words';

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const CALLS = 21_000;
const DAY_MS = 86_400_000;
const START_MS = 1_700_000_000_000;
const spelled = (digits: string) => digits.split('').map((d) => DIGITS[Number(d)]).join(' ');

/**
 * Calls each with a spelled trade reference, "Trade reference two zero" then six digits: the reference's
 * first triples are in every call (common: more than the 20,000 phrases under which a triple is rare), its
 * triples of digits in a few hundred. One reference, 471928, is said in a few calls (twice in one), near
 * misses of it in others.
 */
function seedReferences() {
  const db = openDatabaseSync(':memory:');
  const insertConversation = db.prepare(
    "INSERT INTO conversations (id, start_ms, end_ms, queue_id, queue_name, agent_id, agent_name, participants_json, has_recording, synced_ms) VALUES (?, ?, ?, ?, ?, 'u-anna', 'Anna Berg', '[]', 1, 1)",
  );
  const insertRecording = db.prepare("INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, session_id, synced_ms) VALUES (?, ?, ?, ?, 'audio', ?, 1)");
  const insertPhrase = db.prepare(`INSERT INTO transcript_phrases (id, recording_id, start_ms, speaker, text) VALUES (${nextPhraseKeySql}, @recordingId, @offsetMs, 'agent', @text)`);
  const said: Record<number, Array<string>> = {
    20_990: ['Trade reference two zero four seven one nine two eight.'],
    20_500: ['Reference two zero, four-seven-one, nine two eight?', 'Yes: trade reference two zero four seven one nine two eight.'],
    20_100: ['TRADE REFERENCE TWO ZERO FOUR SEVEN ONE NINE TWO EIGHTY'],
    12_345: ['Trade reference two zero four seven one nine two eight, confirmed.'],
    9_000: ['Trade reference two zero four seven one nine two eight'],
    4_000: ['trade reference two zero four seven one nine two eight'],
    // Near misses: two digits swapped, one digit more, the reference split over two phrases, its words in another order.
    20_800: ['Trade reference two zero four seven one nine eight two.'],
    20_700: ['Trade reference two zero four seven one one nine two eight.'],
    20_600: ['Trade reference two zero four seven one nine', 'two eight.'],
    15_000: ['Trade reference two eight, zero four seven one nine two.'],
  };
  // Indexed once after the load, as the benches do: 42,000 phrases through the full-text triggers one by one take minutes.
  bulkLoad(db, () => {
    for (let i = 0; i < CALLS; i += 1) {
      const startMs = START_MS + Math.floor((i * 365 * DAY_MS) / CALLS);
      insertConversation.run(`c${i}`, startMs, startMs + 60_000, `q${i % 2}`, i % 2 ? 'Rates Desk' : 'FX Spot Desk');
      insertRecording.run(`r${i}`, `c${i}`, startMs, startMs + 60_000, `s${i}`);
      const texts = [`Trade reference two zero ${spelled(String(i * 37).padStart(6, '0'))}.`, ...(said[i] ?? ['Confirmed.'])];
      texts.forEach((text, p) => insertPhrase.run({ startMs, recordingId: `r${i}`, offsetMs: 1000 * p, text }));
    }
  });
  return db;
}

describe('said search for a rare phrase of common words', () => {
  const db = seedReferences();
  const transcripts = createTranscriptRepository(db);
  const search = async (phrase: string, limit = 100, queue?: string) =>
    (await transcripts.searchSaid(phrase, queue === undefined ? {} : { queue }, limit)).map(({ recording, said }) => `${recording.recordingId}@${said.map((s) => s.offsetMs).join(',')}`);
  const phrasesWith = (match: string) => (db.prepare('SELECT count(*) AS n FROM transcript_ngrams_fts WHERE transcript_ngrams_fts MATCH ?').get(match) as { n: number }).n;

  it('finds the calls and offsets where it was said, newest first, and no near miss', async () => {
    // The reference's first triples are common, its digits' rare: the search is led by the rare ones.
    expect(phrasesWith('triples : "trade_reference_two"')).toBeGreaterThan(20_000);
    expect(phrasesWith('triples : "reference_two_zero"')).toBeGreaterThan(20_000);
    expect(phrasesWith('triples : "seven_one_nine"')).toBeLessThan(500);

    expect(await search('trade reference two zero four seven one nine two eight')).toEqual(['r20990@1000', 'r20500@2000', 'r20100@1000', 'r12345@1000', 'r9000@1000', 'r4000@1000']);
    expect(await search('Reference two zero four seven one nine two eight')).toEqual(['r20990@1000', 'r20500@1000,2000', 'r20100@1000', 'r12345@1000', 'r9000@1000', 'r4000@1000']);
    // The last word typed in part, and spoken differently.
    expect(await search('trade reference two zero four seven one nine two eighty')).toEqual(['r20100@1000']);
    // Near misses, of the phrase said and of other references: two digits swapped, one word more, words in another order.
    for (const nearMiss of ['two zero four seven nine one two eight', 'four seven one nine two eight two', 'trade reference two zero seven four one nine two eight', 'zero four seven one nine two eight sold']) {
      expect(saidByWords(db, nearMiss), nearMiss).toEqual([]);
      expect(await search(nearMiss), nearMiss).toEqual([]);
    }
  });

  it('pages newest first and keeps the other criteria', async () => {
    const phrase = 'reference two zero four seven one nine two eight';
    const all = saidByWords(db, phrase);
    expect(all).toHaveLength(6);
    for (const limit of [1, 2, 5, 6, 100]) expect(await search(phrase, limit)).toEqual(all.slice(0, limit));
    expect(await search(phrase, 100, 'FX Spot')).toEqual(['r20990@1000', 'r20500@1000,2000', 'r20100@1000', 'r9000@1000', 'r4000@1000']);
    expect(await search(phrase, 100, 'Rates')).toEqual(['r12345@1000']);
  });

  it('answers every phrase of the references as the words index does', async () => {
    const phrases = [
      'trade reference two zero four seven one nine two eight',
      'two zero four seven one nine two ei',
      'four seven one nine two',
      'seven one nine two eight',
      'zero zero one eight five',
      'trade reference two zero zero zero three seven',
      'reference two zero zero',
      'trade reference two zero',
      'nine nine nine nine nine',
    ];
    for (const phrase of phrases) expect(await search(phrase, 1000), phrase).toEqual(saidByWords(db, phrase).slice(0, 1000));
  });
});
