import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profilePaths, updateProfile } from '../../../electron/services/config/profile';
import { startPrivateKeyring, type PrivateKeyring } from '../../helpers/private-keyring';
import { runCli } from '../../helpers/run-cli';

let dirs: NodeJS.ProcessEnv;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'custody-cli-'));
  dirs = { CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data'), DISPLAY: '' };
});
afterAll(() => rm(root, { recursive: true, force: true }));

const login = (env: NodeJS.ProcessEnv) =>
  runCli(['login', '--client-id', 'client-1', '--gateway', 'http://127.0.0.1:9', '--profile', 'kc'], {
    env: { ...dirs, ...env },
    stdin: 'a-client-secret-value\n',
    timeoutMs: 30_000,
  });

describe('the OS keychain, when it cannot be used', () => {
  it('without a Secret Service at all: a clear error, no secret stored elsewhere', async () => {
    const run = await login({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/The OS keychain could not store the secret: .*Unlock the login keyring \(or start a Secret Service/);
    expect(run.stderr).not.toContain('a-client-secret-value');
  });

  describe('when it is locked', () => {
    let keyring: PrivateKeyring;
    beforeAll(async () => {
      keyring = await startPrivateKeyring();
    });
    afterAll(async () => keyring?.stop());

    it('fails fast with a message that says to unlock it, and a search is refused rather than left unaudited', async () => {
      const env = { DBUS_SESSION_BUS_ADDRESS: keyring.busAddress };
      const stored = await login(env);
      expect(stored.code, stored.stderr).toBe(0);
      // The profile also names a WORM store, whose keys sit in the same (now locked) keychain.
      const keys = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../helpers/fixtures/store-worm-keys.ts', import.meta.url)), 'kc'], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect(keys.status, keys.stderr).toBe(0);
      await updateProfile(profilePaths('kc', { ...process.env, ...dirs }).profileFile, (p) => ({
        ...p,
        worm: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', auditBucket: 'custody-audit', mode: 'COMPLIANCE', auditRetentionDays: 1826 },
      }));
      await keyring.lock();
      const relogin = await login(env);
      expect(relogin.code).toBe(1);
      expect(relogin.stderr).toMatch(/keychain could not .*unlock prompt was dismissed.*Unlock the login keyring/);
      expect(relogin.ms).toBeLessThan(20_000);
      const search = await runCli(['search', '--queue', 'FX', '--profile', 'kc', '--json'], { env: { ...dirs, ...env } });
      expect(search.code).toBe(1);
      const error = JSON.parse(search.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } };
      expect(error.error.code).toBe('KEYCHAIN_UNAVAILABLE');
      expect(error.error.message).toMatch(/Unlock the login keyring/);
    });
  });

  it('rejects bad arguments with the usage', async () => {
    const run = await runCli(['login', '--client-id', 'x', '--region', 'mars_north_1'], { env: dirs, stdin: 'secret\n' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Unknown region "mars_north_1". Known: .*eu_west_2/);
    const unknown = await runCli(['search', '--tradingid', 'T-1'], { env: dirs });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown option '--tradingid'/);
    const date = await runCli(['search', '--from', 'yesterday'], { env: dirs });
    expect(date.stderr).toMatch(/--from must be an ISO 8601 date/);
  });
});
