import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { ensureLockedBucket, type LockMode } from '../../electron/services/worm/locked-objects';
import { startLocalWorm, type LocalWorm } from '../../electron/services/worm/local-worm';

/** A cluster of its own, for tests that must break the store (stop it, restart it). */
export async function startTestWorm(options: { baseDir?: string } = {}): Promise<LocalWorm> {
  return startLocalWorm(options);
}

/** A fresh Object Lock bucket with a unique name, so tests never see each other's objects. */
export async function createTestBucket(
  s3: S3Client,
  prefix: string,
  options: { mode: LockMode; defaultRetentionDays: number },
): Promise<string> {
  const stem = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  const bucket = `${stem}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  await ensureLockedBucket(s3, { bucket, mode: options.mode, defaultRetentionDays: options.defaultRetentionDays });
  return bucket;
}

/** Tampering as an administrator with s3:BypassGovernanceRetention could: the newest version of `key` goes. */
export async function deleteNewestVersionBypassingGovernance(s3: S3Client, bucket: string, key: string): Promise<void> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  const newest = listing.Versions?.find((v) => v.Key === key);
  if (!newest?.VersionId) throw new Error(`no version of ${key} in ${bucket}`);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: newest.VersionId, BypassGovernanceRetention: true }));
}
