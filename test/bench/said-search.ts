/**
 * `said` search at 1,000,000 indexed calls with transcripts.
 *
 *   npx tsx test/bench/said-search.ts [--recordings 1000000] [--samples 300]
 *
 * Builds an encrypted index (the product's open: SQLCipher, raw key) whose transcripts hold a few dealer
 * phrases per call, through the real transcript repository (same schema, FTS5 triggers), reopens it, then
 * times what `custody search --said` runs against the index: the FTS5 phrase query (saidMatchExpression)
 * for common phrases ("euro dollar"), rare ones (a spelled trade reference) and absent ones, grouped by
 * recording as the engine does. Prints p50/p99 per kind. Not a test: it prints figures.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabaseSync, type IndexKey } from '../../electron/db/connection';
import { createTranscriptRepository, saidMatchExpression } from '../../electron/db/repositories/transcript-repository';
import { createRng } from '../sandbox/prng';

const { values } = parseArgs({ options: { recordings: { type: 'string', default: '1000000' }, samples: { type: 'string', default: '300' } } });
const targetRecordings = Number(values.recordings);
const samples = Number(values.samples);
console.log(`command: npx tsx test/bench/said-search.ts --recordings ${targetRecordings} --samples ${samples}`);
console.log(`machine: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews the tail)`);

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const INSTRUMENTS = ['euro dollar', 'cable', 'dollar yen', 'the ten year gilt', 'bund futures', 'euro sterling', 'aussie dollar', 'five year swaps'];
const AMOUNTS = ['five million', 'ten million', 'twenty five million', 'fifty million', 'one hundred million'];
const NAMES = ['Oliver', 'Amelia', 'Raj', 'Chloe', 'Marcus', 'Elena', 'Kenji', 'Fatima', 'Lucas', 'Isla'];
const SAID_PHRASES_MAX = 5_000;

const dir = await mkdtemp(join(tmpdir(), 'custody-said-bench-'));
const file = join(dir, 'index.sqlite');
const key: IndexKey = randomBytes(32);
try {
  const rng = createRng(20_261_206);
  const spelled = (n: number) => String(n).split('').map((d) => DIGITS[Number(d)]).join(' ');
  const rareRefs: Array<string> = [];
  let db = openDatabaseSync(file, key);
  const insertPhrase = db.prepare('INSERT INTO transcript_phrases (recording_id, start_ms, speaker, text) VALUES (?, ?, ?, ?)');
  const insertTranscript = db.prepare(
    "INSERT INTO transcripts (recording_id, conversation_id, communication_id, status, language, phrases_json, fetched_ms) VALUES (?, ?, ?, 'available', 'en-US', '[]', 0)",
  );
  const started = performance.now();
  for (let done = 0; done < targetRecordings; ) {
    db.transaction(() => {
      for (let i = 0; i < 20_000 && done < targetRecordings; i += 1, done += 1) {
        const recordingId = `rec-${done}`;
        insertTranscript.run(recordingId, `conv-${done}`, `comm-${done}`);
        const instrument = rng.pick(INSTRUMENTS);
        const amount = rng.pick(AMOUNTS);
        const ref = spelled(20_260_000 + done);
        if (done % 997 === 0) rareRefs.push(ref);
        insertPhrase.run(recordingId, 600, 'agent', `${rng.pick(INSTRUMENTS) === instrument ? 'FX desk' : 'Rates desk'}, ${rng.pick(NAMES)} speaking.`);
        insertPhrase.run(recordingId, 3_200, 'client', `Can you show me ${instrument} in ${amount}?`);
        insertPhrase.run(recordingId, 7_900, 'agent', `Done. You buy ${amount} at one point zero eight. Trade reference ${ref}.`);
        insertPhrase.run(recordingId, 12_400, 'client', 'Confirmed.');
      }
    })();
  }
  const buildMs = performance.now() - started;
  db.close();
  const openStarted = performance.now();
  db = openDatabaseSync(file, key);
  const openMs = performance.now() - openStarted;
  const repo = createTranscriptRepository(db);
  console.log(`index: ${targetRecordings} calls, ${targetRecordings * 4} phrases, built in ${(buildMs / 1000).toFixed(1)} s, ${((await stat(file)).size / 1e6).toFixed(0)} MB, reopened in ${openMs.toFixed(1)} ms`);

  const kinds: Record<string, Array<string>> = {
    'common phrase ("euro dollar in ten million")': Array.from({ length: samples }, () => `${rng.pick(INSTRUMENTS)} in ${rng.pick(AMOUNTS)}`),
    'rare phrase (a spelled trade reference)': Array.from({ length: samples }, () => `trade reference ${rng.pick(rareRefs)}`),
    'name and word ("Raj speaking")': Array.from({ length: samples }, () => `${rng.pick(NAMES)} speaking`),
    'absent phrase': Array.from({ length: samples }, () => `sell ${rng.pick(INSTRUMENTS)} at par`),
  };
  for (const [label, queries] of Object.entries(kinds)) {
    const times: Array<number> = [];
    let recordings = 0;
    for (const query of queries) {
      const t0 = performance.now();
      const hits = await repo.said(saidMatchExpression(query)!, SAID_PHRASES_MAX);
      recordings += new Set(hits.map((h) => h.recordingId)).size;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor((times.length - 1) * p))]!.toFixed(3);
    console.log(`${label.padEnd(48)} n=${queries.length}  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${times.at(-1)!.toFixed(3)} ms  avg calls ${(recordings / queries.length).toFixed(1)}`);
  }
  db.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
