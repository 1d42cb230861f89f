/**
 * Benchmark 1: quota use.
 *
 *   npx tsx test/bench/quota.ts [--recordings 5000] [--rate-limit 3000] [--token-ttl 60] [--fault-5xx 0.02]
 *                               [--concurrency 16] [--api auto|batch|per-conversation] [--skip-baseline]
 *
 * The sandbox runs in its own process with the given per-token limit, token lifetime and injected 5xx
 * rate. Custody retrieves every recording through a bulk job as the product runs it (`--api auto`:
 * the batch download API; index sync, every file audited before it is written, a batch per audit
 * event, verified atomic writes), then a plain loop over the official SDK with a fixed 1 s sleep on 429 does
 * the same downloads against a fresh sandbox. Both sandboxes serve audio from a cache warmed before
 * either run, so the emulator's audio synthesis (CPU) is not what is measured. Figures come from the
 * sandbox's /__sandbox/stats and from the files on disk. Not a test: it prints figures.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import platformClient from 'purecloud-platform-client-v2';
import { CredentialVault } from '../../electron/services/auth/credentials';
import { composeEngine } from '../../electron/services/composition/compose-engine';
import { createSdkClient } from '../../electron/services/genesys/genesys-client';
import { SecretRedactor } from '../../electron/services/logging/redactor';
import type { JobApi } from '../../shared/jobs';
import { SANDBOX_CLIENT, type Dataset, type SandboxStats } from '../sandbox/server';
import { benchProfile, load, memorySecrets, pointProfileAt, startSandboxProcess } from './bench-env';
import { OFFICER_A_LOGIN, signInOfficer } from '../helpers/officer-signin';

const { values } = parseArgs({
  options: {
    recordings: { type: 'string', default: '5000' },
    'rate-limit': { type: 'string', default: '3000' },
    'token-ttl': { type: 'string', default: '60' },
    'fault-5xx': { type: 'string', default: '0.02' },
    concurrency: { type: 'string', default: '16' },
    api: { type: 'string', default: 'auto' },
    'skip-baseline': { type: 'boolean', default: false },
  },
});
const recordings = Number(values.recordings);
const allowed = Number(values['rate-limit']);
const sandboxArgs = ['--recordings', String(recordings), '--rate-limit', String(allowed), '--token-ttl', values['token-ttl']!, '--fault', `http5xx=${values['fault-5xx']}`];
console.log(
  `command: npx tsx test/bench/quota.ts --recordings ${recordings} --rate-limit ${allowed} --token-ttl ${values['token-ttl']} --fault-5xx ${values['fault-5xx']} --concurrency ${values.concurrency} --api ${values.api}${values['skip-baseline'] ? ' --skip-baseline' : ''}`,
);
console.log(`machine: load average ${load()}; sandbox args: ${sandboxArgs.join(' ')}`);

type Outcome = { wallMs: number; stats: SandboxStats; retrieved: Map<string, number>; archived: number; lost: number; duplicates: number };

/** Files per recording id (the id is the last part of the file name), and duplicated ones. */
async function filesByRecording(dir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) await walk(join(current, entry.name));
      } else if (entry.name.endsWith('.wav')) {
        const id = entry.name.replace(/\.wav$/, '').split('_').at(-1)!;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
  }
  await walk(dir);
  return counts;
}

function summarize(label: string, outcome: Outcome) {
  const { stats, wallMs } = outcome;
  const accepted = stats.requests.api - stats.rateLimited;
  const achievedPerMinute = (accepted * 60_000) / wallMs;
  console.log(`-- ${label}`);
  console.log(
    `   wall time ${(wallMs / 1000).toFixed(1)} s; API requests ${stats.requests.api} (${stats.rateLimited} answered 429, ${stats.byStatus['401'] ?? 0} answered 401, ${stats.http5xxInjected} injected 5xx); tokens issued ${stats.tokensIssued}; media downloads ${stats.requests.media}`,
  );
  console.log(
    `   achieved ${achievedPerMinute.toFixed(0)} accepted requests/min over the run = ${(achievedPerMinute / allowed).toFixed(3)} of the allowed ${allowed}/min; busiest 60 s window ${stats.rate.peakPerMinute60s} requests (${(stats.rate.peakPerMinute60s / allowed).toFixed(3)})`,
  );
  console.log(`   recordings retrieved ${outcome.retrieved.size}; archived (restore needed, reported) ${outcome.archived}; lost ${outcome.lost}; duplicates ${outcome.duplicates}`);
  const endpoints = Object.entries(stats.byEndpoint).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k}: ${v}`);
  console.log(`   by endpoint: ${endpoints.join('; ')}`);
}

function expectedOf(dataset: Dataset) {
  const available = dataset.recordings.filter((r) => r.fileState === 'AVAILABLE').map((r) => r.id);
  return { available: new Set(available), archived: dataset.recordings.length - available.length };
}

const audioDir = join(process.env.TMPDIR ?? '/tmp', `custody-bench-audio-${process.pid}`);

/** Has the sandbox synthesise every recording's audio once, through batch downloads on an unlimited sandbox. */
async function warmAudio(): Promise<void> {
  const started = performance.now();
  const sandbox = await startSandboxProcess(['--recordings', String(recordings), '--rate-limit', '1000000', '--audio-dir', audioDir]);
  try {
    const basic = Buffer.from(`${SANDBOX_CLIENT.clientId}:${SANDBOX_CLIENT.clientSecret}`).toString('base64');
    const { access_token: token } = (await (
      await fetch(`${sandbox.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
    ).json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const conversations = (await sandbox.dataset()).conversations.map((c) => c.id);
    const chunks = Array.from({ length: Math.ceil(conversations.length / 100) }, (_, i) => conversations.slice(i * 100, i * 100 + 100));
    let next = 0;
    const worker = async () => {
      for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
        const { id } = (await (await fetch(`${sandbox.url}/api/v2/recording/batchrequests`, { method: 'POST', headers, body: JSON.stringify({ batchDownloadRequestList: chunk.map((conversationId) => ({ conversationId })) }) })).json()) as { id: string };
        let status: { status: string; results: Array<{ resultUrl?: string }> };
        do {
          await sleep(300);
          status = (await (await fetch(`${sandbox.url}/api/v2/recording/batchrequests/${id}`, { headers })).json()) as typeof status;
        } while (status.status !== 'Completed');
        for (const result of status.results) if (result.resultUrl) await (await fetch(result.resultUrl)).arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  } finally {
    await sandbox.stop();
  }
  console.log(`   audio cache warmed for ${recordings} recordings in ${((performance.now() - started) / 1000).toFixed(1)} s (not part of either measurement)`);
}

async function runCustody(): Promise<Outcome> {
  const sandbox = await startSandboxProcess([...sandboxArgs, '--audio-dir', audioDir]);
  const profile = await benchProfile(sandbox.url);
  const secrets = memorySecrets();
  const vault = new CredentialVault(secrets, profile.name, new SecretRedactor());
  await vault.saveGenesys(SANDBOX_CLIENT);
  // The job runs as a signed-in officer, under her own token and rate budget.
  await signInOfficer({ profile: profile.name, env: profile.env, secrets, user: OFFICER_A_LOGIN });
  await vault.saveWorm({ accessKeyId: profile.worm.connection.accessKeyId, secretAccessKey: profile.worm.connection.secretAccessKey });
  const composed = await composeEngine({ profile: profile.name, env: profile.env, secrets, mediaUrlBase: 'media://recording/' });
  try {
    const dataset = await sandbox.dataset();
    const expected = expectedOf(dataset);
    const outDir = join(profile.root, 'out');
    await sandbox.resetStats();
    const started = performance.now();
    const { job } = await composed.jobs.create({
      selection: { kind: 'search', query: { from: new Date(Date.parse(dataset.anchor) - (dataset.days + 1) * 86_400_000).toISOString() } },
      caseReference: 'BENCH-QUOTA',
      outDir,
      concurrency: Number(values.concurrency),
      api: values.api as JobApi,
    });
    const createdMs = performance.now() - started;
    console.log(`   job ${job.id}: ${job.counts.total} items after the index sync (${(createdMs / 1000).toFixed(1)} s)`);
    let lastLog = 0;
    const unsubscribe = composed.events.subscribe((event) => {
      if (event.kind !== 'job.progress' || performance.now() - lastLog < 15_000) return;
      lastLog = performance.now();
      const p = event.progress;
      console.log(`   ... ${p.counts.done}/${p.counts.total} done, ${p.ratePerMinute}/min, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    });
    const outcome = await composed.jobs.run(job.id);
    unsubscribe();
    const wallMs = performance.now() - started;
    const stats = await sandbox.stats();
    console.log(`   job ended ${outcome.state}${outcome.message ? `: ${outcome.message}` : ''}`);
    const retrieved = await filesByRecording(outDir);
    const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as { files: Array<{ recordingId: string; file: string; sha256: string; auditEventId: string }> };
    let corrupt = 0;
    for (const f of manifest.files) {
      if (createHash('sha256').update(await readFile(join(outDir, f.file))).digest('hex') !== f.sha256) corrupt += 1;
    }
    const manifestIds = manifest.files.map((f) => f.recordingId);
    const auditedFiles = manifest.files.filter((f) => f.auditEventId).length;
    console.log(`   manifest rows ${manifestIds.length} (${manifestIds.length - new Set(manifestIds).size} repeated); files whose SHA-256 differs from the manifest: ${corrupt}; sync ${(createdMs / 1000).toFixed(1)} s + retrieval ${((wallMs - createdMs) / 1000).toFixed(1)} s`);
    console.log(`   files with their audit event ${auditedFiles}/${manifestIds.length}, recorded by ${new Set(manifest.files.map((f) => f.auditEventId)).size} download events (WORM PUTs)`);
    return {
      wallMs,
      stats,
      retrieved,
      archived: expected.archived,
      lost: [...expected.available].filter((id) => !retrieved.has(id)).length,
      duplicates: [...retrieved.values()].reduce((sum, n) => sum + n - 1, 0) + (manifestIds.length - new Set(manifestIds).size),
    };
  } finally {
    await composed.close();
    await sandbox.stop();
    await profile.worm.stop();
    await pointProfileAt(profile, 'http://127.0.0.1:9');
    await rm(profile.root, { recursive: true, force: true });
  }
}

/** The naive baseline: one SDK call per conversation in a plain loop, a fixed 1 s sleep on 429, immediate retry otherwise. */
async function runBaseline(): Promise<Outcome> {
  const sandbox = await startSandboxProcess([...sandboxArgs, '--audio-dir', audioDir]);
  const outDir = join(process.env.TMPDIR ?? '/tmp', `custody-bench-baseline-${process.pid}`);
  await mkdir(outDir, { recursive: true });
  try {
    const dataset = await sandbox.dataset();
    const expected = expectedOf(dataset);
    const url = new URL(sandbox.url);
    const sdk = createSdkClient({ gateway: `http://127.0.0.1:${url.port}` });
    const recordingApi = new platformClient.RecordingApi(sdk);
    const login = async () => {
      const auth = await sdk.loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, SANDBOX_CLIENT.clientSecret);
      sdk.setAccessToken(auth.accessToken);
    };
    await sandbox.resetStats();
    const started = performance.now();
    await login();
    for (const conversation of dataset.conversations) {
      const have = new Set<string>();
      for (let tries = 0; tries < 200; tries += 1) {
        let status: number;
        let body: Array<{ id: string; fileState?: string; mediaUris?: Record<string, { mediaUri?: string }> }> = [];
        try {
          const res = (await recordingApi.getConversationRecordings(conversation.id, { formatId: 'WAV' })) as unknown as { status: number; body: typeof body };
          status = res.status;
          body = res.body;
        } catch (error) {
          status = (error as { status?: number }).status ?? 0;
        }
        if (status === 429) {
          await sleep(1000);
          continue;
        }
        if (status === 401) {
          await login();
          continue;
        }
        if (status !== 200 && status !== 202) continue;
        let complete = status === 200;
        for (const recording of body) {
          if (have.has(recording.id) || recording.fileState !== 'AVAILABLE') continue;
          const uri = Object.values(recording.mediaUris ?? {}).find((m) => m.mediaUri)?.mediaUri;
          if (!uri) {
            complete = false;
            continue;
          }
          const media = await fetch(uri).catch(() => null);
          if (!media?.ok) {
            complete = false;
            continue;
          }
          await writeFile(join(outDir, `${conversation.id}_${recording.id}.wav`), Buffer.from(await media.arrayBuffer()));
          have.add(recording.id);
        }
        if (complete) break;
      }
    }
    const wallMs = performance.now() - started;
    const retrieved = await filesByRecording(outDir);
    return {
      wallMs,
      stats: await sandbox.stats(),
      retrieved,
      archived: expected.archived,
      lost: [...expected.available].filter((id) => !retrieved.has(id)).length,
      duplicates: [...retrieved.values()].reduce((sum, n) => sum + n - 1, 0),
    };
  } finally {
    await sandbox.stop();
    await rm(outDir, { recursive: true, force: true });
  }
}

await warmAudio();
const custody = await runCustody();
summarize('Custody bulk job (rate governor)', custody);
if (!values['skip-baseline']) {
  const baseline = await runBaseline();
  summarize('Baseline: plain SDK loop, fixed 1 s sleep on 429', baseline);
  console.log(`-- ratio: baseline wall time / Custody wall time = ${(baseline.wallMs / custody.wallMs).toFixed(2)}; 429s ${baseline.stats.rateLimited} vs ${custody.stats.rateLimited}`);
}
console.log(`load average at the end: ${load()}`);
await rm(audioDir, { recursive: true, force: true });
