/**
 * Benchmark: the longest task on the host's main thread while the app runs a free-text search over
 * a 1,000,000-call index, a bulk job and an evidence pack build together (goal < 16 ms, one frame).
 *
 *   dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/main-thread.ts [--conversations 1000000] [--mode both|worker|main-thread] [--trace]
 *
 * The engine is composed as a host composes it (composeEngine: OS keychain, SQLite file, radosgw,
 * the Genesys sandbox in its own process). The index is seeded with the given number of calls by SQL
 * (cached under the OS temp folder between runs), copied in fresh for each mode. Each workload runs
 * alone, then all three together; two samplers watch the event loop: perf_hooks'
 * monitorEventLoopDelay (max) and a 1 ms timer whose lateness is the blocking task, tagged with the
 * workloads running at the time. Mode "main-thread" is the baseline: the same engine with the
 * database worker off (composeEngine's databaseOnMainThread), i.e. every query on the host's thread.
 * Not a test: it prints figures.
 */
import { randomUUID } from 'node:crypto';
import { constants, existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../../electron/db/connection';
import { migrate } from '../../electron/db/migrate';
import { latestSchemaVersion } from '../../electron/db/migrate';
import { createKeyringSecretStore } from '../../electron/services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../../electron/services/auth/credentials';
import { composeEngine, type ComposedEngine } from '../../electron/services/composition/compose-engine';
import { profilePaths } from '../../electron/services/config/profile';
import { SecretRedactor } from '../../electron/services/logging/redactor';
import { SANDBOX_CLIENT } from '../sandbox/server';
import { benchProfile, load, pointProfileAt, startSandboxProcess } from './bench-env';
import { OFFICER_A_LOGIN, signInOfficer } from '../helpers/officer-signin';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '1000000' },
    mode: { type: 'string', default: 'both' },
    recordings: { type: 'string', default: '40' },
    'pack-recordings': { type: 'string', default: '8' },
    trace: { type: 'boolean', default: false },
  },
});
const conversations = Number(values.conversations);
const modes = values.mode === 'both' ? (['main-thread', 'worker'] as const) : ([values.mode] as ReadonlyArray<'main-thread' | 'worker'>);
const packRecordings = Number(values['pack-recordings']);
console.log(
  `command: dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/main-thread.ts --conversations ${conversations} --mode ${values.mode} --recordings ${values.recordings} --pack-recordings ${packRecordings}${values.trace ? ' --trace' : ''}`,
);
console.log(`machine: load average ${load()}`);

const DAY_MS = 86_400_000;
const LAST = ['Hartley', 'Novak', 'Mehta', 'Fischer', 'Osei', 'Moreau', 'Tanaka', 'Costa', 'Byrne', 'Lindqvist', 'Ahmed', 'Kowalski'];
const FIRST = ['Oliver', 'Amelia', 'Raj', 'Chloe', 'Marcus', 'Elena', 'Kenji', 'Fatima', 'Lucas', 'Isla', 'Samuel', 'Grace', 'Noor'];
const QUEUES = ['FX Spot Desk', 'FX Forwards Desk', 'Rates Desk', 'Credit Desk', 'Equities Sales', 'Client Services'];
/** A surname one call in 12 carries: the free-text search of the README's index benchmark (167 ms p50 there). */
const SEARCH_TEXT = 'Novak';

/**
 * An index of `count` calls from the year before `beforeMs`, each with one recording, written by
 * SQL in one statement per table (the FTS and name triggers run as for synced calls). Cached.
 */
function openPlainSeed(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db);
  return db;
}

async function seededIndex(count: number, beforeMs: number): Promise<string> {
  const file = join(tmpdir(), `custody-bench-main-thread-${count}-v${latestSchemaVersion()}.sqlite`);
  if (existsSync(file)) return file;
  const started = performance.now();
  const building = `${file}.building-${process.pid}`;
  // Seeded plain, as an older Custody left it: the profile's first open encrypts it in place under its keychain key.
  const db = openPlainSeed(building);
  const json = (items: ReadonlyArray<string>) => `'${JSON.stringify(items)}'`;
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})
    INSERT INTO conversations (id, start_ms, end_ms, direction, queue_id, queue_name, agent_id, agent_name, trading_id,
      client_account, participants_json, has_recording, recordings_synced_ms, synced_ms)
    SELECT 'seed-' || i, ${beforeMs} - 1 - (i * 37 % ${count}) * (${365 * DAY_MS} / ${count}), ${beforeMs} - (i * 37 % ${count}) * (${365 * DAY_MS} / ${count}) + 300000,
      CASE WHEN i % 5 < 3 THEN 'inbound' ELSE 'outbound' END,
      'queue-' || (i % 6), json_extract(${json(QUEUES)}, '$[' || (i % 6) || ']'),
      'agent-' || (i % 120), json_extract(${json(FIRST)}, '$[' || (i % 13) || ']') || ' Agent' || (i % 120),
      CASE WHEN i % 10 < 9 THEN 'T-SEED-' || i END, 'ACC-' || (100000 + i * 7 % 20000),
      json_array(json_object('purpose', 'customer', 'name', json_extract(${json(FIRST)}, '$[' || (i * 3 % 13) || ']') || ' ' || json_extract(${json(LAST)}, '$[' || (i * 7 % 12) || ']'), 'userId', NULL)),
      1, ${beforeMs}, ${beforeMs}
    FROM n;
    INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, file_state, synced_ms)
      SELECT 'seed-rec-' || substr(id, 6), id, start_ms, end_ms, 'audio', 'AVAILABLE', synced_ms FROM conversations;
  `);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  await rename(building, file);
  console.log(`seeded ${count} calls (one recording each) in ${((performance.now() - started) / 1000).toFixed(1)} s, cached at ${file}`);
  return file;
}

type Sample = { ms: number; ownMs: number; during: string; fromUs: number; toUs: number };

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** The main thread's time on a CPU and waiting for one (ns), from the kernel's scheduler statistics. */
const mainThreadSchedstat = `/proc/self/task/${process.pid}/schedstat`;
function schedulerTimes(): { onCpuNs: number; waitingNs: number } {
  const [onCpu, waiting] = readFileSync(mainThreadSchedstat, 'utf8').split(' ');
  return { onCpuNs: Number(onCpu), waitingNs: Number(waiting) };
}

/**
 * Watches the event loop: the histogram's max, and each late 1 ms timer, tagged with the workloads
 * running at the time. On a shared machine a thread also waits for a CPU while it is runnable; the
 * kernel counts that wait (schedstat), so `ownMs` is the lateness less that wait: what the loop's own
 * task took, on a CPU or blocked in a system call.
 */
function watchEventLoop() {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const running = new Set<string>();
  const late: Array<Sample> = [];
  let last = monotonicUs();
  let lastTimes = schedulerTimes();
  let timer: NodeJS.Timeout;
  const tick = () => {
    const now = monotonicUs();
    const times = schedulerTimes();
    // A 1 ms timer that fires `gap` ms late: the loop was busy with one task for about that long.
    const gap = (now - last) / 1000 - 1;
    const ownMs = gap - (times.waitingNs - lastTimes.waitingNs) / 1e6;
    if (gap > 2) late.push({ ms: gap, ownMs, during: [...running].join(' + ') || 'idle', fromUs: last, toUs: now });
    last = now;
    lastTimes = times;
    timer = setTimeout(tick, 1);
  };
  return {
    start() {
      histogram.reset();
      histogram.enable();
      late.length = 0;
      last = monotonicUs();
      lastTimes = schedulerTimes();
      timer = setTimeout(tick, 1);
    },
    stop() {
      clearTimeout(timer);
      histogram.disable();
      const byOwn = [...late].sort((a, b) => b.ownMs - a.ownMs);
      return {
        maxMs: histogram.max / 1e6,
        longestLateMs: Math.max(0, ...late.map((s) => s.ms)),
        longestOwnMs: byOwn[0]?.ownMs ?? 0,
        longest: byOwn.slice(0, 3),
        late: byOwn,
        over16: late.filter((s) => s.ownMs >= 16).length,
      };
    },
    /** Runs `work` tagged as `label` in the samples taken meanwhile. */
    async tagged<T>(label: string, work: () => Promise<T>): Promise<T> {
      running.add(label);
      try {
        return await work();
      } finally {
        running.delete(label);
      }
    },
  };
}

/**
 * Times every SQLite statement this thread runs (the worker loads its own copy of the driver, so only
 * the main thread's are seen): the slowest, by SQL, name what a long task was doing.
 */
function timeMainThreadStatements(db: Db) {
  const slow = new Map<string, { count: number; maxMs: number }>();
  const statement = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<'run' | 'get' | 'all', (...args: Array<unknown>) => unknown> & { source: string };
  for (const method of ['run', 'get', 'all'] as const) {
    const original = statement[method];
    statement[method] = function (this: { source: string }, ...args: Array<unknown>) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const ms = performance.now() - started;
        if (ms >= 2) {
          const sql = this.source.replace(/\s+/g, ' ').trim().slice(0, 70);
          const entry = slow.get(sql) ?? { count: 0, maxMs: 0 };
          slow.set(sql, { count: entry.count + 1, maxMs: Math.max(entry.maxMs, ms) });
        }
      }
    };
  }
  return {
    reset: () => slow.clear(),
    report: () =>
      [...slow]
        .sort((a, b) => b[1].maxMs - a[1].maxMs)
        .slice(0, 3)
        .map(([sql, { count, maxMs }]) => `${maxMs.toFixed(1)} ms x${count} "${sql}"`)
        .join('; ') || 'none >= 2 ms',
  };
}

type CpuProfile = {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: Array<number> }>;
  startTime: number;
  samples: Array<number>;
  timeDeltas: Array<number>;
};

/**
 * `--trace`: a V8 CPU profile of the main thread during the run together, read back for the late
 * timers only: for each long task, the functions (with the first Custody frame under them) it spent
 * its samples in. The profile and the timers share the monotonic clock.
 */
async function traceMainThread() {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 250 });
  await post('Profiler.start');
  return {
    async explain(late: ReadonlyArray<Sample>, count: number): Promise<Array<string>> {
      const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
      session.disconnect();
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const parentOf = new Map<number, number>();
      for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
      const frame = (f: CpuProfile['nodes'][number]['callFrame']) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules\/)?/, '')}:${f.lineNumber + 1}`;
      const describe = (id: number) => {
        const stack: Array<CpuProfile['nodes'][number]['callFrame']> = [];
        for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push(byId.get(at)!.callFrame);
        const ours = stack.find((f) => /\/(electron|shared)\//.test(f.url) && !f.url.includes('node_modules'));
        const caller = stack.slice(1).find((f) => f.url !== '');
        return `${frame(stack[0]!)}${caller && caller !== ours ? ` < ${frame(caller)}` : ''}${ours && ours !== stack[0] ? ` < ${frame(ours)}` : ''}`;
      };
      const times: Array<number> = [];
      let at = profile.startTime;
      for (const delta of profile.timeDeltas) times.push((at += delta));
      return late.slice(0, count).map((task) => {
        const counts = new Map<string, number>();
        profile.samples.forEach((id, i) => {
          if (times[i]! < task.fromUs || times[i]! > task.toUs) return;
          const name = describe(id);
          counts.set(name, (counts.get(name) ?? 0) + 1);
        });
        const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([name, n]) => `${n} x ${name}`);
        return `${task.ownMs.toFixed(1)} ms during ${task.during}: ${top.join(' | ') || 'no samples'}`;
      });
    },
  };
}

async function runMode(mode: 'main-thread' | 'worker', seeded: string, anchorMs: number, sandboxUrl: string): Promise<void> {
  const profile = await benchProfile(sandboxUrl);
  const vault = new CredentialVault(createKeyringSecretStore(), profile.name, new SecretRedactor());
  await vault.saveGenesys(SANDBOX_CLIENT);
  await signInOfficer({ profile: profile.name, env: profile.env, secrets: createKeyringSecretStore(), user: OFFICER_A_LOGIN });
  await vault.saveWorm({ accessKeyId: profile.worm.connection.accessKeyId, secretAccessKey: profile.worm.connection.secretAccessKey });
  const dataDir = profilePaths(profile.name, profile.env).dataDir;
  await mkdir(dataDir, { recursive: true });
  await copyFile(seeded, join(dataDir, 'index.sqlite'), constants.COPYFILE_FICLONE);
  let composed: ComposedEngine | null = null;
  try {
    composed = await composeEngine({ profile: profile.name, env: profile.env, mediaUrlBase: 'media://recording/', databaseOnMainThread: mode === 'main-thread' });
    const engine = composed.engine;
    const caseReference = 'BENCH-MAIN-THREAD';
    // Not measured: the first sync of the sandbox's 30 days, the audit log's first append, the media a pack needs.
    await engine.search({ from: new Date(anchorMs - 31 * DAY_MS).toISOString() }, { caseReference });
    const recent = composed.db
      .prepare("SELECT r.id FROM recordings r JOIN conversations c ON c.id = r.conversation_id WHERE c.id NOT LIKE 'seed-%' ORDER BY r.id LIMIT ?")
      .pluck()
      .all(packRecordings) as Array<string>;
    const watch = watchEventLoop();
    const statements = timeMainThreadStatements(composed.db);
    const jobOut = join(profile.root, 'jobs');
    await mkdir(join(profile.root, 'packs'));
    const search = async () => {
      const started = performance.now();
      const result = await engine.search({ text: SEARCH_TEXT }, { caseReference });
      return { ms: performance.now() - started, rows: result.matches.length };
    };
    const bulkJob = async () => {
      const started = performance.now();
      const { job } = await composed!.jobs.create({
        selection: { kind: 'search', query: { from: new Date(anchorMs - 31 * DAY_MS).toISOString() } },
        caseReference,
        outDir: join(jobOut, randomUUID()),
        concurrency: 4,
      });
      const outcome = await composed!.jobs.run(job.id);
      return { ms: performance.now() - started, items: job.counts.total, state: outcome.state };
    };
    const packBuild = async () => {
      const started = performance.now();
      const result = await composed!.packs.builder.build({ selection: { kind: 'recordings', recordingIds: recent }, caseReference, outPath: join(profile.root, 'packs', randomUUID()) });
      return { ms: performance.now() - started, recordings: result.recordings };
    };
    const workloads: Record<string, () => Promise<object>> = { 'free-text search': search, 'bulk job': bulkJob, 'pack build': packBuild };

    console.log(`-- mode ${mode}: ${mode === 'worker' ? 'long queries on the database worker' : 'every query on the main thread (before)'}`);
    const report = (label: string, figures: ReturnType<typeof watch.stop>, detail: string) =>
      console.log(
        `   ${label.padEnd(26)} longest task ${figures.longestOwnMs.toFixed(1).padStart(6)} ms net of CPU wait (${figures.over16} >= 16 ms); with it ${figures.longestLateMs.toFixed(1)} ms, loop delay max ${figures.maxMs.toFixed(1)} ms; longest: ${figures.longest.map((s) => `${s.ownMs.toFixed(1)} ms (${s.ms.toFixed(1)} with wait) during ${s.during}`).join('; ') || 'none'}  [${detail}]`,
      );
    for (const [label, work] of Object.entries(workloads)) {
      watch.start();
      statements.reset();
      const outcome = await watch.tagged(label, work);
      report(`${label} alone`, watch.stop(), JSON.stringify(outcome));
      console.log(`      slowest SQLite calls on the main thread: ${statements.report()}`);
    }
    const trace = values.trace ? await traceMainThread() : null;
    watch.start();
    statements.reset();
    const together = await Promise.all(Object.entries(workloads).map(([label, work]) => watch.tagged(label, work)));
    const figures = watch.stop();
    report('all three together', figures, together.map((o) => JSON.stringify(o)).join(' '));
    console.log(`      slowest SQLite calls on the main thread: ${statements.report()}`);
    for (const line of (await trace?.explain(figures.late, 6)) ?? []) console.log(`      trace: ${line}`);
    results.set(mode, figures);
  } finally {
    await composed?.close();
    await profile.worm.stop();
    await pointProfileAt(profile, 'http://127.0.0.1:9');
    await rm(profile.root, { recursive: true, force: true });
  }
}

const results = new Map<string, ReturnType<ReturnType<typeof watchEventLoop>['stop']>>();
const sandbox = await startSandboxProcess(['--recordings', values.recordings!]);
try {
  const anchorMs = Date.parse((await sandbox.dataset()).anchor);
  const seeded = await seededIndex(conversations, anchorMs - 32 * DAY_MS);
  for (const mode of modes) await runMode(mode, seeded, anchorMs, sandbox.url);
} finally {
  await sandbox.stop();
}
const before = results.get('main-thread');
const after = results.get('worker');
if (before !== undefined && after !== undefined) {
  console.log(
    `longest main-thread task while all three run, net of CPU wait: before ${before.longestOwnMs.toFixed(1)} ms, after ${after.longestOwnMs.toFixed(1)} ms (ratio ${(after.longestOwnMs / before.longestOwnMs).toFixed(3)}; goal < 16 ms); with the wait: ${before.longestLateMs.toFixed(1)} / ${after.longestLateMs.toFixed(1)} ms; monitorEventLoopDelay max ${before.maxMs.toFixed(1)} / ${after.maxMs.toFixed(1)} ms`,
  );
}
console.log(`load average at the end: ${load()}`);
