/**
 * `said` search at 1,000,000 indexed calls with transcripts.
 *
 *   npx tsx test/bench/said-search.ts [--recordings 1000000] [--samples 300] [--keep | --reuse DIR]
 *
 * Builds an encrypted index (the product's open: SQLCipher, raw key) of calls over a year, each with one
 * recording whose transcript holds four dealer phrases, loaded in bulk and then full-text indexed once as
 * migration 170 indexes an existing index (bulk-index.ts). Reopens it, then times what `custody search --said`
 * runs against the index: the transcript repository's searchSaid, one query from the phrase to the newest
 * recordings with their matching phrases (after 20 to warm up), for common phrases ("euro dollar in ten million"), rare ones (a
 * spelled trade reference, whole, its digits alone, its last word in part), a name and a word, and absent ones, first page of
 * 100 and of 1,000 calls. Prints p50/p99 per kind. The first page of 100 is also timed as before the rare triples led
 * (the phrase looked up as one FTS5 phrase of its word pairs or triples, as migration 180 left it), in the same run,
 * just before each kind: a ratio per kind. Not a test: it prints figures.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabaseSync, type IndexKey } from '../../electron/db/connection';
import { nextPhraseKeySql } from '../../electron/db/migrations/0170-time-ordered-search';
import { matchColumns } from '../../electron/db/repositories/index-repository';
import { prefixPhrases, wordRuns } from '../../electron/db/repositories/prefix-words';
import { createTranscriptRepository } from '../../electron/db/repositories/transcript-repository';
import { createRng } from '../sandbox/prng';
import { benchDirectory, bulkLoad } from './bulk-index';

const { values } = parseArgs({
  options: {
    recordings: { type: 'string', default: '1000000' },
    samples: { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const targetRecordings = Number(values.recordings);
const samples = Number(values.samples);
console.log(`command: npx tsx test/bench/said-search.ts ${values.reuse ? '' : `--recordings ${targetRecordings} `}--samples ${samples}${values.reuse ? ` --reuse ${values.reuse}` : ''}`);
console.log(`machine: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews the tail)`);

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const INSTRUMENTS = ['euro dollar', 'cable', 'dollar yen', 'the ten year gilt', 'bund futures', 'euro sterling', 'aussie dollar', 'five year swaps'];
const AMOUNTS = ['five million', 'ten million', 'twenty five million', 'fifty million', 'one hundred million'];
const NAMES = ['Oliver', 'Amelia', 'Raj', 'Chloe', 'Marcus', 'Elena', 'Kenji', 'Fatima', 'Lucas', 'Isla'];
const DAY_MS = 86_400_000;
const ANCHOR_MS = Date.UTC(2026, 10, 1);

const bench = await benchDirectory(values.reuse, values.keep);
const file = bench.file;
const keyFile = join(dirname(file), 'key.hex');
try {
  const rng = createRng(20_261_206);
  const spelled = (n: number) => String(n).split('').map((d) => DIGITS[Number(d)]).join(' ');
  let key: IndexKey;
  let rareRefs: Array<string> = [];
  if (bench.reused) {
    key = Buffer.from(await readFile(keyFile, 'utf8'), 'hex');
    rareRefs = (await bench.loadState<{ rareRefs: Array<string> }>()).rareRefs;
  } else {
    key = randomBytes(32);
    await writeFile(keyFile, Buffer.from(key).toString('hex'), { mode: 0o600 });
    const db = openDatabaseSync(file, key);
    const insertConversation = db.prepare(
      `INSERT INTO conversations (id, start_ms, end_ms, direction, queue_id, queue_name, agent_id, agent_name, participants_json, has_recording, recordings_synced_ms, synced_ms)
       VALUES (?, ?, ?, 'inbound', 'queue-fx', 'FX Spot Desk', 'agent-1', 'Anna Berg', '[]', 1, ?, ?)`,
    );
    const insertRecording = db.prepare(
      "INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, file_state, session_id, synced_ms) VALUES (?, ?, ?, ?, 'audio', 'AVAILABLE', ?, ?)",
    );
    const insertTranscript = db.prepare(
      "INSERT INTO transcripts (recording_id, conversation_id, communication_id, status, language, phrases_json, fetched_ms) VALUES (?, ?, ?, 'available', 'en-US', '[]', 0)",
    );
    const insertPhrase = db.prepare(`INSERT INTO transcript_phrases (id, recording_id, start_ms, speaker, text) VALUES (${nextPhraseKeySql}, @recordingId, @offsetMs, @speaker, @text)`);
    const started = performance.now();
    bulkLoad(db, () => {
      for (let done = 0; done < targetRecordings; done += 1) {
        const recordingId = `rec-${done}`;
        const conversationId = `conv-${done}`;
        const startMs = ANCHOR_MS - Math.floor(rng.next() * 365 * DAY_MS);
        insertConversation.run(conversationId, startMs, startMs + 60_000, ANCHOR_MS, ANCHOR_MS);
        insertRecording.run(recordingId, conversationId, startMs, startMs + 60_000, `comm-${done}`, ANCHOR_MS);
        insertTranscript.run(recordingId, conversationId, `comm-${done}`);
        const instrument = rng.pick(INSTRUMENTS);
        const amount = rng.pick(AMOUNTS);
        const ref = spelled(20_260_000 + done);
        if (done % 997 === 0) rareRefs.push(ref);
        const phrase = (offsetMs: number, speaker: string, text: string) => insertPhrase.run({ startMs, recordingId, offsetMs, speaker, text });
        phrase(600, 'agent', `${rng.pick(INSTRUMENTS) === instrument ? 'FX desk' : 'Rates desk'}, ${rng.pick(NAMES)} speaking.`);
        phrase(3_200, 'client', `Can you show me ${instrument} in ${amount}?`);
        phrase(7_900, 'agent', `Done. You buy ${amount} at one point zero eight. Trade reference ${ref}.`);
        phrase(12_400, 'client', 'Confirmed.');
      }
    });
    db.close();
    await bench.saveState({ rareRefs });
    console.log(`index: ${targetRecordings} calls, ${targetRecordings * 4} phrases, built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const openStarted = performance.now();
  const db = openDatabaseSync(file, key);
  const openMs = performance.now() - openStarted;
  const repo = createTranscriptRepository(db);
  // The repository's said query as before the rare triples led: the phrase as one FTS5 phrase of its words, pairs or triples.
  const spell = [prefixPhrases(db, 'said_terms'), prefixPhrases(db, 'said_terms', wordRuns(2)), prefixPhrases(db, 'said_terms', wordRuns(3))];
  const lookup = (words: Array<string>) =>
    words.length === 1 ? { index: 'transcript_phrases_fts', match: spell[0]!(words) } : { index: 'transcript_ngrams_fts', match: `${words.length === 2 ? 'pairs' : 'triples'} : ${spell[words.length === 2 ? 1 : 2]!(words)}` };
  const ngramQueries = (index: string, sparse: boolean) =>
    db.prepare(`SELECT p.recording_id, p.start_ms, p.speaker, p.text, ${matchColumns}
      FROM ${index} f CROSS JOIN transcript_phrases p ON p.id = f.rowid
        CROSS JOIN recordings r ON r.id = p.recording_id CROSS JOIN conversations c ON c.id = r.conversation_id
      WHERE ${index} MATCH ? ORDER BY ${sparse ? '+' : ''}f.rowid DESC`);
  const before = new Map(['transcript_phrases_fts', 'transcript_ngrams_fts'].map((index) => [index, {
    count: db.prepare(`SELECT count(*) AS n FROM (SELECT rowid FROM ${index} WHERE ${index} MATCH ? LIMIT 500)`),
    sparse: ngramQueries(index, true),
    dense: ngramQueries(index, false),
  }]));
  const searchBefore = (phrase: string, limit: number): number => {
    const { index, match } = lookup(phrase.match(/[\p{L}\p{N}]+/gu)!);
    const queries = before.get(index)!;
    const sparse = (queries.count.get(match) as { n: number }).n < 500;
    const recordings = new Set<string>();
    for (const row of (sparse ? queries.sparse : queries.dense).iterate(match) as Iterable<{ recording_id: string }>) {
      if (!recordings.has(row.recording_id) && recordings.size >= limit) break;
      recordings.add(row.recording_id);
    }
    return recordings.size;
  };
  console.log(`index: ${((await stat(file)).size / 1e6).toFixed(0)} MB, reopened in ${openMs.toFixed(1)} ms`);

  const kinds: Record<string, Array<string>> = {
    'common phrase ("euro dollar in ten million")': Array.from({ length: samples }, () => `${rng.pick(INSTRUMENTS)} in ${rng.pick(AMOUNTS)}`),
    'common phrase, last word in part ("euro dollar in ten mil")': Array.from({ length: samples }, () => `${rng.pick(INSTRUMENTS)} in ${rng.pick(AMOUNTS).slice(0, -4)}`),
    'rare phrase (a spelled trade reference)': Array.from({ length: samples }, () => `trade reference ${rng.pick(rareRefs)}`),
    'rare phrase, six of its digits ("four seven one nine two eight")': Array.from({ length: samples }, () => {
      const from = rng.int(0, 2);
      return rng.pick(rareRefs).split(' ').slice(from, from + 6).join(' ');
    }),
    'rare phrase, last word in part ("trade reference ... two eig")': Array.from({ length: samples }, () => `trade reference ${rng.pick(rareRefs)}`.slice(0, -2)),
    'name and word ("Raj speaking")': Array.from({ length: samples }, () => `${rng.pick(NAMES)} speaking`),
    'absent phrase': Array.from({ length: samples }, () => `sell ${rng.pick(INSTRUMENTS)} at par`),
  };
  const beforeFigures = new Map<string, [number, number]>();
  const ratios: Array<string> = [];
  for (const limit of [100, 1000]) {
    console.log(`-- first page of ${limit} calls, newest first (transcript repository searchSaid: recordings with their phrases)`);
    for (const [label, queries] of Object.entries(kinds)) {
      if (limit === 100) {
        // Before, on the first 100 phrases of the kind.
        for (const query of queries.slice(0, 20)) searchBefore(query, limit);
        const times: Array<number> = [];
        for (const query of queries.slice(0, 100)) {
          const t0 = performance.now();
          searchBefore(query, limit);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const at = (p: number) => times[Math.min(times.length - 1, Math.floor((times.length - 1) * p))]!;
        beforeFigures.set(label, [at(0.5), at(0.99)]);
        console.log(`${`before (one FTS5 phrase): ${label}`.padEnd(60)} n=${times.length}  p50 ${at(0.5).toFixed(3)} ms  p99 ${at(0.99).toFixed(3)} ms`);
      }
      for (const query of queries.slice(0, 20)) await repo.searchSaid(query, {}, limit);
      const times: Array<number> = [];
      let recordings = 0;
      for (const query of queries) {
        const t0 = performance.now();
        recordings += (await repo.searchSaid(query, {}, limit)).length;
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const at = (p: number) => times[Math.min(times.length - 1, Math.floor((times.length - 1) * p))]!.toFixed(3);
      const before = limit === 100 ? beforeFigures.get(label) : undefined;
      if (before) ratios.push(`${label.padEnd(60)} ${(Number(at(0.5)) / before[0]).toFixed(3)}  ${(Number(at(0.99)) / before[1]).toFixed(3)}`);
      console.log(`${label.padEnd(60)} n=${queries.length}  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${times.at(-1)!.toFixed(3)} ms  avg calls ${(recordings / queries.length).toFixed(1)}`);
    }
  }
  console.log('== after / before, first page of 100 (p50, p99)');
  for (const line of ratios) console.log(line);
  db.close();
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await bench.done();
}
