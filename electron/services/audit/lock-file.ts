import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { StorageError } from '../errors';

export type LockFileOptions = {
  /** Give up waiting after this long. */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its owner seems alive (a hung owner). */
  staleMs?: number;
  pollMs?: number;
};

export type HeldLock = { release(): Promise<void> };

type LockOwner = { pid: number; hostname: string; token: string; createdAt: string };

/**
 * An exclusive lock between processes on one machine: a file created with O_EXCL holding the owner.
 * A lock whose owner process is gone, or that is older than `staleMs`, is broken; breaking happens
 * under a second O_EXCL file so that two waiters cannot both break it and then remove each other's lock.
 */
export async function acquireLockFile(path: string, options: LockFileOptions = {}): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 10;
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), token: randomUUID(), createdAt: new Date().toISOString() };
  const started = Date.now();
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt += 1) {
    if (await tryCreate(path, JSON.stringify(owner))) return { release: () => releaseLock(path, owner.token) };
    const current = await readLock(path);
    if (current && (await isStale(current, staleMs))) {
      await breakStaleLock(path, current.text);
      continue;
    }
    if (Date.now() - started >= timeoutMs) {
      const holder = current?.owner ? `pid ${current.owner.pid} on ${current.owner.hostname} since ${current.owner.createdAt}` : 'another process';
      throw new StorageError(`Lock ${path} is held by ${holder}; gave up after ${timeoutMs} ms`);
    }
    // Short polls first (appends take milliseconds), then back off to avoid spinning.
    await delay(Math.min(pollMs * 2 ** Math.min(attempt, 4), 200) * (0.5 + Math.random()));
  }
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return false;
    throw new StorageError(`Cannot create lock file ${path}`, error);
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

type ObservedLock = { text: string; owner: LockOwner | null; mtimeMs: number };

async function readLock(path: string): Promise<ObservedLock | null> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, owner: parseOwner(text), mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw new StorageError(`Cannot read lock file ${path}`, error);
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    return typeof value.pid === 'number' && typeof value.hostname === 'string' && typeof value.token === 'string'
      ? (value as LockOwner)
      : null;
  } catch {
    return null; // being written right now, or garbage: only age can make it stale
  }
}

async function isStale(lock: ObservedLock, staleMs: number): Promise<boolean> {
  if (Date.now() - lock.mtimeMs > staleMs) return true;
  return lock.owner !== null && lock.owner.hostname === hostname() && !processAlive(lock.owner.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

async function breakStaleLock(path: string, observed: string): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await tryCreate(breaker, String(process.pid)))) {
    // Someone else is breaking it; a breaker left by a crashed process is cleared after a while.
    const info = await stat(breaker).catch(() => null);
    if (info && Date.now() - info.mtimeMs > 10_000) await unlinkIfExists(breaker);
    await delay(5);
    return;
  }
  try {
    const current = await readLock(path);
    if (current?.text === observed) await unlinkIfExists(path);
  } finally {
    await unlinkIfExists(breaker);
  }
}

async function releaseLock(path: string, token: string): Promise<void> {
  const current = await readLock(path);
  // Our lock may have been broken as stale meanwhile; never remove someone else's.
  if (current?.owner?.token === token) await unlinkIfExists(path);
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw new StorageError(`Cannot remove ${path}`, error);
  }
}
