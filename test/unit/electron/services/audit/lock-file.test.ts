import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLockFile } from '../../../../../electron/services/audit/lock-file';
import { StorageError } from '../../../../../electron/services/errors';
import { killWhileTakingLock, lockLeftovers, lockSteps } from '../../../../helpers/lock-kill';

let dir: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custody-lock-'));
  lockPath = join(dir, 'audit.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited: a lock it left behind is stale. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('acquireLockFile', () => {
  it('gives the lock to one holder at a time', async () => {
    const first = await acquireLockFile(lockPath);
    let secondHeld = false;
    const second = (async () => {
      const lock = await acquireLockFile(lockPath);
      secondHeld = true;
      return lock;
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(secondHeld).toBe(false);
    await first.release();
    const lock = await second;
    expect(secondHeld).toBe(true);
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('times out with a message naming the holder', async () => {
    const held = await acquireLockFile(lockPath);
    const error = await acquireLockFile(lockPath, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(new RegExp(`held by pid ${process.pid} on ${hostname()}`));
    await held.release();
  });

  it('takes over a lock left by a process that has died', async () => {
    const pid = await deadPid();
    await writeFile(lockPath, JSON.stringify({ pid, hostname: hostname(), token: 'dead', createdAt: new Date().toISOString() }));
    const lock = await acquireLockFile(lockPath, { timeoutMs: 2_000 });
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('takes over a lock older than staleMs even if its owner looks alive', async () => {
    await writeFile(lockPath, JSON.stringify({ pid: process.pid, hostname: hostname(), token: 'hung', createdAt: '2026-01-01T00:00:00Z' }));
    const old = new Date(Date.now() - 120_000);
    await utimes(lockPath, old, old);
    const lock = await acquireLockFile(lockPath, { timeoutMs: 2_000, staleMs: 60_000 });
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('does not treat a live owner on another host as dead', async () => {
    const pid = await deadPid();
    await writeFile(lockPath, JSON.stringify({ pid, hostname: `not-${hostname()}`, token: 'remote', createdAt: new Date().toISOString() }));
    await expect(acquireLockFile(lockPath, { timeoutMs: 150 })).rejects.toThrow(/held by pid/);
  });

  it('release never removes a lock that was taken over by someone else', async () => {
    const lock = await acquireLockFile(lockPath);
    const other = JSON.stringify({ pid: process.pid, hostname: hostname(), token: 'someone-else', createdAt: new Date().toISOString() });
    await writeFile(lockPath, other);
    await lock.release();
    expect(await readFile(lockPath, 'utf8')).toBe(other);
  });

  it('serialises separate processes (no lost increments)', async () => {
    const counter = join(dir, 'counter');
    await writeFile(counter, '0');
    const worker = fileURLToPath(new URL('../../../../helpers/fixtures/lock-file-worker.ts', import.meta.url));
    const run = () =>
      new Promise<void>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', worker, lockPath, counter, '15'], { timeout: 30_000 }, (error) => (error ? reject(error) : resolve()));
      });
    await Promise.all([run(), run(), run()]);
    expect(await readFile(counter, 'utf8')).toBe('45');
  }, 40_000);

  it('never shows a lock without its owner: the file appears complete', async () => {
    const lock = await acquireLockFile(lockPath);
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname(), token: expect.any(String) });
    expect(await lockLeftovers(lockPath)).toEqual(['audit.lock']);
    await lock.release();
    expect(await lockLeftovers(lockPath)).toEqual([]);
  });

  it.skipIf(!existsSync('/proc/self/stat'))('breaks at once a lock whose pid now belongs to another process (pid reused)', async () => {
    const startTicks = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[19]);
    await writeFile(lockPath, JSON.stringify({ pid: process.pid, hostname: hostname(), startTicks: startTicks + 1, token: 'reused', createdAt: new Date().toISOString() }));
    const started = Date.now();
    const lock = await acquireLockFile(lockPath, { timeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    await lock.release();
  });

  it('waits past its timeout for an unreadable (legacy, empty) lock until it may be broken, then takes it', async () => {
    await writeFile(lockPath, '');
    const started = Date.now();
    const lock = await acquireLockFile(lockPath, { timeoutMs: 100, staleMs: 600 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('lets only one of many waiters break a dead owner\'s lock at a time', async () => {
    await writeFile(lockPath, JSON.stringify({ pid: await deadPid(), hostname: hostname(), token: 'dead', createdAt: new Date().toISOString() }));
    let inside = 0;
    let overlaps = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const lock = await acquireLockFile(lockPath, { timeoutMs: 5_000 });
        inside += 1;
        if (inside > 1) overlaps += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        inside -= 1;
        await lock.release();
      }),
    );
    expect(overlaps).toBe(0);
    expect(await lockLeftovers(lockPath)).toEqual([]);
  });

  it.each(lockSteps)('recovers within a second from a process killed at step %s of taking the lock', async (step) => {
    await killWhileTakingLock(lockPath, step);
    const started = Date.now();
    const lock = await acquireLockFile(lockPath, { timeoutMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await lockLeftovers(lockPath)).toEqual(['audit.lock']);
    await lock.release();
    expect(await lockLeftovers(lockPath)).toEqual([]);
  }, 30_000);
});
