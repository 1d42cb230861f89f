/**
 * Benchmark of verification at firm scale (issue 14, item 2): N events across several logs in the C2SP
 * tlog-tiles layout in a real radosgw (own throwaway cluster), then
 *   1. `audit verify --all`-equivalent over tiles: verifyAuditLog on every log in the bucket;
 *   2. a new workstation's catch-up of every log (FirmLogs.catchUpAll into an empty SQLite index);
 *   3. the baseline in the same run: the per-event verifier (one object per event) on a subset, scaled;
 *   4. the host's main thread while one log is verified: the longest gap between 5 ms timer ticks, with the
 *      verifier in this thread (baseline) and in the verification worker (what every host uses), same log.
 *
 * What is written: per log, every entry bundle and hash tile (full, and the partial ones of each
 * checkpoint), a signed checkpoint (JSON and C2SP note) every `--checkpoint-every` events and the key,
 * as the checkpointer publishes them. One locked object per event is NOT written for all N: only the
 * first 256 of each log (a catch-up lists them first, and reads bundles from a bundle behind) and
 * `--event-objects` of the first log, on which the PUT rate is measured and extrapolated (1M PUTs take
 * far longer here than the goal being measured); the verification therefore runs with its per-event sample off, and the cost of
 * the default sample (256 GETs per log) is measured on the objects written and added.
 * The catch-up runs as the app runs it: the mirror's repository on the database worker thread.
 * `--catch-up-only` runs only 2, `--main-thread-only` only 4. `--keep` leaves the seeded store running (its run dir and bucket in
 * a seed file under the temp dir) and reuses it on the next run with the same --logs, --events and
 * --checkpoint-every; stop it with build/worm/stop.sh RUN_DIR (printed).
 * Run: nice -n 10 npx tsx test/bench/firm-verify.ts [--logs 4] [--events 250000] [--catch-up-only | --main-thread-only] [--keep] [--json]
 */
import { createPublicKey, generateKeyPairSync, randomBytes, randomInt, randomUUID, sign } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { sha256, sha256Hex } from '../../electron/crypto/sha256';
import { openDatabaseSync } from '../../electron/db/connection';
import { startDatabaseWorker } from '../../electron/db/worker/database-worker-client';
import { AuditMirror } from '../../electron/services/audit/audit-mirror';
import { startVerifyWorker } from '../../electron/services/audit/verify-worker-client';
import { verifyAuditLog } from '../../electron/services/audit/audit-verifier';
import { FirmLogs, listAuditLogIds } from '../../electron/services/audit/firm-logs';
import { IntegrityState } from '../../electron/services/audit/integrity-state';
import {
  auditCheckpointKey,
  auditEntryBundleKey,
  auditEventKey,
  auditPublicKeyKey,
  auditTileKey,
  genesisHash,
  leafHashOfStoredEvent,
  serializeAuditEvent,
  serializeCheckpoint,
  signCheckpoint,
  signCheckpointNote,
  toHex,
} from '../../electron/services/audit/layout';
import { publishCheckpointNote } from '../../electron/services/audit/tiled-log';
import { systemClock } from '../../electron/services/adapters/system-clock';
import { EventHub } from '../../electron/services/events';
import { keyIdOf, type SigningKey } from '../../electron/services/signing/signing-key';
import { putLockedObject, readObject } from '../../electron/services/worm/locked-objects';
import { attachLocalWorm, startLocalWorm, type LocalWorm } from '../../electron/services/worm/local-worm';
import { createWormS3Client } from '../../electron/services/worm/s3-client';
import type { AuditVerification } from '../../shared/audit-views';
import { InMemoryMerkleTree } from '../../shared/crypto/merkle-tree';
import { encodeEntryBundle, hashTileBytes, TILE_WIDTH, tilesToPublish } from '../../shared/crypto/tlog-tiles';
import { fillerAuditEvent } from '../helpers/filler-audit-event';
import { MemoryLogger } from '../helpers/memory-logger';
import { createTestBucket } from '../helpers/worm';
import { countS3Requests } from './s3-request-counter';

const { values } = parseArgs({
  options: {
    logs: { type: 'string' },
    events: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'event-objects': { type: 'string' },
    baseline: { type: 'string' },
    json: { type: 'boolean' },
    'catch-up-only': { type: 'boolean' },
    keep: { type: 'boolean' },
    'main-thread-only': { type: 'boolean' },
  },
});
const logs = Number(values.logs ?? 4);
const perLog = Number(values.events ?? 250_000);
const checkpointEvery = Number(values['checkpoint-every'] ?? 25_000);
const eventObjects = Number(values['event-objects'] ?? 4_000);
const baselineEvents = Number(values.baseline ?? 5_000);
const catchUpOnly = values['catch-up-only'] === true;
const mainThreadOnly = values['main-thread-only'] === true;
const putConcurrency = 32;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const say = (line: string) => {
  if (!values.json) console.log(line);
};
const seconds = (start: number) => Math.round((performance.now() - start) / 100) / 10;
const results: Record<string, unknown> = { logs, perLog, total: logs * perLog, checkpointEvery, node: process.version, cpus: cpus().length, loadBefore: loadavg().map((l) => l.toFixed(2)).join(' ') };
const requests = countS3Requests();

function benchKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, sign: (data) => sign(null, data, privateKey).toString('base64') };
}

/** At most `limit` writes in flight. */
function writeQueue(limit: number) {
  const inFlight = new Set<Promise<unknown>>();
  return {
    async add(write: () => Promise<unknown>): Promise<void> {
      while (inFlight.size >= limit) await Promise.race(inFlight);
      const p = write().finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async drain(): Promise<void> {
      await Promise.all(inFlight);
    },
  };
}

/** What a kept store holds: its cluster, bucket and logs, and the per-event objects written (PUT rate measured then). */
type Seed = { runDir: string; bucket: string; logIds: Array<string>; startMs: number; eventObjects: number; eventObjectPuts: unknown };
const seedDir = join(tmpdir(), 'custody-firm-verify');
const seedFile = join(seedDir, `seed-${logs}x${perLog}-every-${checkpointEvery}.json`);

async function keptSeed(): Promise<{ worm: LocalWorm; seed: Seed } | null> {
  let seed: Seed;
  try {
    seed = JSON.parse(await readFile(seedFile, 'utf8')) as Seed;
  } catch {
    return null; // none kept
  }
  // A seed written by --catch-up-only has too few per-event objects for the verification's sample.
  const worm = catchUpOnly || seed.eventObjects >= eventObjects ? await attachLocalWorm(seed.runDir) : null;
  return worm ? { worm, seed } : null;
}

/** Writes the logs in the tiles layout (and the per-event sample), as the checkpointer publishes them. */
async function writeLogs(s3: S3Client, queue: ReturnType<typeof writeQueue>, retainUntil: Date, runDir: string): Promise<Seed> {
  const bucket = await createTestBucket(s3, 'firm-verify', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
  const lock = { bucket, retainUntil, mode: 'COMPLIANCE' as const };
  const put = (key: string, body: Uint8Array | string, contentType = 'application/octet-stream') =>
    queue.add(() => putLockedObject(s3, { ...lock, key, body, contentType }));
  // ---------------- writing the logs ----------------
  say(`Writing ${logs} logs x ${perLog.toLocaleString('en-US')} events in the tiles layout (checkpoint every ${checkpointEvery.toLocaleString('en-US')}) ...`);
  const writeStarted = performance.now();
  const startMs = Date.now();
  const logIds: Array<string> = [];
  const eventBodies: Array<{ key: string; body: string }> = [];
  const sampleEventObjects = Math.max(TILE_WIDTH, catchUpOnly ? 0 : eventObjects);
  let objects = 0;
  for (let l = 0; l < logs; l += 1) {
    const logId = randomUUID();
    logIds.push(logId);
    const key = benchKey();
    await put(auditPublicKeyKey(logId, key.keyId), key.publicKeyPem, 'application/x-pem-file');
    const tree = new InMemoryMerkleTree(sha256);
    const readNode = (level: number, index: number) => tree.view.rangeHash({ start: index * 2 ** level, end: (index + 1) * 2 ** level });
    let bundle: Array<Buffer> = [];
    let prevHash = genesisHash;
    let published = 0;
    for (let seq = 0; seq < perLog; seq += 1) {
      const body = serializeAuditEvent(fillerAuditEvent(logId, seq, prevHash, startMs + seq));
      prevHash = sha256Hex(body);
      tree.append(leafHashOfStoredEvent(body));
      bundle.push(Buffer.from(body, 'utf8'));
      if (seq < (l === 0 ? sampleEventObjects : TILE_WIDTH)) eventBodies.push({ key: auditEventKey(logId, seq), body });
      const size = seq + 1;
      if (bundle.length === TILE_WIDTH) {
        await put(auditEntryBundleKey(logId, size / TILE_WIDTH - 1, TILE_WIDTH), encodeEntryBundle(bundle));
        objects += 1;
        bundle = [];
      }
      if (size % checkpointEvery === 0 || size === perLog) {
        if (bundle.length > 0) await put(auditEntryBundleKey(logId, Math.floor(size / TILE_WIDTH), bundle.length), encodeEntryBundle(bundle));
        for (const tile of tilesToPublish(published, size)) await put(auditTileKey(logId, tile), hashTileBytes(tile, readNode));
        objects += tilesToPublish(published, size).length + (bundle.length > 0 ? 1 : 0) + 3;
        await queue.drain(); // tiles before the checkpoint that needs them
        const rootHash = toHex(tree.root(size));
        const checkpoint = signCheckpoint(key, { logId, treeSize: size, rootHash, time: new Date().toISOString() });
        await putLockedObject(s3, { ...lock, key: auditCheckpointKey(logId, size), body: serializeCheckpoint(checkpoint), contentType: 'application/json' });
        await publishCheckpointNote({ s3, bucket, logId, mode: 'COMPLIANCE' }, size, signCheckpointNote(key, { bucket, logId, treeSize: size, rootHash }), retainUntil);
        published = size;
      }
    }
    await queue.drain();
    say(`  log ${l + 1}/${logs} written (${seconds(writeStarted)} s so far)`);
  }
  results.write = { seconds: seconds(writeStarted), objects };
  say(`  ${objects.toLocaleString('en-US')} tile, bundle and checkpoint objects in ${seconds(writeStarted)} s`);

  // One locked object per event, as the log writes them: the PUT rate, measured on a sample, extrapolated to every
  // event. Every log gets at least its first 256 (the mirror lists them first, and reads bundles from a bundle behind).
  const eventPutStarted = performance.now();
  for (const { key, body } of eventBodies) await put(key, body, 'application/json');
  await queue.drain();
  const perSecond = eventBodies.length / ((performance.now() - eventPutStarted) / 1000);
  const eventObjectPuts = { written: eventBodies.length, perSecond: Math.round(perSecond), extrapolatedMinutesForAll: Math.round((logs * perLog) / perSecond / 6) / 10 };
  say(`  per-event objects: ${eventBodies.length} PUT at ${Math.round(perSecond)}/s (concurrency ${putConcurrency}); all ${(logs * perLog).toLocaleString('en-US')} would take ${Math.round((logs * perLog) / perSecond / 60)} min, so the bench writes only these`);
  const seed: Seed = { runDir, bucket, logIds, startMs, eventObjects: sampleEventObjects, eventObjectPuts };
  if (values.keep) {
    await mkdir(seedDir, { recursive: true });
    await writeFile(seedFile, JSON.stringify(seed));
  }
  return seed;
}

const dir = await mkdtemp(join(tmpdir(), 'custody-firm-verify-'));
const kept = values.keep ? await keptSeed() : null;
const worm = kept?.worm ?? (await startLocalWorm(values.keep ? { baseDir: seedDir, stopWithProcess: false } : {}));
try {
  const s3 = createWormS3Client(worm.connection);
  const retainUntil = new Date(Date.now() + 86_400_000);
  const queue = writeQueue(putConcurrency);
  const seed = kept?.seed ?? (await writeLogs(s3, queue, retainUntil, worm.runDir));
  const { bucket, logIds, startMs } = seed;
  const lock = { bucket, retainUntil, mode: 'COMPLIANCE' as const };
  const sampleKeys = Array.from({ length: seed.eventObjects }, (_, seq) => auditEventKey(logIds[0]!, seq));
  results.eventObjectPuts = seed.eventObjectPuts;
  if (values.keep) say(`  store kept for the next run with --keep: ${kept ? 'reused' : 'seeded'} in ${worm.runDir} (stop it with build/worm/stop.sh ${worm.runDir})`);

  // ---------------- 1. verify --all over tiles ----------------
  let verifySeconds = 0;
  let sampleSeconds = 0;
  if (!catchUpOnly && !mainThreadOnly) {
    say('1. verify --all over tiles');
    requests.reset();
    const verifyStarted = performance.now();
    const ids = await listAuditLogIds(s3, bucket);
    const perLogReports: Array<{ logId: string; ok: boolean; seconds: number; fromBundles: number; problems: number }> = [];
    for (const logId of ids) {
      const started = performance.now();
      const report = await verifyAuditLog({ s3, bucket, logId, clock: systemClock, sampleSize: 0 });
      perLogReports.push({ logId, ok: report.ok, seconds: seconds(started), fromBundles: report.tiles?.fromBundles ?? 0, problems: report.problems.length });
      say(`  ${logId}: ${report.ok ? 'VERIFIED' : `FAILED (${report.firstBad?.message})`} up to ${report.verifiedUpTo?.treeSize}, ${report.tiles?.bundlesRead} bundles, ${report.tiles?.hashTilesChecked} hash tiles, ${report.tiles?.checkpointNotesChecked} notes, ${seconds(started)} s`);
    }
    verifySeconds = seconds(verifyStarted);
    const verifyRequests = { count: requests.total(), described: requests.describe() };
    // The default per-event sample: 256 GETs per log, measured on the objects written.
    const sampleStarted = performance.now();
    const sampleQueue = writeQueue(16);
    for (let i = 0; i < 256 * logs; i += 1) await sampleQueue.add(() => readObject(s3, bucket, sampleKeys[randomInt(sampleKeys.length)]!));
    await sampleQueue.drain();
    sampleSeconds = seconds(sampleStarted);
    results.verifyAll = { seconds: verifySeconds, withDefaultSample: Math.round((verifySeconds + sampleSeconds) * 10) / 10, sampleSeconds, logs: perLogReports, requests: verifyRequests.described, requestCount: verifyRequests.count };
    say(`  all ${ids.length} logs, ${(logs * perLog).toLocaleString('en-US')} events: ${verifySeconds} s (+ ${sampleSeconds} s for the default 256-event sample per log) with ${verifyRequests.count} S3 requests (${verifyRequests.described})`);
  }

  // ---------------- 2. a new workstation's catch-up ----------------
  let catchUpSeconds = 0;
  if (!mainThreadOnly) {
    say("2. a new workstation's catch-up of every log");
    requests.reset();
    const open: [string, Uint8Array] = [join(dir, 'new-workstation.sqlite'), randomBytes(32)];
    const db = openDatabaseSync(...open);
    const database = startDatabaseWorker(open, db);
    const repository = database.auditMirror;
    const logger = new MemoryLogger();
    const ownId = randomUUID();
    const own = new AuditMirror({ s3, bucket, logId: ownId, repository, logger, state: new IntegrityState({ repository, logId: ownId, clock: systemClock, logger, events: new EventHub() }) });
    const firm = new FirmLogs({ s3, bucket, own, repository, clock: systemClock, logger });
    const catchUpStarted = performance.now();
    const cpuBefore = process.cpuUsage();
    const added = await firm.catchUpAll();
    catchUpSeconds = seconds(catchUpStarted);
    // Both threads' CPU time: on this shared VM the wall time mostly says how busy the other tenants were.
    const cpu = process.cpuUsage(cpuBefore);
    const catchUpCpuSeconds = Math.round((cpu.user + cpu.system) / 1e5) / 10;
    const caughtUp = [...added.values()].reduce((a, b) => a + b, 0);
    results.catchUp = { seconds: catchUpSeconds, cpuSeconds: catchUpCpuSeconds, events: caughtUp, requests: requests.describe(), requestCount: requests.total() };
    say(`  ${caughtUp.toLocaleString('en-US')} events of ${added.size - 1} logs into an empty index: ${catchUpSeconds} s (CPU ${catchUpCpuSeconds} s, main thread and database worker) with ${requests.total()} S3 requests (${requests.describe()})`);
    await database.close();
    db.close();
  }

  // ---------------- 3. baseline: one object per event ----------------
  if (!catchUpOnly && !mainThreadOnly) {
    say(`3. baseline: the per-event verifier on ${baselineEvents.toLocaleString('en-US')} events, scaled`);
    const baselineBucket = await createTestBucket(s3, 'firm-verify-baseline', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
    const baselineLog = randomUUID();
    const baseKey = benchKey();
    const baseTree = new InMemoryMerkleTree(sha256);
    let prev = genesisHash;
    const basePut = (key: string, body: string, contentType: string) =>
      queue.add(() => putLockedObject(s3, { ...lock, bucket: baselineBucket, key, body, contentType }));
    await basePut(auditPublicKeyKey(baselineLog, baseKey.keyId), baseKey.publicKeyPem, 'application/x-pem-file');
    for (let seq = 0; seq < baselineEvents; seq += 1) {
      const body = serializeAuditEvent(fillerAuditEvent(baselineLog, seq, prev, startMs + seq));
      prev = sha256Hex(body);
      baseTree.append(leafHashOfStoredEvent(body));
      await basePut(auditEventKey(baselineLog, seq), body, 'application/json');
    }
    await queue.drain();
    const baseCheckpoint = signCheckpoint(baseKey, { logId: baselineLog, treeSize: baselineEvents, rootHash: toHex(baseTree.root()), time: new Date().toISOString() });
    await putLockedObject(s3, { ...lock, bucket: baselineBucket, key: auditCheckpointKey(baselineLog, baselineEvents), body: serializeCheckpoint(baseCheckpoint), contentType: 'application/json' });
    const baselineStarted = performance.now();
    const baseline = await verifyAuditLog({ s3, bucket: baselineBucket, logId: baselineLog, clock: systemClock, read: 'events' });
    const baselineSeconds = seconds(baselineStarted);
    const scaled = Math.round(baselineSeconds * ((logs * perLog) / baselineEvents));
    results.baseline = { events: baselineEvents, ok: baseline.ok, seconds: baselineSeconds, scaledSeconds: scaled, ratio: Math.round((scaled / verifySeconds) * 10) / 10 };
    say(`  ${baseline.ok ? 'VERIFIED' : 'FAILED'} ${baselineEvents.toLocaleString('en-US')} events in ${baselineSeconds} s: ${(logs * perLog).toLocaleString('en-US')} would take ~${scaled} s (${Math.round(scaled / 60)} min), ${results.baseline && (results.baseline as { ratio: number }).ratio}x the tiles`);
  }

  if (!catchUpOnly) await measureMainThread(s3, bucket);
  results.loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');
  const verifyGoal = catchUpOnly ? 'not run' : `${verifySeconds + sampleSeconds <= 300 ? 'met' : 'NOT met'}: ${Math.round((verifySeconds + sampleSeconds) * 10) / 10} s`;
  if (!mainThreadOnly) say(`\nGoal: verify < 300 s (${verifyGoal}), catch-up < 60 s (${catchUpSeconds <= 60 ? 'met' : 'NOT met'}: ${catchUpSeconds} s); load ${results.loadBefore} -> ${results.loadAfter}`);
  if (values.json) console.log(JSON.stringify(results, null, 2));
} finally {
  if (!values.keep) await worm.stop();
  await rm(dir, { recursive: true, force: true });
}

/**
 * 4. What a verification costs the host's main thread: the longest gap between 5 ms timer ticks while
 * the first log is verified in this thread (the baseline: what the app did before), then in the
 * verification worker (what every host does now), same log, same run.
 */
async function measureMainThread(s3: S3Client, bucket: string): Promise<void> {
  say("4. the host's main thread while one log is verified");
  const [logId] = await listAuditLogIds(s3, bucket);
  const longestGap = async (run: () => Promise<AuditVerification>) => {
    let last = performance.now();
    let longest = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    try {
      const report = await run();
      return { ok: report.ok, seconds: seconds(started), longestGapMs: Math.round(Math.max(longest, performance.now() - last)) };
    } finally {
      clearInterval(ticker);
    }
  };
  const inThread = await longestGap(() => verifyAuditLog({ s3, bucket, logId: logId!, clock: systemClock, sampleSize: 0 }));
  const verifier = startVerifyWorker(worm.connection);
  const inWorker = await longestGap(() => verifier.verifyLog({ bucket, logId: logId!, sampleSize: 0 }));
  await verifier.close();
  results.mainThread = { logId, events: perLog, inThread, inWorker, ratio: Math.round((inWorker.longestGapMs / inThread.longestGapMs) * 100) / 100 };
  say(`  ${perLog.toLocaleString('en-US')} events: in this thread ${inThread.seconds} s, longest main-thread gap ${inThread.longestGapMs} ms; in the worker ${inWorker.seconds} s, longest gap ${inWorker.longestGapMs} ms (ratio ${(results.mainThread as { ratio: number }).ratio}); both ${inThread.ok && inWorker.ok ? 'VERIFIED' : 'NOT verified'}; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
