import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { createWormS3Client } from '../../../electron/services/worm/s3-client';
import { runCli } from '../../helpers/run-cli';

let root: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'custody-worm-start-'));
  // Its own runtime dir: the suite's radosgw runs under the default one, and "worm start" refuses a second.
  env = { XDG_RUNTIME_DIR: join(root, 'run'), CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data') };
});
afterAll(async () => {
  await runCli(['worm', 'stop', '--profile', 'wormstart'], { env });
  await createKeyringSecretStore().delete('wormstart/worm');
  await rm(root, { recursive: true, force: true });
});

describe('custody worm start', () => {
  it('creates the audit bucket and the archive bucket, both COMPLIANCE-locked, and records both in the profile', async () => {
    const started = await runCli(['worm', 'start', '--profile', 'wormstart', '--json'], { env, timeoutMs: 120_000 });
    expect(started.code, started.stderr).toBe(0);
    const result = JSON.parse(started.stdout) as { endpoint: string; bucket: string; archiveBucket: string; retentionDays: number };
    expect(result).toMatchObject({ bucket: 'custody-audit', archiveBucket: 'custody-archive', retentionDays: 1826 });

    const profile = JSON.parse(await readFile(join(root, 'config', 'profiles', 'wormstart.json'), 'utf8')) as { worm: Record<string, unknown> };
    expect(profile.worm).toMatchObject({ auditBucket: 'custody-audit', archiveBucket: 'custody-archive', mode: 'COMPLIANCE' });

    const keys = JSON.parse((await createKeyringSecretStore().get('wormstart/worm'))!) as { accessKeyId: string; secretAccessKey: string };
    const s3 = createWormS3Client({ endpoint: result.endpoint, region: 'us-east-1', ...keys });
    for (const bucket of ['custody-audit', 'custody-archive']) {
      const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      expect(lock.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1826 } } });
    }
    s3.destroy();
  });
});
