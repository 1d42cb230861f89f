import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { createFxSpotJob, filesUnder, partialsUnder, readManifest } from '../../helpers/bulk';

const isRoot = process.getuid?.() === 0;

/** A tiny tmpfs makes a real "no space left on device"; it needs root (CAP_SYS_ADMIN). */
function canMountTmpfs(): boolean {
  const probe = join(tmpdir(), `custody-mount-probe-${process.pid}`);
  spawnSync('mkdir', ['-p', probe]);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  spawnSync('rmdir', [probe]);
  return mounted;
}
const tmpfsAvailable = canMountTmpfs();

let h: Harness | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await h?.close();
  h = undefined;
});


describe('bulk retrieval on a full or unwritable disk', () => {
  it.skipIf(!tmpfsAvailable)('fails the recordings that do not fit (no space left), keeps every finished file intact, pauses, and resumes once there is room', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 30, days: 10, archivedFraction: 0 } });
    const mountPoint = await mkdtemp(join(tmpdir(), 'custody-full-disk-'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=320k', 'tmpfs', mountPoint]).status).toBe(0);
    cleanups.push(() => {
      spawnSync('umount', [mountPoint]);
      spawnSync('rmdir', [mountPoint]);
    });
    const outDir = join(mountPoint, 'out');
    const { job, expected } = await createFxSpotJob(h, outDir, { days: 10, concurrency: 1 });
    const outcome = await h.composed.jobs.run(job.id);
    expect(outcome.state).toBe('paused');
    expect(outcome.message).toMatch(/cannot be written .*(ENOSPC|no space left).*Free space or fix its permissions/i);
    const detail = await h.composed.jobs.detail(job.id);
    expect(detail.counts.done).toBeGreaterThan(0);
    expect(detail.counts.failed).toBeGreaterThanOrEqual(3);
    expect(detail.failures.map((f) => f.reason).filter((r) => !/ENOSPC|no space left/i.test(r))).toEqual([]);
    // What was retrieved is whole: every file on disk is a recorded, verified one; no temporary file is left.
    const files = await filesUnder(outDir);
    expect(files.size).toBe(detail.counts.done);
    expect(await partialsUnder(outDir)).toEqual([]);

    expect(spawnSync('mount', ['-o', 'remount,size=16m', mountPoint]).status).toBe(0);
    expect((await h.composed.jobs.run(job.id)).state).toBe('done');
    const manifest = await readManifest(outDir);
    expect(manifest.files.map((f) => f.recordingId).sort()).toEqual(expected.map((r) => r.id).sort());
    const after = await filesUnder(outDir);
    for (const f of manifest.files) expect(after.get(f.file)).toBe(f.sha256);
    for (const [path, sha] of files) expect(after.get(path)).toBe(sha);
  });

  it('fails the recordings when the output folder is unwritable, without auditing them, then pauses instead of burning through the job', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { recordings: 30, days: 10, archivedFraction: 0 } });
    const outDir = join(h.root, 'locked-out');
    await mkdir(outDir);
    const { job, expected } = await createFxSpotJob(h, outDir, { days: 10, concurrency: 1 });
    // Root ignores permission bits, so for root the folder is made immutable instead.
    const lock = isRoot ? spawnSync('chattr', ['+i', outDir]).status === 0 : (await chmod(outDir, 0o555), true);
    expect(lock).toBe(true);
    cleanups.push(() => {
      if (isRoot) spawnSync('chattr', ['-i', outDir]);
    });
    const outcome = await h.composed.jobs.run(job.id);
    expect(outcome.state).toBe('paused');
    expect(outcome.message).toMatch(/cannot be written/);
    const detail = await h.composed.jobs.detail(job.id);
    expect(detail.counts).toMatchObject({ done: 0, failed: 3 });
    expect(detail.failures[0]!.reason).toMatch(/Cannot create the folder .*locked-out/);
    expect(await readdir(outDir)).toEqual([]);

    if (isRoot) spawnSync('chattr', ['-i', outDir]);
    else await chmod(outDir, 0o755);
    expect((await h.composed.jobs.run(job.id)).state).toBe('done');
    expect((await readManifest(outDir)).files.length).toBe(expected.length);
    await rm(outDir, { recursive: true, force: true });
  });
});
