import { createKeyringSecretStore } from '../services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../services/auth/credentials';
import type { ComposedEngine } from '../services/composition';
import { loadProfile, profilePaths, updateProfile, type Profile } from '../services/config/profile';
import { SecretRedactor } from '../services/logging/redactor';
import type { Output } from './output';

/** What every command gets: its profile name and output mode. */
export type CommandContext = { profile: string; output: Output };

export async function withEngine<T>(
  ctx: CommandContext,
  run: (composed: ComposedEngine) => Promise<T>,
  options: { operatorName?: string } = {},
): Promise<T> {
  // Loaded here, not at start: commands that need no engine (pack verify, help) stay light.
  const { composeEngine } = await import('../services/composition');
  const composed = await composeEngine({ profile: ctx.profile, mediaUrlBase: 'media://recording/', ...options });
  try {
    return await run(composed);
  } finally {
    await composed.close();
  }
}

/** For commands that only store settings and secrets (login, sandbox, worm): no database, no network. */
export function profileStore(profile: string) {
  const paths = profilePaths(profile);
  return {
    paths,
    vault: new CredentialVault(createKeyringSecretStore(), profile, new SecretRedactor()),
    load: (): Promise<Profile> => loadProfile(paths.profileFile),
    update: (change: (p: Profile) => Profile): Promise<Profile> => updateProfile(paths.profileFile, change),
  };
}
