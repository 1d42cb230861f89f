/**
 * Benchmark 3: crash safety.
 *
 *   npx tsx test/bench/crash-safety.ts [--runs 20] [--recordings 3000] [--seed 7] [--max-kill-ms 20000]
 *                                      [--rate-limit 600] [--api per-conversation]
 *
 * Each run starts the real `custody retrieve` (a child process, through bin/custody.mjs) for a
 * queue and 5-day window, kills it with SIGKILL at a random moment (process start, index sync,
 * job creation or retrieval: the sandbox's rate limit keeps a run long enough for the kill to land
 * in it), then resumes the job with
 * `custody jobs resume` (or starts it again when the kill came before the job existed). It then
 * counts, against the sandbox's own audio files: recordings missing from the output folder,
 * recordings present more than once, and files whose bytes differ from what the sandbox serves.
 * Not a test: it prints figures.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createKeyringSecretStore } from '../../electron/services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../../electron/services/auth/credentials';
import { SecretRedactor } from '../../electron/services/logging/redactor';
import { createRng } from '../sandbox/prng';
import { SANDBOX_CLIENT } from '../sandbox/server';
import { startPrivateKeyring } from '../helpers/private-keyring';
import { runCli } from '../helpers/run-cli';
import { benchProfile, load, startSandboxProcess } from './bench-env';
import { OFFICER_A_LOGIN, signInOfficer } from '../helpers/officer-signin';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    recordings: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '7' },
    'max-kill-ms': { type: 'string', default: '20000' },
    'rate-limit': { type: 'string', default: '600' },
    api: { type: 'string', default: 'per-conversation' },
  },
});
const runs = Number(values.runs);
const maxKillMs = Number(values['max-kill-ms']);
console.log(
  `command: npx tsx test/bench/crash-safety.ts --runs ${runs} --recordings ${values.recordings} --seed ${values.seed} --max-kill-ms ${maxKillMs} --rate-limit ${values['rate-limit']} --api ${values.api}`,
);
console.log(`machine: load average ${load()}`);

const DAY = 86_400_000;
const bin = fileURLToPath(new URL('../../bin/custody.mjs', import.meta.url));
const QUEUES = ['FX Spot Desk', 'Rates Desk', 'Client Services'];

const keyring = await startPrivateKeyring();
process.env.DBUS_SESSION_BUS_ADDRESS = keyring.busAddress;
delete process.env.DISPLAY;
const audioDir = await mkdtemp(join(tmpdir(), 'custody-bench-crash-audio-'));
const sandbox = await startSandboxProcess(['--recordings', values.recordings!, '--days', '30', '--rate-limit', values['rate-limit']!, '--audio-dir', audioDir]);
const profile = await benchProfile(sandbox.url);
const vault = new CredentialVault(createKeyringSecretStore(), profile.name, new SecretRedactor());
await vault.saveGenesys(SANDBOX_CLIENT);
await signInOfficer({ profile: profile.name, env: profile.env, secrets: createKeyringSecretStore(), user: OFFICER_A_LOGIN });
await vault.saveWorm({ accessKeyId: profile.worm.connection.accessKeyId, secretAccessKey: profile.worm.connection.secretAccessKey });
const env = { ...profile.env, DBUS_SESSION_BUS_ADDRESS: keyring.busAddress, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const cli = (args: ReadonlyArray<string>) => runCli([...args, '--profile', profile.name], { env, timeoutMs: 300_000 });

/** SHA-256 of each recording as the sandbox serves it (its generated audio files). */
async function referenceHashes(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await readdir(audioDir)) {
    if (!name.endsWith('.wav')) continue;
    const id = name.split('-tones-')[0]!;
    out.set(id, createHash('sha256').update(await readFile(join(audioDir, name))).digest('hex'));
  }
  return out;
}

/** Recording id -> the files that hold it (path and SHA-256), under an output folder. */
async function filesByRecording(dir: string): Promise<Map<string, Array<string>>> {
  const out = new Map<string, Array<string>>();
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.wav')) {
        const id = entry.name.replace(/\.wav$/, '').split('_').at(-1)!;
        out.set(id, [...(out.get(id) ?? []), createHash('sha256').update(await readFile(path)).digest('hex')]);
      }
    }
  }
  await walk(dir);
  return out;
}

const dataset = await sandbox.dataset();
const anchorMs = Date.parse(dataset.anchor);
const rng = createRng(Number(values.seed));
const totals = { missing: 0, duplicated: 0, corrupt: 0, partialLeft: 0, expected: 0, archived: 0 };
const phases = new Map<string, number>();
const root = await mkdtemp(join(tmpdir(), 'custody-bench-crash-out-'));
const started = performance.now();
try {
  for (let run = 0; run < runs; run += 1) {
    const queue = QUEUES[run % QUEUES.length]!;
    const toMs = anchorMs - (run % 5) * 5 * DAY;
    const fromMs = toMs - 5 * DAY;
    const queueId = dataset.queues.find((q) => q.name === queue)!.id;
    const wanted = dataset.conversations
      .filter((c) => c.queueId === queueId && Date.parse(c.startTime) >= fromMs && Date.parse(c.startTime) < toMs)
      .flatMap((c) => c.recordings);
    const expected = new Set(wanted.filter((r) => r.fileState === 'AVAILABLE').map((r) => r.id));
    const outDir = join(root, `run-${run}`);
    const args = ['retrieve', '--queue', queue, '--from', new Date(fromMs).toISOString(), '--to', new Date(toMs).toISOString(), '--case', 'BENCH-CRASH', '--out', outDir, '--concurrency', '4', '--api', values.api!];
    const killAfterMs = Math.round(rng.uniform(300, maxKillMs));
    const child = spawn(process.execPath, [bin, ...args, '--json', '--profile', profile.name], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const end = await exited;
    clearTimeout(timer);

    const listed = JSON.parse((await cli(['jobs', 'list', '--json'])).stdout) as { jobs: Array<{ id: string; outDir: string; state: string; counts: { done: number; total: number } }> };
    const job = listed.jobs.find((j) => j.outDir === outDir);
    let phase: string;
    let finish;
    if (end.signal !== 'SIGKILL') {
      phase = 'finished before the kill';
    } else if (!job) {
      phase = 'killed before the job existed';
      finish = await cli(args);
    } else {
      phase = job.counts.done === 0 ? 'killed before the first file' : 'killed mid-retrieval';
      finish = await cli(['jobs', 'resume', job.id]);
    }
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
    const reference = await referenceHashes();
    const files = await filesByRecording(outDir);
    let missing = 0;
    let duplicated = 0;
    let corrupt = 0;
    for (const id of expected) if (!files.has(id)) missing += 1;
    for (const [id, hashes] of files) {
      if (hashes.length > 1 || !expected.has(id)) duplicated += hashes.length - (expected.has(id) ? 1 : 0);
      for (const hash of hashes) if (reference.get(id) !== hash) corrupt += 1;
    }
    const partialLeft = (await readdir(join(outDir, '.custody-partial')).catch(() => [])).length;
    totals.missing += missing;
    totals.duplicated += duplicated;
    totals.corrupt += corrupt;
    totals.partialLeft += partialLeft;
    totals.expected += expected.size;
    totals.archived += wanted.length - expected.size;
    console.log(
      `run ${String(run + 1).padStart(2)}: ${queue}, ${expected.size} recordings; SIGKILL at ${killAfterMs} ms: ${phase}${job ? ` (${job.counts.done}/${job.counts.total} done at the kill)` : ''}; ` +
        `then exit ${finish?.code ?? end.code}; missing ${missing}, duplicated ${duplicated}, corrupt ${corrupt}, temporary files left ${partialLeft}`,
    );
  }
} finally {
  console.log(`-- ${runs} runs in ${((performance.now() - started) / 1000).toFixed(0)} s; ${totals.expected} recordings expected in all (${totals.archived} archived ones reported, not retrievable)`);
  console.log(`   kill moments: ${[...phases].map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  console.log(`   missing ${totals.missing} / duplicated ${totals.duplicated} / corrupt ${totals.corrupt}; temporary files left ${totals.partialLeft}`);
  console.log(`load average at the end: ${load()}`);
  await sandbox.stop();
  await profile.worm.stop();
  await keyring.stop();
  for (const dir of [root, audioDir, profile.root]) await rm(dir, { recursive: true, force: true });
}
