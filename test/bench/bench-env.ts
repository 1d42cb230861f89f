import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { updateProfile, profilePaths } from '../../electron/services/config/profile';
import type { SecretStore } from '../../electron/services/ports';
import { startLocalWorm, type LocalWorm } from '../../electron/services/worm/local-worm';
import { createWormS3Client } from '../../electron/services/worm/s3-client';
import type { Dataset, SandboxStats } from '../sandbox/server';
import { createTestBucket } from '../helpers/worm';

/** Shared plumbing of the benchmarks: a sandbox in its own process, a WORM store, a profile. */

const runScript = fileURLToPath(new URL('../sandbox/run.ts', import.meta.url));

export const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

export type SandboxProcess = {
  url: string;
  child: ChildProcess;
  stats(): Promise<SandboxStats>;
  resetStats(): Promise<void>;
  dataset(): Promise<Dataset>;
  stop(): Promise<void>;
};

/** `test/sandbox/run.ts` in a child process, so the sandbox does not share the engine's event loop. */
export async function startSandboxProcess(args: ReadonlyArray<string>): Promise<SandboxProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', runScript, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the sandbox did not start')), 60_000);
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited (${code})`)));
  });
  const control = async (path: string, method = 'GET') => {
    const res = await fetch(`${url}/__sandbox/${path}`, { method });
    if (!res.ok) throw new Error(`sandbox control ${path}: ${res.status}`);
    return res.json();
  };
  return {
    url,
    child,
    stats: async () => (await control('stats')) as SandboxStats,
    resetStats: async () => {
      await control('stats/reset', 'POST');
    },
    dataset: async () => (await control('dataset')) as Dataset,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function memorySecrets(): SecretStore {
  const values = new Map<string, string>();
  return {
    get: async (account) => values.get(account) ?? null,
    set: async (account, secret) => {
      values.set(account, secret);
    },
    delete: async (account) => values.delete(account),
  };
}

export type BenchProfile = { name: string; env: NodeJS.ProcessEnv; root: string; worm: LocalWorm; bucket: string };

/** A fresh WORM store and audit bucket, and a profile pointing at them and at the sandbox. */
export async function benchProfile(sandboxUrl: string): Promise<BenchProfile> {
  const root = await mkdtemp(join(tmpdir(), 'custody-bench-'));
  const env = { ...process.env, CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data') };
  const worm = await startLocalWorm();
  const s3 = createWormS3Client(worm.connection);
  const bucket = await createTestBucket(s3, 'bench-audit', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
  const name = 'bench';
  await updateProfile(profilePaths(name, env).profileFile, (p) => ({
    ...p,
    genesys: { gateway: sandboxUrl },
    officerSignIn: { redirectPort: 0 },
    worm: { endpoint: worm.connection.endpoint, region: worm.connection.region, auditBucket: bucket, mode: 'COMPLIANCE', auditRetentionDays: 1 },
  }));
  return { name, env, root, worm, bucket };
}

export async function pointProfileAt(profile: BenchProfile, sandboxUrl: string): Promise<void> {
  await updateProfile(profilePaths(profile.name, profile.env).profileFile, (p) => ({ ...p, genesys: { gateway: sandboxUrl } }));
}
