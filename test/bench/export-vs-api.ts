// The same window archived twice, on real parts (a radosgw of its own for each route, the Genesys sandbox
// in bulk mode: 2-6 s tone recordings, SQLite, the keychain): by the API (Custody downloads each
// recording and uploads it) and by Genesys's recording export (Genesys writes into the bucket with its
// own S3 user; Custody creates the job, waits, verifies, locks and indexes). Prints API calls made by
// Custody, wall time and bytes through the workstation, and the ratios.
// Run (needs the OS keychain, so inside a private one):
//   dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/export-vs-api.ts [recordings=10000]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalWorm, type LocalWorm } from '../../electron/services/worm/local-worm';
import { startHarness, TEST_ANCHOR, type Harness } from '../helpers/engine-harness';
import { createBucketWriter } from '../helpers/worm';

const DAY = 86_400_000;
const count = Number(process.argv[2] ?? 10_000);
const INTEGRATION_ID = '5e3c0a11-0000-4000-8000-0000000be7c4';
// Genesys's default is 300 requests/min per client-credentials token, raisable through support; the
// API route at 300/min would be bound by that alone (one recording list per conversation), so both
// routes get the raised 3,000/min the quota bench uses.
const sandboxOptions = { recordings: count, seed: 11, rateLimitPerMinute: 3000 };
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const report = (f: Figures): Figures => {
  console.log(`${f.label}: ${f.archived} archived in ${f.seconds.toFixed(1)} s (incl. the index sync); ${f.apiCalls} Genesys API calls; through the workstation ${mb(f.bytesIn)} in + ${mb(f.bytesOut)} out = ${mb(f.bytesIn + f.bytesOut)}`);
  console.log(`  ${f.detail}`);
  return f;
};
const window = { sinceMs: TEST_ANCHOR.getTime() - 31 * DAY, untilMs: TEST_ANCHOR.getTime() };

type Figures = { label: string; seconds: number; apiCalls: number; bytesIn: number; bytesOut: number; archived: number; detail: string };

async function withWorm<T>(audioDir: string, run: (worm: LocalWorm, h: Harness) => Promise<T>, profile: Record<string, unknown> = {}): Promise<T> {
  const baseDir = await mkdtemp(join(tmpdir(), 'custody-export-bench-'));
  // memstore holds 2 GiB: one store per route keeps each under it.
  const worm = await startLocalWorm({ baseDir });
  try {
    const h = await startHarness({ worm: worm.connection, sandbox: { ...sandboxOptions, audioDir }, profile: (p) => ({ ...p, archive: { ...p.archive!, ...profile } }) });
    try {
      return await run(worm, h);
    } finally {
      await h.close();
    }
  } finally {
    await worm.stop();
    await rm(baseDir, { recursive: true, force: true });
  }
}

console.log(`command: dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/export-vs-api.ts ${count}`);
// The WAVs are generated once and shared by both sandboxes (same seed, same bytes).
const audioDir = await mkdtemp(join(tmpdir(), 'custody-export-bench-audio-'));
try {
  const api = await withWorm(audioDir, async (_worm, h) => {
    h.sandbox.resetStats();
    const started = performance.now();
    const summary = await (await h.composed.archive.job()).run(window);
    const seconds = (performance.now() - started) / 1000;
    const stats = h.sandbox.stats();
    return report({
      label: 'API (download + locked upload per recording)',
      seconds,
      apiCalls: stats.requests.api,
      bytesIn: stats.mediaBytesSent,
      bytesOut: summary.bytes,
      archived: summary.counts.archived + summary.counts.alreadyArchived,
      detail: `${summary.counts.considered} considered, ${summary.counts.failed} failed, ${summary.counts.skipped} skipped; ${stats.requests.media} media downloads; ${summary.auditEventIds.length} audit events`,
    });
  });
  const exported = await withWorm(
    audioDir,
    async (worm, h) => {
      const role = await createBucketWriter({ runDir: worm.runDir, owner: h.s3, bucket: h.archiveBucket, connection: worm.connection });
      h.sandbox.setRecordingExport({ integrationId: INTEGRATION_ID, s3: role, bucket: h.archiveBucket, lagMs: 1000, concurrency: 8 });
      h.sandbox.resetStats();
      const started = performance.now();
      const summary = await (await h.composed.archive.exportIngest({ integrationId: INTEGRATION_ID })).run(window);
      const seconds = (performance.now() - started) / 1000;
      const stats = h.sandbox.stats();
      return report({
        label: 'Genesys export (job, wait, verify, lock, index)',
        seconds,
        apiCalls: stats.requests.api,
        // Read back to verify; anything the export missed came down through the API too.
        bytesIn: summary.bytesVerified + stats.mediaBytesSent,
        bytesOut: summary.api?.bytes ?? 0,
        archived: summary.counts.archived + (summary.api ? summary.api.counts.archived + summary.api.counts.alreadyArchived : 0),
        detail: `job ${summary.jobState}; ${summary.counts.archived} by export, ${summary.counts.notDelivered} not delivered, ${summary.counts.refused} refused, ` +
          `${summary.api?.counts.archived ?? 0} through the API; ${summary.auditEventIds.length} audit events; Genesys's writes into the bucket run on this same machine`,
      });
    },
    { exportDeliveryWaitSeconds: 1800, exportJobTimeoutSeconds: 600 },
  );
  const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
  console.log(
    `export / API: wall time ${ratio(exported.seconds, api.seconds)}, API calls ${ratio(exported.apiCalls, api.apiCalls)}, ` +
      `bytes through the workstation ${ratio(exported.bytesIn + exported.bytesOut, api.bytesIn + api.bytesOut)} (${count} recordings)`,
  );
} finally {
  await rm(audioDir, { recursive: true, force: true });
}
