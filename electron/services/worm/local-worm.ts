import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError } from '../errors';
import type { WormConnection } from './s3-client';

/** A throwaway single-node Ceph + radosgw started by build/worm/start.sh (tests and local development). */
export type LocalWorm = {
  connection: WormConnection;
  runDir: string;
  stop(): Promise<void>;
};

export type LocalWormStatus = {
  running: boolean;
  runDir: string | null;
  endpoint: string | null;
  /** Why it is not running, as status.sh reports it. */
  reason: string | null;
};

export type LocalWormOptions = {
  /** Where run dirs go; default `${XDG_RUNTIME_DIR:-/tmp}/custody-worm`. */
  baseDir?: string;
  /** Where start.sh, stop.sh and status.sh live; default build/worm/ in this checkout. */
  scriptsDir?: string;
  /** Stop the cluster when this process exits without stopping it (default true, so crashes leak nothing). */
  stopWithProcess?: boolean;
};

const startTimeoutMs = 90_000;
const stopTimeoutMs = 60_000;

export async function startLocalWorm(options: LocalWormOptions = {}): Promise<LocalWorm> {
  const scripts = wormScriptsDir(options.scriptsDir);
  const baseDir = options.baseDir ?? defaultBaseDir();
  await mkdir(baseDir, { recursive: true });
  // The run dir is made here, so that even a start.sh killed by our timeout leaves daemons we can stop.
  const runDir = await mkdtemp(join(baseDir, 'run.'));
  try {
    const owner: Record<string, string> = options.stopWithProcess === false ? {} : { WORM_OWNER_PID: String(process.pid) };
    await runScript(join(scripts, 'start.sh'), [], { WORM_BASE: baseDir, RUN_DIR: runDir, ...owner }, startTimeoutMs);
  } catch (error) {
    await stopLocalWorm(runDir, { scriptsDir: scripts, keep: true }).catch(() => undefined);
    throw new StorageError(`Local WORM store did not start (logs kept in ${runDir}/log): ${scriptFailure(error)}`, error);
  }
  return { connection: await connectionOf(runDir), runDir, stop: () => stopLocalWorm(runDir, { scriptsDir: scripts }) };
}

/**
 * A cluster started earlier (with `stopWithProcess: false`) that is still up: its connection, from its run
 * dir's env file. Null when it is down or gone. Lets a benchmark keep what it seeded between runs.
 */
export async function attachLocalWorm(runDir: string, options: { scriptsDir?: string } = {}): Promise<LocalWorm | null> {
  const scripts = wormScriptsDir(options.scriptsDir);
  try {
    await runScript(join(scripts, 'status.sh'), [runDir], {}, 10_000);
  } catch {
    return null;
  }
  return { connection: await connectionOf(runDir), runDir, stop: () => stopLocalWorm(runDir, { scriptsDir: scripts }) };
}

/** Stops the daemons recorded in `runDir` and removes it (unless `keep`). */
export async function stopLocalWorm(runDir: string, options: { scriptsDir?: string; keep?: boolean } = {}): Promise<void> {
  const stop = join(wormScriptsDir(options.scriptsDir), 'stop.sh');
  try {
    await runScript(stop, [runDir], options.keep ? { KEEP: '1' } : {}, stopTimeoutMs);
  } catch (error) {
    throw new StorageError(`Could not stop the local WORM store in ${runDir}: ${scriptFailure(error)}`, error);
  }
}

/** Status of the newest cluster under `baseDir` (its `current` link). */
export async function localWormStatus(baseDir?: string, options: { scriptsDir?: string } = {}): Promise<LocalWormStatus> {
  const status = join(wormScriptsDir(options.scriptsDir), 'status.sh');
  let output: string;
  try {
    output = await runScript(status, [], { WORM_BASE: baseDir ?? defaultBaseDir() }, 10_000);
  } catch (error) {
    // status.sh exits 3 when the cluster is down; its report is on stdout either way.
    const stdout = (error as { stdout?: unknown }).stdout;
    if ((error as { code?: unknown }).code !== 3 || typeof stdout !== 'string') {
      throw new StorageError(`Could not query the local WORM store: ${scriptFailure(error)}`, error);
    }
    output = stdout;
  }
  const fields = parseEnvFile(output);
  return {
    running: fields.get('state') === 'up',
    runDir: fields.get('run_dir') || null,
    endpoint: fields.get('endpoint') || null,
    reason: fields.get('reason') || null,
  };
}

function defaultBaseDir(): string {
  return join(process.env.XDG_RUNTIME_DIR || tmpdir(), 'custody-worm');
}

function wormScriptsDir(override: string | undefined): string {
  const dir = override ?? fileURLToPath(new URL('../../../build/worm/', import.meta.url));
  if (!existsSync(join(dir, 'start.sh'))) {
    throw new StorageError(`WORM scripts not found in ${dir} (expected build/worm/start.sh of a source checkout)`);
  }
  return dir;
}

// Knobs the scripts would otherwise inherit from whoever runs us (e.g. real S3 credentials).
const scrubbedEnv = ['RUN_DIR', 'RGW_PORT', 'MON_PORT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'KEEP', 'WORM_BASE', 'WORM_OWNER_PID'];

async function runScript(script: string, args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs: number): Promise<string> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !scrubbedEnv.includes(name)));
  return new Promise((resolve, reject) => {
    execFile('bash', [script, ...args], { env: { ...base, ...env }, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve(stdout);
    });
  });
}

function scriptFailure(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const tail = typeof stderr === 'string' ? stderr.trim().split('\n').slice(-30).join('\n') : '';
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return tail ? `${message}\n${tail}` : (message ?? 'unknown error');
}

function parseEnvFile(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) entries.set(match[1], match[2]);
  }
  return entries;
}

/** The S3 connection start.sh wrote into `runDir`/env. */
async function connectionOf(runDir: string): Promise<WormConnection> {
  const env = parseEnvFile(await readFile(join(runDir, 'env'), 'utf8'));
  return {
    endpoint: requireEnv(env, 'S3_ENDPOINT', runDir),
    region: requireEnv(env, 'S3_REGION', runDir),
    accessKeyId: requireEnv(env, 'S3_ACCESS_KEY', runDir),
    secretAccessKey: requireEnv(env, 'S3_SECRET_KEY', runDir),
  };
}

function requireEnv(env: Map<string, string>, name: string, runDir: string): string {
  const value = env.get(name);
  if (!value) throw new StorageError(`${runDir}/env has no ${name}`);
  return value;
}
