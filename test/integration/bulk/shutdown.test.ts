import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { composeEngine, type ComposedEngine } from '../../../electron/services/composition/compose-engine';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { auditedDownloads, auditEvents, createFxSpotJob, filesUnder, partialsUnder, readManifest, storeCliCredentials } from '../../helpers/bulk';
import { runCli } from '../../helpers/run-cli';

const DAY = 86_400_000;
const bin = fileURLToPath(new URL('../../../bin/custody.mjs', import.meta.url));
const slowSandbox = { recordings: 60, days: 20, archivedFraction: 0, faults: { slow: 1 }, slowFaultMs: { minMs: 150, maxMs: 250 }, rateLimitPerMinute: 100_000 };
let h: Harness | undefined;
let reopened: ComposedEngine | undefined;
let forget: (() => Promise<void>) | undefined;
afterEach(async () => {
  await forget?.();
  forget = undefined;
  await reopened?.close();
  reopened = undefined;
  await h?.close();
  h = undefined;
});

describe('quitting while a bulk job runs', () => {
  it('pauses the job at an item boundary, drains the audit log, closes the database; the next start resumes it with every recording once', async () => {
    // Every sandbox answer takes 150-250 ms, so the job is still running when the app quits.
    h = await startHarness({
      worm: inject('worm').connection,
      sandbox: slowSandbox,
    });
    const outDir = join(h.root, 'out');
    const { job, expected } = await createFxSpotJob(h, outDir, { days: 20, concurrency: 3 });
    expect(expected.length).toBeGreaterThan(12);

    // Quit the moment the fourth download event is recorded: the downloads it lists have not started yet.
    let audited = 0;
    const underWay = new Promise<void>((resolve) =>
      h!.composed.events.subscribe((event) => {
        if (event.kind === 'audit.recorded' && event.entry.action === 'download' && ++audited === 4) resolve();
      }),
    );
    let runEnded = false;
    const running = (async () => {
      const outcome = await h!.composed.jobs.run(job.id);
      runEnded = true;
      return outcome;
    })();
    await underWay;
    await h.composed.close();
    // The run had ended (paused) before the shutdown went on to close the database.
    expect(runEnded).toBe(true);
    expect(await running).toEqual({ state: 'paused', message: 'Custody was closed while the job ran; resume it to continue.' });
    expect(h.composed.db.open).toBe(false);
    // A job started now is refused instead of running on a closed database.
    await expect(h.composed.jobs.run(job.id)).rejects.toThrow(/closing/);

    // The next start: the job is paused (not running, not interrupted), nothing half-written.
    reopened = await composeEngine({ profile: h.profile, env: h.env, secrets: h.secrets, mediaUrlBase: 'media://recording/' });
    const paused = await reopened.jobs.detail(job.id);
    expect(paused).toMatchObject({ state: 'paused', message: 'Custody was closed while the job ran; resume it to continue.' });
    expect(paused.counts).toMatchObject({ fetching: 0, failed: 0 });
    expect(paused.counts.done).toBeGreaterThanOrEqual(3);
    expect(paused.counts.done).toBeLessThan(expected.length);
    expect(await partialsUnder(outDir)).toEqual([]);
    // Every recording done is whole on disk, as the paused run's manifest lists it, and no other.
    const onDisk = await filesUnder(outDir);
    const pausedManifest = await readManifest(outDir);
    expect(pausedManifest.files).toHaveLength(paused.counts.done);
    expect(onDisk.size).toBe(paused.counts.done);
    for (const f of pausedManifest.files) expect(onDisk.get(f.file), f.file).toBe(f.sha256);

    // The audit queue drained: the local tree holds every event in the bucket, and the log verifies.
    // At the item boundary, every recording audited was also delivered.
    const events = await auditEvents(h);
    expect(auditedDownloads(events)).toHaveLength(paused.counts.done);
    const trail = await reopened.audit.log();
    expect((await trail.integrity.status()).localTreeSize).toBe(events.length);
    expect(await trail.integrity.verify()).toMatchObject({ ok: true, events: { read: events.length } });

    // Resumed, the job completes with every recording on disk and audited exactly once.
    expect(await reopened.jobs.run(job.id)).toEqual({ state: 'done', message: null });
    const manifest = await readManifest(outDir);
    expect(manifest.files.map((f) => f.recordingId).sort()).toEqual(expected.map((r) => r.id).sort());
    const downloads = auditedDownloads(await auditEvents(h)).map((d) => d.recordingId);
    expect(downloads.sort()).toEqual(expected.map((r) => r.id).sort());
    expect(await partialsUnder(outDir)).toEqual([]);
  });

  it('"custody retrieve" stopped with SIGTERM pauses its job after the recordings under way and exits as paused', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: slowSandbox });
    forget = await storeCliCredentials(h);
    const from = new Date(TEST_ANCHOR.getTime() - 20 * DAY).toISOString();
    const to = TEST_ANCHOR.toISOString();
    const outDir = join(h.root, 'out');
    const child = spawn(
      process.execPath,
      [bin, 'retrieve', '--queue', 'FX Spot Desk', '--from', from, '--to', to, '--case', 'FCA-2026-0042', '--out', outDir, '--concurrency', '3', '--api', 'per-conversation', '--json', '--profile', h.profile],
      { env: { ...process.env, ...h.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? -1 : code)));
    for await (const line of createInterface({ input: child.stdout })) {
      const event = JSON.parse(line) as { event: string; counts: { done: number } };
      if (event.event === 'progress' && event.counts.done >= 2) {
        child.kill('SIGTERM');
        break;
      }
    }
    expect(await exited).toBe(1);
    const listed = await runCli(['jobs', 'list', '--json', '--profile', h.profile], { env: h.env, timeoutMs: 60_000 });
    const job = (JSON.parse(listed.stdout) as { jobs: Array<{ state: string; message: string; counts: { done: number; fetching: number } }> }).jobs[0]!;
    expect(job).toMatchObject({ state: 'paused', message: 'Custody was stopped (SIGTERM) while the job ran; resume it to continue.', counts: { fetching: 0 } });
    expect(await partialsUnder(outDir)).toEqual([]);
    expect((await filesUnder(outDir)).size).toBe(job.counts.done);
    expect(auditedDownloads(await auditEvents(h))).toHaveLength(job.counts.done);
  });
});
