// Archive, sweep and posture costs on real parts: a radosgw of its own, the Genesys sandbox, SQLite.
// Run (needs the OS keychain, so inside a private one):
//   dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/archive-bench.ts [recordings=300]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { startHarness, TEST_ANCHOR } from '../helpers/engine-harness';

const DAY = 86_400_000;
const MiB = 1024 * 1024;
const count = Number(process.argv[2] ?? 300);
const percentile = (values: ReadonlyArray<number>, p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;

console.log(`command: dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/archive-bench.ts ${count}`);
const baseDir = await mkdtemp(join(tmpdir(), 'custody-archive-bench-'));
const worm = await startLocalWorm({ baseDir });
const knobs = { multipartThresholdBytes: 16 * MiB, partSizeBytes: 8 * MiB, restoreDays: 2, restoreTier: 'Standard' as const, genesysProtectionCap: 1000, transferTimeoutSeconds: 120 };
try {
  // 1. Many short calls (bulk sandbox: 2-6 s tone recordings), the nightly case.
  const bulk = await startHarness({ worm: worm.connection, sandbox: { recordings: count, seed: 7 }, profile: (p) => ({ ...p, archive: knobs }) });
  try {
    const since = TEST_ANCHOR.getTime() - 29 * DAY;
    const stamps: Array<number> = [];
    let started = performance.now();
    const job = await bulk.composed.archive.job({ onItem: () => stamps.push(performance.now()) });
    const first = await job.run({ sinceMs: since, untilMs: TEST_ANCHOR.getTime() });
    const seconds = (performance.now() - started) / 1000;
    const perItem = stamps.map((t, i) => t - (i === 0 ? stamps[0]! : stamps[i - 1]!)).slice(1);
    const beforeFirst = ((stamps[0] ?? performance.now()) - started) / 1000;
    console.log(
      `archive, ${first.counts.archived} short recordings (${(first.bytes / 1e6).toFixed(1)} MB, single PUT): ${seconds.toFixed(1)} s incl. index sync, ` +
        `${(first.counts.archived / seconds).toFixed(1)} recordings/s; per recording p50 ${percentile(perItem, 50).toFixed(0)} ms, p99 ${percentile(perItem, 99).toFixed(0)} ms; ` +
        `${first.auditEventIds.length} export audit events; state ${first.state}`,
    );
    const transcoding = bulk.sandbox.dataset.recordings.filter((r) => r.transcodeOnFirstRequest).length;
    console.log(
      `  before the first recording (index sync of 29 days, recording lists, audit): ${beforeFirst.toFixed(1)} s; ` +
        `${transcoding} recordings answer 202 "transcoding" once and are polled again after 1 s; sum of per-recording times ${(perItem.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`,
    );
    const stats = bulk.sandbox.stats();
    const reasons = new Map<string, number>();
    for (const item of first.items.filter((i) => i.outcome !== 'archived')) reasons.set(`${item.outcome}: ${item.reason}`, (reasons.get(`${item.outcome}: ${item.reason}`) ?? 0) + 1);
    console.log(`  sandbox: ${stats.requests.api} API requests, ${stats.rateLimited} answered 429 (limit 300/min per token), ${stats.requests.media} media downloads; not archived: ${JSON.stringify(Object.fromEntries(reasons))}`);

    started = performance.now();
    const again = await (await bulk.composed.archive.job()).run({ sinceMs: since, untilMs: TEST_ANCHOR.getTime() });
    console.log(`re-run, same window: ${again.counts.considered} to do, ${((performance.now() - started) / 1000).toFixed(1)} s (index sync + candidate query)`);

    bulk.composed.db.prepare('DELETE FROM archive_objects').run();
    started = performance.now();
    const relist = await (await bulk.composed.archive.job()).run({ sinceMs: since, untilMs: TEST_ANCHOR.getTime() });
    const relistSeconds = (performance.now() - started) / 1000;
    console.log(
      `re-run after losing the local record: ${relist.counts.alreadyArchived} found already stored, ${relist.counts.archived} stored again, ${relistSeconds.toFixed(1)} s ` +
        `(re-download from Genesys + version lookup per recording)`,
    );

    started = performance.now();
    const sweep = await (await bulk.composed.archive.retention()).run({ dryRun: true });
    console.log(`retention sweep dry run over ${sweep.scanned} object versions (local record known): ${((performance.now() - started) / 1000).toFixed(2)} s, ${sweep.entries.length} expired`);
    bulk.composed.db.prepare('DELETE FROM archive_objects').run();
    started = performance.now();
    const blind = await (await bulk.composed.archive.retention()).run({ dryRun: true });
    console.log(`retention sweep dry run over ${blind.scanned} object versions (no local record: one HEAD each): ${((performance.now() - started) / 1000).toFixed(2)} s`);

    started = performance.now();
    const posture = await bulk.composed.archive.posture.run();
    console.log(`posture check: ${posture.checks.length} checks (${posture.counts.pass} pass, ${posture.counts.fail} fail, ${posture.counts.unknown} unknown) in ${((performance.now() - started) / 1000).toFixed(2)} s incl. a 30-day index sync`);
  } finally {
    await bulk.close();
  }

  // 2. Long calls: multipart uploads (parts of 8 MiB, retention applied after completion).
  const standard = await startHarness({ worm: worm.connection, profile: (p) => ({ ...p, archive: knobs }) });
  try {
    const long = standard.sandbox.dataset.conversations
      .filter((c) => {
        const start = Date.parse(c.startTime);
        return c.recordings.length === 1 && c.recordings[0]!.fileState === 'AVAILABLE' && c.recordings[0]!.sizeBytes > 16 * MiB && c.recordings[0]!.sizeBytes < 48 * MiB && start > TEST_ANCHOR.getTime() - 25 * DAY && start < TEST_ANCHOR.getTime() - 2 * DAY;
      })
      .slice(0, 3);
    let bytes = 0;
    let ms = 0;
    for (const c of long) {
      const start = Date.parse(c.startTime);
      const t = performance.now();
      const run = await (await standard.composed.archive.job()).run({ sinceMs: start, untilMs: start + 1 });
      ms += performance.now() - t;
      bytes += run.bytes;
      if (run.items[0]?.multipart !== true) throw new Error('expected a multipart upload');
    }
    console.log(`archive, ${long.length} long recordings by multipart (${(bytes / 1e6).toFixed(1)} MB): ${(ms / 1000).toFixed(1)} s, ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s end to end (Genesys download + upload + checks)`);
  } finally {
    await standard.close();
  }
} finally {
  await worm.stop();
  await rm(baseDir, { recursive: true, force: true });
}
