/**
 * Benchmark of the verifiable audit log.
 *   A. Audit-write latency against a real radosgw (own throwaway cluster): EventChain.append alone, and
 *      the audit writer's append (alert rules, local Merkle tree in SQLite, a checkpoint every 100 events);
 *      the latency of writing one checkpoint; verifying the written log from the bucket.
 *   B. The cost of checkpointing at 100,000 events, with the tree in a SQLite file: recording the
 *      events with their Merkle nodes, the root and a signed checkpoint at 100,000, proofs, compared
 *      with recomputing the root from all leaves.
 *   C. The consistency check at app start over a log of 100,000 events in radosgw and the mirror: time and
 *      S3 requests (counted by an SDK middleware).
 * Run: npx tsx test/bench/audit-bench.ts [--appends N] [--events N] [--start-events N] [--json]
 */
import { sha256 } from '../../electron/crypto/sha256';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabaseSync } from '../../electron/db/connection';
import { createAuditMirrorRepository, type AuditEventRecord } from '../../electron/db/repositories/audit-mirror-repository';
import { EventChain } from '../../electron/services/audit/event-chain';
import { verifyAuditLog } from '../../electron/services/audit/audit-verifier';
import { auditEventKey, leafHashOfStoredEvent, signCheckpoint, serializeCheckpoint, toHex } from '../../electron/services/audit/layout';
import { systemClock } from '../../electron/services/adapters/system-clock';
import { putLockedObject } from '../../electron/services/worm/locked-objects';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { createWormS3Client } from '../../electron/services/worm/s3-client';
import { canonicalJson } from '../../shared/canonical-json';
import { rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../shared/crypto/merkle';
import type { AuditEvent } from '../../shared/domain';
import { createTestAudit, memorySecretStore, SettableClock } from '../helpers/audit-module';
import { fillerAuditEvent } from '../helpers/filler-audit-event';
import { InMemoryAuditHeadStore } from '../helpers/in-memory-audit-head-store';
import { MemoryLogger } from '../helpers/memory-logger';
import { createTestBucket } from '../helpers/worm';
import { countS3Requests } from './s3-request-counter';
import { officerActor, TEST_OPERATOR } from '../helpers/audit-actors';

const { values } = parseArgs({ options: { appends: { type: 'string' }, events: { type: 'string' }, 'start-events': { type: 'string' }, json: { type: 'boolean' } } });
const appends = Number(values.appends ?? 500);
const treeEvents = Number(values.events ?? 100_000);
const startEvents = Number(values['start-events'] ?? 100_000);
const requestCounter = countS3Requests();
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

type Stats = { n: number; p50: number; p90: number; p99: number; max: number; mean: number };
function stats(samples: ReadonlyArray<number>): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (v: number) => Math.round(v * 100) / 100;
  return { n: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted.at(-1)!), mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length) };
}
const ms = (start: number) => performance.now() - start;
const say = (line: string) => {
  if (!values.json) console.log(line);
};
const fmt = (s: Stats) => `p50 ${s.p50} ms, p90 ${s.p90} ms, p99 ${s.p99} ms, max ${s.max} ms (n=${s.n})`;

const results: Record<string, unknown> = { appends, treeEvents, node: process.version, cpus: (await import('node:os')).cpus().length };
const dir = await mkdtemp(join(tmpdir(), 'custody-audit-bench-'));

// Event times run from the real time: radosgw judges retention dates against its own clock.
const benchStartMs = Date.now();
const fillerEvent = (logId: string, seq: number, prevHash: string): AuditEvent => fillerAuditEvent(logId, seq, prevHash, benchStartMs + seq * 30_000);

// ---------------- A. radosgw ----------------
say(`A. audit writes against radosgw (${appends} appends each)`);
const worm = await startLocalWorm();
try {
  const s3 = createWormS3Client(worm.connection);
  const bucket = await createTestBucket(s3, 'audit-bench', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
  const retention = { mode: 'COMPLIANCE' as const, durationMs: 86_400_000 };
  const actor = await officerActor();

  const bare = new EventChain({
    s3,
    bucket,
    logId: randomUUID(),
    workstation: { hostname: 'bench', addresses: ['10.0.0.1'] },
    clock: systemClock,
    newEventId: randomUUID,
    retention,
    headStore: new InMemoryAuditHeadStore(),
    lockFile: join(dir, 'bare.lock'),
    logger: new MemoryLogger(),
  });
  for (let i = 0; i < 10; i += 1) await bare.append({ action: 'search', details: { warmup: i } }, TEST_OPERATOR);
  const bareSamples: Array<number> = [];
  for (let i = 0; i < appends; i += 1) {
    const start = performance.now();
    await bare.append({ action: 'play', recordingId: 'rec-1', caseReference: 'BENCH-1', details: { startOffsetMs: 0, i } }, TEST_OPERATOR);
    bareSamples.push(ms(start));
  }
  results.auditLogAppend = stats(bareSamples);
  say(`  EventChain.append (chain + COMPLIANCE PUT):            ${fmt(results.auditLogAppend as Stats)}`);

  const clock = new SettableClock(Date.now());
  const t = createTestAudit({
    s3,
    bucket,
    dir,
    mode: 'COMPLIANCE',
    clock,
    checkpointPolicy: { everyEvents: 100, everyMinutes: 10 },
    alerts: { volume: { maxEvents: 1_000_000, windowMinutes: 60 }, businessHours: [{ jurisdiction: 'UK', timeZone: 'Europe/London' }], allowedNetworks: ['10.0.0.0/8'] },
  });
  for (let i = 0; i < 10; i += 1) await t.audit.writer.append({ action: 'search', details: { warmup: i } }, actor);
  await t.audit.flush();
  // The same size as the writer's events, PUT the way radosgw takes any locked object (COMPLIANCE retention).
  const sampleBody = (await t.audit.mirror.eventBody(9))!;
  const rawBody = 'x'.repeat(Buffer.byteLength(sampleBody) + 60);
  const rawPrefix = `raw-bench/${randomUUID()}/`;
  const rawPut = (i: number) => putLockedObject(s3, { bucket, key: `${rawPrefix}${i}.json`, body: rawBody, contentType: 'application/json', retainUntil: new Date(Date.now() + 86_400_000), mode: 'COMPLIANCE' });
  for (let i = 0; i < 10; i += 1) await rawPut(-1 - i);
  const rawSamples: Array<number> = [];
  const trailSamples: Array<number> = [];
  // Interleaved, so load on the shared machine falls on both alike.
  for (let i = 0; i < appends; i += 1) {
    let start = performance.now();
    await rawPut(i);
    rawSamples.push(ms(start));
    clock.current = Date.now();
    start = performance.now();
    await t.audit.writer.append({ action: 'play', recordingId: 'rec-1', caseReference: 'BENCH-1', details: { startOffsetMs: 0, i } }, actor);
    trailSamples.push(ms(start));
  }
  await t.audit.flush();
  results.rawPutObject = stats(rawSamples);
  results.auditTrailAppend = stats(trailSamples);
  const writerBytes = Buffer.byteLength((await t.audit.mirror.eventBody((await t.audit.mirror.treeSize()) - 1))!);
  say(`  raw radosgw PutObject, COMPLIANCE-locked, ${Buffer.byteLength(rawBody)} bytes:                 ${fmt(results.rawPutObject as Stats)}`);
  say(`  audit writer append (${writerBytes} bytes; alerts, lock, chain head, PUT, SQLite mirror, checkpoint every 100 in the background): ${fmt(results.auditTrailAppend as Stats)}`);
  results.appendVsRawPut = { p50: Math.round(((results.auditTrailAppend as Stats).p50 / (results.rawPutObject as Stats).p50) * 100) / 100, p99: Math.round(((results.auditTrailAppend as Stats).p99 / (results.rawPutObject as Stats).p99) * 100) / 100 };
  say(`  ratio writer / raw PutObject: p50 ${(results.appendVsRawPut as { p50: number }).p50} (goal <= 2), p99 ${(results.appendVsRawPut as { p99: number }).p99}`);
  const written = t.logger.entries.filter((e) => e.message === 'audit checkpoint written').map((e) => Number(e.fields?.ms));
  results.checkpointWriteInLine = stats(written);
  say(`  checkpoints written during the run (root + sign + COMPLIANCE PUT): ${fmt(results.checkpointWriteInLine as Stats)}`);

  const forced: Array<number> = [];
  for (let i = 0; i < 20; i += 1) {
    await t.audit.writer.append({ action: 'search', details: { i } }, actor);
    await t.audit.flush();
    const start = performance.now();
    await t.audit.checkpointer.checkpointNow();
    forced.push(ms(start));
  }
  results.checkpointNow = stats(forced);
  say(`  checkpointNow (catch-up LIST + root + sign + PUT):    ${fmt(results.checkpointNow as Stats)}`);

  const size = await t.repository.treeSize(t.logId);
  const verifyStart = performance.now();
  const report = await verifyAuditLog({ s3, bucket, logId: t.logId, clock: systemClock });
  const verifyMs = ms(verifyStart);
  if (!report.ok) throw new Error(`bench log did not verify: ${report.firstBad?.message}`);
  results.verifyFromBucket = { events: size, checkpoints: report.checkpoints.total, ms: Math.round(verifyMs), eventsPerSecond: Math.round((size / verifyMs) * 1000) };
  say(`  audit verify from the bucket: ${size} events, ${report.checkpoints.total} checkpoints in ${Math.round(verifyMs)} ms (${Math.round((size / verifyMs) * 1000)} events/s)`);

  // ---------------- C. consistency check at app start ----------------
  say(`C. consistency check at app start, log of ${startEvents} events (radosgw bucket + SQLite mirror)`);
  const startLogId = randomUUID();
  const startDb = openDatabaseSync(join(dir, 'start.sqlite'), randomBytes(32));
  const startRepository = createAuditMirrorRepository(startDb);
  let seedPrev = '0'.repeat(64);
  let putNext = 0;
  const bodies: Array<string> = [];
  const seedStarted = performance.now();
  for (let seq = 0; seq < startEvents; seq += 1) {
    const event = fillerEvent(startLogId, seq, seedPrev);
    const body = canonicalJson(event);
    seedPrev = createHash('sha256').update(body).digest('hex');
    bodies.push(body);
    if (bodies.length % 1000 === 0 || seq === startEvents - 1) {
      const batch = bodies.slice(-((seq % 1000) + 1));
      await startRepository.recordEvents(startLogId, batch.map((b) => ({ event: JSON.parse(b) as AuditEvent, body: b, leafHash: leafHashOfStoredEvent(b), alertCount: 0 })));
    }
  }
  const retainUntil = new Date(Date.now() + 86_400_000);
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (putNext < bodies.length) {
        const seq = putNext++;
        await putLockedObject(s3, { bucket, key: auditEventKey(startLogId, seq), body: bodies[seq]!, contentType: 'application/json', retainUntil, mode: 'COMPLIANCE' });
      }
    }),
  );
  say(`  seeded: ${startEvents} events PUT into the bucket (64 at a time) and recorded in the mirror from the same bytes, ${Math.round(ms(seedStarted) / 1000)} s`);
  const secrets = memorySecretStore();
  const compose = () =>
    createTestAudit({ s3, bucket, dir, logId: startLogId, dbName: 'start', mode: 'COMPLIANCE', secrets, clock: new SettableClock(Date.now()) });
  const writerSide = compose();
  await writerSide.audit.checkpointer.checkpointNow();
  // This workstation last verified the log at half its size; since then it grew (another workstation's appends and checkpoint).
  const half = Math.floor(startEvents / 2);
  startDb.prepare('DELETE FROM audit_verified_heads WHERE log_id = ?').run(startLogId);
  await startRepository.advanceVerifiedHead(startLogId, { treeSize: half, rootHash: toHex(await startRepository.root(startLogId, half)), verifiedMs: Date.now(), source: 'verify' });
  const startSamples: Array<number> = [];
  let startRequests = '';
  for (let i = 0; i < 5; i += 1) {
    const app = compose();
    requestCounter.reset();
    const start = performance.now();
    const integrity = await app.audit.integrity.checkConsistency();
    startSamples.push(ms(start));
    if (integrity.state !== 'ok') throw new Error(`consistency check failed: ${integrity.message}`);
    startRequests = `${requestCounter.total()} (${requestCounter.describe()})`;
    app.db.close();
    startDb.prepare('DELETE FROM audit_verified_heads WHERE log_id = ?').run(startLogId);
    await startRepository.advanceVerifiedHead(startLogId, { treeSize: half, rootHash: toHex(await startRepository.root(startLogId, half)), verifiedMs: Date.now(), source: 'verify' });
  }
  results.consistencyAtStart = { events: startEvents, ...stats(startSamples), s3Requests: startRequests };
  say(`  check (newest checkpoint + key from the bucket, catch-up only when the mirror is behind, root and consistency proof ${half} -> ${startEvents} from the mirror): ${fmt(stats(startSamples))}; S3 requests per check ${startRequests}`);
  startDb.close();
  s3.destroy();
} finally {
  await worm.stop();
}

// ---------------- B. checkpointing at 100,000 events ----------------
say(`B. checkpointing at ${treeEvents} events (tree in a SQLite file)`);
const db = openDatabaseSync(join(dir, 'tree.sqlite'), randomBytes(32));
const repository = createAuditMirrorRepository(db);
const logId = randomUUID();
let prevHash = '0'.repeat(64);
let recordMs = 0;
const leaves: Array<Uint8Array> = [];
let batch: Array<AuditEventRecord> = [];
const eventBytes: Array<number> = [];
for (let seq = 0; seq < treeEvents; seq += 1) {
  const event = fillerEvent(logId, seq, prevHash);
  const body = canonicalJson(event);
  if (seq < 1000) eventBytes.push(Buffer.byteLength(body));
  prevHash = createHash('sha256').update(body).digest('hex');
  const leafHash = leafHashOfStoredEvent(body);
  leaves.push(leafHash);
  batch.push({ event, body, leafHash, alertCount: 0 });
  if (batch.length === 1000 || seq === treeEvents - 1) {
    const start = performance.now();
    await repository.recordEvents(logId, batch);
    recordMs += ms(start);
    batch = [];
  }
}
db.pragma('wal_checkpoint(TRUNCATE)');
const dbBytes = (await stat(join(dir, 'tree.sqlite'))).size;
results.record = {
  events: treeEvents,
  totalMs: Math.round(recordMs),
  perEventUs: Math.round((recordMs / treeEvents) * 1000 * 10) / 10,
  eventBytes: Math.round(eventBytes.reduce((a, b) => a + b, 0) / eventBytes.length),
  sqliteMiB: Math.round((dbBytes / 1048576) * 10) / 10,
};
say(`  recording ${treeEvents} events with their Merkle nodes (batches of 1000): ${Math.round(recordMs)} ms, ${(results.record as { perEventUs: number }).perEventUs} µs/event; SQLite ${(results.record as { sqliteMiB: number }).sqliteMiB} MiB`);

const single: Array<number> = [];
for (let i = 0; i < 200; i += 1) {
  const seq = treeEvents + i;
  const event = { schema: 'custody.audit.v1', logId, seq, eventId: randomUUID(), time: new Date().toISOString(), operator: { osAccount: 'o', name: 'O' }, workstation: { hostname: 'h', addresses: [] }, action: 'play', conversationId: null, recordingId: null, tradingId: null, caseReference: null, details: {}, prevHash } as AuditEvent;
  const body = canonicalJson(event);
  prevHash = createHash('sha256').update(body).digest('hex');
  const start = performance.now();
  await repository.recordEvents(logId, [{ event, body, leafHash: leafHashOfStoredEvent(body), alertCount: 0 }]);
  single.push(ms(start));
}
results.recordOneAtN = stats(single);
say(`  adding one event to a tree of ${treeEvents}: ${fmt(results.recordOneAtN as Stats)}`);

const { generateKeyPairSync, sign: edSign, createPublicKey } = await import('node:crypto');
const { privateKey } = generateKeyPairSync('ed25519');
const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
const key = { keyId: toHex(sha256(Buffer.from(publicKeyPem))), publicKeyPem, sign: (data: Uint8Array) => edSign(null, data, privateKey).toString('base64') };
const checkpointSamples: Array<number> = [];
for (let i = 0; i < 100; i += 1) {
  const start = performance.now();
  const rootHash = toHex(await repository.root(logId, treeEvents));
  serializeCheckpoint(signCheckpoint(key, { logId, treeSize: treeEvents, rootHash, time: new Date().toISOString() }));
  checkpointSamples.push(ms(start));
}
results.checkpointAtN = stats(checkpointSamples);
say(`  checkpoint at ${treeEvents} (root from SQLite nodes + Ed25519 signature + canonical JSON): ${fmt(results.checkpointAtN as Stats)}`);

let start = performance.now();
const naiveRoot = toHex(rootFromLeafHashes(sha256, leaves));
results.naiveRootMs = Math.round(ms(start) * 10) / 10;
start = performance.now();
const leafTiles = db.prepare('SELECT hashes FROM audit_tree_tiles WHERE log_id = ? AND level = 0 ORDER BY idx').pluck().all(logId) as Array<Buffer>;
const allLeaves = leafTiles.flatMap((tile) => Array.from({ length: tile.length / 32 }, (_, k) => new Uint8Array(tile.subarray(k * 32, (k + 1) * 32)))).slice(0, treeEvents);
const fromDbRoot = toHex(rootFromLeafHashes(sha256, allLeaves));
results.naiveRootFromSqliteMs = Math.round(ms(start) * 10) / 10;
if (naiveRoot !== toHex(await repository.root(logId, treeEvents)) || fromDbRoot !== naiveRoot) throw new Error('roots differ');
say(`  for comparison, the root recomputed from all ${treeEvents} leaves: ${results.naiveRootMs} ms in memory, ${results.naiveRootFromSqliteMs} ms reading them from SQLite`);

const proofSamples: Array<number> = [];
for (let i = 0; i < 100; i += 1) {
  const old = 1 + Math.floor(((i + 1) * treeEvents) / 101);
  start = performance.now();
  const proof = await repository.consistencyProof(logId, old, treeEvents);
  proofSamples.push(ms(start));
  if (!verifyConsistency(sha256, { oldSize: old, newSize: treeEvents, oldRoot: await repository.root(logId, old), newRoot: await repository.root(logId, treeEvents), proof })) throw new Error('bad consistency proof');
}
results.consistencyProofAtN = stats(proofSamples);
say(`  consistency proof to ${treeEvents} from SQLite nodes (the check on every sync): ${fmt(results.consistencyProofAtN as Stats)}`);
const inclusionSamples: Array<number> = [];
const root = await repository.root(logId, treeEvents);
for (let i = 0; i < 100; i += 1) {
  const index = Math.floor((i * treeEvents) / 100);
  start = performance.now();
  const proof = await repository.inclusionProof(logId, index, treeEvents);
  inclusionSamples.push(ms(start));
  if (!verifyInclusion(sha256, { leafIndex: index, treeSize: treeEvents, leafHash: leaves[index]!, proof, root })) throw new Error('bad inclusion proof');
}
results.inclusionProofAtN = stats(inclusionSamples);
say(`  inclusion proof in ${treeEvents} (evidence packs): ${fmt(results.inclusionProofAtN as Stats)}`);

db.close();
await rm(dir, { recursive: true, force: true });
if (values.json) console.log(JSON.stringify(results, null, 2));
