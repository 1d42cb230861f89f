import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isKeyPublished } from '../audit/published-keys';
import type { CredentialVault, WormCredentials } from '../auth/credentials';
import { loadProfile, type ProfilePaths } from '../config/profile';
import { describeCause, ValidationError } from '../errors';
import { createWormS3Client } from '../worm/s3-client';
import { keyIdOf, loadInstallationPublicKey } from './signing-key';

/** Why a signing key is trusted: this installation's own, pinned by the person verifying, or published in the firm's WORM audit bucket. */
export type TrustSource = 'installation' | 'pinned' | 'bucket';

/** Decides whether the key that signed a pack (of audit log `logId`, as the pack says) is trusted; null when it is not. */
export type KeyTrust = (signer: { keyId: string; logId: string | null }) => Promise<TrustSource | null>;

export type TrustAnchors = {
  installationKeyId: string | null;
  pinnedKeyIds: ReadonlyArray<string>;
  /** Asks the firm's audit bucket; a bucket that cannot be reached publishes nothing. */
  isPublished?: (logId: string, keyId: string) => Promise<boolean>;
};

const keyIdPattern = /^[0-9a-f]{64}$/;

export function createKeyTrust(anchors: TrustAnchors): KeyTrust {
  return async ({ keyId, logId }) => {
    if (keyId === anchors.installationKeyId) return 'installation';
    if (anchors.pinnedKeyIds.includes(keyId)) return 'pinned';
    if (anchors.isPublished && logId !== null && (await anchors.isPublished(logId, keyId).catch(() => false))) return 'bucket';
    return null;
  };
}

/** A `--trusted-key` value: a key id (64 hex digits, as `custody audit key` prints) or a PEM public key file. */
export async function pinnedKeyIdOf(value: string): Promise<string> {
  if (keyIdPattern.test(value.toLowerCase())) return value.toLowerCase();
  let pem: string;
  try {
    pem = await readFile(value, 'utf8');
  } catch (error) {
    throw new ValidationError(`--trusted-key ${JSON.stringify(value)}: neither a key id (64 hex digits) nor a readable PEM file (${describeCause(error)})`);
  }
  try {
    return keyIdOf(pem);
  } catch {
    throw new ValidationError(`--trusted-key ${JSON.stringify(value)}: not a PEM public key (expected "-----BEGIN PUBLIC KEY-----", as "custody audit key" prints)`);
  }
}

export type ProfileKeyTrust = { trust: KeyTrust; close(): void };

/**
 * The trust anchors a profile offers: its installation key (from the OS keychain; never created here),
 * the pinned keys, and the keys published in its WORM audit bucket when it has one and can reach it.
 * Nothing here fails for a missing profile, keychain or bucket: those keys are just not counted.
 */
export async function keyTrustForProfile(
  profile: { paths: Pick<ProfilePaths, 'profileFile'>; vault: CredentialVault },
  pinned: ReadonlyArray<string>,
): Promise<ProfileKeyTrust> {
  const pinnedKeyIds = await Promise.all(pinned.map(pinnedKeyIdOf));
  const { paths, vault } = profile;
  // A machine that never used this profile has no installation key or bucket; do not create a profile to find out.
  const settings = existsSync(paths.profileFile) ? await loadProfile(paths.profileFile).catch(() => null) : null;
  if (!settings) return { trust: createKeyTrust({ installationKeyId: null, pinnedKeyIds }), close: () => undefined };
  const worm = settings.worm;
  let installationPem: string | null = null;
  let credentials: WormCredentials | null = null;
  try {
    installationPem = await loadInstallationPublicKey(vault);
    credentials = worm ? await vault.loadWorm() : null;
  } catch {
    // No keychain (a locked one, or none on this machine): neither this installation's key nor the bucket counts.
  }
  const s3 = worm && credentials ? createWormS3Client({ endpoint: worm.endpoint, region: worm.region, ...credentials }) : null;
  const trust = createKeyTrust({
    installationKeyId: installationPem ? keyIdOf(installationPem) : null,
    pinnedKeyIds,
    ...(s3 && worm
      ? {
          // The pack names its own log; this profile's log is the firm's too.
          isPublished: async (logId: string, keyId: string) => {
            for (const log of new Set([logId, settings.logId])) {
              if (await isKeyPublished(s3, worm.auditBucket, log, keyId).catch(() => false)) return true;
            }
            return false;
          },
        }
      : {}),
  });
  return { trust, close: () => s3?.destroy() };
}

