import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sha256Hex } from '../../crypto/sha256';
import { StorageError } from '../errors';

/** The points in taking a lock where a crash leaves something behind (tests kill a process at each). */
export type LockStep = 'temp-created' | 'temp-written' | 'linked' | 'held';

export type LockFileOptions = {
  /** Give up waiting for a live owner after this long (never before a dead owner's lock can be broken). */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its owner seems alive (a hung owner). */
  staleMs?: number;
  pollMs?: number;
  /** Test seam: runs at each step of taking the lock, so a test can kill the process there. */
  onStep?: (step: LockStep) => void | Promise<void>;
};

export type HeldLock = { release(): Promise<void> };

/** The lock stayed held by a live owner until the timeout. */
export class LockBusyError extends StorageError {}

/** Who holds a lock. `bootId` and `startTicks` tell a live owner from a reused pid (Linux only). */
type LockOwner = { pid: number; hostname: string; bootId?: string; startTicks?: number; token: string; createdAt: string };

/** A lock with no readable owner (left by a version that filled the file after creating it) is broken after this long. */
const UNREADABLE_STALE_MS = 5_000;
/** Leftovers named for another host or an earlier boot are removed after this long (no acquire waits that long). */
const FOREIGN_LEFTOVER_MS = 60 * 60_000;

/**
 * An exclusive lock between processes on one machine. The owner (pid, host, boot, process start
 * time, token) is written and fsynced to a temp file that is then hard-linked into place, so the
 * lock never exists without its owner. A lock whose owner died is broken at once, by one breaker at
 * a time (see breakLock). Temp and broken files are named after their creator, and removed once it
 * is dead, so a process killed at any step leaves nothing that stalls the next one.
 */
export async function acquireLockFile(path: string, options: LockFileOptions = {}): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 10;
  const onStep = options.onStep ?? (() => undefined);
  const self = currentProcess();
  const owner: LockOwner = { pid: process.pid, hostname: self.hostname, bootId: self.bootId, startTicks: self.startTicks, token: randomUUID(), createdAt: new Date().toISOString() };
  const started = Date.now();
  await mkdir(dirname(path), { recursive: true });
  await removeDeadLeftovers(path, staleMs);
  const temp = leftoverName(path, 'tmp');
  await writeOwnerFile(temp, owner, onStep);
  let seen = { key: '', at: 0 };
  try {
    for (let attempt = 0; ; attempt += 1) {
      if (await tryLink(temp, path)) {
        await onStep('linked');
        await unlinkIfExists(temp);
        await onStep('held');
        return { release: () => releaseLock(path, owner.token) };
      }
      const current = await readLock(path);
      if (!current) continue; // released between our link and our read
      if (observedKey(current) !== seen.key) seen = { key: observedKey(current), at: Date.now() };
      const breakableAt = breakableFrom(current, staleMs, seen.at);
      if (Date.now() >= breakableAt) {
        if (await breakLock(path, current, staleMs)) continue;
      } else if (Date.now() - started >= timeoutMs && breakableAt === Infinity) {
        // A live owner is waited for up to the timeout; a lock that will be breakable is waited for until it is.
        const holder = current.owner ? `pid ${current.owner.pid} on ${current.owner.hostname} since ${current.owner.createdAt}` : 'another process';
        throw new LockBusyError(`Lock ${path} is held by ${holder}; gave up after ${timeoutMs} ms`);
      }
      // Short polls first (appends take milliseconds), then back off to avoid spinning.
      await delay(Math.min(pollMs * 2 ** Math.min(attempt, 4), 200) * (0.5 + Math.random()));
    }
  } finally {
    await unlinkIfExists(temp);
  }
}

async function writeOwnerFile(temp: string, owner: LockOwner, onStep: (step: LockStep) => void | Promise<void>): Promise<void> {
  let handle;
  try {
    handle = await open(temp, 'wx');
  } catch (error) {
    throw new StorageError(`Cannot create lock file ${temp}`, error);
  }
  try {
    await onStep('temp-created');
    await handle.writeFile(JSON.stringify(owner));
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlinkIfExists(temp);
    throw new StorageError(`Cannot write lock file ${temp}`, error);
  }
  await handle.close();
  await onStep('temp-written');
}

async function tryLink(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw new StorageError(`Cannot create lock file ${path}`, error);
  }
}

/** One lock file as read: its content and identity come from the same open file. */
type ObservedLock = { text: string; owner: LockOwner | null; mtimeMs: number; ino: number };

async function readLock(path: string): Promise<ObservedLock | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw new StorageError(`Cannot read lock file ${path}`, error);
  }
  try {
    const info = await handle.stat();
    const text = info.size > 64 * 1024 ? '' : await handle.readFile('utf8');
    return { text, owner: parseOwner(text), mtimeMs: info.mtimeMs, ino: info.ino };
  } finally {
    await handle.close();
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    return typeof value.pid === 'number' && typeof value.hostname === 'string' && typeof value.token === 'string'
      ? (value as LockOwner)
      : null;
  } catch {
    return null; // empty or garbage: only age can make it stale
  }
}

/**
 * When this lock may be broken: now for a dead owner, after a while for a hung or unknown one
 * (counted from when it was written, or first seen if its time is in the future).
 */
function breakableFrom(lock: ObservedLock, staleMs: number, firstSeenMs: number): number {
  if (!lock.owner) return Math.min(lock.mtimeMs, firstSeenMs) + Math.min(UNREADABLE_STALE_MS, staleMs);
  if (!ownerAlive(lock.owner)) return -Infinity;
  return Date.now() - lock.mtimeMs > staleMs ? -Infinity : Infinity;
}

function ownerAlive(owner: LockOwner): boolean {
  const self = currentProcess();
  if (owner.hostname !== self.hostname) return true; // cannot tell: only age breaks it
  if (owner.bootId && self.bootId && owner.bootId !== self.bootId) return false; // the machine restarted since
  return processAlive(owner.pid, owner.startTicks);
}

/**
 * Breaks a lock judged breakable. Breakers first take a claim on that very lock (a lock of the same
 * kind, named after it), so one breaker at a time acts on it; the claimer re-reads the lock, and
 * moves it to a name only it uses and checks what moved, linking back a lock that was not the one
 * judged (an owner judged hung may have released it and a new owner taken it meanwhile).
 */
async function breakLock(path: string, observed: ObservedLock, staleMs: number): Promise<boolean> {
  const claimPath = `${path}.${sha256Hex(observedKey(observed)).slice(0, 16)}.claim`;
  let claim: HeldLock;
  try {
    claim = await acquireLockFile(claimPath, { timeoutMs: 0, staleMs });
  } catch (error) {
    if (error instanceof LockBusyError) return false; // another breaker is at it: wait, then look again
    throw error;
  }
  try {
    const current = await readLock(path);
    if (!current || observedKey(current) !== observedKey(observed)) return true; // gone or replaced already
    const moved = leftoverName(path, 'broken');
    try {
      await rename(path, moved);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return true;
      throw new StorageError(`Cannot break lock ${path}`, error);
    }
    try {
      const taken = await readLock(moved);
      if (taken && observedKey(taken) !== observedKey(observed)) await tryLink(moved, path);
    } finally {
      await unlinkIfExists(moved);
    }
    return true;
  } finally {
    await claim.release();
  }
}

function observedKey(lock: ObservedLock): string {
  return `${lock.ino}:${lock.mtimeMs}:${lock.text}`;
}

async function releaseLock(path: string, token: string): Promise<void> {
  const current = await readLock(path);
  // Our lock may have been broken as stale meanwhile; never remove someone else's.
  if (current?.owner?.token === token) await unlinkIfExists(path);
}

/** `<lock>.<host tag>.<pid>.<start ticks>.<random>.<kind>`: whose it is can be told even when empty. */
function leftoverName(path: string, kind: 'tmp' | 'broken'): string {
  return `${path}.${ownerTagOfThisProcess()}.${randomBytes(6).toString('hex')}.${kind}`;
}

/** How a leftover names the process that made it: `<host and boot tag>.<pid>.<start ticks>`. */
export function ownerTagOfThisProcess(): string {
  const self = currentProcess();
  return `${self.hostTag}.${process.pid}.${self.startTicks ?? 0}`;
}

/** Matches an owner tag (see ownerTagOfThisProcess) inside a leftover's name. */
export const OWNER_TAG_PATTERN = '[0-9a-f]{8}\\.\\d+\\.\\d+';

/**
 * Whether the process an owner tag names is gone, so its leftover can go: on this host and boot, when
 * that process is not running; a tag of another host or an earlier boot cannot be asked, so its
 * leftover goes once it is older than an hour.
 */
export function ownerTagIsDead(tag: string, leftoverAgeMs: number): boolean {
  const [hostTag, pid, startTicks] = tag.split('.');
  if (hostTag === currentProcess().hostTag) return !processAlive(Number(pid), Number(startTicks) || undefined);
  return leftoverAgeMs > FOREIGN_LEFTOVER_MS;
}

/**
 * Removes what processes that died left next to this lock: temp and broken files (killed while
 * taking or breaking it) and claims (killed while breaking it, after the lock was gone).
 */
async function removeDeadLeftovers(path: string, staleMs: number): Promise<void> {
  const prefix = `${basename(path)}.`;
  const self = currentProcess();
  let names: Array<string>;
  try {
    names = await readdir(dirname(path));
  } catch (error) {
    throw new StorageError(`Cannot list ${dirname(path)}`, error);
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const full = join(dirname(path), name);
    const leftover = /^(?:[0-9a-f]{16}\.claim\.)*([0-9a-f]{8})\.(\d+)\.(\d+)\.[0-9a-f]{12}\.(?:tmp|broken)$/.exec(rest);
    if (leftover) {
      const [, hostTag, pid, startTicks] = leftover;
      if (hostTag === self.hostTag) {
        if (!processAlive(Number(pid), Number(startTicks) || undefined)) await unlinkIfExists(full);
      } else {
        const info = await stat(full).catch(() => null);
        if (info && Date.now() - info.mtimeMs > FOREIGN_LEFTOVER_MS) await unlinkIfExists(full);
      }
    } else if (/^(?:[0-9a-f]{16}\.claim\.)*[0-9a-f]{16}\.claim$/.test(rest)) {
      const claim = await readLock(full);
      if (claim && breakableFrom(claim, staleMs, Date.now()) <= Date.now()) await breakLock(full, claim, staleMs);
    }
  }
}

type ProcessIdentity = { hostname: string; bootId: string | undefined; startTicks: number | undefined; hostTag: string };
let thisProcess: ProcessIdentity | undefined;

function currentProcess(): ProcessIdentity {
  if (!thisProcess) {
    const host = hostname();
    const bootId = readProcText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
    const hostTag = sha256Hex(`${host}\n${bootId ?? ''}`).slice(0, 8);
    thisProcess = { hostname: host, bootId, startTicks: processStartTicks(process.pid), hostTag };
  }
  return thisProcess;
}

/**
 * Whether `pid` is a running process, and the same one when its start time is known. A zombie
 * (killed, not yet reaped) counts as dead. Without /proc (macOS, Windows) only the pid is checked.
 */
export function processAlive(pid: number, startTicks?: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  const stat = readProcText(`/proc/${pid}/stat`);
  if (stat !== undefined) {
    if (stat === null) return false;
    const fields = procStatFields(stat);
    if (fields.state === 'Z' || fields.state === 'X') return false;
    return startTicks === undefined || fields.startTicks === startTicks;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

function processStartTicks(pid: number): number | undefined {
  const stat = readProcText(`/proc/${pid}/stat`);
  return stat ? procStatFields(stat).startTicks : undefined;
}

/** proc(5): the command name may hold spaces and parentheses, so fields are counted after its last ')'. */
function procStatFields(stat: string): { state: string | undefined; startTicks: number | undefined } {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(rest[19]); // field 22, starttime
  return { state: rest[0], startTicks: Number.isSafeInteger(startTicks) ? startTicks : undefined };
}

/** A /proc file's text; null when the entry is gone; undefined when this system has no /proc. */
function readProcText(path: string): string | null | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ESRCH') return procAvailable() ? null : undefined;
    return undefined;
  }
}

let hasProc: boolean | undefined;
function procAvailable(): boolean {
  hasProc ??= (() => {
    try {
      readFileSync('/proc/self/stat');
      return true;
    } catch {
      return false;
    }
  })();
  return hasProc;
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw new StorageError(`Cannot remove ${path}`, error);
  }
}

function errnoCode(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}
