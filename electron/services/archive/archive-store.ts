import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  RestoreObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from '../../../shared/logger';
import { createSha256 } from '../../crypto/sha256';
import { StorageError, WormStoreError } from '../errors';
import { sinkOf, type FileSink } from '../storage/durable-file';
import { listFolders, listVersionPages, putLockedObject, readObjectText, wormRequest, type LockMode } from '../worm/locked-objects';
import { wormEndpointOf } from '../worm/s3-client';
import { classifyS3Failure } from '../worm/s3-errors';
import { tierStateOf, type TierState } from './archive-tier';

export type ArchiveStoreDeps = {
  s3: S3Client;
  bucket: string;
  mode: LockMode;
  multipartThresholdBytes: number;
  partSizeBytes: number;
  logger: Logger;
  /** Per-request deadline for transfers of parts and whole objects; default 120 s. */
  transferTimeoutMs?: number;
};

/** Custody's user metadata on every archived media object (x-amz-meta-*). */
export type ArchiveMetadata = {
  sha256: string;
  recordingId: string;
  conversationId: string;
  tradingId: string | null;
  recordingStart: string;
};

export type ObjectVersion = { key: string; versionId: string; size: number; isLatest: boolean; lastModified: Date | null };

export type ObjectHead = {
  versionId: string;
  size: number;
  metadata: Partial<ArchiveMetadata>;
  retainUntil: Date | null;
  lockMode: string | null;
  legalHold: boolean | null;
} & TierState;

export type StoredMedia = { versionId: string; retainUntil: Date; multipart: boolean };

const metaPrefix = 'custody-';

function toS3Metadata(meta: Readonly<ArchiveMetadata>): Record<string, string> {
  return {
    [`${metaPrefix}sha256`]: meta.sha256,
    [`${metaPrefix}recording-id`]: meta.recordingId,
    [`${metaPrefix}conversation-id`]: meta.conversationId,
    [`${metaPrefix}recording-start`]: meta.recordingStart,
    // Metadata travels in HTTP headers: a trading id is URI-encoded to stay ASCII.
    ...(meta.tradingId === null ? {} : { [`${metaPrefix}trading-id`]: encodeURIComponent(meta.tradingId) }),
  };
}

function fromS3Metadata(raw: Record<string, string> | undefined): Partial<ArchiveMetadata> {
  const get = (name: string) => raw?.[`${metaPrefix}${name}`];
  const trading = get('trading-id');
  let tradingId: string | null;
  try {
    tradingId = trading === undefined ? null : decodeURIComponent(trading);
  } catch {
    tradingId = trading ?? null;
  }
  return {
    ...(get('sha256') ? { sha256: get('sha256') } : {}),
    ...(get('recording-id') ? { recordingId: get('recording-id') } : {}),
    ...(get('conversation-id') ? { conversationId: get('conversation-id') } : {}),
    ...(get('recording-start') ? { recordingStart: get('recording-start') } : {}),
    tradingId,
  };
}

const md5Base64 = (data: Uint8Array) => createHash('md5').update(data).digest('base64');

/**
 * The archive bucket as Custody uses it: locked uploads (single PUT with Content-MD5, or multipart
 * with Content-MD5 per part and the retention applied after completion, because radosgw ignores
 * lock headers on multipart uploads), version listings for idempotent re-runs, legal holds,
 * deletions of expired versions and reads, including objects in archive tiers.
 */
export class ArchiveStore {
  constructor(private readonly deps: ArchiveStoreDeps) {}

  get bucket(): string {
    return this.deps.bucket;
  }

  get mode(): LockMode {
    return this.deps.mode;
  }

  /** Refuses a bucket that is missing or has no Object Lock: nothing stored there would be WORM. */
  async assertLocked(): Promise<void> {
    const { s3, bucket } = this.deps;
    let enabled = false;
    try {
      const result = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      enabled = result.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    } catch (error) {
      const failure = classifyS3Failure(error);
      if (failure.unavailable || (failure.status !== 404 && failure.status !== 400)) {
        await wormRequest(s3, `GetObjectLockConfiguration ${bucket}`, () => Promise.reject(error));
      }
      if ((error as Error).name === 'NoSuchBucket') {
        throw new WormStoreError(await wormEndpointOf(s3), `The archive bucket "${bucket}" does not exist at ${await wormEndpointOf(s3)}.`, { unavailable: false, cause: error });
      }
    }
    if (!enabled) {
      throw new WormStoreError(
        await wormEndpointOf(s3),
        `The archive bucket "${bucket}" has no Object Lock, so nothing stored there would be WORM; nothing was archived. Object Lock can only be enabled when a bucket is created: configure a bucket created with it.`,
        { unavailable: false },
      );
    }
  }

  /** Whether a file of this size goes up in parts. */
  isMultipart(bytes: number): boolean {
    return bytes > this.deps.multipartThresholdBytes;
  }

  /** Every version stored under exactly `key`, newest first. */
  async versionsOf(key: string): Promise<Array<ObjectVersion>> {
    const out: Array<ObjectVersion> = [];
    for await (const version of this.listVersions(key)) if (version.key === key) out.push(version);
    return out;
  }

  /** Every object version under `prefix`, in key order (newest first within a key). */
  async *listVersions(prefix: string): AsyncIterable<ObjectVersion> {
    for await (const page of listVersionPages(this.deps.s3, this.deps.bucket, prefix)) {
      for (const v of page.Versions ?? []) {
        if (!v.Key || !v.VersionId) continue;
        yield { key: v.Key, versionId: v.VersionId, size: v.Size ?? 0, isLatest: v.IsLatest === true, lastModified: v.LastModified ?? null };
      }
    }
  }

  /** The folders directly under `prefix` (the bucket's top level by default), by name. */
  async folders(prefix = ''): Promise<Array<string>> {
    return listFolders(this.deps.s3, this.deps.bucket, prefix);
  }

  async head(key: string, versionId: string): Promise<ObjectHead> {
    const { s3, bucket } = this.deps;
    const head = await wormRequest(s3, `HeadObject s3://${bucket}/${key}`, () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })));
    return {
      versionId: head.VersionId ?? versionId,
      size: head.ContentLength ?? 0,
      metadata: fromS3Metadata(head.Metadata),
      retainUntil: head.ObjectLockRetainUntilDate ?? null,
      lockMode: head.ObjectLockMode ?? null,
      legalHold: head.ObjectLockLegalHoldStatus === undefined ? null : head.ObjectLockLegalHoldStatus === 'ON',
      ...tierStateOf({ StorageClass: head.StorageClass, Restore: head.Restore, ArchiveStatus: head.ArchiveStatus }),
    };
  }

  /** A version of `key` that already holds these bytes (by Custody's SHA-256 metadata), if any. */
  async findVersionWithSha(key: string, sha256: string): Promise<ObjectHead | null> {
    for (const version of await this.versionsOf(key)) {
      const head = await this.head(key, version.versionId);
      if (head.metadata.sha256 === sha256) return head;
    }
    return null;
  }

  /**
   * Uploads a file as a new locked version and checks what the store kept: the size and Custody's
   * SHA-256 metadata. Returns the retention the store actually holds (for multipart uploads on a
   * bucket with a default rule this can be later than asked: COMPLIANCE retention cannot be shortened).
   */
  async putFile(input: {
    key: string;
    path: string;
    bytes: number;
    contentType: string;
    metadata: ArchiveMetadata;
    retainUntil: Date;
    legalHold: boolean;
  }): Promise<StoredMedia> {
    const multipart = this.isMultipart(input.bytes);
    const versionId = multipart ? await this.putMultipart(input) : await this.putSingle(input);
    const retainUntil = await this.ensureRetention(input.key, versionId, input.retainUntil);
    if (multipart && input.legalHold) await this.setLegalHold(input.key, versionId, true);
    const head = await this.head(input.key, versionId);
    if (head.size !== input.bytes || head.metadata.sha256 !== input.metadata.sha256) {
      throw new StorageError(
        `s3://${this.deps.bucket}/${input.key} (version ${versionId}) holds ${head.size} bytes with SHA-256 ${head.metadata.sha256 ?? 'none'}, ` +
          `not the ${input.bytes} bytes uploaded (${input.metadata.sha256})`,
      );
    }
    return { versionId, retainUntil, multipart };
  }

  /** A small locked JSON object (the sidecar, a sweep report). */
  async putJson(key: string, body: string, retainUntil: Date, legalHold: boolean): Promise<string> {
    const stored = await putLockedObject(this.deps.s3, {
      bucket: this.deps.bucket,
      key,
      body,
      contentType: 'application/json',
      retainUntil,
      mode: this.deps.mode,
      legalHold,
    });
    return stored.versionId;
  }

  async readJson(key: string, versionId: string): Promise<string> {
    const { s3, bucket } = this.deps;
    return (await readObjectText(s3, bucket, key, { versionId })) ?? '';
  }

  /**
   * Makes sure the version is retained at least until `retainUntil` (extending is always allowed);
   * returns what the store holds afterwards.
   */
  async ensureRetention(key: string, versionId: string, retainUntil: Date): Promise<Date> {
    const { s3, bucket, mode } = this.deps;
    const current = await this.retention(key, versionId);
    if (current && current.mode === mode && current.until.getTime() >= retainUntil.getTime()) return current.until;
    await wormRequest(s3, `PutObjectRetention s3://${bucket}/${key}`, () =>
      s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId, Retention: { Mode: mode, RetainUntilDate: retainUntil } })),
    );
    const after = await this.retention(key, versionId);
    if (!after || after.until.getTime() < retainUntil.getTime()) {
      throw new WormStoreError(await wormEndpointOf(s3), `s3://${bucket}/${key} (version ${versionId}) did not keep the retention until ${retainUntil.toISOString()}`, {
        unavailable: false,
      });
    }
    return after.until;
  }

  async retention(key: string, versionId: string): Promise<{ mode: string; until: Date } | null> {
    const { s3, bucket } = this.deps;
    try {
      const result = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      const until = result.Retention?.RetainUntilDate;
      return until ? { mode: result.Retention?.Mode ?? 'unknown', until } : null;
    } catch (error) {
      // No retention on the version (radosgw: ObjectLockConfigurationNotFoundError 404; AWS: NoSuchObjectLockConfiguration).
      if (classifyS3Failure(error).status === 404 && /ObjectLockConfiguration/.test((error as Error).name)) return null;
      return wormRequest(s3, `GetObjectRetention s3://${bucket}/${key}`, () => Promise.reject(error));
    }
  }

  async setLegalHold(key: string, versionId: string, on: boolean): Promise<void> {
    const { s3, bucket } = this.deps;
    await wormRequest(s3, `PutObjectLegalHold ${on ? 'ON' : 'OFF'} s3://${bucket}/${key}`, () =>
      s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: key, VersionId: versionId, LegalHold: { Status: on ? 'ON' : 'OFF' } })),
    );
  }

  async legalHold(key: string, versionId: string): Promise<boolean> {
    const { s3, bucket } = this.deps;
    try {
      const result = await s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      return result.LegalHold?.Status === 'ON';
    } catch (error) {
      if (classifyS3Failure(error).status === 404 && /ObjectLockConfiguration/.test((error as Error).name)) return false;
      return wormRequest(s3, `GetObjectLegalHold s3://${bucket}/${key}`, () => Promise.reject(error));
    }
  }

  /** Deletes one version for good. The store refuses (AccessDenied) while it is retained or held. */
  async deleteVersion(key: string, versionId: string): Promise<void> {
    const { s3, bucket } = this.deps;
    await wormRequest(s3, `DeleteObject s3://${bucket}/${key} version ${versionId}`, () =>
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
    );
  }

  /** Streams a version into `path` (created, must not exist), hashing as it writes. */
  /** Reads an object version into `target` (a path for a plain file, or the media cache's sealed file). */
  async readToFile(key: string, versionId: string, target: FileSink | string): Promise<{ bytes: number; sha256: string; contentType: string }> {
    const { s3, bucket } = this.deps;
    const object = await wormRequest(s3, `GetObject s3://${bucket}/${key}`, () =>
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }), { requestTimeout: this.deps.transferTimeoutMs ?? 120_000 }),
    );
    if (!object.Body) throw new StorageError(`s3://${bucket}/${key} answered without a body`);
    const hash = createSha256();
    let bytes = 0;
    const handle = await sinkOf(target).open();
    try {
      for await (const chunk of object.Body as Readable) {
        const buffer = chunk as Buffer;
        hash.update(buffer);
        bytes += buffer.length;
        await handle.append(buffer);
      }
      await handle.complete();
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw new WormStoreError(await wormEndpointOf(s3), `GetObject s3://${bucket}/${key} broke off after ${bytes} bytes`, { unavailable: true, cause: error });
    } finally {
      await handle.close();
    }
    if (object.ContentLength !== undefined && bytes !== object.ContentLength) {
      throw new WormStoreError(await wormEndpointOf(s3), `GetObject s3://${bucket}/${key} delivered ${bytes} of ${object.ContentLength} bytes`, { unavailable: true });
    }
    return { bytes, sha256: hash.digest('hex'), contentType: object.ContentType ?? 'application/octet-stream' };
  }

  /** Asks an archive tier to stage a readable copy. 'in-progress' when one is already under way. */
  async requestRestore(key: string, versionId: string, options: { days: number; tier: 'Standard' | 'Bulk' | 'Expedited' }): Promise<'requested' | 'in-progress'> {
    const { s3, bucket } = this.deps;
    try {
      await s3.send(
        new RestoreObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, RestoreRequest: { Days: options.days, GlacierJobParameters: { Tier: options.tier } } }),
      );
      return 'requested';
    } catch (error) {
      if ((error as Error).name === 'RestoreAlreadyInProgress') return 'in-progress';
      return wormRequest(s3, `RestoreObject s3://${bucket}/${key}`, () => Promise.reject(error));
    }
  }

  private async putSingle(input: { key: string; path: string; bytes: number; contentType: string; metadata: ArchiveMetadata; retainUntil: Date; legalHold: boolean }): Promise<string> {
    const { s3, bucket, mode } = this.deps;
    const handle = await open(input.path, 'r');
    let body: Buffer;
    try {
      body = await handle.readFile();
    } finally {
      await handle.close();
    }
    if (body.length !== input.bytes) throw new StorageError(`${input.path} has ${body.length} bytes, expected ${input.bytes}`);
    const result = await wormRequest(s3, `PutObject s3://${bucket}/${input.key}`, () =>
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: input.key,
          Body: body,
          ContentType: input.contentType,
          ContentMD5: md5Base64(body),
          Metadata: toS3Metadata(input.metadata),
          ObjectLockMode: mode,
          ObjectLockRetainUntilDate: input.retainUntil,
          ...(input.legalHold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
        }),
        { requestTimeout: this.deps.transferTimeoutMs ?? 120_000 },
      ),
    );
    if (!result.VersionId) throw await this.unversioned(input.key);
    return result.VersionId;
  }

  private async putMultipart(input: { key: string; path: string; bytes: number; contentType: string; metadata: ArchiveMetadata; retainUntil: Date; legalHold: boolean }): Promise<string> {
    const { s3, bucket, mode, logger } = this.deps;
    await this.abortStaleUploads(input.key);
    // AWS honours these lock headers here; radosgw ignores them, hence ensureRetention afterwards.
    const created = await wormRequest(s3, `CreateMultipartUpload s3://${bucket}/${input.key}`, () =>
      s3.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: input.key,
          ContentType: input.contentType,
          Metadata: toS3Metadata(input.metadata),
          ObjectLockMode: mode,
          ObjectLockRetainUntilDate: input.retainUntil,
          ...(input.legalHold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
        }),
      ),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new StorageError(`CreateMultipartUpload s3://${bucket}/${input.key} returned no upload id`);
    const handle = await open(input.path, 'r');
    try {
      const parts: Array<{ PartNumber: number; ETag: string }> = [];
      const partSize = this.deps.partSizeBytes;
      const buffer = Buffer.alloc(partSize);
      for (let offset = 0, partNumber = 1; offset < input.bytes; offset += partSize, partNumber += 1) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(partSize, input.bytes - offset), offset);
        const body = buffer.subarray(0, bytesRead);
        const part = await wormRequest(s3, `UploadPart ${partNumber} s3://${bucket}/${input.key}`, () =>
          s3.send(
            new UploadPartCommand({ Bucket: bucket, Key: input.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentMD5: md5Base64(body) }),
            { requestTimeout: this.deps.transferTimeoutMs ?? 120_000 },
          ),
        );
        if (!part.ETag) throw new StorageError(`UploadPart ${partNumber} of s3://${bucket}/${input.key} returned no ETag`);
        parts.push({ PartNumber: partNumber, ETag: part.ETag });
      }
      const done = await wormRequest(s3, `CompleteMultipartUpload s3://${bucket}/${input.key}`, () =>
        s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: input.key, UploadId: uploadId, MultipartUpload: { Parts: parts } })),
      );
      if (!done.VersionId) throw await this.unversioned(input.key);
      logger.info('multipart upload completed', { key: input.key, parts: parts.length, versionId: done.VersionId });
      return done.VersionId;
    } catch (error) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: input.key, UploadId: uploadId })).catch(() => undefined);
      throw error;
    } finally {
      await handle.close();
    }
  }

  /** Uploads of this key left behind by a killed run: their parts are never completed, only billed. */
  private async abortStaleUploads(key: string): Promise<void> {
    const { s3, bucket, logger } = this.deps;
    const listing = await wormRequest(s3, `ListMultipartUploads s3://${bucket}/${key}`, () => s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key })));
    for (const upload of listing.Uploads ?? []) {
      if (upload.Key !== key || !upload.UploadId) continue;
      logger.warn('aborting an unfinished multipart upload of an earlier run', { key, uploadId: upload.UploadId });
      await wormRequest(s3, `AbortMultipartUpload s3://${bucket}/${key}`, () => s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId })));
    }
  }

  private async unversioned(key: string): Promise<WormStoreError> {
    return new WormStoreError(
      await wormEndpointOf(this.deps.s3),
      `s3://${this.deps.bucket}/${key} was stored without a version id: the bucket is not versioned, so nothing in it is locked`,
      { unavailable: false },
    );
  }
}
