/**
 * Benchmark of the verifiable audit log.
 *   A. Audit-write latency against a real radosgw (own throwaway cluster): AuditLog.append alone, and
 *      AuditTrail.append (alert rules, local Merkle tree in SQLite, a checkpoint every 100 events);
 *      the latency of writing one checkpoint; verifying the written log from the bucket.
 *   B. The cost of checkpointing at 100,000 events, with the tree in a SQLite file: recording the
 *      events with their Merkle nodes, the root and a signed checkpoint at 100,000, proofs, compared
 *      with recomputing the root from all leaves.
 * Run: npx tsx test/bench/audit-bench.ts [--appends N] [--events N] [--json]
 */
import { sha256 } from '../../electron/crypto/sha256';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabaseSync } from '../../electron/db/connection';
import { createAuditTrailRepository, type AuditEventRecord } from '../../electron/db/repositories/audit-trail-repository';
import { AuditLog } from '../../electron/services/audit/audit-log';
import { verifyAuditLog } from '../../electron/services/audit/audit-verifier';
import { leafHashOfStoredEvent, signCheckpoint, serializeCheckpoint, toHex } from '../../electron/services/audit/checkpoint';
import { systemClock } from '../../electron/services/adapters/system-clock';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { createWormS3Client } from '../../electron/services/worm/s3-client';
import { canonicalJson } from '../../shared/canonical-json';
import { rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../shared/crypto/merkle';
import type { AuditEvent } from '../../shared/domain';
import { createTestTrail, SettableClock } from '../helpers/audit-trail';
import { InMemoryAuditHeadStore } from '../helpers/in-memory-audit-head-store';
import { MemoryLogger } from '../helpers/memory-logger';
import { createTestBucket } from '../helpers/worm';

const { values } = parseArgs({ options: { appends: { type: 'string' }, events: { type: 'string' }, json: { type: 'boolean' } } });
const appends = Number(values.appends ?? 500);
const treeEvents = Number(values.events ?? 100_000);
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

// ---------------- A. radosgw ----------------
say(`A. audit writes against radosgw (${appends} appends each)`);
const worm = await startLocalWorm();
try {
  const s3 = createWormS3Client(worm.connection);
  const bucket = await createTestBucket(s3, 'audit-bench', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
  const retention = { mode: 'COMPLIANCE' as const, durationMs: 86_400_000 };

  const bare = new AuditLog({
    s3,
    bucket,
    logId: randomUUID(),
    operator: { osAccount: 'bench', name: 'Bench Officer' },
    workstation: { hostname: 'bench', addresses: ['10.0.0.1'] },
    clock: systemClock,
    newEventId: randomUUID,
    retention,
    headStore: new InMemoryAuditHeadStore(),
    lockFile: join(dir, 'bare.lock'),
    logger: new MemoryLogger(),
  });
  for (let i = 0; i < 10; i += 1) await bare.append({ action: 'search', details: { warmup: i } });
  const bareSamples: Array<number> = [];
  for (let i = 0; i < appends; i += 1) {
    const start = performance.now();
    await bare.append({ action: 'play', recordingId: 'rec-1', caseReference: 'BENCH-1', details: { startOffsetMs: 0, i } });
    bareSamples.push(ms(start));
  }
  results.auditLogAppend = stats(bareSamples);
  say(`  AuditLog.append (chain + COMPLIANCE PUT):            ${fmt(results.auditLogAppend as Stats)}`);

  const clock = new SettableClock(Date.now());
  const t = createTestTrail({
    s3,
    bucket,
    dir,
    mode: 'COMPLIANCE',
    clock,
    checkpointPolicy: { everyEvents: 100, everyMinutes: 10 },
    alerts: { volume: { maxEvents: 1_000_000, windowMinutes: 60 }, businessHours: [{ jurisdiction: 'UK', timeZone: 'Europe/London' }], allowedNetworks: ['10.0.0.0/8'] },
  });
  for (let i = 0; i < 10; i += 1) await t.trail.append({ action: 'search', details: { warmup: i } });
  await t.trail.flush();
  const trailSamples: Array<number> = [];
  for (let i = 0; i < appends; i += 1) {
    clock.current = Date.now();
    const start = performance.now();
    await t.trail.append({ action: 'play', recordingId: 'rec-1', caseReference: 'BENCH-1', details: { startOffsetMs: 0, i } });
    trailSamples.push(ms(start));
  }
  await t.trail.flush();
  results.auditTrailAppend = stats(trailSamples);
  say(`  AuditTrail.append (+ alerts, SQLite tree, checkpoint every 100 in the background): ${fmt(results.auditTrailAppend as Stats)}`);
  const written = t.logger.entries.filter((e) => e.message === 'audit checkpoint written').map((e) => Number(e.fields?.ms));
  results.checkpointWriteInLine = stats(written);
  say(`  checkpoints written during the run (root + sign + COMPLIANCE PUT): ${fmt(results.checkpointWriteInLine as Stats)}`);

  const forced: Array<number> = [];
  for (let i = 0; i < 20; i += 1) {
    await t.trail.append({ action: 'search', details: { i } });
    await t.trail.flush();
    const start = performance.now();
    await t.trail.checkpointNow();
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
  s3.destroy();
} finally {
  await worm.stop();
}

// ---------------- B. checkpointing at 100,000 events ----------------
say(`B. checkpointing at ${treeEvents} events (tree in a SQLite file)`);
const db = openDatabaseSync(join(dir, 'tree.sqlite'));
const repository = createAuditTrailRepository(db);
const logId = randomUUID();
const baseMs = Date.UTC(2026, 0, 1);
let prevHash = '0'.repeat(64);
let recordMs = 0;
const leaves: Array<Uint8Array> = [];
let batch: Array<AuditEventRecord> = [];
const eventBytes: Array<number> = [];
for (let seq = 0; seq < treeEvents; seq += 1) {
  const event: AuditEvent = {
    schema: 'custody.audit.v1',
    logId,
    seq,
    eventId: randomUUID(),
    time: new Date(baseMs + seq * 30_000).toISOString(),
    operator: { osAccount: `officer${seq % 7}`, name: `Officer ${seq % 7}` },
    workstation: { hostname: `LON-CMP-${seq % 13}`, addresses: ['10.20.4.17', 'fd00:20::17'] },
    action: (['search', 'preview', 'play', 'seek', 'download'] as const)[seq % 5]!,
    conversationId: randomUUID(),
    recordingId: randomUUID(),
    tradingId: `T-2026-${String(seq % 9973).padStart(6, '0')}`,
    caseReference: `FCA-2026-${String(seq % 97).padStart(4, '0')}`,
    details: { startOffsetMs: 0 },
    prevHash,
  };
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
const allLeaves = db.prepare('SELECT hash FROM audit_tree_nodes WHERE log_id = ? AND level = 0 AND idx < ? ORDER BY idx').pluck().all(logId, treeEvents) as Array<Buffer>;
const fromDbRoot = toHex(rootFromLeafHashes(sha256, allLeaves.map((b) => new Uint8Array(b))));
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
