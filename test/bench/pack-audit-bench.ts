/**
 * Evidence pack build for one trade with an audit log of 10 events, then of 10,000 events, in the same
 * run: wall time per build (median of N) and S3 requests per build, counted by an SDK middleware.
 * The pack's audit side reads the checkpoint, its key and the k events about the trade by key; the
 * proofs come from the mirror's tree. For comparison, what the builder read before: every event object.
 *
 * Seeding: the 10-event log is written through the audit writer. The 10,000-event log gets its trade
 * events through the writer too, then filler events (chained, canonical, COMPLIANCE-locked) PUT
 * directly into the bucket, as another workstation's appends would arrive; the mirror reads them back
 * once (catch-up) before the builds, as it does at the app's start.
 *
 * Run (needs the OS keychain, so inside a private one):
 *   dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/pack-audit-bench.ts [--events 10000] [--builds 5]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sha256Hex } from '../../electron/crypto/sha256';
import { auditEventKey, serializeAuditEvent } from '../../electron/services/audit/layout';
import { putLockedObject, readObjectText } from '../../electron/services/worm/locked-objects';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { fillerAuditEvent } from '../helpers/filler-audit-event';
import { startHarness, uniqueTradingCall, type Harness } from '../helpers/engine-harness';
import { countS3Requests } from './s3-request-counter';
import { officerActor } from '../helpers/audit-actors';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({ options: { events: { type: 'string' }, builds: { type: 'string' } } });
const large = Number(values.events ?? 10_000);
const builds = Number(values.builds ?? 5);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`command: dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/pack-audit-bench.ts --events ${large} --builds ${builds}`);
console.log(`load average at start: ${load()}`);
const requests = countS3Requests();
const baseDir = await mkdtemp(join(tmpdir(), 'custody-pack-audit-bench-'));
const worm = await startLocalWorm({ baseDir });

type Run = { events: number; medianMs: number; times: Array<number>; requests: Array<number>; byCommand: string; k: number };

async function measure(logSize: number): Promise<Run> {
  const h = await startHarness({ worm: worm.connection, profile: (p) => ({ ...p, audit: { ...p.audit, checkpoint: { everyEvents: 100_000, everyMinutes: 1440 } } }) });
  try {
    const call = uniqueTradingCall(h.sandbox);
    const audit = await h.composed.audit.log();
    // The trade's own history: a search, a preview and a play under a case.
    h.composed.session.setCaseReference('FCA-2026-0042');
    await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: 'FCA-2026-0042' });
    await h.composed.engine.authorizePlayback(call.recording.id, 'FCA-2026-0042');
    let size = await audit.mirror.treeSize();
    if (logSize - 1 > size && logSize > 100) {
      await seedDirectly(h, size, logSize - 1);
      const started = performance.now();
      await audit.mirror.catchUp();
      console.log(`  seeded ${logSize - 1 - size} filler events into the bucket; the mirror read them back in ${((performance.now() - started) / 1000).toFixed(1)} s (once, not per build)`);
    }
    // Through the writer: the rest, and one append that moves the chain's head past the seeded events.
    for (size = await audit.mirror.treeSize(); size < logSize; size += 1) await audit.writer.append({ action: 'search', details: { filler: size } }, await officerActor());
    await audit.flush();
    const logEvents = await audit.mirror.treeSize();
    const times: Array<number> = [];
    const counted: Array<number> = [];
    let byCommand = '';
    let k = 0;
    for (let i = 0; i < builds; i += 1) {
      requests.reset();
      const started = performance.now();
      const result = await h.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: join(h.root, `pack-${i}`) });
      times.push(performance.now() - started);
      await audit.flush();
      counted.push(requests.total());
      byCommand = requests.describe();
      k = (await audit.mirror.seqsAbout({ recordingIds: [call.recording.id], conversationIds: [call.conversation.id], searchTradingIds: [call.tradingId] }, result.checkpointTreeSize)).length + 1;
    }
    const events = await audit.mirror.treeSize();
    if (logSize > 100) {
      // What every build read before: each event object of the log (and a listing per 1,000).
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < events) await readObjectText(h.s3, h.bucket, auditEventKey(audit.logId, next++));
        }),
      );
      console.log(`  for comparison, reading every event object of this log as the builder did before: ${events} GETs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    return { events: logEvents, medianMs: median(times), times, requests: counted, byCommand, k };
  } finally {
    await h.close();
  }
}

/** Chained filler events from seq `from` up to `until` (exclusive), PUT locked into the bucket, 32 at a time. */
async function seedDirectly(h: Harness, from: number, until: number): Promise<void> {
  const audit = await h.composed.audit.log();
  const head = await audit.mirror.eventBody(from - 1);
  const bodies: Array<string> = [];
  let prevHash = sha256Hex(head!);
  const baseMs = Date.now();
  for (let seq = from; seq < until; seq += 1) {
    const event = fillerAuditEvent(audit.logId, seq, prevHash, baseMs + seq);
    const body = serializeAuditEvent(event);
    prevHash = sha256Hex(body);
    bodies.push(body);
  }
  let next = 0;
  const retainUntil = new Date(Date.now() + 86_400_000);
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < bodies.length) {
        const index = next++;
        await putLockedObject(h.s3, { bucket: h.bucket, key: auditEventKey(audit.logId, from + index), body: bodies[index]!, contentType: 'application/json', retainUntil, mode: 'COMPLIANCE' });
      }
    }),
  );
}

try {
  const small = await measure(10);
  console.log(
    `pack build, one trade, log of ${small.events} events: median ${small.medianMs.toFixed(0)} ms (${small.times.map((t) => t.toFixed(0)).join(', ')}); ` +
      `S3 requests per build ${small.requests.join(', ')} (last: ${small.byCommand}); ${small.k} events in the pack`,
  );
  const big = await measure(large);
  console.log(
    `pack build, one trade, log of ${big.events} events: median ${big.medianMs.toFixed(0)} ms (${big.times.map((t) => t.toFixed(0)).join(', ')}); ` +
      `S3 requests per build ${big.requests.join(', ')} (last: ${big.byCommand}); ${big.k} events in the pack`,
  );
  console.log(`ratio ${big.events} / ${small.events} events: ${(big.medianMs / small.medianMs).toFixed(2)} (goal <= 1.5); requests per build ${median(big.requests)} vs ${median(small.requests)}`);
} finally {
  await worm.stop();
  await rm(baseDir, { recursive: true, force: true });
  console.log(`load average at end: ${load()}`);
}
