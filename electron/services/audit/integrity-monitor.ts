import { sha256 } from '../../crypto/sha256';
import type { AuditIntegrity, AuditStatus, AuditVerification } from '../../../shared/audit-views';
import { verifyConsistency } from '../../../shared/crypto/merkle';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import type { Clock } from '../ports';
import type { AuditMirror } from './audit-mirror';
import type { AuditLogVerifier } from './audit-verifier';
import type { BackgroundWork } from './background-work';
import type { Checkpointer } from './checkpointer';
import { auditCheckpointsPrefix, toHex } from './layout';
import type { IntegrityState } from './integrity-state';
import { SerialQueue } from './serial-queue';

export type VerifyOptions = {
  from?: string | null;
  to?: string | null;
  pinnedKeys?: ReadonlyArray<string>;
  cosignatures?: { minCosignatures: number };
  onProgress?(read: number, total: number): void;
};

/**
 * Verifies one log from the bucket alone (see verifyAuditLog), also checking that it extends the head
 * this workstation verified before, and remembers the outcome as that log's verified head and integrity
 * state (`serialize` runs the bookkeeping in the owner's order). Used for this workstation's own log and
 * for every other workstation's.
 */
export async function verifyAndRecord(
  deps: Readonly<{ verifyLog: AuditLogVerifier; bucket: string; logId: string; clock: Clock; repository: AuditMirrorRepository; state: IntegrityState }>,
  options: VerifyOptions,
  serialize: (record: () => Promise<void>) => Promise<void> = (record) => record(),
): Promise<AuditVerification> {
  const { repository, logId, state, clock } = deps;
  const seen = await repository.verifiedHead(logId);
  const report = await deps.verifyLog({
    bucket: deps.bucket,
    logId,
    ...options,
    seenHead: seen ? { treeSize: seen.treeSize, rootHash: seen.rootHash, verifiedAt: new Date(seen.verifiedMs).toISOString() } : null,
  });
  await serialize(async () => {
    if (report.ok && report.verifiedUpTo) {
      await repository.advanceVerifiedHead(logId, { treeSize: report.verifiedUpTo.treeSize, rootHash: report.verifiedUpTo.rootHash, verifiedMs: clock.now(), source: 'verify' });
    }
    await state.set({
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

export type IntegrityMonitorDeps = {
  /** Runs the verification from the bucket alone (in a worker thread, for a host with a UI). */
  verifyLog: AuditLogVerifier;
  mirror: AuditMirror;
  checkpointer: Checkpointer;
  state: IntegrityState;
  background: BackgroundWork;
  repository: AuditMirrorRepository;
  logId: string;
  bucket: string;
  clock: Clock;
};

/**
 * Checks that the log in the bucket is still the one this workstation saw: at start and after each
 * sync, that the newest signed checkpoint extends the tree head verified before (an RFC 9162
 * consistency proof from the mirror: a few object reads, not the whole log); on request, the full
 * verification from the bucket alone.
 */
export class IntegrityMonitor {
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: IntegrityMonitorDeps) {}

  async status(): Promise<AuditStatus> {
    const { repository, logId } = this.deps;
    const checkpoint = await repository.latestCheckpoint(logId);
    const head = await repository.verifiedHead(logId);
    const keyIds = await repository.publishedKeyIds(logId);
    return {
      logId,
      bucket: this.deps.bucket,
      localTreeSize: await this.deps.mirror.treeSize(),
      lastCheckpoint: checkpoint ? { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, time: checkpoint.time } : null,
      verifiedHead: head ? { treeSize: head.treeSize, rootHash: head.rootHash, time: new Date(head.verifiedMs).toISOString() } : null,
      integrity: await this.deps.state.current(),
      keyId: keyIds.at(-1) ?? null,
    };
  }

  /**
   * Recomputes chain, tree and checkpoints from the bucket alone (see verifyAuditLog), also checks that
   * the log extends the head this workstation verified before, and remembers the outcome.
   */
  async verify(options: VerifyOptions = {}): Promise<AuditVerification> {
    return verifyAndRecord(this.deps, options, (record) => this.queue.run(record));
  }

  /**
   * Checks that the bucket's newest signed checkpoint extends the tree head this workstation verified
   * before (an RFC 9162 consistency proof from the mirror), and alerts when it does not.
   */
  async checkConsistency(): Promise<AuditIntegrity> {
    return this.queue.run(() => this.checkConsistencyExclusive());
  }

  /** Runs the consistency check without waiting for it (after a sync, at app start); failures are logged. */
  checkConsistencyInBackground(): void {
    this.deps.background.start(this.checkConsistency(), 'consistency check');
  }

  private async checkConsistencyExclusive(): Promise<AuditIntegrity> {
    const { repository, logId, clock, state, mirror, checkpointer } = this.deps;
    const checkedAt = new Date(clock.now()).toISOString();
    const seen = await repository.verifiedHead(logId);
    const latest = await checkpointer.newestInBucket();
    if (!latest) {
      if (seen) {
        return state.fail('consistency', {
          kind: 'checkpoint-beyond-log',
          seq: null,
          treeSize: seen.treeSize,
          key: auditCheckpointsPrefix(logId),
          message: `the bucket holds no checkpoint, but this workstation verified tree size ${seen.treeSize} on ${new Date(seen.verifiedMs).toISOString()}: checkpoints were removed`,
        });
      }
      return state.set({ state: 'unknown', source: 'consistency', checkedAt, message: 'no checkpoint written yet', firstBad: null }, { keepFailure: true });
    }
    const { checkpoint, key } = latest;
    const signer = await checkpointer.checkSignature(checkpoint);
    if (signer !== 'valid') {
      return state.fail('consistency', {
        kind: signer === 'bad-signature' ? 'bad-checkpoint-signature' : 'unknown-checkpoint-key',
        seq: null,
        treeSize: checkpoint.treeSize,
        key,
        message:
          signer === 'bad-signature'
            ? `the bucket's newest checkpoint (tree size ${checkpoint.treeSize}) has an invalid signature`
            : `the bucket's newest checkpoint (tree size ${checkpoint.treeSize}) is signed by key ${checkpoint.keyId}, which this workstation did not publish`,
      });
    }
    if (seen && checkpoint.treeSize < seen.treeSize) {
      return state.fail('consistency', {
        kind: 'inconsistent-with-seen-head',
        seq: null,
        treeSize: seen.treeSize,
        key,
        message: `the bucket's newest checkpoint covers ${checkpoint.treeSize} events, but this workstation verified ${seen.treeSize} on ${new Date(seen.verifiedMs).toISOString()}: the log shrank`,
      });
    }
    if ((await mirror.treeSize()) < checkpoint.treeSize) await mirror.catchUp(checkpoint.treeSize);
    if ((await mirror.treeSize()) < checkpoint.treeSize) {
      return state.fail('consistency', {
        kind: 'checkpoint-beyond-log',
        seq: null,
        treeSize: checkpoint.treeSize,
        key,
        message: `the bucket's newest checkpoint covers ${checkpoint.treeSize} events, but not all of them could be read from the bucket`,
      });
    }
    const newRoot = toHex(await mirror.root(checkpoint.treeSize));
    if (newRoot !== checkpoint.rootHash) {
      return state.fail('consistency', {
        kind: 'checkpoint-root-mismatch',
        seq: null,
        treeSize: checkpoint.treeSize,
        key,
        message: `the bucket's newest checkpoint (tree size ${checkpoint.treeSize}) says root ${checkpoint.rootHash}, but the events this workstation holds hash to ${newRoot}`,
      });
    }
    if (seen) {
      const consistent = verifyConsistency(sha256, {
        oldSize: seen.treeSize,
        newSize: checkpoint.treeSize,
        oldRoot: Buffer.from(seen.rootHash, 'hex'),
        newRoot: Buffer.from(checkpoint.rootHash, 'hex'),
        proof: await mirror.consistencyProof(seen.treeSize, checkpoint.treeSize),
      });
      if (!consistent) {
        return state.fail('consistency', {
          kind: 'inconsistent-with-seen-head',
          seq: null,
          treeSize: seen.treeSize,
          key,
          message: `the log at tree size ${checkpoint.treeSize} is not an extension of the tree head this workstation verified on ${new Date(seen.verifiedMs).toISOString()} (size ${seen.treeSize}): earlier events were rewritten`,
        });
      }
    }
    await repository.advanceVerifiedHead(logId, { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, verifiedMs: clock.now(), source: 'consistency' });
    return state.set(
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
}
