import { sha256, sha256Hex } from '../../crypto/sha256';
import { GetObjectCommand, HeadObjectCommand, PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  auditAlertSchema,
  type AuditAlert,
  type AuditIntegrity,
  type AuditProblem,
  type AuditStatus,
  type AuditTrailEntry,
  type AuditTrailFilter,
  type AuditTrailPage,
  type AuditVerification,
} from '../../../shared/audit-trail';
import { verifyConsistency } from '../../../shared/crypto/merkle';
import type { AuditCheckpoint, AuditEvent, Operator, Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { AuditEventRecord, AuditTrailRepository } from '../../db/repositories/audit-trail-repository';
import { AppError, AuditUnavailableError, describeCause } from '../errors';
import type { EventHub } from '../events';
import type { Clock } from '../ports';
import { keyIdOrNull, type SigningKey } from '../signing/signing-key';
import { listVersionPages, putLockedObject, wormRequest } from '../worm/locked-objects';
import { classifyS3Failure } from '../worm/s3-errors';
import type { AlertRules } from './alert-rules';
import { auditEventKey, auditEventsPrefix, parseStoredAuditEvent, seqOfAuditEventKey, serializeAuditEvent } from './audit-event';
import type { AuditAppendInput, AuditLog, AuditRetention } from './audit-log';
import { verifyAuditLog } from './audit-verifier';
import { auditCheckpointKey, auditCheckpointsPrefix, auditPublicKeyKey, checkpointSignatureValid, leafHashOfStoredEvent, parseStoredCheckpoint, serializeCheckpoint, signCheckpoint, toHex, treeSizeOfCheckpointKey } from './checkpoint';
import { acquireLockFile } from './lock-file';
import { SerialQueue } from './serial-queue';

export type CheckpointPolicy = { everyEvents: number; everyMinutes: number };

export type AuditTrailDeps = {
  log: Pick<AuditLog, 'append'>;
  s3: S3Client;
  bucket: string;
  logId: string;
  /** Retention of checkpoints and the published key: the audit events' own. */
  retention: AuditRetention;
  repository: AuditTrailRepository;
  /** The installation's Ed25519 key (keychain); asked for only when a checkpoint is written. */
  signingKey: () => Promise<SigningKey>;
  alerts: AlertRules;
  checkpointPolicy: CheckpointPolicy;
  operator: Operator;
  workstation: Workstation;
  clock: Clock;
  logger: Logger;
  events: EventHub;
  /** Shared by every process of this profile, so one checkpoint is written per tree size. */
  checkpointLockFile: string;
  /** How often a long-running host looks for a due checkpoint; default one minute. */
  tickMs?: number;
};

const DAY_MS = 86_400_000;
/** The public key outlives every checkpoint it signed by at least this much. */
const keyRetentionMarginMs = 365 * DAY_MS;
const catchUpBatch = 100;

/**
 * The verifiable audit log around the WORM AuditLog: alert rules mark each event before it is written;
 * each written event becomes a leaf of this workstation's copy of the Merkle tree (SQLite); signed
 * checkpoints go to the bucket every N events or M minutes; the last verified tree head is remembered
 * and every later one must be consistent with it. It is the engine's AuditWriter.
 */
export class AuditTrail {
  private readonly recordQueue = new SerialQueue();
  private readonly checkpointQueue = new SerialQueue();
  private readonly integrityQueue = new SerialQueue();
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly deps: AuditTrailDeps) {}

  get logId(): string {
    return this.deps.logId;
  }

  get bucket(): string {
    return this.deps.bucket;
  }

  /** Marks the access with the alert rules, writes it to the WORM log, and only then resolves. */
  async append(input: Readonly<AuditAppendInput>): Promise<AuditEvent> {
    const alerts = await this.evaluateAlerts(input);
    const details = alerts.length > 0 ? { ...input.details, alerts } : input.details;
    const event = await this.deps.log.append({ ...input, ...(details ? { details } : {}) });
    // The access is recorded; what follows keeps the local tree and the checkpoints up to date.
    try {
      await this.recordQueue.run(() => this.recordWritten(event));
    } catch (error) {
      this.deps.logger.error('could not add the audit event to the local tree; it is read back from the bucket later', { seq: event.seq, cause: describeCause(error) });
    }
    this.deps.events.publish({ kind: 'audit.recorded', entry: toEntry(event) });
    this.inBackground(this.checkpointQueue.run(() => this.writeCheckpoint(false)), 'checkpoint');
    return event;
  }

  /** Writes a signed checkpoint over every event now in the tree (unless one already covers them) and returns it. */
  async checkpointNow(): Promise<AuditCheckpoint | null> {
    await this.catchUp();
    return this.checkpointQueue.run(() => this.writeCheckpoint(true));
  }

  /** Publishes this installation's public key in the bucket (if not yet) and returns where it is. */
  async publishSigningKey(): Promise<{ keyId: string; publicKeyPem: string; bucket: string; key: string }> {
    const key = await this.deps.signingKey();
    await this.checkpointQueue.run(() => this.publishKey(key, this.deps.clock.now() + this.deps.retention.durationMs));
    return { keyId: key.keyId, publicKeyPem: key.publicKeyPem, bucket: this.deps.bucket, key: auditPublicKeyKey(this.deps.logId, key.keyId) };
  }

  /** Hex inclusion proof of event `seq` in the tree of `treeSize` (a checkpoint's size), from the local tree. */
  async inclusionProof(seq: number, treeSize: number): Promise<Array<string>> {
    if ((await this.deps.repository.treeSize(this.deps.logId)) < treeSize) await this.catchUp(treeSize);
    return (await this.deps.repository.inclusionProof(this.deps.logId, seq, treeSize)).map(toHex);
  }

  async list(filter: Readonly<AuditTrailFilter>): Promise<AuditTrailPage> {
    try {
      await this.catchUp();
    } catch (error) {
      this.deps.logger.warn('audit trail shown from the local copy: the bucket could not be read', { cause: describeCause(error) });
    }
    const { bodies, total } = await this.deps.repository.listEvents(
      this.deps.logId,
      {
        ...(filter.conversationId !== undefined ? { conversationId: filter.conversationId } : {}),
        ...(filter.recordingId !== undefined ? { recordingId: filter.recordingId } : {}),
        ...(filter.tradingId !== undefined ? { tradingId: filter.tradingId } : {}),
        ...(filter.operator !== undefined ? { operator: filter.operator } : {}),
        ...(filter.caseReference !== undefined ? { caseReference: filter.caseReference } : {}),
        ...(filter.action !== undefined ? { action: filter.action } : {}),
        ...(filter.from !== undefined ? { fromMs: Date.parse(filter.from) } : {}),
        ...(filter.to !== undefined ? { toMs: Date.parse(filter.to) } : {}),
        ...(filter.alertsOnly ? { alertsOnly: true } : {}),
      },
      filter.limit ?? 200,
    );
    return { logId: this.deps.logId, total, entries: bodies.map((body) => toEntry(parseStoredAuditEvent(body).event)) };
  }

  async status(): Promise<AuditStatus> {
    const { repository, logId } = this.deps;
    const checkpoint = await repository.latestCheckpoint(logId);
    const head = await repository.verifiedHead(logId);
    const keyIds = await repository.publishedKeyIds(logId);
    return {
      logId,
      bucket: this.deps.bucket,
      localTreeSize: await repository.treeSize(logId),
      lastCheckpoint: checkpoint ? { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, time: checkpoint.time } : null,
      verifiedHead: head ? { treeSize: head.treeSize, rootHash: head.rootHash, time: new Date(head.verifiedMs).toISOString() } : null,
      integrity: await this.integrity(),
      keyId: keyIds.at(-1) ?? null,
    };
  }

  /**
   * Recomputes chain, tree and checkpoints from the bucket alone (see verifyAuditLog), also checks that
   * the log extends the head this workstation verified before, and remembers the outcome.
   */
  async verify(options: { from?: string | null; to?: string | null; pinnedKeys?: ReadonlyArray<string>; onProgress?(read: number, total: number): void } = {}): Promise<AuditVerification> {
    const { repository, logId } = this.deps;
    const seen = await repository.verifiedHead(logId);
    const report = await verifyAuditLog({
      s3: this.deps.s3,
      bucket: this.deps.bucket,
      logId,
      clock: this.deps.clock,
      ...options,
      seenHead: seen ? { treeSize: seen.treeSize, rootHash: seen.rootHash, verifiedAt: new Date(seen.verifiedMs).toISOString() } : null,
    });
    await this.integrityQueue.run(async () => {
      if (report.ok && report.verifiedUpTo) {
        await repository.advanceVerifiedHead(logId, { treeSize: report.verifiedUpTo.treeSize, rootHash: report.verifiedUpTo.rootHash, verifiedMs: this.deps.clock.now(), source: 'verify' });
      }
      await this.setIntegrity({
        state: report.ok ? 'ok' : 'failed',
        source: 'verify',
        checkedAt: report.checkedAt,
        message: report.ok
          ? report.verifiedUpTo
            ? `verified up to tree size ${report.verifiedUpTo.treeSize} (checkpoint of ${report.verifiedUpTo.time}); ${report.uncheckpointed} later event(s) chained but not yet checkpointed`
            : `chain of ${report.events.read} event(s) verified; no checkpoint yet`
          : `verification failed: ${report.firstBad?.message ?? 'see the report'}`,
        firstBad: report.firstBad,
      });
    });
    return report;
  }

  /**
   * Checks that the bucket's newest signed checkpoint extends the tree head this workstation verified
   * before (an RFC 9162 consistency proof from the local tree), and alerts when it does not.
   */
  async checkConsistency(): Promise<AuditIntegrity> {
    return this.integrityQueue.run(() => this.checkConsistencyExclusive());
  }

  /** Runs the consistency check without waiting for it (after a sync, at app start); failures are logged. */
  checkConsistencyInBackground(): void {
    this.inBackground(this.checkConsistency(), 'consistency check');
  }

  /** For a long-running host: writes time-based checkpoints until `signal` aborts. */
  async runPeriodic(signal: AbortSignal): Promise<void> {
    const tickMs = this.deps.tickMs ?? 60_000;
    for (;;) {
      try {
        await this.deps.clock.sleep(tickMs, signal);
      } catch {
        return;
      }
      try {
        await this.checkpointQueue.run(() => this.writeCheckpoint(false));
      } catch (error) {
        this.deps.logger.warn('periodic audit checkpoint failed; retrying at the next tick', { cause: describeCause(error) });
      }
    }
  }

  /** Resolves when appends and catch-ups queued so far are in the local tree (the queue runs in order). */
  async drain(): Promise<void> {
    await this.recordQueue.run(async () => undefined);
  }

  /** Resolves when background work (checkpoints, consistency checks) started so far is done. */
  async flush(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /**
   * Reads events the local tree lacks (written by another process, or before a lost database) from the
   * bucket, up to `untilSeq` (exclusive) or the end, and records them. Returns how many were added.
   */
  async catchUp(untilSeq?: number): Promise<number> {
    return this.recordQueue.run(() => this.catchUpExclusive(untilSeq));
  }

  private async evaluateAlerts(input: Readonly<AuditAppendInput>): Promise<Array<AuditAlert>> {
    try {
      return await this.deps.alerts.evaluate({
        timeMs: this.deps.clock.now(),
        operator: this.deps.operator,
        workstation: this.deps.workstation,
        action: input.action,
        conversationId: input.conversationId ?? null,
        recordingId: input.recordingId ?? null,
      });
    } catch (error) {
      // A rule that cannot be evaluated must not stop the access being recorded; it is logged loudly.
      this.deps.logger.error('alert rules could not be evaluated; the event is written without alerts', { action: input.action, cause: describeCause(error) });
      return [];
    }
  }

  private async recordWritten(event: AuditEvent): Promise<void> {
    const record = recordOf(event, serializeAuditEvent(event));
    const { repository, logId } = this.deps;
    if ((await repository.treeSize(logId)) < event.seq) await this.catchUpExclusive(event.seq);
    const result = await repository.recordEvents(logId, [record]);
    await this.reportConflicts(result.conflicts);
  }

  private async catchUpExclusive(untilSeq?: number): Promise<number> {
    const { repository, logId, s3, bucket } = this.deps;
    const from = await repository.treeSize(logId);
    if (untilSeq !== undefined && from >= untilSeq) return 0;
    const versions = await this.listEventVersions(from, untilSeq);
    let added = 0;
    let previousHash = from === 0 ? null : await this.storedHash(from - 1);
    for (let start = 0; start < versions.length; start += catchUpBatch) {
      const slice = versions.slice(start, start + catchUpBatch);
      const texts = await Promise.all(
        slice.map(({ key, versionId }) =>
          wormRequest(s3, `GetObject s3://${bucket}/${key}`, async () => {
            const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
            return (await object.Body?.transformToString('utf8')) ?? '';
          }),
        ),
      );
      const records: Array<AuditEventRecord> = [];
      for (const [i, text] of texts.entries()) {
        const seq = slice[i]!.seq;
        let stored;
        try {
          stored = parseStoredAuditEvent(text);
        } catch (error) {
          await this.fail('consistency', problemAt('unreadable-event', seq, `event ${seq} in the bucket is unreadable: ${describeCause(error)}`, auditEventKey(logId, seq)));
          return added + (await this.recordBatch(records));
        }
        if (stored.event.seq !== seq || stored.event.logId !== logId) {
          await this.fail('consistency', problemAt('reordered-event', seq, `the bucket's object for event ${seq} holds event ${stored.event.seq} of log ${stored.event.logId}`, auditEventKey(logId, seq)));
          return added + (await this.recordBatch(records));
        }
        if (previousHash !== null && stored.event.prevHash !== previousHash) {
          await this.fail('consistency', problemAt('altered-event', seq - 1, `event ${seq} in the bucket does not chain to event ${seq - 1} as this workstation holds it`, auditEventKey(logId, seq - 1)));
        }
        previousHash = stored.hash;
        records.push(recordOf(stored.event, text));
      }
      added += await this.recordBatch(records);
    }
    if (added > 0) this.deps.logger.info('audit events read back from the bucket into the local tree', { from, added });
    return added;
  }

  private async recordBatch(records: ReadonlyArray<AuditEventRecord>): Promise<number> {
    if (records.length === 0) return 0;
    const result = await this.deps.repository.recordEvents(this.deps.logId, records);
    await this.reportConflicts(result.conflicts);
    return result.added;
  }

  private async reportConflicts(conflicts: ReadonlyArray<{ seq: number; held: string; offered: string }>): Promise<void> {
    const first = conflicts[0];
    if (!first) return;
    await this.fail(
      'consistency',
      problemAt('altered-event', first.seq, `event ${first.seq} in the bucket differs from the copy this workstation recorded (leaf ${first.offered}, recorded ${first.held})`, auditEventKey(this.deps.logId, first.seq)),
    );
  }

  private async storedHash(seq: number): Promise<string | null> {
    const body = await this.deps.repository.eventBody(this.deps.logId, seq);
    return body === null ? null : sha256Hex(body);
  }

  /** The first-written version of each event key with seq >= from (and < until), in seq order, without gaps. */
  private async listEventVersions(from: number, until?: number): Promise<Array<{ seq: number; key: string; versionId: string }>> {
    const { s3, bucket, logId } = this.deps;
    const bySeq = new Map<number, { key: string; versionId: string }>();
    const keyMarker = from > 0 ? auditEventKey(logId, from - 1) : undefined;
    pages: for await (const page of listVersionPages(s3, bucket, auditEventsPrefix(logId), keyMarker ? { keyMarker } : {})) {
      for (const version of page.Versions ?? []) {
        const seq = version.Key ? seqOfAuditEventKey(logId, version.Key) : null;
        if (seq === null || !version.VersionId || seq < from) continue;
        if (until !== undefined && seq >= until) break pages;
        // Newest first within a key: the last one seen is the first written.
        bySeq.set(seq, { key: version.Key!, versionId: version.VersionId });
      }
    }
    const out: Array<{ seq: number; key: string; versionId: string }> = [];
    for (let seq = from; bySeq.has(seq); seq += 1) out.push({ seq, ...bySeq.get(seq)! });
    const missing = [...bySeq.keys()].find((seq) => seq >= from + out.length);
    if (missing !== undefined) {
      const gap = from + out.length;
      await this.fail('consistency', problemAt('missing-event', gap, `event ${gap} is missing from the bucket, but event ${missing} exists`, auditEventKey(logId, gap)));
    }
    return out;
  }

  private async writeCheckpoint(force: boolean): Promise<AuditCheckpoint | null> {
    const { repository, logId, clock, logger } = this.deps;
    const lock = await acquireLockFile(this.deps.checkpointLockFile, { timeoutMs: 30_000 });
    try {
      const size = await repository.treeSize(logId);
      const latest = await repository.latestCheckpoint(logId);
      if (size === 0) return null;
      if (latest && latest.treeSize >= size) return force ? await this.readCheckpoint(latest.treeSize) : null;
      if (!force && !(await this.checkpointDue(size, latest?.treeSize ?? 0))) return null;
      const started = performance.now();
      const key = await this.deps.signingKey();
      const timeMs = clock.now();
      const retainUntil = new Date(timeMs + this.deps.retention.durationMs);
      await this.publishKey(key, retainUntil.getTime());
      const rootHash = toHex(await repository.root(logId, size));
      const existing = await this.readCheckpoint(size);
      let checkpoint: AuditCheckpoint;
      if (existing) {
        // Another process (or this profile before a lost database) already wrote this tree size.
        if (existing.rootHash !== rootHash) {
          await this.fail('consistency', {
            kind: 'checkpoint-root-mismatch',
            seq: null,
            treeSize: size,
            key: auditCheckpointKey(logId, size),
            message: `the bucket's checkpoint at tree size ${size} says root ${existing.rootHash}, but this workstation's events hash to ${rootHash}`,
          });
          return null;
        }
        checkpoint = existing;
      } else {
        checkpoint = signCheckpoint(key, { logId, treeSize: size, rootHash, time: new Date(timeMs).toISOString() });
        await putLockedObject(this.deps.s3, {
          bucket: this.deps.bucket,
          key: auditCheckpointKey(logId, size),
          body: serializeCheckpoint(checkpoint),
          contentType: 'application/json',
          retainUntil,
          mode: this.deps.retention.mode,
        });
      }
      await repository.saveCheckpoint(logId, { treeSize: size, rootHash, time: checkpoint.time, keyId: checkpoint.keyId });
      await repository.advanceVerifiedHead(logId, { treeSize: size, rootHash, verifiedMs: timeMs, source: 'checkpoint' });
      logger.info('audit checkpoint written', { treeSize: size, rootHash, keyId: checkpoint.keyId, ms: Math.round(performance.now() - started) });
      return checkpoint;
    } finally {
      await lock.release().catch((error: unknown) => logger.warn('could not release the checkpoint lock', { cause: describeCause(error) }));
    }
  }

  private async checkpointDue(size: number, covered: number): Promise<boolean> {
    const { everyEvents, everyMinutes } = this.deps.checkpointPolicy;
    if (size - covered >= everyEvents) return true;
    const oldest = await this.deps.repository.eventBody(this.deps.logId, covered);
    if (oldest === null) return false;
    return this.deps.clock.now() - Date.parse(parseStoredAuditEvent(oldest).event.time) >= everyMinutes * 60_000;
  }

  /** Publishes the public key next to the checkpoints it signs, retained at least as long as they are. */
  private async publishKey(key: SigningKey, checkpointRetainUntilMs: number): Promise<void> {
    const { repository, logId, s3, bucket } = this.deps;
    const objectKey = auditPublicKeyKey(logId, key.keyId);
    const recorded = await repository.publishedKeyRetention(logId, key.keyId);
    const wanted = checkpointRetainUntilMs + keyRetentionMarginMs;
    if (recorded === null) {
      // Published before (by this profile before a lost database, or by the evidence-pack builder)?
      const existing = await getText(s3, bucket, objectKey);
      if (existing === null) {
        await putLockedObject(s3, { bucket, key: objectKey, body: key.publicKeyPem, contentType: 'application/x-pem-file', retainUntil: new Date(wanted), mode: this.deps.retention.mode });
        this.deps.logger.info('audit public key published', { keyId: key.keyId, key: objectKey });
        await repository.savePublishedKey(logId, key.keyId, wanted);
        return;
      }
      if (keyIdOrNull(existing) !== key.keyId) {
        throw new AuditUnavailableError(`s3://${bucket}/${objectKey} does not hold this installation's public key ${key.keyId}: refusing to sign checkpoints next to it`, undefined, { retryable: false });
      }
      const current = await retainUntilOf(s3, bucket, objectKey);
      if (current < wanted) await this.extendKeyRetention(objectKey, wanted);
      await repository.savePublishedKey(logId, key.keyId, Math.max(current, wanted));
    } else if (recorded < checkpointRetainUntilMs) {
      await this.extendKeyRetention(objectKey, wanted);
      await repository.savePublishedKey(logId, key.keyId, wanted);
    }
  }

  private async extendKeyRetention(objectKey: string, untilMs: number): Promise<void> {
    const { s3, bucket } = this.deps;
    await wormRequest(s3, `PutObjectRetention s3://${bucket}/${objectKey}`, () =>
      s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: objectKey, Retention: { Mode: this.deps.retention.mode, RetainUntilDate: new Date(untilMs) } })),
    );
  }

  private async readCheckpoint(treeSize: number): Promise<AuditCheckpoint | null> {
    const text = await getText(this.deps.s3, this.deps.bucket, auditCheckpointKey(this.deps.logId, treeSize));
    return text === null ? null : parseStoredCheckpoint(text);
  }

  private async checkConsistencyExclusive(): Promise<AuditIntegrity> {
    const { repository, logId, s3, bucket, clock } = this.deps;
    const checkedAt = new Date(clock.now()).toISOString();
    const seen = await repository.verifiedHead(logId);
    const latest = await this.latestBucketCheckpoint();
    if (!latest) {
      if (seen) {
        return this.fail('consistency', {
          kind: 'checkpoint-beyond-log',
          seq: null,
          treeSize: seen.treeSize,
          key: auditCheckpointsPrefix(logId),
          message: `the bucket holds no checkpoint, but this workstation verified tree size ${seen.treeSize} on ${new Date(seen.verifiedMs).toISOString()}: checkpoints were removed`,
        });
      }
      return this.setIntegrity({ state: 'unknown', source: 'consistency', checkedAt, message: 'no checkpoint written yet', firstBad: null }, { keepFailure: true });
    }
    const { checkpoint, key } = latest;
    const pem = (await this.isOwnKey(checkpoint.keyId)) ? await getText(s3, bucket, auditPublicKeyKey(logId, checkpoint.keyId)) : null;
    if (!pem || !checkpointSignatureValid(checkpoint, pem)) {
      return this.fail('consistency', {
        kind: pem ? 'bad-checkpoint-signature' : 'unknown-checkpoint-key',
        seq: null,
        treeSize: checkpoint.treeSize,
        key,
        message: pem
          ? `the bucket's newest checkpoint (tree size ${checkpoint.treeSize}) has an invalid signature`
          : `the bucket's newest checkpoint (tree size ${checkpoint.treeSize}) is signed by key ${checkpoint.keyId}, which this workstation did not publish`,
      });
    }
    if (seen && checkpoint.treeSize < seen.treeSize) {
      return this.fail('consistency', {
        kind: 'inconsistent-with-seen-head',
        seq: null,
        treeSize: seen.treeSize,
        key,
        message: `the bucket's newest checkpoint covers ${checkpoint.treeSize} events, but this workstation verified ${seen.treeSize} on ${new Date(seen.verifiedMs).toISOString()}: the log shrank`,
      });
    }
    if ((await repository.treeSize(logId)) < checkpoint.treeSize) await this.catchUp(checkpoint.treeSize);
    if ((await repository.treeSize(logId)) < checkpoint.treeSize) {
      return this.fail('consistency', {
        kind: 'checkpoint-beyond-log',
        seq: null,
        treeSize: checkpoint.treeSize,
        key,
        message: `the bucket's newest checkpoint covers ${checkpoint.treeSize} events, but not all of them could be read from the bucket`,
      });
    }
    const newRoot = await repository.root(logId, checkpoint.treeSize);
    if (toHex(newRoot) !== checkpoint.rootHash) {
      return this.fail('consistency', {
        kind: 'checkpoint-root-mismatch',
        seq: null,
        treeSize: checkpoint.treeSize,
        key,
        message: `the bucket's newest checkpoint (tree size ${checkpoint.treeSize}) says root ${checkpoint.rootHash}, but the events this workstation holds hash to ${toHex(newRoot)}`,
      });
    }
    if (seen) {
      const proof = await repository.consistencyProof(logId, seen.treeSize, checkpoint.treeSize);
      const consistent = verifyConsistency(sha256, {
        oldSize: seen.treeSize,
        newSize: checkpoint.treeSize,
        oldRoot: Buffer.from(seen.rootHash, 'hex'),
        newRoot: Buffer.from(checkpoint.rootHash, 'hex'),
        proof,
      });
      if (!consistent) {
        return this.fail('consistency', {
          kind: 'inconsistent-with-seen-head',
          seq: null,
          treeSize: seen.treeSize,
          key,
          message: `the log at tree size ${checkpoint.treeSize} is not an extension of the tree head this workstation verified on ${new Date(seen.verifiedMs).toISOString()} (size ${seen.treeSize}): earlier events were rewritten`,
        });
      }
    }
    await repository.advanceVerifiedHead(logId, { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, verifiedMs: clock.now(), source: 'consistency' });
    return this.setIntegrity(
      {
        state: 'ok',
        source: 'consistency',
        checkedAt,
        message: seen
          ? `the log at tree size ${checkpoint.treeSize} extends the head verified before (size ${seen.treeSize})`
          : `first checkpoint seen: tree size ${checkpoint.treeSize}, matching this workstation's events`,
        firstBad: null,
      },
      { keepFailure: true },
    );
  }

  /** A key this installation published, or its own key (after a lost database, before it publishes again). */
  private async isOwnKey(keyId: string): Promise<boolean> {
    if ((await this.deps.repository.publishedKeyIds(this.deps.logId)).includes(keyId)) return true;
    try {
      return (await this.deps.signingKey()).keyId === keyId;
    } catch (error) {
      this.deps.logger.warn('the signing key could not be loaded to recognise a checkpoint', { cause: describeCause(error) });
      return false;
    }
  }

  private async latestBucketCheckpoint(): Promise<{ checkpoint: AuditCheckpoint; key: string } | null> {
    const { s3, bucket, logId } = this.deps;
    const prefix = auditCheckpointsPrefix(logId);
    let newest: { treeSize: number; key: string; versionId: string } | null = null;
    for await (const page of listVersionPages(s3, bucket, prefix)) {
      for (const version of page.Versions ?? []) {
        const treeSize = version.Key ? treeSizeOfCheckpointKey(logId, version.Key) : null;
        // The first version listed of the largest key is its newest; a second version of a checkpoint is itself suspect.
        if (treeSize !== null && version.VersionId && (!newest || treeSize > newest.treeSize)) newest = { treeSize, key: version.Key!, versionId: version.VersionId };
      }
    }
    if (!newest) return null;
    const { key, versionId } = newest;
    const text = await wormRequest(s3, `GetObject s3://${bucket}/${key}`, async () => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      return (await object.Body?.transformToString('utf8')) ?? '';
    });
    try {
      return { checkpoint: parseStoredCheckpoint(text), key };
    } catch (error) {
      await this.fail('consistency', { kind: 'bad-checkpoint', seq: null, treeSize: newest.treeSize, key, message: `the bucket's newest checkpoint is unreadable: ${describeCause(error)}` });
      return null;
    }
  }

  private async integrity(): Promise<AuditIntegrity> {
    const stored = (await this.deps.repository.integrityReport(this.deps.logId)) as AuditIntegrity | null;
    return stored ?? { state: 'unknown', source: null, checkedAt: null, message: 'not checked yet', firstBad: null };
  }

  private async fail(source: 'consistency' | 'verify', problem: AuditProblem): Promise<AuditIntegrity> {
    return this.setIntegrity({ state: 'failed', source, checkedAt: new Date(this.deps.clock.now()).toISOString(), message: problem.message, firstBad: problem });
  }

  /** Stores and announces the integrity state; a passing consistency check does not hide a failed verification. */
  private async setIntegrity(next: AuditIntegrity, options: { keepFailure?: boolean } = {}): Promise<AuditIntegrity> {
    const current = await this.integrity();
    if (options.keepFailure && current.state === 'failed' && current.source === 'verify') return current;
    await this.deps.repository.saveIntegrityReport(this.deps.logId, next);
    if (next.state === 'failed') this.deps.logger.error('audit log integrity check failed', { source: next.source, problem: next.firstBad?.kind, detail: next.message });
    if (next.state !== current.state || next.message !== current.message) this.deps.events.publish({ kind: 'audit.integrityChanged', integrity: next });
    return next;
  }

  private inBackground(work: Promise<unknown>, what: string): void {
    const tracked = (async () => {
      try {
        await work;
      } catch (error) {
        this.deps.logger.warn(`${what} failed`, { cause: describeCause(error), code: error instanceof AppError ? error.code : undefined });
      }
    })();
    this.background.add(tracked);
    void (async () => {
      await tracked;
      this.background.delete(tracked);
    })();
  }
}

function recordOf(event: AuditEvent, body: string): AuditEventRecord {
  return { event, body, leafHash: leafHashOfStoredEvent(body), alertCount: alertsOf(event).length };
}

function problemAt(kind: AuditProblem['kind'], seq: number, message: string, key: string): AuditProblem {
  return { kind, seq, treeSize: null, key, message };
}

async function retainUntilOf(s3: S3Client, bucket: string, key: string): Promise<number> {
  const head = await wormRequest(s3, `HeadObject s3://${bucket}/${key}`, () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  return head.ObjectLockRetainUntilDate?.getTime() ?? 0;
}

async function getText(s3: S3Client, bucket: string, key: string): Promise<string | null> {
  return wormRequest(s3, `GetObject s3://${bucket}/${key}`, async () => {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (classifyS3Failure(error).status === 404) return null;
      throw error;
    }
  });
}

export function alertsOf(event: Readonly<AuditEvent>): Array<AuditAlert> {
  const parsed = auditAlertSchema.array().safeParse(event.details.alerts);
  return parsed.success ? parsed.data : [];
}

/** The event as the trail lists it, with a one-line summary of what the action was applied with. */
export function toEntry(event: Readonly<AuditEvent>): AuditTrailEntry {
  return {
    seq: event.seq,
    eventId: event.eventId,
    time: event.time,
    operator: event.operator,
    workstation: event.workstation,
    action: event.action,
    conversationId: event.conversationId,
    recordingId: event.recordingId,
    tradingId: event.tradingId,
    caseReference: event.caseReference,
    summary: summarize(event),
    alerts: alertsOf(event),
  };
}

function clock(ms: unknown): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return null;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function summarize(event: Readonly<AuditEvent>): string | null {
  const d = event.details;
  switch (event.action) {
    case 'play':
      return clock(d.startOffsetMs) === null ? null : `from ${clock(d.startOffsetMs)}`;
    case 'seek':
      return clock(d.positionMs) === null ? null : `to ${clock(d.positionMs)}`;
    case 'download':
      return typeof d.destination === 'string' ? `to ${d.destination}` : null;
    case 'search': {
      const query = d.query && typeof d.query === 'object' ? Object.entries(d.query as Record<string, unknown>) : [];
      return query.length > 0 ? query.map(([k, v]) => `${k}=${String(v)}`).join(', ') : null;
    }
    default:
      return typeof d.summary === 'string' ? d.summary : typeof d.reason === 'string' ? d.reason : null;
  }
}

