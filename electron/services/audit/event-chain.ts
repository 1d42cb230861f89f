import { sha256Hex } from '../../crypto/sha256';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { canonicalJson } from '../../../shared/canonical-json';
import { MAX_BUNDLE_ENTRY_BYTES } from '../../../shared/crypto/tlog-tiles';
import {
  auditActionSchema,
  caseReferenceSchema,
  conversationIdSchema,
  operatorSchema,
  recordingIdSchema,
  tradingIdSchema,
  workstationSchema,
  type AuditAction,
  type AuditEvent,
  type Operator,
  type Workstation,
} from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import { type AppError, AuditUnavailableError, describeCause, ValidationError, WormStoreError } from '../errors';
import type { Clock } from '../ports';
import { listVersionPages, putLockedObject, readObjectText, type LockMode } from '../worm/locked-objects';
import { assertValidLogId, auditEventKey, auditEventsPrefix, genesisHash, parseStoredAuditEvent, seqOfAuditEventKey, serializeAuditEvent } from './layout';
import { acquireLockFile, type HeldLock } from './lock-file';
import { SerialQueue } from './serial-queue';

/** The last event of a log: its seq and the hash the next event must carry as `prevHash`. */
export type AuditHead = { seq: number; hash: string };

/** Where a process keeps its log's head between runs (the integrator backs it with SQLite). */
export type AuditHeadStore = {
  load(logId: string): Promise<AuditHead | null>;
  save(logId: string, head: AuditHead): Promise<void>;
};

export type AuditRetention = { mode: LockMode; durationMs: number };

export type EventChainDeps = {
  s3: S3Client;
  bucket: string;
  logId: string;
  workstation: Workstation;
  clock: Clock;
  newEventId: () => string;
  retention: AuditRetention;
  headStore: AuditHeadStore;
  /** Shared by every process that writes this log on this machine (app and CLI). */
  lockFile: string;
  logger: Logger;
  /** How long to wait for another process's append; default 30 s. */
  lockTimeoutMs?: number;
  /** Deadline for the store's part of one append (reconcile + write); default 10 s. */
  writeTimeoutMs?: number;
};

export type AuditAppendInput = {
  action: AuditAction;
  conversationId?: string | null;
  recordingId?: string | null;
  tradingId?: string | null;
  caseReference?: string | null;
  details?: Record<string, unknown>;
};

const appendInputSchema = z
  .object({
    action: auditActionSchema,
    conversationId: conversationIdSchema.nullish(),
    recordingId: recordingIdSchema.nullish(),
    tradingId: tradingIdSchema.nullish(),
    caseReference: caseReferenceSchema.nullish(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

type AppendRequest = z.output<typeof appendInputSchema>;

/** An event must fit an entry bundle of the tiled log (a uint16 length). */
const maxEventBytes = MAX_BUNDLE_ENTRY_BYTES;

/**
 * The chain of event objects in the WORM bucket, the audit log's record: every access is one locked S3
 * object, numbered and hash-chained, appended under a lock file shared by this machine's processes.
 * `append` resolves only after the store acknowledged the object; when it fails, the head does not
 * move and the caller must refuse the access. The writer (audit-writer.ts) is its one production caller.
 */
export class EventChain {
  private readonly deps: EventChainDeps;
  private readonly queue = new SerialQueue();
  /** A head this instance knows matches the bucket (it read it back or wrote it). */
  private confirmedHead: AuditHead | null = null;

  constructor(deps: EventChainDeps) {
    assertValidLogId(deps.logId);
    if (!Number.isSafeInteger(deps.retention.durationMs) || deps.retention.durationMs <= 0) {
      throw new ValidationError(`audit retention must be a positive number of milliseconds, got ${deps.retention.durationMs}`);
    }
    if (!workstationSchema.safeParse(deps.workstation).success) throw new ValidationError('audit workstation is incomplete');
    this.deps = deps;
  }

  /** Appends `input` as done by `operator` (the writer resolves who acts: audit-actor.ts). */
  async append(input: Readonly<AuditAppendInput>, operator: Readonly<Operator>): Promise<AuditEvent> {
    const parsed = appendInputSchema.safeParse(input);
    if (!parsed.success) throw new ValidationError(`invalid audit event: ${parsed.error.message}`);
    const who = operatorSchema.safeParse(operator);
    if (!who.success) throw new ValidationError(`audit operator is incomplete: ${who.error.message}`);
    return this.queue.run(() => this.appendExclusive(parsed.data, who.data));
  }

  private async appendExclusive(request: AppendRequest, operator: Operator): Promise<AuditEvent> {
    const { logger, logId } = this.deps;
    const started = performance.now();
    let lock: HeldLock;
    try {
      lock = await acquireLockFile(this.deps.lockFile, { timeoutMs: this.deps.lockTimeoutMs ?? 30_000 });
    } catch (error) {
      throw new AuditUnavailableError(`Audit log unavailable: ${describeCause(error)}`, error);
    }
    const writeTimeoutMs = this.deps.writeTimeoutMs ?? 10_000;
    const deadline = AbortSignal.timeout(writeTimeoutMs);
    try {
      const head = await this.resolveHead(deadline);
      const event = this.buildEvent(request, operator, head);
      const body = serializeAuditEvent(event);
      if (Buffer.byteLength(body) > maxEventBytes) throw new ValidationError(`audit event too large (over ${maxEventBytes} bytes)`);
      const key = auditEventKey(logId, event.seq);
      const stored = await putLockedObject(this.deps.s3, {
        bucket: this.deps.bucket,
        key,
        body,
        contentType: 'application/json',
        retainUntil: new Date(Date.parse(event.time) + this.deps.retention.durationMs),
        mode: this.deps.retention.mode,
      }, { abortSignal: deadline });
      const written = { seq: event.seq, hash: sha256Hex(body) };
      this.confirmedHead = written;
      await this.saveHead(written);
      logger.info('audit event written', {
        logId,
        seq: event.seq,
        eventId: event.eventId,
        action: event.action,
        versionId: stored.versionId,
        ms: Math.round(performance.now() - started),
      });
      return event;
    } catch (error) {
      throw this.toAuditError(error, deadline.aborted ? writeTimeoutMs : null);
    } finally {
      await this.release(lock);
    }
  }

  /**
   * The head to append after, reconciled with the bucket under the lock: another process (or a lost
   * local store) may have moved the log on, and the bucket is the record.
   */
  private async resolveHead(abortSignal: AbortSignal): Promise<AuditHead | null> {
    const { logger, logId } = this.deps;
    const local = await this.loadHead();
    const scan = await this.scanKeys(local === null || local.seq === 0 ? null : local.seq - 1, abortSignal);
    if (local && scan.first?.seq !== local.seq) {
      throw new AuditUnavailableError(
        `Audit log unavailable: the local head is event ${local.seq} of log ${logId}, but bucket "${this.deps.bucket}" ` +
          'does not hold it (wrong bucket, or events lost). Refusing to write a gap into the chain.',
        undefined,
        { retryable: false, details: { logId, localSeq: local.seq } },
      );
    }
    for (const seq of scan.forkedSeqs) logger.error('audit log has several versions of one event (forked chain)', { logId, seq });
    const last = scan.last;
    if (!last) return null;
    if (local && last.seq === local.seq && sameHead(this.confirmedHead, local)) return local;
    const remote = await this.readHeadEvent(last.seq, last.versionId, abortSignal);
    if (!local || last.seq > local.seq) {
      logger.warn('bucket is ahead of the local audit head; continuing from the bucket', { logId, localSeq: local?.seq ?? null, bucketSeq: last.seq });
    } else if (remote.hash !== local.hash) {
      logger.error('local audit head differs from the bucket; continuing from the bucket', { logId, seq: local.seq });
    }
    this.confirmedHead = remote;
    return remote;
  }

  /** First and last event keys after `afterSeq` (all when null), and keys stored more than once. */
  private async scanKeys(afterSeq: number | null, abortSignal: AbortSignal): Promise<{ first: KeyVersion | null; last: KeyVersion | null; forkedSeqs: Array<number> }> {
    const { s3, bucket, logId } = this.deps;
    let first: KeyVersion | null = null;
    let last: KeyVersion | null = null;
    const forkedSeqs: Array<number> = [];
    let lastSeq = -1;
    const keyMarker = afterSeq === null ? undefined : auditEventKey(logId, afterSeq);
    for await (const page of listVersionPages(s3, bucket, auditEventsPrefix(logId), { ...(keyMarker ? { keyMarker } : {}), abortSignal })) {
      // Versions of one key come newest first: the first one seen is the one to read.
      for (const version of page.Versions ?? []) {
        const seq = version.Key === undefined ? null : seqOfAuditEventKey(logId, version.Key);
        // radosgw treats a KeyMarker without VersionIdMarker as inclusive (AWS: exclusive); skip it either way.
        if (seq === null || !version.VersionId || (afterSeq !== null && seq <= afterSeq)) continue;
        if (seq === lastSeq) {
          if (forkedSeqs.at(-1) !== seq) forkedSeqs.push(seq);
          continue;
        }
        lastSeq = seq;
        last = { seq, versionId: version.VersionId };
        first ??= last;
      }
    }
    return { first, last, forkedSeqs };
  }

  private async readHeadEvent(seq: number, versionId: string, abortSignal: AbortSignal): Promise<AuditHead> {
    const { s3, bucket, logId } = this.deps;
    const key = auditEventKey(logId, seq);
    const text = (await readObjectText(s3, bucket, key, { versionId, abortSignal })) ?? '';
    let stored;
    try {
      stored = parseStoredAuditEvent(text);
    } catch (error) {
      throw new AuditUnavailableError(`Audit log unavailable: the last stored event s3://${bucket}/${key} is unreadable: ${describeCause(error)}`, error, { retryable: false });
    }
    if (stored.event.logId !== logId || stored.event.seq !== seq) {
      throw new AuditUnavailableError(
        `Audit log unavailable: s3://${bucket}/${key} holds event ${stored.event.seq} of log ${stored.event.logId}, not event ${seq} of log ${logId}`,
        undefined,
        { retryable: false },
      );
    }
    return { seq, hash: stored.hash };
  }

  private buildEvent(request: AppendRequest, operator: Operator, head: AuditHead | null): AuditEvent {
    const details = request.details ?? {};
    try {
      canonicalJson(details);
    } catch (error) {
      throw new ValidationError(`audit details cannot be stored as JSON: ${describeCause(error)}`);
    }
    return {
      schema: 'custody.audit.v1',
      logId: this.deps.logId,
      seq: head === null ? 0 : head.seq + 1,
      eventId: this.deps.newEventId(),
      time: new Date(this.deps.clock.now()).toISOString(),
      operator,
      workstation: { hostname: this.deps.workstation.hostname, addresses: [...this.deps.workstation.addresses] },
      action: request.action,
      conversationId: request.conversationId ?? null,
      recordingId: request.recordingId ?? null,
      tradingId: request.tradingId ?? null,
      caseReference: request.caseReference ?? null,
      details,
      prevHash: head === null ? genesisHash : head.hash,
    };
  }

  private async loadHead(): Promise<AuditHead | null> {
    try {
      return await this.deps.headStore.load(this.deps.logId);
    } catch (error) {
      throw new AuditUnavailableError(`Audit log unavailable: cannot read the local audit head: ${describeCause(error)}`, error);
    }
  }

  /** The event is already stored: a failed save only costs a bucket read on the next append. */
  private async saveHead(head: AuditHead): Promise<void> {
    try {
      await this.deps.headStore.save(this.deps.logId, head);
    } catch (error) {
      this.deps.logger.error('could not save the audit head; the next append recovers it from the bucket', { logId: this.deps.logId, seq: head.seq, cause: describeCause(error) });
    }
  }

  private async release(lock: HeldLock): Promise<void> {
    try {
      await lock.release();
    } catch (error) {
      this.deps.logger.warn('could not release the audit lock', { lockFile: this.deps.lockFile, cause: describeCause(error) });
    }
  }

  private toAuditError(error: unknown, timedOutAfterMs: number | null): AppError {
    if (error instanceof AuditUnavailableError || error instanceof ValidationError) return error;
    if (error instanceof WormStoreError && timedOutAfterMs !== null) {
      return new AuditUnavailableError(
        `Audit log unavailable, access refused: WORM store at ${error.endpoint} did not answer within ${timedOutAfterMs} ms`,
        error,
        { details: error.details },
      );
    }
    if (error instanceof WormStoreError) {
      return new AuditUnavailableError(`Audit log unavailable, access refused: ${error.message}`, error, {
        retryable: error.retryable,
        details: error.details,
      });
    }
    return new AuditUnavailableError(`Audit log unavailable, access refused: ${describeCause(error)}`, error);
  }
}

type KeyVersion = { seq: number; versionId: string };

function sameHead(a: AuditHead | null, b: AuditHead | null): boolean {
  return a !== null && b !== null && a.seq === b.seq && a.hash === b.hash;
}
