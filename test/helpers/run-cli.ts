import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/custody.mjs', import.meta.url));
const peakRssProbe = new URL('./peak-rss-probe.mjs', import.meta.url).href;

/** `peakRssBytes`: the child's peak resident set size, when asked for with `measurePeakRss`. */
export type CliRun = { code: number | null; stdout: string; stderr: string; ms: number; peakRssBytes?: number };

/** Runs the real `custody` command in a child process, as a user or a script would. */
export async function runCli(
  args: ReadonlyArray<string>,
  options: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number; measurePeakRss?: boolean } = {},
): Promise<CliRun> {
  const rssFile = options.measurePeakRss ? join(tmpdir(), `custody-peak-rss-${randomUUID()}`) : null;
  const run = await runChild(rssFile ? ['--import', peakRssProbe, bin, ...args] : [bin, ...args], {
    ...options,
    env: { ...options.env, ...(rssFile ? { CUSTODY_TEST_PEAK_RSS_FILE: rssFile } : {}) },
  });
  if (!rssFile) return run;
  try {
    return { ...run, peakRssBytes: Number(await readFile(rssFile, 'utf8')) * 1024 };
  } finally {
    await rm(rssFile, { force: true });
  }
}

function runChild(nodeArgs: ReadonlyArray<string>, options: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number }): Promise<CliRun> {
  const started = Date.now();
  const child = spawn(process.execPath, nodeArgs, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}
