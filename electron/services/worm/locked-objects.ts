import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ValidationError, WormStoreError } from '../errors';
import { wormEndpointOf } from './s3-client';
import { classifyS3Failure } from './s3-errors';

export type LockMode = 'COMPLIANCE' | 'GOVERNANCE';

/** A body streamed from a file as it is sent (objects too large to hold), with the MD5 taken when it was written. */
export type LockedObjectFile = { path: string; bytes: number; md5Base64: string };

export type LockedObjectInput = {
  bucket: string;
  key: string;
  body: Uint8Array | string | LockedObjectFile;
  contentType: string;
  retainUntil: Date;
  mode: LockMode;
  legalHold?: boolean;
};

/** Stores one object version under Object Lock retention; resolves once the store acknowledged it. */
export async function putLockedObject(
  s3: S3Client,
  input: Readonly<LockedObjectInput>,
  options: { abortSignal?: AbortSignal } = {},
): Promise<{ versionId: string; etag: string }> {
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const result = await wormRequest(s3, `PutObject s3://${input.bucket}/${input.key}`, () =>
    s3.send(
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        ...(body instanceof Uint8Array
          ? { Body: body, ContentMD5: createHash('md5').update(body).digest('base64') }
          : { Body: createReadStream(body.path), ContentLength: body.bytes, ContentMD5: body.md5Base64 }),
        ContentType: input.contentType,
        ObjectLockMode: input.mode,
        ObjectLockRetainUntilDate: input.retainUntil,
        ...(input.legalHold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
      }),
      options,
    ),
  );
  // A version id proves the bucket is versioned, which Object Lock implies; without one nothing is locked.
  if (!result.VersionId || !result.ETag) {
    throw new WormStoreError(await wormEndpointOf(s3), `PutObject s3://${input.bucket}/${input.key} returned no version id: the bucket is not versioned, so the object is not locked`, { unavailable: false });
  }
  return { versionId: result.VersionId, etag: result.ETag };
}

/**
 * Makes sure `bucket` exists with Object Lock. A missing bucket is created with Object Lock and the
 * default retention; an existing one is only checked (its retention rule is the administrator's).
 */
export async function ensureLockedBucket(
  s3: S3Client,
  input: Readonly<{ bucket: string; mode: LockMode; defaultRetentionDays: number }>,
): Promise<void> {
  if (!Number.isInteger(input.defaultRetentionDays) || input.defaultRetentionDays < 1) {
    throw new ValidationError(`default retention must be a whole number of days >= 1, got ${input.defaultRetentionDays}`);
  }
  if (await bucketExists(s3, input.bucket)) {
    await assertObjectLockEnabled(s3, input.bucket);
    return;
  }
  await wormRequest(s3, `CreateBucket ${input.bucket}`, () =>
    s3.send(new CreateBucketCommand({ Bucket: input.bucket, ObjectLockEnabledForBucket: true })),
  );
  await wormRequest(s3, `PutObjectLockConfiguration ${input.bucket}`, () =>
    s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: input.bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: input.mode, Days: input.defaultRetentionDays } },
        },
      }),
    ),
  );
}

/** A light request that says whether the store answers for `bucket` (the reachability probe); throws a WormStoreError otherwise. */
export async function probeBucket(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }), signal ? { abortSignal: signal } : {});
  } catch (error) {
    throw await toWormStoreError(s3, `HeadBucket ${bucket}`, error);
  }
}

async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (classifyS3Failure(error).status === 404) return false;
    throw await toWormStoreError(s3, `HeadBucket ${bucket}`, error);
  }
}

/** Throws a WormStoreError unless `bucket` has Object Lock enabled (it can only be turned on at creation). */
export async function assertObjectLockEnabled(s3: S3Client, bucket: string): Promise<void> {
  let enabled = false;
  try {
    const result = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    enabled = result.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (error) {
    if (classifyS3Failure(error).status !== 404) throw await toWormStoreError(s3, `GetObjectLockConfiguration ${bucket}`, error);
  }
  if (!enabled) {
    throw new WormStoreError(
      await wormEndpointOf(s3),
      `Bucket "${bucket}" exists but Object Lock is not enabled on it, so nothing stored there would be WORM. ` +
        'Object Lock can only be turned on when a bucket is created: configure a new bucket name.',
      { unavailable: false },
    );
  }
}

/** Runs one S3 request; any failure becomes a WormStoreError naming the endpoint and the cause. */
export async function wormRequest<T>(s3: S3Client, operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw await toWormStoreError(s3, operation, error);
  }
}

export type StoredObject = { body: Buffer; lockMode: string | null; text(): string };

/**
 * The one GetObject read: an object's bytes (one version, or the current one) and its lock mode, or
 * null when it does not exist; any other failure is a WormStoreError naming the endpoint.
 */
export async function readObject(
  s3: S3Client,
  bucket: string,
  key: string,
  options: { versionId?: string; abortSignal?: AbortSignal } = {},
): Promise<StoredObject | null> {
  return wormRequest(s3, `GetObject s3://${bucket}/${key}`, async () => {
    try {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...(options.versionId ? { VersionId: options.versionId } : {}) }),
        options.abortSignal ? { abortSignal: options.abortSignal } : {},
      );
      const body = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array(0));
      return { body, lockMode: object.ObjectLockMode ?? null, text: () => body.toString('utf8') };
    } catch (error) {
      if (classifyS3Failure(error).status === 404) return null;
      throw error;
    }
  });
}

/** `readObject` as UTF-8 text, or null when the object does not exist. */
export async function readObjectText(s3: S3Client, bucket: string, key: string, options: { versionId?: string; abortSignal?: AbortSignal } = {}): Promise<string | null> {
  return (await readObject(s3, bucket, key, options))?.text() ?? null;
}

/**
 * Every page of ListObjectVersions under `prefix` (versions newest first within a key), starting after
 * `keyMarker` when given. Stop early by leaving the loop.
 */
export async function* listVersionPages(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { keyMarker?: string; abortSignal?: AbortSignal } = {},
): AsyncIterable<ListObjectVersionsCommandOutput> {
  let keyMarker = options.keyMarker;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await wormRequest(s3, `ListObjectVersions s3://${bucket}/${prefix}`, () =>
      s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
        options.abortSignal ? { abortSignal: options.abortSignal } : {},
      ),
    );
    yield page;
    if (!page.IsTruncated) return;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/**
 * The names of the folders directly under `prefix` ("a" for keys "<prefix>a/..."), read with a delimited
 * listing: one request per 1,000 folders, whatever they hold. The names come from the bucket: callers check them.
 */
export async function listFolders(s3: S3Client, bucket: string, prefix: string): Promise<Array<string>> {
  const names: Array<string> = [];
  let token: string | undefined;
  do {
    const page = await wormRequest(s3, `ListObjectsV2 s3://${bucket}/${prefix}`, () =>
      s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })),
    );
    for (const folder of page.CommonPrefixes ?? []) {
      const name = folder.Prefix?.slice(prefix.length, -1);
      if (name) names.push(name);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return names.sort();
}

async function toWormStoreError(s3: S3Client, operation: string, error: unknown): Promise<WormStoreError> {
  const endpoint = await wormEndpointOf(s3);
  const failure = classifyS3Failure(error);
  const what = failure.unavailable ? 'WORM store unavailable' : 'WORM store refused the request';
  return new WormStoreError(endpoint, `${what}: ${operation} at ${endpoint} failed: ${failure.summary}`, {
    unavailable: failure.unavailable,
    cause: error,
    status: failure.status,
  });
}
