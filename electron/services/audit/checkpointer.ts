import { HeadObjectCommand, PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AuditCheckpoint } from '../../../shared/domain';
import { formatVerifierKey } from '../../crypto/signed-note';
import type { Logger } from '../../../shared/logger';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import { AuditUnavailableError, describeCause } from '../errors';
import type { Clock } from '../ports';
import { keyIdOrNull, type SigningKey } from '../signing/signing-key';
import { listVersionPages, putLockedObject, readObject, readObjectText, wormRequest } from '../worm/locked-objects';
import type { AuditMirror } from './audit-mirror';
import type { BackgroundWork } from './background-work';
import type { AuditRetention } from './event-chain';
import type { IntegrityState } from './integrity-state';
import {
  auditCheckpointKey,
  auditCheckpointsPrefix,
  auditPublicKeyKey,
  checkpointNoteKey,
  checkpointSignatureValid,
  parseStoredAuditEvent,
  parseStoredCheckpoint,
  serializeCheckpoint,
  signCheckpoint,
  signCheckpointNote,
  toHex,
  treeSizeOfCheckpointKey,
} from './layout';
import { acquireLockFile } from './lock-file';
import { SerialQueue } from './serial-queue';
import { publishCheckpointNote, publishedTreeSize, publishTiles } from './tiled-log';

export type CheckpointPolicy = { everyEvents: number; everyMinutes: number };

export type CheckpointerDeps = {
  s3: S3Client;
  bucket: string;
  logId: string;
  /** Retention of checkpoints and the published key: the audit events' own. */
  retention: AuditRetention;
  mirror: AuditMirror;
  repository: AuditMirrorRepository;
  state: IntegrityState;
  /** The installation's Ed25519 key (keychain); asked for only when a checkpoint is written or recognised. */
  signingKey: () => Promise<SigningKey>;
  policy: CheckpointPolicy;
  clock: Clock;
  logger: Logger;
  /** Shared by every process of this profile, so one checkpoint is written per tree size. */
  lockFile: string;
  background: BackgroundWork;
  /** How often a long-running host looks for a due checkpoint; default one minute. */
  tickMs?: number;
};

/** A checkpoint read from the bucket, its signature and key id checked against a key this installation published. */
export type VerifiedCheckpoint = { checkpoint: AuditCheckpoint; bytes: Buffer; key: string; publicKeyPem: string; wroteNow: boolean };

const DAY_MS = 86_400_000;
/** The public key outlives every checkpoint it signed by at least this much. */
const keyRetentionMarginMs = 365 * DAY_MS;

/**
 * Signs checkpoints (RFC 9162 tree heads over the mirror's tree) into the bucket every N events or M
 * minutes, under a lock file so one is written per tree size, and publishes the key beside them. With
 * each checkpoint it publishes the log in the C2SP tlog-tiles layout (tiled-log.ts) and the checkpoint
 * as a C2SP signed note. It
 * also reads checkpoints back, checking signature and key id, for the integrity monitor and packs.
 */
export class Checkpointer {
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: CheckpointerDeps) {}

  /** Writes a signed checkpoint over every event now in the tree (unless one already covers them) and returns it. */
  async checkpointNow(): Promise<AuditCheckpoint | null> {
    await this.deps.mirror.catchUp();
    return this.queue.run(() => this.writeCheckpoint(true));
  }

  /** After an append: writes a checkpoint in the background when the policy says one is due. */
  nudge(): void {
    this.deps.background.start(this.queue.run(() => this.writeCheckpoint(false)), 'checkpoint');
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
        await this.queue.run(() => this.writeCheckpoint(false));
      } catch (error) {
        this.deps.logger.warn('periodic audit checkpoint failed; retrying at the next tick', { cause: describeCause(error) });
      }
    }
  }

  /**
   * Publishes this installation's public key in the bucket (if not yet) and returns where it is, with
   * the C2SP verifier key ("vkey") that opens the log's checkpoint notes.
   */
  async publishSigningKey(): Promise<{ keyId: string; publicKeyPem: string; bucket: string; key: string; checkpointVkey: string }> {
    const key = await this.deps.signingKey();
    await this.queue.run(() => this.publishKey(key, this.deps.clock.now() + this.deps.retention.durationMs));
    const { bucket, logId } = this.deps;
    return { keyId: key.keyId, publicKeyPem: key.publicKeyPem, bucket, key: auditPublicKeyKey(logId, key.keyId), checkpointVkey: formatVerifierKey(checkpointNoteKey(bucket, logId, key.publicKeyPem)) };
  }

  /**
   * A signed checkpoint covering at least the first `minTreeSize` events, read from the bucket with its
   * signature and key id checked: the newest this installation wrote, or one written now. Two or three
   * object reads, however long the log.
   */
  async signedCheckpointCovering(minTreeSize: number): Promise<VerifiedCheckpoint> {
    const { repository, logId, s3, bucket } = this.deps;
    let known = await repository.latestCheckpoint(logId);
    const wroteNow = !known || known.treeSize < minTreeSize;
    if (wroteNow) {
      await this.checkpointNow();
      known = await repository.latestCheckpoint(logId);
    }
    if (!known || known.treeSize < minTreeSize) {
      throw new AuditUnavailableError(`No signed checkpoint of audit log ${logId} covers its first ${minTreeSize} events.`, undefined, { retryable: true });
    }
    const key = auditCheckpointKey(logId, known.treeSize);
    const object = await readObject(s3, bucket, key);
    const checkpoint = object ? parsedOrNull(object.text()) : null;
    if (!object || !checkpoint || checkpoint.logId !== logId || checkpoint.treeSize !== known.treeSize) {
      throw new AuditUnavailableError(`Audit checkpoint s3://${bucket}/${key} is not a valid checkpoint of log ${logId}.`, undefined, { retryable: false });
    }
    const signer = await this.readSigner(checkpoint);
    if (signer.verdict !== 'valid') {
      throw new AuditUnavailableError(
        signer.verdict === 'bad-signature'
          ? `Audit checkpoint s3://${bucket}/${key} has a signature that does not verify.`
          : `Audit checkpoint s3://${bucket}/${key} is signed by key ${checkpoint.keyId}, which this installation did not publish.`,
        undefined,
        { retryable: false },
      );
    }
    return { checkpoint, bytes: object.body, key, publicKeyPem: signer.pem, wroteNow };
  }

  /** Whether the checkpoint is signed by a key this installation published (by id and by bytes), and validly. */
  async checkSignature(checkpoint: Readonly<AuditCheckpoint>): Promise<'valid' | 'bad-signature' | 'unknown-key'> {
    return (await this.readSigner(checkpoint)).verdict;
  }

  /** The bucket's newest checkpoint (largest tree size), or null when none (or it is unreadable, which is reported). */
  async newestInBucket(): Promise<{ checkpoint: AuditCheckpoint; key: string } | null> {
    const { s3, bucket, logId } = this.deps;
    const newest = await newestCheckpointVersion(s3, bucket, logId);
    if (!newest) return null;
    const { key, versionId } = newest;
    const text = (await readObjectText(s3, bucket, key, { versionId })) ?? '';
    try {
      return { checkpoint: parseStoredCheckpoint(text), key };
    } catch (error) {
      await this.deps.state.fail('consistency', { kind: 'bad-checkpoint', seq: null, treeSize: newest.treeSize, key, message: `the bucket's newest checkpoint is unreadable: ${describeCause(error)}` });
      return null;
    }
  }

  private async readSigner(checkpoint: Readonly<AuditCheckpoint>): Promise<{ verdict: 'valid'; pem: string } | { verdict: 'bad-signature' | 'unknown-key' }> {
    const pem = (await this.isOwnKey(checkpoint.keyId)) ? await readObjectText(this.deps.s3, this.deps.bucket, auditPublicKeyKey(this.deps.logId, checkpoint.keyId)) : null;
    if (!pem) return { verdict: 'unknown-key' };
    return checkpointSignatureValid(checkpoint, pem) ? { verdict: 'valid', pem } : { verdict: 'bad-signature' };
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

  private async writeCheckpoint(force: boolean): Promise<AuditCheckpoint | null> {
    const { repository, logId, clock, logger, mirror } = this.deps;
    const lock = await acquireLockFile(this.deps.lockFile, { timeoutMs: 30_000 });
    try {
      const size = await mirror.treeSize();
      const latest = await repository.latestCheckpoint(logId);
      if (size === 0) return null;
      if (latest && latest.treeSize >= size) return force ? await this.readCheckpoint(latest.treeSize) : null;
      if (!force && !(await this.checkpointDue(size, latest?.treeSize ?? 0))) return null;
      const started = performance.now();
      const key = await this.deps.signingKey();
      const timeMs = clock.now();
      const retainUntil = new Date(timeMs + this.deps.retention.durationMs);
      await this.publishKey(key, retainUntil.getTime());
      const rootHash = toHex(await mirror.root(size));
      // The tiles a checkpoint of this size needs are published before it, its signed note after it.
      const tiled = { s3: this.deps.s3, bucket: this.deps.bucket, logId, repository, mode: this.deps.retention.mode };
      const published = await publishedTreeSize(tiled);
      const existing = await this.readCheckpoint(size);
      let checkpoint: AuditCheckpoint;
      if (existing) {
        // Another process (or this profile before a lost database) already wrote this tree size.
        if (existing.rootHash !== rootHash) {
          await this.deps.state.fail('consistency', {
            kind: 'checkpoint-root-mismatch',
            seq: null,
            treeSize: size,
            key: auditCheckpointKey(logId, size),
            message: `the bucket's checkpoint at tree size ${size} says root ${existing.rootHash}, but this workstation's events hash to ${rootHash}`,
          });
          return null;
        }
        if (published < size) await publishTiles(tiled, { fromSize: published, toSize: size }, retainUntil);
        checkpoint = existing;
      } else {
        if (published < size) await publishTiles(tiled, { fromSize: published, toSize: size }, retainUntil);
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
      if (published < size) await publishCheckpointNote(tiled, size, signCheckpointNote(key, { bucket: this.deps.bucket, logId, treeSize: size, rootHash }), retainUntil);
      await repository.saveCheckpoint(logId, { treeSize: size, rootHash, time: checkpoint.time, keyId: checkpoint.keyId });
      await repository.advanceVerifiedHead(logId, { treeSize: size, rootHash, verifiedMs: timeMs, source: 'checkpoint' });
      logger.info('audit checkpoint written', { treeSize: size, rootHash, keyId: checkpoint.keyId, ms: Math.round(performance.now() - started) });
      return checkpoint;
    } finally {
      await lock.release().catch((error: unknown) => logger.warn('could not release the checkpoint lock', { cause: describeCause(error) }));
    }
  }

  private async checkpointDue(size: number, covered: number): Promise<boolean> {
    const { everyEvents, everyMinutes } = this.deps.policy;
    if (size - covered >= everyEvents) return true;
    const oldest = await this.deps.mirror.eventBody(covered);
    if (oldest === null) return false;
    return this.deps.clock.now() - Date.parse(parseStoredAuditEvent(oldest).event.time) >= everyMinutes * 60_000;
  }

  private async readCheckpoint(treeSize: number): Promise<AuditCheckpoint | null> {
    const text = await readObjectText(this.deps.s3, this.deps.bucket, auditCheckpointKey(this.deps.logId, treeSize));
    return text === null ? null : parseStoredCheckpoint(text);
  }

  /** Publishes the public key next to the checkpoints it signs, retained at least as long as they are. */
  private async publishKey(key: SigningKey, checkpointRetainUntilMs: number): Promise<void> {
    const { repository, logId, s3, bucket } = this.deps;
    const objectKey = auditPublicKeyKey(logId, key.keyId);
    const recorded = await repository.publishedKeyRetention(logId, key.keyId);
    const wanted = checkpointRetainUntilMs + keyRetentionMarginMs;
    if (recorded === null) {
      // Published before (by this profile before a lost database, or by another process)?
      const existing = await readObjectText(s3, bucket, objectKey);
      if (existing === null) {
        await putLockedObject(s3, { bucket, key: objectKey, body: key.publicKeyPem, contentType: 'application/x-pem-file', retainUntil: new Date(wanted), mode: this.deps.retention.mode });
        this.deps.logger.info('audit public key published', { keyId: key.keyId, key: objectKey });
        await repository.savePublishedKey(logId, key.keyId, wanted);
        return;
      }
      if (keyIdOrNull(existing) !== key.keyId) {
        throw new AuditUnavailableError(`s3://${bucket}/${objectKey} does not hold this installation's public key ${key.keyId}: refusing to sign checkpoints next to it`, undefined, { retryable: false });
      }
      const current = await this.retainUntilOf(objectKey);
      if (current < wanted) await this.extendKeyRetention(objectKey, wanted);
      await repository.savePublishedKey(logId, key.keyId, Math.max(current, wanted));
    } else if (recorded < checkpointRetainUntilMs) {
      await this.extendKeyRetention(objectKey, wanted);
      await repository.savePublishedKey(logId, key.keyId, wanted);
    }
  }

  private async retainUntilOf(objectKey: string): Promise<number> {
    const { s3, bucket } = this.deps;
    const head = await wormRequest(s3, `HeadObject s3://${bucket}/${objectKey}`, () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey })));
    return head.ObjectLockRetainUntilDate?.getTime() ?? 0;
  }

  private async extendKeyRetention(objectKey: string, untilMs: number): Promise<void> {
    const { s3, bucket } = this.deps;
    await wormRequest(s3, `PutObjectRetention s3://${bucket}/${objectKey}`, () =>
      s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: objectKey, Retention: { Mode: this.deps.retention.mode, RetainUntilDate: new Date(untilMs) } })),
    );
  }
}

/** The object version of log `logId`'s checkpoint with the largest tree size in the bucket, or null when it has none. */
export async function newestCheckpointVersion(s3: S3Client, bucket: string, logId: string): Promise<{ treeSize: number; key: string; versionId: string } | null> {
  let newest: { treeSize: number; key: string; versionId: string } | null = null;
  for await (const page of listVersionPages(s3, bucket, auditCheckpointsPrefix(logId))) {
    for (const version of page.Versions ?? []) {
      const treeSize = version.Key ? treeSizeOfCheckpointKey(logId, version.Key) : null;
      // The first version listed of the largest key is its newest; a second version of a checkpoint is itself suspect.
      if (treeSize !== null && version.VersionId && (!newest || treeSize > newest.treeSize)) newest = { treeSize, key: version.Key!, versionId: version.VersionId };
    }
  }
  return newest;
}

function parsedOrNull(text: string): AuditCheckpoint | null {
  try {
    return parseStoredCheckpoint(text);
  } catch {
    return null;
  }
}
