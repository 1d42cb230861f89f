import { createHash, randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WormStoreError } from '../../../electron/services/errors';
import { ensureLockedBucket, putLockedObject } from '../../../electron/services/worm/locked-objects';
import { createWormS3Client } from '../../../electron/services/worm/s3-client';
import { createTestBucket } from '../../helpers/worm';

const { connection } = inject('worm');
let s3: S3Client;

beforeAll(() => {
  s3 = createWormS3Client(connection);
});
afterAll(() => {
  s3?.destroy();
});

describe('ensureLockedBucket', () => {
  it('creates a missing bucket with Object Lock and the default retention, and accepts it again', async () => {
    const bucket = `ensure-${randomUUID()}`;
    await ensureLockedBucket(s3, { bucket, mode: 'GOVERNANCE', defaultRetentionDays: 3 });
    const config = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    expect(config.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 3 } } });
    await ensureLockedBucket(s3, { bucket, mode: 'COMPLIANCE', defaultRetentionDays: 1 });
  });

  it('refuses an existing bucket without Object Lock with a clear error', async () => {
    const bucket = `plain-${randomUUID()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const error = await ensureLockedBucket(s3, { bucket, mode: 'COMPLIANCE', defaultRetentionDays: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WormStoreError);
    expect((error as WormStoreError).code).toBe('STORAGE');
    expect((error as Error).message).toMatch(new RegExp(`Bucket "${bucket}" exists but Object Lock is not enabled`));
  });
});

describe('putLockedObject', () => {
  it('stores a version with the requested lock, legal hold and Content-MD5', async () => {
    const bucket = await createTestBucket(s3, 'put', { mode: 'GOVERNANCE', defaultRetentionDays: 1 });
    const retainUntil = new Date(Date.now() + 2 * 60 * 60 * 1000);
    const stored = await putLockedObject(s3, { bucket, key: 'a/b.json', body: '{"x":1}', contentType: 'application/json', retainUntil, mode: 'COMPLIANCE', legalHold: true });
    expect(stored.versionId).not.toBe('');
    expect(stored.etag).toBe(`"${createHash('md5').update('{"x":1}').digest('hex')}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a/b.json', VersionId: stored.versionId }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(Math.abs((head.ObjectLockRetainUntilDate?.getTime() ?? 0) - retainUntil.getTime())).toBeLessThan(1000);
    const hold = await s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: 'a/b.json', VersionId: stored.versionId }));
    expect(hold.LegalHold?.Status).toBe('ON');
    await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a/b.json', VersionId: stored.versionId }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('maps a refusal to WormStoreError naming the endpoint and the S3 code', async () => {
    const error = await putLockedObject(s3, {
      bucket: `missing-${randomUUID()}`,
      key: 'k',
      body: new Uint8Array([1, 2, 3]),
      contentType: 'application/octet-stream',
      retainUntil: new Date(Date.now() + 60_000),
      mode: 'COMPLIANCE',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WormStoreError);
    expect((error as WormStoreError).unavailable).toBe(false);
    expect((error as Error).message).toContain(connection.endpoint);
    expect((error as Error).message).toMatch(/NoSuchBucket \(HTTP 404\)/);
    expect((error as Error).message).not.toContain(connection.secretAccessKey);
  });
});
