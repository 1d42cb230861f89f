import { AsyncEntry } from '@napi-rs/keyring';
import { KeychainError, describeCause } from '../../errors';
import type { SecretStore } from '../../ports';

const KEYCHAIN_TIMEOUT_MS = 10_000;

/**
 * The OS keychain through @napi-rs/keyring: Secret Service (gnome-keyring, KWallet) on Linux,
 * Keychain on macOS, Credential Manager on Windows. Every failure becomes a KeychainError that says
 * what to do; a keychain that never answers (a locked keyring waiting on a prompt) times out.
 */
export function createKeyringSecretStore(service = 'custody'): SecretStore {
  // Pinned to Secret Service on Linux: never fall back silently to the kernel keyring, which does not persist.
  const entry = (account: string) => new AsyncEntry(service, account, { linux: { store: 'secret-service' } });

  async function call<T>(what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('the keychain did not answer')), KEYCHAIN_TIMEOUT_MS);
    try {
      return await run(controller.signal);
    } catch (error) {
      throw new KeychainError(
        `The OS keychain could not ${what}: ${describeCause(error)}. ` +
          'Unlock the login keyring (or start a Secret Service such as gnome-keyring) and try again.',
        error,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    get: (account) => call('be read', (signal) => entry(account).getPassword(signal)),
    set: (account, secret) => call('store the secret', (signal) => entry(account).setPassword(secret, signal)),
    delete: (account) => call('delete the secret', (signal) => entry(account).deleteCredential(signal)),
  };
}
