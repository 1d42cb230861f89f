import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../../../electron/services/auth/credentials';
import { createIndexRepository } from '../../../electron/db/repositories/index-repository';
import { SecretRedactor } from '../../../electron/services/logging/redactor';
import { PackBuilder } from '../../../electron/services/packs/pack-builder';
import { verifyPack } from '../../../electron/services/packs/pack-verifier';
import { systemClock } from '../../../electron/services/adapters/system-clock';
import { silentLogger } from '../../../electron/services/logging/file-logger';
import { SANDBOX_CLIENT } from '../../sandbox/server';
import { shareAtRestKeys, startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { OFFICER_A_LOGIN, signInOfficer } from '../../helpers/officer-signin';
import { runCli } from '../../helpers/run-cli';

let h: Harness;
let env: NodeJS.ProcessEnv;
const cliSecrets = createKeyringSecretStore();
let forgetKeys: (() => Promise<void>) | undefined;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  // The CLI reads the real keychain under the app's own service name.
  const vault = new CredentialVault(cliSecrets, h.profile, new SecretRedactor());
  await vault.saveGenesys(SANDBOX_CLIENT);
  await vault.saveWorm({ accessKeyId: h.worm.accessKeyId, secretAccessKey: h.worm.secretAccessKey });
  forgetKeys = await shareAtRestKeys(h, cliSecrets);
  // The CLI acts as the officer signed in on its own keychain: officer A.
  await signInOfficer({ profile: h.profile, env: h.env, secrets: cliSecrets, user: OFFICER_A_LOGIN });
  env = { CUSTODY_CONFIG_DIR: h.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: h.env.CUSTODY_DATA_DIR, DISPLAY: '' };
});
afterAll(async () => {
  for (const kind of ['genesys', 'worm', 'signing-key', 'officer']) await cliSecrets.delete(`${h.profile}/${kind}`);
  await forgetKeys?.();
  await h?.close();
});

describe('custody pack', () => {
  it('builds from a conversations file, then verifies (exit 0) and names a tampered file (exit 2)', async () => {
    const call = uniqueTradingCall(h.sandbox);
    const list = join(h.root, 'conversations.txt');
    await writeFile(list, `# the trade under review\n${call.conversation.id}\n`);
    const out = join(h.root, 'cli-pack');
    const build = await runCli(['pack', 'build', '--conversations', list, '--case', 'FCA-2026-0077', '--out', out, '--json', '--profile', h.profile], { env, timeoutMs: 120_000 });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const result = JSON.parse(build.stdout) as { recordings: number; verified: boolean; exportEventId: string };
    expect(result).toMatchObject({ recordings: 1, verified: true });

    const verify = await runCli(['pack', 'verify', out, '--json', '--profile', h.profile], { env });
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, exportEventId: result.exportEventId });

    await writeFile(join(out, `data/metadata/${call.recording.id}.json`), '{}\n');
    const failed = await runCli(['pack', 'verify', out, '--profile', h.profile], { env });
    expect(failed.code).toBe(2);
    expect(failed.stdout).toContain('NOT VERIFIED');
    expect(failed.stdout).toContain(`data/metadata/${call.recording.id}.json: SHA256 mismatch`);
  });

  it('builds by case reference: every recording accessed under it', async () => {
    const call = uniqueTradingCall(h.sandbox);
    await h.composed.engine.download(call.conversation.id, 'FCA-2026-0099', join(h.root, 'downloads'));
    const out = join(h.root, 'by-case.zip');
    const build = await runCli(['pack', 'build', '--case', 'FCA-2026-0099', '--out', out, '--zip', '--json', '--profile', h.profile], { env, timeoutMs: 120_000 });
    expect(build.code).toBe(0);
    expect(JSON.parse(build.stdout)).toMatchObject({ recordings: 1, zip: true, caseReference: 'FCA-2026-0099' });
    expect(await verifyPack(out)).toMatchObject({ ok: true, format: 'zip' });
  });

  it('rejects bad input clearly', async () => {
    const noOut = await runCli(['pack', 'build', '--trading-id', 'T-1', '--case', 'FCA-2026-0077', '--profile', h.profile], { env });
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain('--out is required');
    const missing = await runCli(['pack', 'verify', join(h.root, 'nothing-here'), '--profile', h.profile], { env });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('does not exist');
  });
});

describe('an interrupted build', () => {
  it('leaves nothing under the destination name and no partial directory behind', async () => {
    const call = uniqueTradingCall(h.sandbox);
    const index = createIndexRepository(h.composed.db);
    const builder = new PackBuilder({
      engine: h.composed.engine,
      findRecording: (id) => index.findRecording(id),
      audit: h.composed.audit.writer,
      actors: h.composed.audit.actors,
      auditLog: h.composed.audit.log,
      // The key becomes unavailable (keychain locked) after the audio was copied.
      signingKey: async () => {
        throw new Error('the keychain was locked');
      },
      clock: systemClock,
      logger: silentLogger,
      events: h.composed.events,
    });
    const out = join(h.root, 'interrupted');
    await expect(builder.build({ selection: { kind: 'recordings', recordingIds: [call.recording.id] }, caseReference: 'FCA-2026-0077', outPath: out })).rejects.toThrow(/keychain was locked/);
    const left = (await readdir(h.root)).filter((f) => f.includes('interrupted'));
    expect(left).toEqual([]);
  });
});
