import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';
import { filesUnder, partialsUnder, readManifest, recordingsInQueue, storeCliCredentials } from '../../helpers/bulk';
import { runCli } from '../../helpers/run-cli';

const DAY = 86_400_000;
const bin = fileURLToPath(new URL('../../../bin/custody.mjs', import.meta.url));

let h: Harness | undefined;
let forget: (() => Promise<void>) | undefined;
afterEach(async () => {
  await forget?.();
  await h?.close();
  h = undefined;
  forget = undefined;
});

async function setup(sandbox: Parameters<typeof startHarness>[0]['sandbox']) {
  h = await startHarness({ worm: inject('worm').connection, sandbox });
  forget = await storeCliCredentials(h);
  return h;
}

const cli = (harness: Harness, args: ReadonlyArray<string>) => runCli([...args, '--profile', harness.profile], { env: harness.env, timeoutMs: 90_000 });

describe('custody retrieve and custody jobs', () => {
  it('resumes a retrieve killed with SIGKILL mid-job: every recording once, none corrupt, no temporary file left', async () => {
    const harness = await setup({ recordings: 60, days: 10, archivedFraction: 0 });
    const from = new Date(TEST_ANCHOR.getTime() - 10 * DAY).toISOString();
    const to = TEST_ANCHOR.toISOString();
    const expected = recordingsInQueue(harness.sandbox, 'FX Spot Desk', Date.parse(from), Date.parse(to));
    const outDir = join(harness.root, 'out');
    const child = spawn(
      process.execPath,
      [bin, 'retrieve', '--queue', 'FX Spot Desk', '--from', from, '--to', to, '--case', 'FCA-2026-0042', '--out', outDir, '--concurrency', '2', '--json', '--profile', harness.profile],
      { env: { ...process.env, ...harness.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? -1 : code)));
    let jobId = '';
    for await (const line of createInterface({ input: child.stdout })) {
      const event = JSON.parse(line) as { event: string; id: string; counts: { done: number } };
      if (event.event !== 'progress') continue;
      jobId = event.id;
      if (event.counts.done >= 3) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited).toBe(-1);
    const listed = await cli(harness, ['jobs', 'list', '--json']);
    const job = (JSON.parse(listed.stdout) as { jobs: Array<{ id: string; state: string; counts: { done: number; total: number } }> }).jobs[0]!;
    expect(job).toMatchObject({ id: jobId, state: 'interrupted' });
    expect(job.counts.done).toBeLessThan(expected.length);

    const resumed = await cli(harness, ['jobs', 'resume', jobId.slice(0, 8)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`Job ${jobId}: done - ${expected.length} of ${expected.length} recordings retrieved`));
    const manifest = await readManifest(outDir);
    expect(manifest.files.map((f) => f.recordingId).sort()).toEqual(expected.map((r) => r.id).sort());
    const files = await filesUnder(outDir);
    expect(files.size).toBe(expected.length);
    for (const f of manifest.files) expect(files.get(f.file)).toBe(f.sha256);
    expect(await partialsUnder(outDir)).toEqual([]);
  });

  it('reports every unusable CSV row with its line and reason, retrieves the rest, and exits 2 listing what failed', async () => {
    const harness = await setup({ recordings: 60, days: 30, archivedFraction: 0.3 });
    const tagged = harness.sandbox.dataset.conversations.filter((c) => c.tradingId && c.recordings.length === 1);
    const available = tagged.filter((c) => c.recordings[0]!.fileState === 'AVAILABLE').slice(0, 3);
    const archived = tagged.find((c) => c.recordings[0]!.fileState === 'ARCHIVED')!;
    const csv = [
      'trading_id,desk,note',
      `${available[0]!.tradingId},FX,first`,
      '',
      `"${available[1]!.tradingId}",FX,"quoted, with a comma"`,
      '"T-BROKEN,FX,unterminated quote',
      ',FX,empty id',
      `${available[0]!.tradingId},FX,again`,
      'T-19990101-0001,FX,unknown',
      `${available[2]!.tradingId}`,
      `${archived.tradingId},Rates,archived`,
    ].join('\n');
    const file = join(harness.root, 'regulator-request.csv');
    await writeFile(file, csv);
    const outDir = join(harness.root, 'out');
    const run = await cli(harness, ['retrieve', '--trading-ids', file, '--case', 'FCA-2026-0042', '--out', outDir]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('4 input row(s) not used:');
    expect(run.stderr).toContain('line 5: "\\"T-BROKEN,FX,unterminated quote": malformed CSV: a quoted field is not closed');
    expect(run.stderr).toContain('line 6: "": empty trading ID');
    expect(run.stderr).toContain(`line 7: "${available[0]!.tradingId}": duplicate of line 2; retrieved once`);
    expect(run.stderr).toMatch(/line 8: "T-19990101-0001": unknown trading ID: no call carries it between/);
    expect(run.stdout).toMatch(/done-with-failures - 3 of 4 recordings retrieved/);
    expect(run.stdout).toContain('Requested but not retrievable (3 input row(s)):');
    expect(run.stdout).toMatch(new RegExp(`archived +${archived.tradingId} +${archived.id}/${archived.recordings[0]!.id} +Archived in Genesys: restore it`));
    const manifest = await readManifest(outDir);
    expect(manifest.files.map((f) => f.tradingId).sort()).toEqual(available.map((c) => c.tradingId).sort());

    const shown = await cli(harness, ['jobs', 'show', manifest.job.id, '--json']);
    const detail = JSON.parse(shown.stdout) as { inputReport: Array<{ line: number }>; state: string };
    expect(detail.state).toBe('done-with-failures');
    expect(detail.inputReport.map((p) => p.line)).toEqual([5, 6, 7, 8]);
  });

  it('pauses a job running in another process, then resumes it here; a CSV with nothing usable does not start a job', async () => {
    // Every sandbox answer takes 300-400 ms, so the job still runs when the pause arrives from a process still starting.
    const harness = await setup({ recordings: 60, days: 10, archivedFraction: 0, faults: { slow: 1 }, slowFaultMs: { minMs: 300, maxMs: 400 }, rateLimitPerMinute: 100_000 });
    const from = new Date(TEST_ANCHOR.getTime() - 10 * DAY).toISOString();
    const { job } = await harness.composed.jobs.create({
      selection: { kind: 'queue', queue: 'FX Spot Desk', from, to: TEST_ANCHOR.toISOString() },
      caseReference: 'FCA-2026-0042',
      outDir: join(harness.root, 'out'),
      concurrency: 1,
      api: 'per-conversation',
    });
    await harness.composed.jobs.runInBackground(job.id);
    const paused = await cli(harness, ['jobs', 'pause', job.id, '--json']);
    expect(paused.code, paused.stderr).toBe(0);
    expect(JSON.parse(paused.stdout)).toMatchObject({ id: job.id, state: 'paused', message: 'Paused by the officer.' });
    const local = await harness.composed.jobs.summary(job.id);
    expect(local.state).toBe('paused');
    expect(local.counts.done).toBeLessThan(local.counts.total);
    expect((await harness.composed.jobs.run(job.id)).state).toBe('done');

    const empty = join(harness.root, 'empty.csv');
    await writeFile(empty, 'trading_id\n,\n"open\n');
    const refused = await cli(harness, ['retrieve', '--trading-ids', empty, '--case', 'FCA-2026-0042', '--out', join(harness.root, 'none')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 2: "": empty trading ID');
    expect(refused.stderr).toContain('holds no usable trading ID');
    const usage = await cli(harness, ['retrieve', '--queue', 'FX', '--case', 'FCA-2026-0042', '--out', 'x']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/--from is required/);
  });
});
