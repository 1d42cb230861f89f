import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LockStep } from '../../electron/services/audit/lock-file';

export const lockSteps: ReadonlyArray<LockStep> = ['temp-created', 'temp-written', 'linked', 'held'];

/** Starts a real Node process taking the lock, waits until it reaches `step`, then kills it with SIGKILL. */
export async function killWhileTakingLock(lockPath: string, step: LockStep): Promise<void> {
  const worker = fileURLToPath(new URL('./fixtures/lock-kill-worker.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', worker, lockPath, step], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes(`at ${step}\n`)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`lock worker exited (${code}) before reaching ${step}: ${out}`)));
  });
  child.kill('SIGKILL');
  await exited;
}

/** Files next to the lock that belong to it (the lock itself, temp and broken files). */
export async function lockLeftovers(lockPath: string): Promise<Array<string>> {
  const name = basename(lockPath);
  return (await readdir(dirname(lockPath))).filter((entry) => entry === name || entry.startsWith(`${name}.`)).sort();
}
