// Evidence pack benchmark: build and verify throughput on N MiB of audio (default 2048) as a ratio to
// `sha256sum` over the same files in the same run, and the peak memory (VmHWM) of each.
//   npx tsx test/bench/pack-throughput.ts            (BENCH_PACK_MB=512 for a quicker run)
// Needs a local radosgw (started and stopped here, like the integration tests) and free disk for
// about 3.2x the audio (source cache + pack); it checks before it starts and removes everything after.
// The AWS SDK warns about Node 20 at import; the packaged app runs on Electron's newer Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIndexRepository } from '../../electron/db/repositories/index-repository';
import { createMediaRepository } from '../../electron/db/repositories/media-repository';
import { openDatabaseSync } from '../../electron/db/connection';
import { profilePaths, updateProfile } from '../../electron/services/config/profile';
import { pcmWavHeader } from '../../electron/services/packs/audio-copy';
import { MediaCache } from '../../electron/services/cache/media-cache';
import { systemClock } from '../../electron/services/adapters/system-clock';
import { createWormS3Client } from '../../electron/services/worm/s3-client';
import { createTestBucket, startTestWorm } from '../helpers/worm';

const totalMb = Number(process.env.BENCH_PACK_MB ?? 2048);
const recordingMb = 32;
const count = Math.max(1, Math.round(totalMb / recordingMb));
const child = fileURLToPath(new URL('./pack-bench-child.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

const root = await mkdtemp(join(tmpdir(), 'custody-pack-bench-'));
const free = statfsSync(root);
const needed = totalMb * 1024 * 1024 * 3.2;
if (free.bavail * free.bsize < needed) {
  console.error(`Not enough free disk in ${root}: ${(free.bavail * free.bsize / 2 ** 30).toFixed(1)} GiB free, ${(needed / 2 ** 30).toFixed(1)} GiB needed.`);
  process.exit(1);
}
const loadavg = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
console.log(`load average at start: ${await loadavg()} (on ${availableParallelism()} cores; other work on the machine skews every figure)`);
console.log(`pack bench: ${count} recordings x ${recordingMb} MiB = ${count * recordingMb} MiB of 16-bit PCM WAV; work dir ${root}`);
const worm = await startTestWorm();
try {
  const env = { CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data') };
  const profile = 'bench';
  const s3 = createWormS3Client(worm.connection);
  const bucket = await createTestBucket(s3, 'pack-bench', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
  await updateProfile(profilePaths(profile, env).profileFile, (p) => ({
    ...p,
    operatorName: 'Bench Officer',
    worm: { endpoint: worm.connection.endpoint, region: worm.connection.region, auditBucket: bucket, mode: 'COMPLIANCE', auditRetentionDays: 1 / 24 },
  }));

  // The recordings as if already retrieved: WAV files in the media cache, rows in the index.
  const dataDir = profilePaths(profile, env).dataDir;
  const mediaDir = join(dataDir, 'media');
  await mkdir(mediaDir, { recursive: true });
  // The keys the child finds in its keychain: the recordings enter the cache sealed, as a retrieval leaves them.
  const indexKey = randomBytes(32);
  const cacheKey = randomBytes(32);
  const db = openDatabaseSync(join(dataDir, 'index.sqlite'), indexKey);
  const index = createIndexRepository(db);
  const media = createMediaRepository(db);
  const cache = new MediaCache({ dir: mediaDir, repository: media, clock: systemClock, key: cacheKey });
  const block = randomBytes(1 << 20);
  const recordingIds: Array<string> = [];
  const audioFiles: Array<string> = [];
  const now = Date.now();
  const generated = performance.now();
  for (let i = 0; i < count; i += 1) {
    const conversationId = `bench-conv-${String(i).padStart(4, '0')}`;
    const recordingId = `bench-rec-${String(i).padStart(4, '0')}`;
    const dataBytes = recordingMb * (1 << 20) - 44;
    const cached = await cache.store(recordingId, 'genesys', async (target) => {
      const hash = createHash('sha256');
      const handle = await target.open();
      const header = pcmWavHeader(2, 8000, 16, dataBytes);
      hash.update(header);
      await handle.append(header);
      for (let written = 0; written < dataBytes; ) {
        const chunk = block.subarray(0, Math.min(block.length, dataBytes - written));
        chunk[0] = i & 0xff;
        hash.update(chunk);
        await handle.append(chunk);
        written += chunk.length;
      }
      await handle.complete();
      await handle.close();
      return { bytes: recordingMb * (1 << 20), sha256: hash.digest('hex'), contentType: 'audio/wav' };
    });
    const startMs = now - (count - i) * 3_600_000;
    await index.upsertConversations(
      [{ id: conversationId, startMs, endMs: startMs + 1_048_000, direction: 'inbound', queueId: 'q', queueName: 'FX Desk', agentId: 'a', agentName: 'Bench Agent', tradingId: `T-BENCH-${i}`, clientAccount: 'ACC-1', participants: [{ purpose: 'agent', name: 'Bench Agent', userId: 'a' }], hasRecording: true }],
      now,
    );
    await index.replaceRecordings(conversationId, [{ id: recordingId, startMs, endMs: startMs + 1_048_000, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], now);
    recordingIds.push(recordingId);
    audioFiles.push(cached.path);
  }
  db.close();
  console.log(`generated in ${((performance.now() - generated) / 1000).toFixed(1)} s`);

  const sha256sum = (files: ReadonlyArray<string>) => {
    const started = performance.now();
    const run = spawnSync('sha256sum', files, { maxBuffer: 64 << 20 });
    if (run.status !== 0) throw new Error(`sha256sum failed: ${run.stderr}`);
    return performance.now() - started;
  };
  const runChild = (mode: 'build' | 'verify', out: string) => {
    const secrets = {
      [`${profile}/worm`]: JSON.stringify({ accessKeyId: worm.connection.accessKeyId, secretAccessKey: worm.connection.secretAccessKey }),
      [`${profile}/index-key`]: JSON.stringify({ key: indexKey.toString('hex') }),
      [`${profile}/cache-key`]: JSON.stringify({ key: cacheKey.toString('hex') }),
    };
    const run = spawnSync(tsx, [child, mode, JSON.stringify({ profile, env, secrets, recordingIds, out })], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0) throw new Error(`${mode} failed: ${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { ms: number; baselineRssKb: number; peakRssKb: number; stages?: Record<string, unknown> };
  };
  const mib = count * recordingMb;
  const rate = (ms: number, megabytes = mib) => megabytes / (ms / 1000);

  const hashAudioBefore = sha256sum(audioFiles);
  const out = join(root, 'pack');
  const build = runChild('build', out);
  const hashAudioAfter = sha256sum(audioFiles);
  const hashAudio = Math.min(hashAudioBefore, hashAudioAfter);

  const packFiles = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const packMib = (await Promise.all(packFiles.map(async (f) => (await stat(f)).size))).reduce((a, b) => a + b, 0) / 2 ** 20;
  const hashPackBefore = sha256sum(packFiles);
  const verify = runChild('verify', out);
  const hashPackAfter = sha256sum(packFiles);
  const hashPack = Math.min(hashPackBefore, hashPackAfter);

  const rows = [
    ['sha256sum over the audio', hashAudio, mib, null],
    ['pack build (audio in)', build.ms, mib, build.peakRssKb],
    ['sha256sum over the pack', hashPack, packMib, null],
    ['pack verify (pack in)', verify.ms, packMib, verify.peakRssKb],
  ] as const;
  console.log('');
  console.log('| step | seconds | MiB | MiB/s | peak RSS MiB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, ms, size, rss] of rows) {
    console.log(`| ${name} | ${(ms / 1000).toFixed(2)} | ${size.toFixed(0)} | ${rate(ms, size).toFixed(0)} | ${rss === null ? '—' : (rss / 1024).toFixed(0)} |`);
  }
  console.log('');
  const stages = build.stages ?? {};
  console.log(`build stages: copy ${String(stages.copyMs)} ms, audit proofs and tag files ${String(stages.proofsMs)} ms, flush to disk ${String(stages.flushMs)} ms`);
  console.log(`build throughput / sha256sum throughput (same audio):  ${(hashAudio / build.ms).toFixed(2)}  (goal >= 0.8)`);
  console.log(`verify throughput / sha256sum throughput (same pack):  ${(hashPack / verify.ms).toFixed(2)}  (goal >= 0.8)`);
  console.log(`load average at end: ${await loadavg()}`);
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  console.log(`peak memory: build ${mb(build.peakRssKb)} MiB (process at ${mb(build.baselineRssKb)} MiB before building), verify ${mb(verify.peakRssKb)} MiB (${mb(verify.baselineRssKb)} MiB before)  (goal < 200 MiB)`);
} finally {
  await worm.stop();
  await rm(root, { recursive: true, force: true });
}
