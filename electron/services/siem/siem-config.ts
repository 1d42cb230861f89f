import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CredentialVault } from '../auth/credentials';
import type { Profile } from '../config/profile';
import { describeCause, ValidationError } from '../errors';
import { parseSiemUrl, siemSettingsSchema, type SiemSettings } from './siem-settings';

export type SiemConfigChange = {
  /** The SIEM URL, or "off" to stop forwarding (and forget the token). */
  url?: string;
  caFile?: string;
  enterpriseId?: number;
  /** An HTTPS Authorization value, for the keychain only. */
  token?: string;
};

/**
 * Applies `custody config --siem ...` to a profile: the URL validated, the CA file checked to hold a
 * PEM certificate (stored as an absolute path), the token to the keychain, never the profile file.
 * Returns the profile's SIEM settings after (null when off).
 */
/** The profile file and keychain of one profile, as `composeProfileSettings` gives them. */
export type SiemConfigStore = {
  vault: Pick<CredentialVault, 'saveSiemToken' | 'deleteSiemToken'>;
  load(): Promise<Pick<Profile, 'siem'>>;
  update(change: (p: Profile) => Profile): Promise<unknown>;
};

export async function configureSiem(settings: SiemConfigStore, change: SiemConfigChange): Promise<SiemSettings | null> {
  if (change.url === 'off') {
    if (change.caFile !== undefined || change.token !== undefined || change.enterpriseId !== undefined) {
      throw new ValidationError('--siem off takes no other --siem option.');
    }
    await settings.vault.deleteSiemToken();
    await settings.update(({ siem: _removed, ...rest }) => rest);
    return null;
  }
  const current = (await settings.load()).siem;
  const url = change.url ?? current?.url;
  if (url === undefined) throw new ValidationError('No SIEM is configured; give its URL with --siem URL.');
  const destination = parseSiemUrl(url);
  if (change.token !== undefined && destination.kind !== 'https') throw new ValidationError('--siem-token is for an https:// SIEM only; syslog carries no token.');
  if (change.token !== undefined && (change.token.trim() === '' || /[\r\n]/.test(change.token))) {
    throw new ValidationError('The SIEM token read from stdin is empty or spans lines.');
  }
  // A CA given for one receiver is not trusted for another.
  const sameReceiver = destination.url === current?.url;
  const caFile = change.caFile !== undefined ? await checkedCaFile(change.caFile) : sameReceiver ? current?.caFile : undefined;
  const enterpriseId = change.enterpriseId ?? current?.enterpriseId;
  const next = siemSettingsSchema.parse({ url: destination.url, ...(caFile ? { caFile } : {}), ...(enterpriseId ? { enterpriseId } : {}) });
  if (change.token !== undefined) await settings.vault.saveSiemToken(change.token.trim());
  else if (!sameReceiver) await settings.vault.deleteSiemToken();
  await settings.update((p) => ({ ...p, siem: next }));
  return next;
}

async function checkedCaFile(file: string): Promise<string> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`--siem-ca: cannot read ${path}: ${describeCause(error)}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ValidationError(`--siem-ca: ${path} holds no PEM certificate.`);
  return path;
}
