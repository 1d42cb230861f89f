import { createKeyringSecretStore } from '../../electron/services/auth/adapters/keyring-secret-store';
import { composeProfileSettings } from '../../electron/services/composition/compose-settings';
import { SANDBOX_CLIENT } from '../sandbox/server';
import { shareAtRestKeys, type Harness } from './engine-harness';
import { OFFICER_A_LOGIN, signInOfficer, signInThroughCli, type SandboxUser } from './officer-signin';
import { runCli, type CliRun } from './run-cli';

/**
 * Lets the real `custody` command use a harness's profile: the harness keeps its secrets under a test
 * service name, the CLI reads the app's own ('custody') in the same private keyring.
 */
export async function shareProfileWithCli(
  h: Harness,
  /** `through: 'cli'` signs in with `custody signin` itself (3-4 s more); otherwise the same PKCE flow from the test process. */
  options: { officer?: SandboxUser | null; through?: 'cli' | 'direct' } = {},
): Promise<{ run: (args: ReadonlyArray<string>, options?: { timeoutMs?: number }) => Promise<CliRun>; dispose(): Promise<void> }> {
  const secrets = createKeyringSecretStore();
  const { vault } = composeProfileSettings({ profile: h.profile, env: h.env, secrets });
  await vault.saveGenesys(SANDBOX_CLIENT);
  await vault.saveWorm({ accessKeyId: h.worm.accessKeyId, secretAccessKey: h.worm.secretAccessKey });
  const forgetKeys = await shareAtRestKeys(h, secrets);
  const env = { CUSTODY_CONFIG_DIR: h.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: h.env.CUSTODY_DATA_DIR };
  // The CLI's keychain gets its own sign-in (a refresh token is single-use: sharing the harness's would sign one out).
  const officer = options.officer === undefined ? OFFICER_A_LOGIN : options.officer;
  if (officer && options.through === 'cli') {
    const signin = await signInThroughCli(['--profile', h.profile], env, officer);
    if (signin.code !== 0) throw new Error(`custody signin failed: ${signin.stderr}`);
  } else if (officer) {
    await signInOfficer({ profile: h.profile, env: h.env, secrets, user: officer });
  }
  return {
    run: (args, options = {}) => runCli([...args, '--profile', h.profile], { env, ...options }),
    dispose: async () => {
      await secrets.delete(`${h.profile}/genesys`);
      await secrets.delete(`${h.profile}/worm`);
      await secrets.delete(`${h.profile}/officer`);
      await forgetKeys();
    },
  };
}
