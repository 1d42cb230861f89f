/**
 * Which Genesys API is cheaper for a job of n conversations: the batch download API or one
 * recordings call per conversation?
 *
 *   npx tsx test/bench/batch-vs-single.ts [--sizes 1,2,3,5,10,25,100] [--batch-delay-ms 500]
 *
 * For each size and API, a fresh sandbox (so transcoding happens as for a first request), a job
 * over n tagged conversations, and the API calls the job made (index sync excluded) and its wall
 * time. Not a test: it prints figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CredentialVault } from '../../electron/services/auth/credentials';
import { composeEngine } from '../../electron/services/composition/compose-engine';
import { profilePaths, updateProfile } from '../../electron/services/config/profile';
import { SecretRedactor } from '../../electron/services/logging/redactor';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { createWormS3Client } from '../../electron/services/worm/s3-client';
import type { JobApi } from '../../shared/jobs';
import { SANDBOX_CLIENT, startSandbox } from '../sandbox/server';
import { createTestBucket } from '../helpers/worm';
import { load, memorySecrets } from './bench-env';
import { OFFICER_A_LOGIN, signInOfficer } from '../helpers/officer-signin';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1,2,3,5,10,25,100' }, 'batch-delay-ms': { type: 'string', default: '500' } } });
const sizes = values.sizes!.split(',').map(Number);
console.log(`command: npx tsx test/bench/batch-vs-single.ts --sizes ${sizes.join(',')} --batch-delay-ms ${values['batch-delay-ms']}`);
console.log(`machine: load average ${load()}`);

const worm = await startLocalWorm();
const audioDir = await mkdtemp(join(tmpdir(), 'custody-bench-bvs-audio-'));
const s3 = createWormS3Client(worm.connection);
try {
  console.log('conversations  api               API calls  calls/recording  wall s');
  for (const size of sizes) {
    for (const api of ['per-conversation', 'batch'] as const satisfies ReadonlyArray<JobApi>) {
      const sandbox = await startSandbox({ recordings: 600, days: 20, archivedFraction: 0, audioEngine: 'tones', audioDir, batchDelayMs: Number(values['batch-delay-ms']) });
      const root = await mkdtemp(join(tmpdir(), 'custody-bench-bvs-'));
      const env = { ...process.env, CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data') };
      const bucket = await createTestBucket(s3, 'bench-bvs', { mode: 'COMPLIANCE', defaultRetentionDays: 1 });
      await updateProfile(profilePaths('bvs', env).profileFile, (p) => ({
        ...p,
        genesys: { gateway: sandbox.url },
        officerSignIn: { redirectPort: 0 },
        worm: { endpoint: worm.connection.endpoint, region: worm.connection.region, auditBucket: bucket, mode: 'COMPLIANCE', auditRetentionDays: 1 },
      }));
      const secrets = memorySecrets();
      const vault = new CredentialVault(secrets, 'bvs', new SecretRedactor());
      await vault.saveGenesys(SANDBOX_CLIENT);
      // Officer actions run as a signed-in officer, with her own token.
      await signInOfficer({ profile: 'bvs', env, secrets, user: OFFICER_A_LOGIN });
      await vault.saveWorm({ accessKeyId: worm.connection.accessKeyId, secretAccessKey: worm.connection.secretAccessKey });
      const composed = await composeEngine({ profile: 'bvs', env, secrets, mediaUrlBase: 'media://recording/' });
      try {
        const counts = new Map<string, number>();
        for (const c of sandbox.dataset.conversations) if (c.tradingId) counts.set(c.tradingId, (counts.get(c.tradingId) ?? 0) + 1);
        const chosen = sandbox.dataset.conversations.filter((c) => c.tradingId && counts.get(c.tradingId) === 1).slice(0, size);
        const { job } = await composed.jobs.create({
          selection: { kind: 'trading-ids', source: 'bench', rows: chosen.map((c, i) => ({ line: i + 1, tradingId: c.tradingId! })), problems: [] },
          caseReference: 'BENCH-BVS',
          outDir: join(root, 'out'),
          api,
        });
        sandbox.resetStats();
        const started = performance.now();
        const outcome = await composed.jobs.run(job.id);
        const wall = (performance.now() - started) / 1000;
        const stats = sandbox.stats();
        const recordings = chosen.reduce((sum, c) => sum + c.recordings.length, 0);
        if (outcome.state !== 'done') console.log(`   (job ended ${outcome.state}: ${outcome.message})`);
        console.log(
          `${String(size).padStart(13)}  ${api.padEnd(16)}  ${String(stats.requests.api).padStart(9)}  ${(stats.requests.api / recordings).toFixed(2).padStart(15)}  ${wall.toFixed(2).padStart(6)}`,
        );
      } finally {
        await composed.close();
        await sandbox.close();
        await rm(root, { recursive: true, force: true });
      }
    }
  }
} finally {
  await worm.stop();
  await rm(audioDir, { recursive: true, force: true });
  console.log(`load average at the end: ${load()}`);
}
