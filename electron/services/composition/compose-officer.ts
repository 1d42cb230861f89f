import type { Logger } from '../../../shared/logger';
import { KeychainOfficerSession } from '../auth/officer-session';
import type { Clock, HttpClient } from '../ports';
import type { ProfileSettings } from './compose-settings';

/**
 * The profile's officer sign-in over the keychain. The sign-in client is the profile's PKCE client, or the
 * service client's id where none is set (the sandbox accepts that; a real org registers a separate public client).
 */
export function composeOfficerSession(deps: { settings: ProfileSettings; http: HttpClient; clock: Clock; logger: Logger }): KeychainOfficerSession {
  const { settings } = deps;
  return new KeychainOfficerSession({
    vault: settings.vault,
    redactor: settings.redactor,
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger.child('officer'),
    settings: async () => {
      const profile = await settings.load();
      const clientId = profile.officerSignIn.clientId ?? (profile.genesys ? (await settings.vault.loadGenesys()).clientId : '');
      return { endpoint: profile.genesys, clientId, redirectPort: profile.officerSignIn.redirectPort };
    },
  });
}
