import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectVersionsCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, inject } from 'vitest';
import { ensureLockedBucket, type LockMode } from '../../electron/services/worm/locked-objects';
import { startLocalWorm, type LocalWorm } from '../../electron/services/worm/local-worm';
import { createWormS3Client, type WormConnection } from '../../electron/services/worm/s3-client';

const execFileAsync = promisify(execFile);

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

export type TestBucketFixture = { s3: S3Client; bucket: string; dir: string };

/**
 * For a test file on the shared radosgw: before its tests, a client, a fresh bucket and a temporary
 * folder (handed to `ready`); after them, the client closed and the folder removed.
 */
export function useTestBucket(
  prefix: string,
  options: { mode: LockMode; defaultRetentionDays: number },
  ready: (fixture: TestBucketFixture) => void,
): void {
  let s3: S3Client | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    s3 = createWormS3Client(inject('worm').connection);
    const bucket = await createTestBucket(s3, prefix, options);
    dir = await mkdtemp(join(tmpdir(), `custody-${prefix}-`));
    ready({ s3, bucket, dir });
  });
  afterAll(async () => {
    s3?.destroy();
    // A module's last background write (a checkpoint, the mirror) may still land while the folder goes: rm retries.
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  });
}

/** Tampering as an administrator with s3:BypassGovernanceRetention could: the newest version of `key` goes. */
export async function deleteNewestVersionBypassingGovernance(s3: S3Client, bucket: string, key: string): Promise<void> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  const newest = listing.Versions?.find((v) => v.Key === key);
  if (!newest?.VersionId) throw new Error(`no version of ${key} in ${bucket}`);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: newest.VersionId, BypassGovernanceRetention: true }));
}

/**
 * A second S3 user on the test radosgw, as Genesys's export integration has its own role: it may only put
 * objects into `bucket` (a bucket policy by the owner), with `bucket-owner-full-control` as Genesys is told to.
 */
export async function createBucketWriter(input: { runDir: string; owner: S3Client; bucket: string; connection: WormConnection }): Promise<WormConnection> {
  const uid = `genesys-export-${randomBytes(4).toString('hex')}`;
  const accessKeyId = `GX${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  await execFileAsync('radosgw-admin', [
    '-c', join(input.runDir, 'ceph.conf'), '-n', 'client.admin', 'user', 'create',
    `--uid=${uid}`, '--display-name=Genesys export integration (test)', `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`,
  ]);
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam:::user/${uid}`] }, Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${input.bucket}/*`] }],
  };
  await input.owner.send(new PutBucketPolicyCommand({ Bucket: input.bucket, Policy: JSON.stringify(policy) }));
  return { endpoint: input.connection.endpoint, region: input.connection.region, accessKeyId, secretAccessKey };
}
