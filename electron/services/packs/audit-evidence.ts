import { sha256 } from '../../crypto/sha256';
import { verifyInclusion } from '../../../shared/crypto/merkle';
import type { AuditCheckpoint, AuditEvent } from '../../../shared/domain';
import type { AuditModule } from '../audit/audit-module';
import { parseStoredAuditEvent, toHex } from '../audit/layout';
import { AuditUnavailableError } from '../errors';

/**
 * The audit side of an evidence pack: the events about the packed recordings, a signed checkpoint
 * (RFC 9162 tree head) read from the WORM bucket with its signature and key id checked, and an
 * inclusion proof of each event against it. Which events, and their proofs, come from the mirror's
 * tree (O(log n) stored nodes per proof); the root the proofs lead to must be the checkpoint's; the
 * events themselves are the bucket's bytes, read by key for just those events, so the pack verifies
 * offline against the bucket's record and never against local state alone.
 */

export type ProvenEvent = { seq: number; event: AuditEvent; stored: Buffer; leafHash: string; proof: Array<string> };

export type AuditEvidence = {
  logId: string;
  checkpoint: AuditCheckpoint;
  /** The checkpoint object's bytes as stored in the bucket. */
  checkpointBytes: Buffer;
  checkpointKey: string;
  checkpointPublicKeyPem: string;
  /** True when this build had a checkpoint written (none this installation wrote covered the events). */
  wroteCheckpoint: boolean;
  events: Array<ProvenEvent>;
};

/** What a pack's events are about: its recordings, their conversations (events naming no recording) and trades (searches). */
export type PackedSubjects = { recordingIds: ReadonlyArray<string>; conversationIds: ReadonlyArray<string>; searchTradingIds: ReadonlyArray<string> };

/**
 * Collects the events about `subjects` plus the pack's own export event, with proofs against a signed
 * checkpoint covering the export event.
 */
export async function collectAuditEvidence(
  audit: Pick<AuditModule, 'logId' | 'mirror' | 'checkpointer'>,
  options: { subjects: PackedSubjects; exportSeq: number },
): Promise<AuditEvidence> {
  const { mirror, checkpointer, logId } = audit;
  const signed = await checkpointer.signedCheckpointCovering(options.exportSeq + 1);
  const { checkpoint } = signed;
  const size = checkpoint.treeSize;
  if ((await mirror.treeSize()) < size) await mirror.catchUp(size);
  const root = toHex(await mirror.root(size));
  if (root !== checkpoint.rootHash) {
    throw new AuditUnavailableError(
      `Audit checkpoint ${size} of log ${logId} does not match the stored events (root ${checkpoint.rootHash} vs ${root}): the log does not verify, so no pack is built on it.`,
      undefined,
      { retryable: false },
    );
  }
  const seqs = [...new Set([...(await mirror.seqsAbout(options.subjects, size)), options.exportSeq])].sort((a, b) => a - b);
  const proofs = await mirror.proofsFor(seqs, size);
  const rootBytes = Buffer.from(checkpoint.rootHash, 'hex');
  for (const p of proofs) {
    const leaf = Buffer.from(p.leafHash, 'hex');
    if (!verifyInclusion(sha256, { leafIndex: p.seq, treeSize: size, leafHash: leaf, proof: p.proof.map((h) => Buffer.from(h, 'hex')), root: rootBytes })) {
      throw new AuditUnavailableError(`The inclusion proof of audit event ${p.seq} does not lead to checkpoint ${size}'s root: no pack is built on it.`, undefined, { retryable: false });
    }
  }
  const stored = await mirror.readFromBucket(seqs);
  const events = proofs.map((p, i) => ({ seq: p.seq, event: parseStoredAuditEvent(stored[i]!.stored.toString('utf8')).event, stored: stored[i]!.stored, leafHash: p.leafHash, proof: p.proof }));
  return {
    logId,
    checkpoint,
    checkpointBytes: signed.bytes,
    checkpointKey: signed.key,
    checkpointPublicKeyPem: signed.publicKeyPem,
    wroteCheckpoint: signed.wroteNow,
    events,
  };
}
