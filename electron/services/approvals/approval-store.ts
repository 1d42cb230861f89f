import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import { approvalRequestIdSchema, approvalRequestSchema, approvalSchema, type Approval, type ApprovalRequest } from '../../../shared/approvals';
import { canonicalJson } from '../../../shared/canonical-json';
import type { Logger } from '../../../shared/logger';
import { sha256Hex } from '../../crypto/sha256';
import type { AuditRetention } from '../audit/event-chain';
import { StorageError, ValidationError } from '../errors';
import { listVersionPages, putLockedObject, readObject } from '../worm/locked-objects';

/**
 * Where four-eyes requests and approvals live in the WORM audit bucket. Not under one installation's
 * log: any workstation of the firm reads and approves them.
 *
 *   approvals/v1/<request id>/request.json                       the request (one version only)
 *   approvals/v1/<request id>/approval-<Genesys user id>.json    one officer's approval of it
 *
 * Request ids are UUIDv7 (RFC 9562), so keys sort by the time of the request and recent requests are
 * listed without reading old ones. Each object is canonical JSON, locked with the audit log's retention.
 */
export const approvalsPrefix = 'approvals/v1/';

export const approvalRequestKey = (requestId: string): string => `${approvalsPrefix}${parseRequestId(requestId)}/request.json`;

export function approvalKey(requestId: string, genesysUserId: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(genesysUserId)) throw new ValidationError(`not a Genesys user id: ${JSON.stringify(genesysUserId)}`);
  return `${approvalsPrefix}${parseRequestId(requestId)}/approval-${genesysUserId}.json`;
}

/** A new request id: a UUIDv7 of `nowMs` (48-bit milliseconds, then random bits). */
export function newRequestId(nowMs: number, random: Uint8Array = randomBytes(10)): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  Buffer.from(random).copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function parseRequestId(requestId: string): string {
  const parsed = approvalRequestIdSchema.safeParse(requestId);
  if (!parsed.success) throw new ValidationError(`not an approval request id: ${JSON.stringify(requestId)}`);
  return parsed.data;
}

/** A request as stored, with the SHA-256 of its bytes (what approvals name) and the valid approvals of it. */
export type StoredRequest = { request: ApprovalRequest; sha256: string; key: string; approvals: Array<Approval> };

/** What the approval rules need of the bucket (tests give an in-memory one). */
export type ApprovalRecords = Pick<ApprovalStore, 'putRequest' | 'putApproval' | 'read' | 'since'>;

export type ApprovalStoreDeps = { s3: S3Client; bucket: string; retention: AuditRetention; logger: Logger };

/** Requests and approvals as locked objects in the audit bucket; everything read back is validated. */
export class ApprovalStore {
  constructor(private readonly deps: ApprovalStoreDeps) {}

  /** The bytes and key a request is stored as: the audit event names them before they are written. */
  static encode(value: ApprovalRequest | Approval): { body: string; sha256: string } {
    const body = canonicalJson(value);
    return { body, sha256: sha256Hex(body) };
  }

  async putRequest(request: ApprovalRequest, nowMs: number): Promise<void> {
    await this.put(approvalRequestKey(request.requestId), ApprovalStore.encode(approvalRequestSchema.parse(request)).body, nowMs);
  }

  async putApproval(approval: Approval, nowMs: number): Promise<void> {
    await this.put(approvalKey(approval.requestId, approval.approvedBy.genesysUserId), ApprovalStore.encode(approvalSchema.parse(approval)).body, nowMs);
  }

  /**
   * The request and its approvals, or null when there is no such request. A request stored in more than
   * one version, not locked, or not a valid request is refused; an approval that is not valid for it
   * (another request's bytes, another officer's key, not locked) is logged and not counted. With
   * `where`, a request it rejects is returned as null without reading its approvals.
   */
  async read(requestId: string, where: (request: ApprovalRequest) => boolean = () => true): Promise<StoredRequest | null> {
    const { s3, bucket } = this.deps;
    const prefix = `${approvalsPrefix}${parseRequestId(requestId)}/`;
    const requestKey = `${prefix}request.json`;
    const versions: Array<{ key: string; versionId: string }> = [];
    for await (const page of listVersionPages(s3, bucket, prefix)) {
      for (const v of page.Versions ?? []) if (v.Key && v.VersionId) versions.push({ key: v.Key, versionId: v.VersionId });
    }
    const requestVersions = versions.filter((v) => v.key === requestKey);
    if (requestVersions.length === 0) return null;
    if (requestVersions.length > 1) {
      throw new StorageError(`Approval request ${requestId} is stored in ${requestVersions.length} versions in bucket "${bucket}"; it was written over and cannot be trusted.`);
    }
    const stored = await this.readLocked(requestKey, requestVersions[0]!.versionId);
    const request = stored ? parseStored(approvalRequestSchema, stored) : 'it is missing';
    if (typeof request === 'string') throw new StorageError(`Approval request s3://${bucket}/${requestKey} is not valid: ${request}.`);
    if (request.requestId !== requestId) throw new StorageError(`s3://${bucket}/${requestKey} holds request ${request.requestId}, not ${requestId}.`);
    if (!where(request)) return null;
    const sha256 = sha256Hex(stored!);
    const approvals: Array<Approval> = [];
    for (const version of versions) {
      const match = /\/approval-([A-Za-z0-9-]{1,64})\.json$/.exec(version.key);
      if (!match) continue;
      const text = await this.readLocked(version.key, version.versionId);
      const approval = text ? parseStored(approvalSchema, text) : 'it is not locked';
      const problem =
        typeof approval === 'string'
          ? approval
          : approval.requestId !== requestId || approval.requestSha256 !== sha256
            ? 'it approves other bytes than the stored request'
            : approval.approvedBy.genesysUserId !== match[1]
              ? 'it is stored under another officer\'s key'
              : null;
      if (problem !== null || typeof approval === 'string') {
        this.deps.logger.error('an approval object in the audit bucket is not valid and is not counted', { key: version.key, versionId: version.versionId, problem });
        continue;
      }
      if (!approvals.some((a) => a.approvedBy.genesysUserId === approval.approvedBy.genesysUserId)) approvals.push(approval);
    }
    return { request, sha256, key: requestKey, approvals };
  }

  /** Requests made at or after `sinceMs` (by their time-ordered ids) that `where` accepts, oldest first. */
  async *since(sinceMs: number, where?: (request: ApprovalRequest) => boolean): AsyncIterable<StoredRequest> {
    const keyMarker = `${approvalsPrefix}${newRequestId(Math.max(0, sinceMs), new Uint8Array(10)).slice(0, 13)}`;
    const seen = new Set<string>();
    for await (const page of listVersionPages(this.deps.s3, this.deps.bucket, approvalsPrefix, { keyMarker })) {
      for (const v of page.Versions ?? []) {
        const requestId = /^approvals\/v1\/([0-9a-f-]{36})\/request\.json$/.exec(v.Key ?? '')?.[1];
        if (!requestId || seen.has(requestId) || !approvalRequestIdSchema.safeParse(requestId).success) continue;
        seen.add(requestId);
        const stored = await this.read(requestId, where);
        if (stored) yield stored;
      }
    }
  }

  private async put(key: string, body: string, nowMs: number): Promise<void> {
    await putLockedObject(this.deps.s3, {
      bucket: this.deps.bucket,
      key,
      body,
      contentType: 'application/json',
      retainUntil: new Date(nowMs + this.deps.retention.durationMs),
      mode: this.deps.retention.mode,
    });
  }

  /** An object version's text when it is locked as the audit log's objects are, else null. */
  private async readLocked(key: string, versionId: string): Promise<string | null> {
    const object = await readObject(this.deps.s3, this.deps.bucket, key, { versionId });
    return object && object.lockMode === this.deps.retention.mode ? object.text() : null;
  }
}

/** The parsed value, or what is wrong with it; it must also be exactly the canonical bytes Custody writes. */
function parseStored<T extends ApprovalRequest | Approval>(schema: z.ZodType<T>, text: string): T | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'it is not JSON';
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.') || 'object'}: ${i.message}`).join('; ');
  if (canonicalJson(parsed.data) !== text) return 'it is not in canonical form';
  return parsed.data;
}
