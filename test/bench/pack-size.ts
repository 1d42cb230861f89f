// Evidence packs of any size: the peak memory (VmHWM, and the V8 heap's high-water mark) and the time
// of building a pack of 100 and of 10,000 small recordings through the real builder, each in its own
// process, and their ratio (goal: flat, <= 1.2x). The audit side is real: radosgw with Object Lock
// (the export's item manifest is locked there, and one export event names it) and a Genesys sandbox
// the profile points at; the recordings are tiny synthetic WAVs already in the media cache, so the
// figures are the builder's own, not the retrieval's.
//   npx tsx test/bench/pack-size.ts                      (BENCH_PACK_SIZES=100,2000 for a quicker run;
//                                                         BENCH_PACK_VERIFY=0 skips the verify runs)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabaseSync } from '../../electron/db/connection';
import { profilePaths } from '../../electron/services/config/profile';
import { seedTinyRecordings } from '../helpers/synthetic-recordings';
import { SANDBOX_CLIENT } from '../sandbox/server';
import { benchProfile, load, startSandboxProcess } from './bench-env';

const sizes = (process.env.BENCH_PACK_SIZES ?? '100,10000').split(',').map(Number);
const verify = process.env.BENCH_PACK_VERIFY !== '0';
const child = fileURLToPath(new URL('./pack-bench-child.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

type ChildReport = { ms: number; baselineRssKb: number; peakRssKb: number; peakHeapBytes: number; detail?: { payloadFiles?: number } };

console.log(`load average at start: ${load()} (on ${availableParallelism()} cores; other work on the machine skews every figure)`);
const sandbox = await startSandboxProcess(['--recordings', '50']);
const profile = await benchProfile(sandbox.url);
try {
  const dataDir = profilePaths(profile.name, profile.env).dataDir;
  const indexKey = randomBytes(32);
  const cacheKey = randomBytes(32);
  const secrets = {
    [`${profile.name}/genesys`]: JSON.stringify(SANDBOX_CLIENT),
    [`${profile.name}/worm`]: JSON.stringify({ accessKeyId: profile.worm.connection.accessKeyId, secretAccessKey: profile.worm.connection.secretAccessKey }),
    [`${profile.name}/index-key`]: JSON.stringify({ key: indexKey.toString('hex') }),
    [`${profile.name}/cache-key`]: JSON.stringify({ key: cacheKey.toString('hex') }),
  };
  const env = { CUSTODY_CONFIG_DIR: profile.env.CUSTODY_CONFIG_DIR!, CUSTODY_DATA_DIR: profile.env.CUSTODY_DATA_DIR! };
  const runChild = async (mode: 'build' | 'verify', recordingIds: ReadonlyArray<string>, out: string): Promise<ChildReport> => {
    const optionsFile = join(profile.root, `options-${mode}.json`);
    await writeFile(optionsFile, JSON.stringify({ profile: profile.name, env, secrets, recordingIds, out }));
    const run = spawnSync(tsx, [child, mode, `@${optionsFile}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0) throw new Error(`${mode} failed: ${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as ChildReport;
  };

  const results: Array<{ size: number; build: ChildReport; verify: ChildReport | null; files: number }> = [];
  for (const size of sizes) {
    const seeding = performance.now();
    const db = openDatabaseSync(join(dataDir, 'index.sqlite'), indexKey);
    const seeded = await seedTinyRecordings({ db, dataDir, cacheKey }, size, `s${size}`);
    db.close();
    console.log(`${size} recordings seeded in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    const out = join(profile.root, `pack-${size}`);
    const build = await runChild('build', seeded.map((r) => r.recordingId), out);
    const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    const verified = verify ? await runChild('verify', [], out) : null;
    results.push({ size, build, verify: verified, files });
    await rm(out, { recursive: true, force: true });
  }

  const mib = (kb: number) => (kb / 1024).toFixed(0);
  const heap = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  console.log('');
  console.log('| recordings | files | build s | build peak RSS MiB (before building) | build peak heap MiB | verify s | verify peak RSS MiB |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const { size, build, verify: v, files } of results) {
    console.log(
      `| ${size} | ${files} | ${(build.ms / 1000).toFixed(1)} | ${mib(build.peakRssKb)} (${mib(build.baselineRssKb)}) | ${heap(build.peakHeapBytes)} | ${v ? (v.ms / 1000).toFixed(1) : '—'} | ${v ? mib(v.peakRssKb) : '—'} |`,
    );
  }
  const [small, large] = [results[0]!, results.at(-1)!];
  console.log('');
  console.log(`${large.size} vs ${small.size} recordings: build peak RSS ${(large.build.peakRssKb / small.build.peakRssKb).toFixed(2)}x (goal <= 1.2x), peak heap ${(large.build.peakHeapBytes / small.build.peakHeapBytes).toFixed(2)}x, growth above the process before building ${mib(large.build.peakRssKb - large.build.baselineRssKb)} vs ${mib(small.build.peakRssKb - small.build.baselineRssKb)} MiB; time per recording ${(large.build.ms / large.size).toFixed(1)} vs ${(small.build.ms / small.size).toFixed(1)} ms`);
  console.log(`load average at end: ${load()}`);
} finally {
  await sandbox.stop();
  await profile.worm.stop();
  await rm(profile.root, { recursive: true, force: true });
}
