import { createKeyringSecretStore } from '../auth/adapters/keyring-secret-store';
import { CredentialVault } from '../auth/credentials';
import { loadProfile, profilePaths, updateProfile, type Profile, type ProfilePaths } from '../config/profile';
import { SecretRedactor } from '../logging/redactor';
import type { SecretStore } from '../ports';

/**
 * A profile's settings file and keychain entries: all that commands storing settings need (no database,
 * no network). Apart from compose-base so that those commands (login, config, worm, pack verify) load no engine.
 */
export type ProfileSettings = {
  name: string;
  paths: ProfilePaths;
  vault: CredentialVault;
  redactor: SecretRedactor;
  load(): Promise<Profile>;
  update(change: (p: Profile) => Profile): Promise<Profile>;
};

export function composeProfileSettings(options: { profile: string; env?: NodeJS.ProcessEnv; secrets?: SecretStore }): ProfileSettings {
  const paths = profilePaths(options.profile, options.env ?? process.env);
  const redactor = new SecretRedactor();
  return {
    name: options.profile,
    paths,
    vault: new CredentialVault(options.secrets ?? createKeyringSecretStore(), options.profile, redactor),
    redactor,
    load: () => loadProfile(paths.profileFile),
    update: (change) => updateProfile(paths.profileFile, change),
  };
}
