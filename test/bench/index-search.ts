/**
 * Benchmark 2: index search at 1,000,000 recordings.
 *
 *   npx tsx test/bench/index-search.ts [--recordings 1000000] [--samples 2000] [--text-samples 200] [--keep | --reuse DIR] [--compare-plain]
 *
 * Builds a local index of the given size with the product's schema (same indexes and triggers; loaded in
 * bulk, then full-text indexed once as migration 170 indexes an existing index: bulk-index.ts), encrypted as
 * the product opens it (SQLCipher, raw key), reopens it, then times the repository's search for lookups by
 * trading ID, by client account, by queue plus a 30-day range, and by free text. Prints p50/p99 per kind, the
 * open time and the database size. With --compare-plain the index is built plain (as before encryption at
 * rest), measured, then encrypted in place by the product's open (the migration, timed) and measured again
 * in the same run: the last table gives encrypted/plain per kind. With --compare-join the structured lookups
 * are first timed on their own fresh open as before migration 180 (each call joined to its recordings): the
 * last table then gives product/join per kind. Not a test: it prints figures.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3-multiple-ciphers';
import { openDatabaseSync, type Db } from '../../electron/db/connection';
import { migrate } from '../../electron/db/migrate';
import { createIndexRepository, matchColumns, searchFilter, type IndexQuery } from '../../electron/db/repositories/index-repository';
import { createRng } from '../sandbox/prng';
import { benchDirectory, bulkLoad } from './bulk-index';

const { values } = parseArgs({
  options: {
    recordings: { type: 'string', default: '1000000' },
    samples: { type: 'string', default: '2000' },
    'text-samples': { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    'compare-plain': { type: 'boolean', default: false },
    'compare-join': { type: 'boolean', default: false },
  },
});
const targetRecordings = Number(values.recordings);
const samples = Number(values.samples);
const textSamples = Number(values['text-samples']);
const comparePlain = values['compare-plain'];
const compareJoin = values['compare-join'];
console.log(
  `command: npx tsx test/bench/index-search.ts ${values.reuse ? '' : `--recordings ${targetRecordings} `}--samples ${samples} --text-samples ${textSamples}${comparePlain ? ' --compare-plain' : ''}${compareJoin ? ' --compare-join' : ''}${values.reuse ? ` --reuse ${values.reuse}` : ''}`,
);
console.log(`machine: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews the tail)`);

const DAY_MS = 86_400_000;
const SPAN_DAYS = 365;
const ANCHOR_MS = Date.UTC(2026, 10, 1);
const QUEUES = ['FX Spot Desk', 'FX Forwards Desk', 'Rates Desk', 'Credit Desk', 'Equities Sales', 'Client Services'];
const FIRST = ['Oliver', 'Amelia', 'Raj', 'Chloe', 'Marcus', 'Elena', 'Kenji', 'Fatima', 'Lucas', 'Isla', 'Samuel', 'Grace', 'Noor', 'Pavel'];
const LAST = ['Hartley', 'Novak', 'Mehta', 'Fischer', 'Osei', 'Moreau', 'Tanaka', 'Costa', 'Byrne', 'Lindqvist', 'Ahmed', 'Kowalski'];
const ACCOUNTS = 20_000;
const AGENTS = 120;

type Generated = { tradingIds: Array<string>; accounts: Array<string>; names: Array<string> };

/** A trading floor's year: ~1M recordings, 65% tagged, 20,000 client accounts with a long tail. */
function generate(db: Db): Generated {
  const rng = createRng(20_261_101);
  const agents = Array.from({ length: AGENTS }, (_, i) => ({ id: `agent-${i}`, name: `${rng.pick(FIRST)} ${rng.pick(LAST)} ${i}` }));
  const insertConversation = db.prepare(
    `INSERT INTO conversations (id, start_ms, end_ms, direction, queue_id, queue_name, agent_id, agent_name, trading_id, client_account,
       participants_json, has_recording, recordings_synced_ms, synced_ms)
     VALUES (@id, @startMs, @endMs, @direction, @queueId, @queueName, @agentId, @agentName, @tradingId, @clientAccount, @participantsJson, 1, @syncedMs, @syncedMs)`,
  );
  const insertRecording = db.prepare(
    `INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, file_state, archive_date, delete_date, synced_ms)
     VALUES (?, ?, ?, ?, 'audio', 'AVAILABLE', NULL, NULL, ?)`,
  );
  const sampleTrading: Array<string> = [];
  const sampleAccounts: Array<string> = [];
  const sampleNames: Array<string> = [];
  const perDay = new Map<number, number>();
  let recordings = 0;
  let index = 0;
  const started = performance.now();
  bulkLoad(db, () => {
    for (; recordings < targetRecordings; index += 1) {
      const startMs = ANCHOR_MS - Math.floor(rng.next() * SPAN_DAYS * DAY_MS);
      const day = Math.floor(startMs / DAY_MS);
      const queue = rng.pick(QUEUES);
      const agent = rng.pick(agents);
      const tagged = queue !== 'Client Services' && rng.chance(0.9);
      const next = (perDay.get(day) ?? 0) + 1;
      perDay.set(day, next);
      const tradingId = tagged ? `T-${new Date(startMs).toISOString().slice(0, 10).replace(/-/g, '')}-${String(next).padStart(5, '0')}` : null;
      const account = `ACC-${100000 + Math.floor(Math.pow(rng.next(), 2) * ACCOUNTS)}`;
      const client = `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
      const id = rng.uuid();
      insertConversation.run({
        id,
        startMs,
        endMs: startMs + rng.int(20, 900) * 1000,
        direction: rng.chance(0.6) ? 'inbound' : 'outbound',
        queueId: `queue-${QUEUES.indexOf(queue)}`,
        queueName: queue,
        agentId: agent.id,
        agentName: agent.name,
        tradingId,
        clientAccount: tagged || rng.chance(0.5) ? account : null,
        participantsJson: JSON.stringify([
          { purpose: 'customer', name: client, userId: null },
          { purpose: 'agent', name: agent.name, userId: agent.id },
        ]),
        syncedMs: ANCHOR_MS,
      });
      const parts = rng.chance(0.05) ? 2 : 1;
      for (let p = 0; p < parts && recordings < targetRecordings; p += 1, recordings += 1) {
        insertRecording.run(rng.uuid(), id, startMs + p * 60_000, startMs + p * 60_000 + 60_000, ANCHOR_MS);
      }
      if (tradingId && sampleTrading.length < samples * 4 && rng.chance(0.01)) sampleTrading.push(tradingId);
      if (sampleAccounts.length < samples * 4 && rng.chance(0.01)) sampleAccounts.push(account);
      if (sampleNames.length < samples * 4 && rng.chance(0.01)) sampleNames.push(client.split(' ')[1]!);
    }
  });
  const repo = createIndexRepository(db);
  void repo.addCoverage(ANCHOR_MS - SPAN_DAYS * DAY_MS, ANCHOR_MS, ANCHOR_MS);
  void repo.recordSuccessfulSync(ANCHOR_MS);
  console.log(`generated ${index} conversations, ${recordings} recordings in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { tradingIds: sampleTrading, accounts: sampleAccounts, names: sampleNames };
}

function percentile(sorted: ReadonlyArray<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

type Figures = Map<string, { p50: number; p99: number }>;

async function time(figures: Figures, label: string, queries: ReadonlyArray<IndexQuery>, run: (q: IndexQuery) => Promise<number>): Promise<void> {
  for (const q of queries.slice(0, 50)) await run(q);
  const times: Array<number> = [];
  let rows = 0;
  for (const q of queries) {
    const started = performance.now();
    rows += await run(q);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  figures.set(label, { p50: percentile(times, 0.5), p99: percentile(times, 0.99) });
  console.log(
    `${label.padEnd(44)} n=${String(queries.length).padStart(5)}  p50 ${percentile(times, 0.5).toFixed(3)} ms  p99 ${percentile(times, 0.99).toFixed(3)} ms  max ${times.at(-1)!.toFixed(3)} ms  avg rows ${(rows / queries.length).toFixed(1)}`,
  );
}

/** The index as Custody wrote it before encryption at rest: same pragmas and schema, no key. */
function openPlain(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('mmap_size = 1073741824');
  db.pragma('cache_size = -32768');
  migrate(db);
  return db;
}

type Search = (query: IndexQuery, limit: number) => Promise<Array<unknown>>;

/** A structured lookup as the repository ran it before migration 180: each call of the page joined to its recordings. */
function searchByJoin(db: Db): Search {
  const filterOf = searchFilter(db);
  const statements = new Map<string, ReturnType<Db['prepare']>>();
  return async (query, limit) => {
    const filter = filterOf(query);
    if (filter === null) return [];
    const sql = `SELECT ${matchColumns} FROM conversations c LEFT JOIN recordings r ON r.conversation_id = c.id ${filter.where} ORDER BY c.start_ms DESC, r.id LIMIT @limit`;
    if (!statements.has(sql)) statements.set(sql, db.prepare(sql));
    return statements.get(sql)!.all({ ...filter.params, limit });
  };
}

async function measure(variant: string, file: string, open: () => Db, sample: Generated, byJoin = false): Promise<Figures> {
  const figures: Figures = new Map();
  console.log(`== ${variant}`);
  const openStarted = performance.now();
  const db = open();
  const repo = byJoin ? { search: searchByJoin(db) } : createIndexRepository(db);
  const openMs = performance.now() - openStarted;
  const firstStarted = performance.now();
  await repo.search({ tradingId: sample.tradingIds[0]! }, 100);
  const firstQueryMs = performance.now() - firstStarted;
  const size = (await stat(file)).size;
  console.log(`index open: ${openMs.toFixed(1)} ms (schema check included); first query after open: ${firstQueryMs.toFixed(2)} ms`);
  console.log(`database size: ${(size / 1024 / 1024).toFixed(1)} MiB (${size} bytes)`);
  figures.set('open', { p50: openMs, p99: openMs });

  const rng = createRng(7);
  const pick = <T>(items: ReadonlyArray<T>) => Array.from({ length: samples }, () => rng.pick(items));
  console.log(`lookups: ${samples} per kind (free text: ${textSamples}), each a repository search of the first page, newest first`);
  const ranges = Array.from({ length: samples }, () => {
    const toMs = ANCHOR_MS - rng.int(0, SPAN_DAYS - 30) * DAY_MS;
    return { queue: rng.pick(QUEUES), fromMs: toMs - 30 * DAY_MS, toMs };
  });
  for (const limit of [100, 1000]) {
    console.log(`-- first page of ${limit} results, newest first (repository search, rows mapped to objects)`);
    const run = async (q: IndexQuery) => (await repo.search(q, limit)).length;
    await time(figures, `trading id, ${limit}`, pick(sample.tradingIds).map((tradingId) => ({ tradingId })), run);
    await time(figures, `client account, ${limit}`, pick(sample.accounts).map((clientAccount) => ({ clientAccount })), run);
    await time(figures, `queue + 30 days, ${limit}`, ranges, run);
    if (byJoin) continue;
    await time(figures, `free text (a client surname: ~1 call in 12), ${limit}`, pick(sample.names).slice(0, textSamples).map((text) => ({ text })), run);
    await time(figures, `free text + queue + 30 days, ${limit}`, ranges.slice(0, textSamples).map((range, i) => ({ ...range, text: sample.names[i % sample.names.length]! })), run);
  }
  db.close();
  return figures;
}

const bench = await benchDirectory(values.reuse, values.keep);
const file = bench.file;
const keyFile = join(dirname(file), 'key.hex');
try {
  let key: Buffer;
  let sample: Generated;
  let plain: Figures | null = null;
  if (bench.reused) {
    key = Buffer.from(await readFile(keyFile, 'utf8'), 'hex');
    sample = await bench.loadState<Generated>();
  } else {
    key = randomBytes(32);
    await writeFile(keyFile, key.toString('hex'), { mode: 0o600 });
    const built = comparePlain ? openPlain(file) : openDatabaseSync(file, key);
    sample = generate(built);
    built.close();
    await bench.saveState(sample);
    if (comparePlain) {
      plain = await measure('plain (no key, as before encryption at rest)', file, () => openPlain(file), sample);
      const migrationStarted = performance.now();
      openDatabaseSync(file, key).close();
      console.log(`== migration: the plain index encrypted in place at open in ${((performance.now() - migrationStarted) / 1000).toFixed(1)} s`);
    }
  }
  const joined = compareJoin
    ? await measure('before migration 180: each call joined to its recordings (own fresh open)', file, () => openDatabaseSync(file, key), sample, true)
    : null;
  const encrypted = await measure('encrypted (SQLCipher, raw key from the keychain): what the product opens', file, () => openDatabaseSync(file, key), sample);

  if (joined) {
    console.log('== product / joined as before (p50, p99)');
    for (const [label, figure] of joined) {
      const other = encrypted.get(label)!;
      console.log(`${label.padEnd(54)} ${(other.p50 / figure.p50).toFixed(2)}  ${(other.p99 / figure.p99).toFixed(2)}   (${other.p50.toFixed(3)} / ${figure.p50.toFixed(3)} ms, ${other.p99.toFixed(3)} / ${figure.p99.toFixed(3)} ms)`);
    }
  }

  if (plain) {
    console.log('== encrypted / plain (p50, p99)');
    for (const [label, figure] of plain) {
      const other = encrypted.get(label)!;
      console.log(`${label.padEnd(54)} ${(other.p50 / figure.p50).toFixed(2)}  ${(other.p99 / figure.p99).toFixed(2)}   (${other.p50.toFixed(3)} / ${figure.p50.toFixed(3)} ms, ${other.p99.toFixed(3)} / ${figure.p99.toFixed(3)} ms)`);
    }
  }
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await bench.done();
}
