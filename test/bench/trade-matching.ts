/**
 * Benchmark: trade matching (issue 13) — a 10,000-trade blotter against 1,000,000 indexed calls.
 *
 *   npx tsx test/bench/trade-matching.ts [--calls 1000000] [--trades 10000] [--baseline-trades 2000]
 *
 * Builds a year of calls with plain SQL in one transaction (same schema and triggers; recordings only
 * for the blotter's 30 days), then the product's open encrypts it in place (SQLCipher, timed) and
 * every query runs on the database worker, as in the app. Plants a blotter in the last 30 days:
 * 40 % voice trades whose call carries the trade id, 50 % whose call does not (a fifth of those calls
 * lack the client account too), 5 % electronic, 5 % with no call of trader or client near them, and 50
 * desk calls carrying ids no trade has. Prints: the full match (TradeMatching.match, batched) against
 * a per-trade baseline (four worker round trips and one transaction per trade, timed on the first
 * `--baseline-trades` voice trades and scaled to all), `trades show` p50/p95, top-3 accuracy for the
 * untagged trades, and the gaps' precision and recall. Not a test: it prints figures.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3-multiple-ciphers';
import { openDatabaseSync } from '../../electron/db/connection';
import { migrate } from '../../electron/db/migrate';
import type { StoredCandidate, TradeUpsert } from '../../electron/db/repositories/trade-repository';
import { startDatabaseWorker } from '../../electron/db/worker/database-worker-client';
import { systemClock } from '../../electron/services/adapters/system-clock';
import { silentLogger } from '../../electron/services/logging/file-logger';
import { deskPredicate, scoreCall, windowAround } from '../../electron/services/trades/match-score';
import { TradeMatching } from '../../electron/services/trades/trade-matching';
import { DEFAULT_MATCH_WINDOW } from '../../shared/trades';
import { FakeOfficerSession } from '../fakes/officer-session';
import { createRng } from '../sandbox/prng';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000000' },
    trades: { type: 'string', default: '10000' },
    'baseline-trades': { type: 'string', default: '2000' },
  },
});
const totalCalls = Number(values.calls);
const totalTrades = Number(values.trades);
const baselineTrades = Number(values['baseline-trades']);
console.log(`command: npx tsx test/bench/trade-matching.ts --calls ${totalCalls} --trades ${totalTrades} --baseline-trades ${baselineTrades}`);
console.log(`machine: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

const MIN = 60_000;
const DAY_MS = 86_400_000;
const SPAN_DAYS = 365;
const BLOTTER_DAYS = 30;
const ANCHOR_MS = Math.floor(Date.now() / MIN) * MIN;
const BLOTTER_FROM = ANCHOR_MS - BLOTTER_DAYS * DAY_MS;
const DESKS = ['FX Spot Desk', 'Rates Desk', 'Credit Desk'];
const QUEUES = [...DESKS, 'Client Services'];
const AGENTS = 120;
const ACCOUNTS = 20_000;
const rng = createRng(13_013);
const agentId = (i: number) => `agent-${i}`;
const agentEmail = (i: number) => `trader.${i}@bench.example`;

type PeriodCall = { id: string; startMs: number; endMs: number; agent: number; account: string | null; queue: string };
type Planted = { trades: Array<TradeUpsert>; tagged: Map<string, string>; untagged: Map<string, string>; gaps: Set<string>; callsWithoutTrade: Set<string>; electronic: number };

function build(file: string): Planted {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const insertCall = db.prepare(`INSERT INTO conversations (id, start_ms, end_ms, direction, queue_id, queue_name, agent_id, agent_name, trading_id, client_account, has_recording, recordings_synced_ms, synced_ms)
    VALUES (?, ?, ?, 'inbound', ?, ?, ?, ?, ?, ?, 1, ?, ?)`);
  const insertRecording = db.prepare(`INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, file_state, synced_ms) VALUES (?, ?, ?, ?, 'audio', 'AVAILABLE', ?)`);
  const insertUser = db.prepare('INSERT INTO genesys_users (id, name, email, synced_ms) VALUES (?, ?, ?, ?)');
  const tag = db.prepare('UPDATE conversations SET trading_id = ? WHERE id = ?');
  const started = performance.now();
  const period: Array<PeriodCall> = [];
  db.transaction(() => {
    for (let a = 0; a < AGENTS; a += 1) insertUser.run(agentId(a), `Trader ${a}`, agentEmail(a), ANCHOR_MS);
    for (let i = 0; i < totalCalls; i += 1) {
      const startMs = ANCHOR_MS - Math.floor(rng.next() * SPAN_DAYS * DAY_MS) - 20 * MIN;
      const endMs = startMs + rng.int(20, 900) * 1000;
      const queue = rng.pick(QUEUES);
      const agent = rng.int(0, AGENTS - 1);
      const account = rng.chance(0.7) ? `ACC-${100000 + Math.floor(Math.pow(rng.next(), 2) * ACCOUNTS)}` : null;
      const inPeriod = startMs >= BLOTTER_FROM;
      // Before the blotter's period desk calls carry ids of trades not imported here (never gaps: outside the range asked).
      const tradingId = !inPeriod && queue !== 'Client Services' && rng.chance(0.6) ? `H-${i}` : null;
      const id = `c-${i}`;
      insertCall.run(id, startMs, endMs, `q-${QUEUES.indexOf(queue)}`, queue, agentId(agent), `Trader ${agent}`, tradingId, account, ANCHOR_MS, ANCHOR_MS);
      if (inPeriod) {
        insertRecording.run(`r-${i}`, id, startMs, endMs, ANCHOR_MS);
        period.push({ id, startMs, endMs, agent, account, queue });
      }
    }
  })();
  console.log(`built ${totalCalls} calls (${period.length} in the blotter's ${BLOTTER_DAYS} days, with recordings) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const planted: Planted = { trades: [], tagged: new Map(), untagged: new Map(), gaps: new Set(), callsWithoutTrade: new Set(), electronic: 0 };
  const pool = period.filter((c) => c.queue !== 'Client Services');
  for (let i = pool.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const source = (line: number): TradeUpsert['source'] => ({ format: 'csv', fileName: 'bench-blotter.csv', fileSha256: '0'.repeat(64), line, raw: {} });
  const trader = (agent: number) => (rng.chance(0.5) ? agentEmail(agent) : agentId(agent));
  const push = (tradeId: string, executedMs: number, agent: number, clientAccount: string | null, channel: 'voice' | 'electronic') =>
    planted.trades.push({
      tradeId,
      executedAt: new Date(Math.floor(executedMs / 1000) * 1000).toISOString(),
      trader: trader(agent),
      clientAccount,
      instrument: 'EURUSD',
      side: 'buy',
      quantity: '1000000',
      price: '1.0842',
      channel,
      source: source(planted.trades.length + 2),
    });
  const counts = { tagged: Math.round(totalTrades * 0.4), untagged: Math.round(totalTrades * 0.5), electronic: Math.round(totalTrades * 0.05) };
  const gapsWanted = totalTrades - counts.tagged - counts.untagged - counts.electronic;
  let next = 0;
  db.transaction(() => {
    for (let n = 0; n < counts.tagged; n += 1) {
      const call = pool[next++]!;
      const tradeId = `T-${n}`;
      tag.run(tradeId, call.id);
      push(tradeId, call.endMs - rng.int(5, 40) * 1000, call.agent, call.account ?? `ACC-${100000 + n}`, 'voice');
      planted.tagged.set(tradeId, call.id);
    }
    for (let n = 0; n < counts.untagged; n += 1) {
      const call = pool[next++]!;
      const tradeId = `U-${n}`;
      // The blotter knows the client even when the call does not carry the account.
      push(tradeId, call.endMs - rng.int(5, 40) * 1000, call.agent, call.account ?? `ACC-${100000 + rng.int(0, ACCOUNTS)}`, 'voice');
      planted.untagged.set(tradeId, call.id);
    }
    for (let n = 0; n < 50; n += 1) {
      const call = pool[next++]!;
      tag.run(`X-${n}`, call.id);
      planted.callsWithoutTrade.add(call.id);
    }
  })();
  for (let n = 0; n < counts.electronic; n += 1) push(`E-${n}`, rng.int(BLOTTER_FROM, ANCHOR_MS - 10 * MIN), rng.int(0, AGENTS - 1), `ACC-${100000 + rng.int(0, ACCOUNTS)}`, 'electronic');
  planted.electronic = counts.electronic;
  // A gap: a trader with no call near the execution, and a client with no call at all.
  const busy = db.prepare(`SELECT 1 FROM conversations WHERE agent_id = ? AND start_ms < ? AND start_ms >= ? AND end_ms >= ? LIMIT 1`);
  while (planted.gaps.size < gapsWanted) {
    const executedMs = rng.int(BLOTTER_FROM, ANCHOR_MS - 10 * MIN);
    const agent = rng.int(0, AGENTS - 1);
    const { fromMs, toMs } = windowAround(executedMs, DEFAULT_MATCH_WINDOW);
    if (busy.get(agentId(agent), toMs + 2 * MIN, fromMs - 12 * 3_600_000, fromMs - 2 * MIN)) continue;
    const tradeId = `G-${planted.gaps.size}`;
    push(tradeId, executedMs, agent, `ACC-GAP-${planted.gaps.size}`, 'voice');
    planted.gaps.add(tradeId);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return planted;
}

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const dir = await mkdtemp(join(tmpdir(), 'custody-bench-trades-'));
const file = join(dir, 'index.sqlite');
try {
  const planted = build(file);
  const key = randomBytes(32);
  const encryptStarted = performance.now();
  const hostDb = openDatabaseSync(file, key);
  console.log(`the product's open encrypted the index in place in ${seconds(performance.now() - encryptStarted)}; size ${((await stat(file)).size / 1024 / 1024).toFixed(0)} MiB`);
  const worker = startDatabaseWorker([file, key], hostDb);
  const { trades } = worker;
  const importStarted = performance.now();
  await trades.upsertTrades(planted.trades, ANCHOR_MS);
  console.log(`blotter: ${planted.trades.length} trades stored in ${seconds(performance.now() - importStarted)} (${planted.tagged.size} tagged, ${planted.untagged.size} untagged, ${planted.electronic} electronic, ${planted.gaps.size} planted gaps; ${planted.callsWithoutTrade.size} planted calls without trade)`);

  const matching = new TradeMatching({
    trades,
    audit: () => Promise.reject(new Error('the bench makes no decisions')),
    officer: new FakeOfficerSession(),
    // The bench's index holds the whole year already: nothing to sync.
    syncIndex: async () => undefined,
    settings: { window: DEFAULT_MATCH_WINDOW, tradingQueues: [] },
    clock: systemClock,
    logger: silentLogger,
  });

  const report = await matching.match();
  console.log(`full match, first after open (batched, 500 trades per worker round trip and transaction): ${seconds(report.ms)} — ${report.linked} linked, ${report.candidates} with candidates, ${report.none} none`);

  // Baseline: the per-trade path through the contract's single-trade methods, on the same worker.
  const voice = planted.trades.filter((t) => t.channel === 'voice').slice(0, baselineTrades);
  const isDesk = deskPredicate(await trades.queuesWithTradingIds());
  const baselineStarted = performance.now();
  for (const t of voice) {
    const executedMs = Date.parse(t.executedAt);
    const agentIds = await trades.agentIdsOfTrader(t.trader);
    const around = windowAround(executedMs, DEFAULT_MATCH_WINDOW);
    const calls = new Map((await trades.callsOfParties({ agentIds, clientAccount: t.clientAccount }, around.fromMs, around.toMs)).map((c) => [c.conversationId, c]));
    for (const c of await trades.callsWithTradingId(t.tradeId)) calls.set(c.conversationId, c);
    const stored: Array<StoredCandidate> = [...calls.values()].map((call) => ({
      tradeId: t.tradeId,
      conversationId: call.conversationId,
      ...scoreCall({ tradeId: t.tradeId, executedMs, trader: t.trader, clientAccount: t.clientAccount }, call, { agentIds: new Set(agentIds), window: DEFAULT_MATCH_WINDOW, isDesk }),
      matchedMs: ANCHOR_MS,
    })).map(({ distanceMs: _, decisive: __, ...c }) => c);
    await trades.replaceCandidates(t.tradeId, stored);
  }
  const baselineMs = performance.now() - baselineStarted;
  const allVoice = planted.trades.length - planted.electronic;
  const baselineScaledMs = (baselineMs / voice.length) * allVoice;
  console.log(`baseline (per trade: 4 worker round trips, one transaction): ${voice.length} voice trades in ${seconds(baselineMs)}, scaled to ${allVoice}: ${seconds(baselineScaledMs)}`);
  const again = await matching.match();
  console.log(`full match again (batched, warm): ${seconds(again.ms)}`);
  console.log(`ratio baseline / batched (both warm): ${(baselineScaledMs / again.ms).toFixed(2)}x`);

  // trades show: every untagged trade (for accuracy) plus 500 others, timed one by one.
  const showTimes: Array<number> = [];
  const show = async (tradeId: string) => {
    const started = performance.now();
    const view = await matching.show(tradeId);
    showTimes.push(performance.now() - started);
    return view;
  };
  let inTop3 = 0;
  let first = 0;
  for (const [tradeId, callId] of planted.untagged) {
    const ranked = (await show(tradeId)).candidates.map((c) => c.conversationId);
    if (ranked.slice(0, 3).includes(callId)) inTop3 += 1;
    if (ranked[0] === callId) first += 1;
  }
  const others = [...planted.tagged.keys()];
  let taggedLinked = 0;
  for (let i = 0; i < 500; i += 1) {
    const tradeId = rng.pick(others);
    const view = await show(tradeId);
    if (view.status === 'linked' && view.candidates[0]?.conversationId === planted.tagged.get(tradeId)) taggedLinked += 1;
  }
  showTimes.sort((a, b) => a - b);
  console.log(`trades show: n=${showTimes.length} p50 ${percentile(showTimes, 0.5).toFixed(2)} ms, p95 ${percentile(showTimes, 0.95).toFixed(2)} ms, max ${showTimes.at(-1)!.toFixed(2)} ms`);
  console.log(`untagged trades: planted call in the top 3 for ${inTop3}/${planted.untagged.size} (${((100 * inTop3) / planted.untagged.size).toFixed(2)} %), first for ${first} (${((100 * first) / planted.untagged.size).toFixed(2)} %)`);
  console.log(`tagged trades (sample of 500): linked with the planted call first for ${taggedLinked}/500`);

  const gapsStarted = performance.now();
  const gaps = await matching.gaps({ fromMs: BLOTTER_FROM, toMs: ANCHOR_MS + DAY_MS });
  const gapsMs = performance.now() - gapsStarted;
  const score = (found: ReadonlyArray<string>, truth: ReadonlySet<string>) => {
    const hits = found.filter((id) => truth.has(id)).length;
    return `precision ${((100 * hits) / Math.max(found.length, 1)).toFixed(1)} %, recall ${((100 * hits) / truth.size).toFixed(1)} % (${found.length} listed, ${truth.size} planted)`;
  };
  const tradesFound = gaps.gaps.flatMap((g) => (g.kind === 'trade-without-call' ? [g.tradeId] : []));
  const callsFound = gaps.gaps.flatMap((g) => (g.kind === 'call-without-trade' ? [g.conversationId] : []));
  console.log(`gaps (${seconds(gapsMs)}): trades without call: ${score(tradesFound, planted.gaps)}; calls without trade: ${score(callsFound, planted.callsWithoutTrade)}`);
  await worker.close();
  hostDb.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
