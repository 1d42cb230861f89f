import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { CredentialVault } from '../auth/credentials';
import { wormSettingsSchema, type Profile, type WormSettings } from '../config/profile';
import { ValidationError, WormStoreError } from '../errors';
import { assertObjectLockEnabled, probeBucket } from './locked-objects';
import { createWormS3Client, type WormConnection } from './s3-client';

/** S3 bucket naming rules (3-63 characters: lowercase letters, digits, dots and hyphens, alphanumeric at both ends). */
const bucketNameSchema = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name (3-63 lowercase letters, digits, "." and "-")');

/** What joining a store takes; every field comes from a user (CLI flags, stdin) or another profile, so all are checked. */
export const wormConnectRequestSchema = z
  .object({
    endpoint: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      // Credentials in a URL would land in the profile file; the query and fragment mean nothing to S3.
      .refine((url) => {
        const parsed = new URL(url);
        return !parsed.username && !parsed.password && !parsed.search && !parsed.hash;
      }, 'must not carry credentials, a query or a fragment'),
    region: z.string().regex(/^[a-z0-9-]{1,40}$/, 'not a region name (lowercase letters, digits and "-")').default('us-east-1'),
    accessKeyId: z.string().regex(/^[\x21-\x7e]{3,128}$/, 'not an access key id (3-128 printable characters, no spaces)'),
    secretAccessKey: z.string().trim().min(1, 'no secret access key was given').max(256),
    auditBucket: bucketNameSchema,
    archiveBucket: bucketNameSchema,
    mode: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),
    // Whole days from the CLI; a profile being copied may hold a fraction (test stores keep records minutes).
    auditRetentionDays: z.number().positive().max(36_500).default(1826),
  })
  .strict()
  .refine((r) => r.auditBucket !== r.archiveBucket, { message: 'the audit and archive buckets must differ', path: ['archiveBucket'] });
export type WormConnectRequest = z.input<typeof wormConnectRequestSchema>;

/** A profile's settings file and keychain entries, as compose-settings gives them. */
export type ProfileStore = {
  name: string;
  vault: Pick<CredentialVault, 'loadWorm' | 'saveWorm' | 'deleteWorm'>;
  load(): Promise<Profile>;
  update(change: (p: Profile) => Profile): Promise<Profile>;
};

export type WormConnectResult = {
  profile: string;
  endpoint: string;
  auditBucket: string;
  archiveBucket: string;
  mode: WormSettings['mode'];
  auditRetentionDays: number;
  /** This installation's log in the audit bucket. */
  logId: string;
  /** Whether the profile starts a new log (a store it was not connected to before). */
  newLog: boolean;
};

/**
 * Joins a profile to a firm's WORM store: checks the request, that the store answers for both buckets
 * with these keys and that both have Object Lock, then keeps the secret in the keychain and the settings
 * in the profile. A store the profile was not connected to starts a new log (a fresh log id: this
 * installation's own chain and key); reconnecting to the same store (new keys, new retention) keeps it.
 * A profile connected elsewhere is moved only with `force`: its old log stays where it is. Nothing is
 * saved unless every check passed; a failed profile write puts the previous keys back.
 */
export async function connectWormStore(
  settings: ProfileStore,
  request: WormConnectRequest,
  options: {
    force?: boolean;
    /** The store was just created (`worm start`): a new log whatever the profile was connected to. */
    newStore?: boolean;
  } = {},
): Promise<WormConnectResult> {
  const parsed = wormConnectRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw new ValidationError(`The WORM store's settings are not usable: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'} ${i.message}`).join('; ')}. Nothing was saved.`);
  }
  const wanted = parsed.data;
  const current = await settings.load();
  const sameStore = !options.newStore && current.worm !== null && sameEndpoint(current.worm.endpoint, wanted.endpoint) && current.worm.auditBucket === wanted.auditBucket;
  if (current.worm && !sameStore && !options.force && !options.newStore) {
    throw new ValidationError(
      `Profile "${settings.name}" is connected to audit bucket "${current.worm.auditBucket}" at ${current.worm.endpoint}. Connecting it to another store starts a new audit log ` +
        '(the old one stays in its bucket); pass --force to do that, or use another profile. Nothing was saved.',
    );
  }

  const connection: WormConnection = { endpoint: wanted.endpoint, region: wanted.region, accessKeyId: wanted.accessKeyId, secretAccessKey: wanted.secretAccessKey };
  const s3 = createWormS3Client(connection);
  try {
    for (const bucket of [wanted.auditBucket, wanted.archiveBucket]) await checkLockedBucket(s3, bucket, connection);
  } finally {
    s3.destroy();
  }

  const logId = sameStore ? current.logId : randomUUID();
  const worm = wormSettingsSchema.parse({
    ...(sameStore ? current.worm : {}),
    endpoint: wanted.endpoint,
    region: wanted.region,
    auditBucket: wanted.auditBucket,
    archiveBucket: wanted.archiveBucket,
    mode: wanted.mode,
    auditRetentionDays: wanted.auditRetentionDays,
  });
  const previousKeys = await settings.vault.loadWorm();
  await settings.vault.saveWorm({ accessKeyId: wanted.accessKeyId, secretAccessKey: wanted.secretAccessKey });
  try {
    await settings.update((p) => ({ ...p, logId, worm }));
  } catch (error) {
    await (previousKeys ? settings.vault.saveWorm(previousKeys) : settings.vault.deleteWorm());
    throw error;
  }
  return { profile: settings.name, endpoint: worm.endpoint, auditBucket: worm.auditBucket, archiveBucket: wanted.archiveBucket, mode: worm.mode, auditRetentionDays: wanted.auditRetentionDays, logId, newLog: !sameStore };
}

/** Another local profile's connection (settings and keychain secret), to connect a second profile to the same store. */
export async function wormConnectionOf(other: ProfileStore): Promise<WormConnectRequest> {
  const profile = await other.load();
  if (!profile.worm) throw new ValidationError(`Profile "${other.name}" is not connected to a WORM store; nothing to copy.`);
  const keys = await other.vault.loadWorm();
  if (!keys) throw new ValidationError(`Profile "${other.name}" has no WORM access keys in the keychain; nothing to copy.`);
  if (!profile.worm.archiveBucket) throw new ValidationError(`Profile "${other.name}" has no archive bucket configured; connect it with "custody worm connect" first.`);
  return {
    endpoint: profile.worm.endpoint,
    region: profile.worm.region,
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    auditBucket: profile.worm.auditBucket,
    archiveBucket: profile.worm.archiveBucket,
    mode: profile.worm.mode,
    auditRetentionDays: profile.worm.auditRetentionDays,
  };
}

async function checkLockedBucket(s3: S3Client, bucket: string, connection: WormConnection): Promise<void> {
  try {
    await probeBucket(s3, bucket);
    await assertObjectLockEnabled(s3, bucket);
  } catch (error) {
    if (!(error instanceof WormStoreError)) throw error;
    const status = error.details?.status;
    const why =
      status === 404
        ? `bucket "${bucket}" does not exist there`
        : status === 403
          ? `access key ${connection.accessKeyId} is not allowed bucket "${bucket}" (wrong key or secret, or no permission)`
          : error.message;
    throw new WormStoreError(error.endpoint, `Could not connect to the WORM store at ${error.endpoint}: ${why}. Nothing was saved.`, {
      unavailable: error.unavailable,
      cause: error,
      ...(typeof status === 'number' ? { status } : {}),
    });
  }
}

function sameEndpoint(a: string, b: string): boolean {
  return new URL(a).href === new URL(b).href;
}
