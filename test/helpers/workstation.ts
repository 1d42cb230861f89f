import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyringSecretStore } from '../../electron/services/auth/adapters/keyring-secret-store';
import { composeEngine, type ComposedEngine } from '../../electron/services/composition/compose-engine';
import { composeProfileSettings } from '../../electron/services/composition/compose-settings';
import { SANDBOX_CLIENT } from '../sandbox/server';
import type { Harness } from './engine-harness';
import { signInOfficer, type SandboxUser } from './officer-signin';

/**
 * Another workstation of the same firm: its own profile, index, audit log and officer sign-in (a real
 * PKCE sign-in of `user` through the harness's sandbox), on the harness's Genesys org and WORM buckets.
 */
export async function startWorkstation(h: Harness, user: SandboxUser | null): Promise<{ composed: ComposedEngine; profile: string; close(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'custody-ws-'));
  const env = { ...process.env, CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data') };
  const profile = `ws-${randomBytes(4).toString('hex')}`;
  const secrets = createKeyringSecretStore('custody-test');
  const settings = composeProfileSettings({ profile, env, secrets });
  await settings.vault.saveGenesys(SANDBOX_CLIENT);
  await settings.vault.saveWorm({ accessKeyId: h.worm.accessKeyId, secretAccessKey: h.worm.secretAccessKey });
  await settings.update((p) => ({ ...p, genesys: { gateway: h.sandbox.url }, officerSignIn: { redirectPort: 0 }, worm: h.composed.profile.worm, approvals: h.composed.profile.approvals }));
  if (user) await signInOfficer({ profile, env, secrets, user });
  const composed = await composeEngine({ profile, env, secrets, mediaUrlBase: 'media://recording/' });
  return {
    composed,
    profile,
    close: async () => {
      await composed.close();
      for (const entry of ['genesys', 'worm', 'officer', 'signing-key', 'index-key', 'cache-key']) await secrets.delete(`${profile}/${entry}`);
      await rm(root, { recursive: true, force: true });
    },
  };
}
