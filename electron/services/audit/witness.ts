import type { S3Client } from '@aws-sdk/client-s3';
import { sha256 } from '../../crypto/sha256';
import type { AuditProblem } from '../../../shared/audit-views';
import type { AuditCheckpoint } from '../../../shared/domain';
import { verifyConsistency } from '../../../shared/crypto/merkle';
import type { Logger } from '../../../shared/logger';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import type { CosignedHead, WitnessedLog, WitnessRepository } from '../../db/repositories/witness-repository';
import { describeCause } from '../errors';
import type { Clock } from '../ports';
import { keyIdOrNull, type SigningKey } from '../signing/signing-key';
import { putLockedObject, readObject } from '../worm/locked-objects';
import { newestCheckpointVersion } from './checkpointer';
import { checkpointNoteText, cosignatureKey, cosignaturesBy, cosignedNote, witnessKeyName } from './cosignature-note';
import type { AuditAppendInput, AuditRetention } from './event-chain';
import type { FirmLogs } from './firm-logs';
import { IntegrityState } from './integrity-state';
import { auditPublicKeyKey, checkpointNoteOrigin, checkpointSignatureValid, parseStoredCheckpoint, toHex } from './layout';
import { SerialQueue } from './serial-queue';

type Head = { treeSize: number; rootHash: string };

/** How a checkpoint stands against the head this witness cosigned before (tlog-witness add-checkpoint's checks). */
export type Consistency =
  | { verdict: 'extends' | 'unchanged' }
  | { verdict: 'rolled-back' | 'forked'; message: string };

/**
 * The witness's decision on a log's newest checkpoint, given the head it cosigned before (null: never)
 * and its own copy of the log: the root its mirrored events give at the checkpoint's size, and an
 * RFC 9162 consistency proof from the cosigned size to it. A smaller tree is a rollback; the same size
 * with another root, a root the events do not give, or a proof that fails, a fork.
 */
export function judgeCheckpoint(args: { cosigned: Head | null; checkpoint: Head; mirrorRoot: string; proof: ReadonlyArray<Uint8Array> }): Consistency {
  const { cosigned, checkpoint } = args;
  if (cosigned && checkpoint.treeSize < cosigned.treeSize) {
    return { verdict: 'rolled-back', message: `the newest checkpoint covers ${checkpoint.treeSize} events, but this witness cosigned tree size ${cosigned.treeSize} before: the log was rolled back` };
  }
  if (cosigned && checkpoint.treeSize === cosigned.treeSize) {
    return checkpoint.rootHash === cosigned.rootHash
      ? { verdict: 'unchanged' }
      : { verdict: 'forked', message: `the checkpoint at tree size ${checkpoint.treeSize} says root ${checkpoint.rootHash}, but this witness cosigned root ${cosigned.rootHash} at that size: the log forked` };
  }
  if (args.mirrorRoot !== checkpoint.rootHash) {
    return { verdict: 'forked', message: `the checkpoint at tree size ${checkpoint.treeSize} says root ${checkpoint.rootHash}, but the events this witness read hash to ${args.mirrorRoot}` };
  }
  if (cosigned) {
    const consistent = verifyConsistency(sha256, {
      oldSize: cosigned.treeSize,
      newSize: checkpoint.treeSize,
      oldRoot: Buffer.from(cosigned.rootHash, 'hex'),
      newRoot: Buffer.from(checkpoint.rootHash, 'hex'),
      proof: args.proof,
    });
    if (!consistent) {
      return { verdict: 'forked', message: `the log at tree size ${checkpoint.treeSize} is not an extension of the tree this witness cosigned (size ${cosigned.treeSize}, root ${cosigned.rootHash}): earlier events were rewritten` };
    }
  }
  return { verdict: 'extends' };
}

/** Verdicts that mean the log misbehaved: no cosignature, and an alert in the witness's own log. */
export const alertVerdicts = ['rolled-back', 'forked', 'key-changed', 'bad-checkpoint', 'incomplete'] as const;
export type WitnessVerdict = 'cosigned' | 'up-to-date' | 'no-checkpoint' | 'unavailable' | (typeof alertVerdicts)[number];

export type WitnessOutcome = {
  logId: string;
  verdict: WitnessVerdict;
  checkpoint: (Head & { time: string }) | null;
  /** The head this witness had cosigned before this run. */
  cosignedBefore: Head | null;
  /** The cosignature object (s3 key) of this checkpoint, when it is cosigned. */
  cosignature: string | null;
  message: string;
  /** An alert event was written to this witness's log in this run (an incident is recorded once). */
  alertRecorded: boolean;
};

export type WitnessReport = { witnessLogId: string; checkedAt: string; outcomes: Array<WitnessOutcome> };

export type WitnessDeps = {
  s3: S3Client;
  bucket: string;
  /** This installation's log: never witnessed by itself. */
  ownLogId: string;
  /** Retention of the cosignatures it writes: its own log's. */
  retention: AuditRetention;
  firmLogs: Pick<FirmLogs, 'logIds' | 'mirrorOf'>;
  repository: WitnessRepository;
  /** The mirror tables, where each witnessed log's integrity state is kept. */
  auditMirrors: AuditMirrorRepository;
  /** The installation's key (the same that signs its checkpoints). */
  signingKey: () => Promise<SigningKey>;
  /** Publishes that key under this installation's own log (keys/), so every cosignature can be verified. */
  publishOwnKey: () => Promise<unknown>;
  /** Appends an alert event to this installation's log (the audit writer, as whoever runs the check). */
  recordAlert: (input: AuditAppendInput) => Promise<void>;
  clock: Clock;
  logger: Logger;
};

/**
 * This workstation as a witness of every other log in the audit bucket (C2SP tlog-witness, Sigsum's
 * witnesses): for each, it reads the newest checkpoint, checks its signature with the log's key (trusted
 * on first use, pinned after), checks that it extends the head it cosigned before (a consistency proof
 * from its mirror of the log), and only then writes a cosignature (c2sp.org/tlog-cosignature) under
 * Object Lock. A log that rolled back, forked or changed key gets no cosignature and an alert.
 */
export class Witness {
  private readonly queue = new SerialQueue();
  /** Incidents alerted in this process for logs never pinned (no row to remember them in). */
  private readonly alertedUnpinned = new Set<string>();
  private stopped = false;

  constructor(private readonly deps: WitnessDeps) {}

  /** Ends a run under way after the log it is witnessing (a host shutting down), and refuses new ones. */
  stop(): void {
    this.stopped = true;
  }

  /** Witnesses every other log once; one log's failure never hides the others. */
  async run(): Promise<WitnessReport> {
    return this.queue.run(async () => {
      const { ownLogId, clock } = this.deps;
      const checkedAt = new Date(clock.now()).toISOString();
      await this.deps.publishOwnKey();
      const outcomes: Array<WitnessOutcome> = [];
      for (const logId of await this.deps.firmLogs.logIds()) {
        if (this.stopped) break;
        if (logId === ownLogId) continue;
        outcomes.push(await this.witnessOrReport(logId));
      }
      return { witnessLogId: ownLogId, checkedAt, outcomes };
    });
  }

  private async witnessOrReport(logId: string): Promise<WitnessOutcome> {
    let outcome: WitnessOutcome;
    try {
      outcome = await this.witness(logId);
    } catch (error) {
      this.deps.logger.warn('a log could not be witnessed', { logId, cause: describeCause(error) });
      return { logId, verdict: 'unavailable', checkpoint: null, cosignedBefore: null, cosignature: null, message: `could not be read: ${describeCause(error)}`, alertRecorded: false };
    }
    if ((alertVerdicts as ReadonlyArray<string>).includes(outcome.verdict)) outcome.alertRecorded = await this.alert(outcome);
    return outcome;
  }

  private async witness(logId: string): Promise<WitnessOutcome> {
    const { s3, bucket, repository } = this.deps;
    const record = repository.get(logId);
    const cosignedBefore = record?.cosigned ? { treeSize: record.cosigned.treeSize, rootHash: record.cosigned.rootHash } : null;
    const outcome = (verdict: WitnessVerdict, message: string, checkpoint: AuditCheckpoint | null, cosignature: string | null = null): WitnessOutcome => ({
      logId,
      verdict,
      checkpoint: checkpoint ? { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, time: checkpoint.time } : null,
      cosignedBefore,
      cosignature,
      message,
      alertRecorded: false,
    });

    const newest = await newestCheckpointVersion(s3, bucket, logId);
    if (!newest) {
      return cosignedBefore
        ? outcome('rolled-back', `the log has no checkpoint any more, but this witness cosigned tree size ${cosignedBefore.treeSize} before: its checkpoints were removed`, null)
        : outcome('no-checkpoint', 'no checkpoint written yet: nothing to cosign', null);
    }
    const text = (await readObject(s3, bucket, newest.key, { versionId: newest.versionId }))?.text() ?? '';
    let checkpoint: AuditCheckpoint;
    try {
      checkpoint = parseStoredCheckpoint(text);
    } catch (error) {
      return outcome('bad-checkpoint', `the newest checkpoint s3://${bucket}/${newest.key} is unreadable: ${describeCause(error)}`, null);
    }
    if (checkpoint.logId !== logId || checkpoint.treeSize !== newest.treeSize) {
      return outcome('bad-checkpoint', `s3://${bucket}/${newest.key} holds the checkpoint of tree size ${checkpoint.treeSize} of log ${checkpoint.logId}`, checkpoint);
    }

    // The log's key: trusted on first use (published beside its checkpoints, locked), pinned after.
    if (record && record.keyId !== checkpoint.keyId) {
      return outcome('key-changed', `the newest checkpoint is signed by key ${checkpoint.keyId}, but this witness pinned key ${record.keyId} for this log on ${new Date(record.pinnedMs).toISOString()}`, checkpoint);
    }
    const publicKeyPem = record?.publicKeyPem ?? (await this.publishedKey(logId, checkpoint.keyId));
    if (!publicKeyPem) {
      return outcome('bad-checkpoint', `the newest checkpoint is signed by key ${checkpoint.keyId}, which the log does not publish (locked) under s3://${bucket}/${auditPublicKeyKey(logId, checkpoint.keyId)}`, checkpoint);
    }
    if (!checkpointSignatureValid(checkpoint, publicKeyPem)) {
      return outcome('bad-checkpoint', `the newest checkpoint (tree size ${checkpoint.treeSize}) has a signature that does not verify with key ${checkpoint.keyId}`, checkpoint);
    }
    if (!record) repository.pinKey(logId, checkpoint.keyId, publicKeyPem, this.deps.clock.now());

    const head = { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash };
    let consistency: Consistency;
    if (cosignedBefore && head.treeSize <= cosignedBefore.treeSize) {
      consistency = judgeCheckpoint({ cosigned: cosignedBefore, checkpoint: head, mirrorRoot: '', proof: [] });
    } else {
      const mirror = this.deps.firmLogs.mirrorOf(logId);
      if ((await mirror.treeSize()) < head.treeSize) await mirror.catchUp(head.treeSize);
      const held = await mirror.treeSize();
      if (held < head.treeSize) {
        return outcome('incomplete', `the newest checkpoint covers ${head.treeSize} events, but only ${held} could be read from the bucket in order`, checkpoint);
      }
      consistency = judgeCheckpoint({
        cosigned: cosignedBefore,
        checkpoint: head,
        mirrorRoot: toHex(await mirror.root(head.treeSize)),
        proof: cosignedBefore ? await mirror.consistencyProof(cosignedBefore.treeSize, head.treeSize) : [],
      });
    }
    if (consistency.verdict === 'rolled-back' || consistency.verdict === 'forked') return outcome(consistency.verdict, consistency.message, checkpoint);

    if (consistency.verdict === 'extends') {
      const next: CosignedHead = { ...head, cosignedMs: this.deps.clock.now() };
      // Compare-and-set: another process of this profile may have witnessed meanwhile; then start again from its state.
      if (!repository.advance(logId, cosignedBefore?.treeSize ?? null, next)) return this.witness(logId);
    }
    const { key, wrote } = await this.ensureCosignature(logId, head);
    const cosigned = wrote || consistency.verdict === 'extends';
    return outcome(
      cosigned ? 'cosigned' : 'up-to-date',
      cosigned
        ? `cosigned tree size ${head.treeSize}${cosignedBefore ? `, consistent with tree size ${cosignedBefore.treeSize} cosigned before` : ' (first checkpoint seen of this log; its key is pinned)'}`
        : `tree size ${head.treeSize} is cosigned already; nothing new`,
      checkpoint,
      key,
    );
  }

  /** The log's public key as published beside its checkpoints: locked, and the key it is named after. */
  private async publishedKey(logId: string, keyId: string): Promise<string | null> {
    const object = await readObject(this.deps.s3, this.deps.bucket, auditPublicKeyKey(logId, keyId));
    return object && object.lockMode && keyIdOrNull(object.text()) === keyId ? object.text() : null;
  }

  /** Writes this witness's cosignature of `head` unless a valid one of it is stored already. */
  private async ensureCosignature(logId: string, head: Head): Promise<{ key: string; wrote: boolean }> {
    const { s3, bucket, ownLogId, retention, clock } = this.deps;
    const key = cosignatureKey(logId, head.treeSize, ownLogId);
    const signingKey = await this.deps.signingKey();
    const name = witnessKeyName(ownLogId);
    const noteText = checkpointNoteText({ origin: checkpointNoteOrigin(bucket, logId), ...head });
    const existing = await readObject(s3, bucket, key);
    if (existing && cosignaturesBy(existing.text(), noteText, { name, publicKeyPem: signingKey.publicKeyPem }).length > 0) return { key, wrote: false };
    const body = cosignedNote(signingKey, name, noteText, Math.floor(clock.now() / 1000));
    await putLockedObject(s3, { bucket, key, body, contentType: 'text/plain; charset=utf-8', retainUntil: new Date(clock.now() + retention.durationMs), mode: retention.mode });
    this.deps.logger.info('cosignature written', { logId, treeSize: head.treeSize, key });
    return { key, wrote: true };
  }

  /** Records the incident once: an alert event in this log, and the witnessed log's integrity state failed. */
  private async alert(outcome: WitnessOutcome): Promise<boolean> {
    const { logId } = outcome;
    const record: WitnessedLog | null = this.deps.repository.get(logId);
    const fingerprint = `${outcome.verdict}:${outcome.checkpoint?.treeSize ?? '-'}:${outcome.checkpoint?.rootHash ?? '-'}`;
    if ((record ? record.alerted : null) === fingerprint || (!record && this.alertedUnpinned.has(`${logId}:${fingerprint}`))) return false;
    const message = `audit log ${logId} ${outcome.message}`;
    this.deps.logger.error('witnessed audit log is inconsistent', { logId, verdict: outcome.verdict, detail: outcome.message });
    const state = IntegrityState.ofOtherLog({ repository: this.deps.auditMirrors, logId, clock: this.deps.clock, logger: this.deps.logger });
    await state.fail('consistency', problemOf(outcome, message));
    try {
      await this.deps.recordAlert({
        action: 'witness',
        details: {
          witnessedLogId: logId,
          verdict: outcome.verdict,
          checkpoint: outcome.checkpoint,
          cosignedBefore: outcome.cosignedBefore,
          alerts: [{ rule: 'witnessed-log-inconsistent', message }],
        },
      });
    } catch (error) {
      this.deps.logger.error('the witness alert could not be written to the audit log; it is raised again at the next run', { logId, cause: describeCause(error) });
      return false;
    }
    if (record) this.deps.repository.setAlerted(logId, fingerprint);
    else this.alertedUnpinned.add(`${logId}:${fingerprint}`);
    return true;
  }
}

function problemOf(outcome: WitnessOutcome, message: string): AuditProblem {
  const kind: AuditProblem['kind'] =
    outcome.verdict === 'key-changed' ? 'unknown-checkpoint-key' : outcome.verdict === 'bad-checkpoint' ? 'bad-checkpoint' : outcome.verdict === 'incomplete' ? 'checkpoint-beyond-log' : 'inconsistent-with-seen-head';
  return { kind, seq: null, treeSize: outcome.checkpoint?.treeSize ?? outcome.cosignedBefore?.treeSize ?? null, key: null, message };
}
