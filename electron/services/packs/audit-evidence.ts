import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { canonicalJson } from '../../../shared/canonical-json';
import { inclusionProof, leafHash, rootFromLeafHashes } from '../../../shared/crypto/merkle';
import { auditCheckpointSchema, type AuditCheckpoint, type AuditEvent } from '../../../shared/domain';
import { sha256 } from '../../crypto/sha256';
import { auditEventsPrefix, parseStoredAuditEvent, seqOfAuditEventKey } from '../audit/audit-event';
import { AuditUnavailableError } from '../errors';
import { verifySignature } from '../signing/signing-key';
import { wormRequest } from '../worm/locked-objects';

/**
 * The audit side of an evidence pack: the stored events about the packed recordings, a signed
 * checkpoint (RFC 9162 tree head, shared/domain.ts auditCheckpointSchema) over the log, and an
 * inclusion proof of each event against it. Everything is read from the WORM bucket itself.
 *
 * When no checkpoint in the bucket covers the events yet, the audit trail is asked to write one (it is
 * the only writer of checkpoints); the pack then proves against what the bucket holds, never against
 * local state.
 */

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export type AuditEvidenceDeps = {
  s3: S3Client;
  bucket: string;
  logId: string;
  /** The audit trail's checkpoint writer: signs and stores a tree head over every event so far. */
  checkpointNow: () => Promise<unknown>;
};

export type ProvenEvent = { seq: number; event: AuditEvent; stored: Buffer; leafHash: string; proof: Array<string> };

export type AuditEvidence = {
  logId: string;
  checkpoint: AuditCheckpoint;
  /** The checkpoint object's bytes as stored in the bucket. */
  checkpointBytes: Buffer;
  checkpointKey: string;
  checkpointPublicKeyPem: string;
  /** True when this call wrote the checkpoint (none in the bucket covered the events). */
  wroteCheckpoint: boolean;
  events: Array<ProvenEvent>;
};

export const checkpointsPrefix = (logId: string) => `audit/v1/${logId}/checkpoints/`;
export const checkpointKey = (logId: string, treeSize: number) => `${checkpointsPrefix(logId)}${String(treeSize).padStart(12, '0')}.json`;
export const publicKeyKey = (logId: string, keyId: string) => `audit/v1/${logId}/keys/${keyId}.pem`;

/** The bytes a checkpoint's signature covers: its canonical JSON without `signature`. */
export function checkpointSigningBytes(checkpoint: Omit<AuditCheckpoint, 'signature'> & { signature?: string }): Buffer {
  const { signature: _ignored, ...unsigned } = checkpoint;
  return Buffer.from(canonicalJson(unsigned), 'utf8');
}

/**
 * Collects the events `select` picks, with proofs against a checkpoint covering at least the first
 * `minTreeSize` events (so the pack's own export event is proven too).
 */
export async function collectAuditEvidence(
  deps: AuditEvidenceDeps,
  options: { select: (event: AuditEvent) => boolean; minTreeSize: number },
): Promise<AuditEvidence> {
  const stored = await readStoredEvents(deps);
  if (stored.length < options.minTreeSize) {
    throw new AuditUnavailableError(`The audit log holds ${stored.length} events, fewer than the ${options.minTreeSize} this pack needs; it may still be replicating.`);
  }
  let found = await latestCheckpoint(deps, options.minTreeSize, stored.length);
  const wroteCheckpoint = found === null;
  if (!found) {
    await deps.checkpointNow();
    found = await latestCheckpoint(deps, options.minTreeSize, Number.MAX_SAFE_INTEGER);
  }
  if (!found) {
    throw new AuditUnavailableError(`No signed checkpoint of audit log ${deps.logId} covers the pack's events.`, undefined, { retryable: true });
  }
  const { checkpoint, bytes: checkpointBytes, publicKeyPem } = found;
  if (checkpoint.treeSize > stored.length) stored.push(...(await readStoredEvents(deps)).slice(stored.length));
  const leaves = stored.map((bytes) => leafHash(sha256, bytes));
  const root = hex(rootFromLeafHashes(sha256, leaves.slice(0, checkpoint.treeSize)));
  if (root !== checkpoint.rootHash) {
    throw new AuditUnavailableError(
      `Audit checkpoint ${checkpoint.treeSize} of log ${deps.logId} does not match the stored events (root ${checkpoint.rootHash} vs ${root}): the log does not verify, so no pack is built on it.`,
      undefined,
      { retryable: false },
    );
  }
  const covered = leaves.slice(0, checkpoint.treeSize);
  const events: Array<ProvenEvent> = [];
  for (let seq = 0; seq < checkpoint.treeSize; seq += 1) {
    const { event } = parseStoredAuditEvent(stored[seq]!.toString('utf8'));
    if (!options.select(event)) continue;
    events.push({ seq, event, stored: stored[seq]!, leafHash: hex(covered[seq]!), proof: inclusionProof(sha256, covered, seq).map(hex) });
  }
  return {
    logId: deps.logId,
    checkpoint,
    checkpointBytes,
    checkpointKey: checkpointKey(deps.logId, checkpoint.treeSize),
    checkpointPublicKeyPem: publicKeyPem,
    wroteCheckpoint,
    events,
  };
}

/** Every event object of the log, as stored, in seq order; a gap in the numbering is refused. */
async function readStoredEvents(deps: AuditEvidenceDeps): Promise<Array<Buffer>> {
  const prefix = auditEventsPrefix(deps.logId);
  const keys: Array<{ seq: number; key: string }> = [];
  let token: string | undefined;
  do {
    const page = await wormRequest(deps.s3, `ListObjectsV2 s3://${deps.bucket}/${prefix}`, () =>
      deps.s3.send(new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: prefix, ContinuationToken: token })),
    );
    for (const object of page.Contents ?? []) {
      const seq = object.Key ? seqOfAuditEventKey(deps.logId, object.Key) : null;
      if (seq !== null) keys.push({ seq, key: object.Key! });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  keys.sort((a, b) => a.seq - b.seq);
  keys.forEach((k, i) => {
    if (k.seq !== i) throw new AuditUnavailableError(`Audit log ${deps.logId} has no event ${i} in s3://${deps.bucket}: the chain has a gap.`, undefined, { retryable: false });
  });
  const out: Array<Buffer> = new Array(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      out[index] = await getBytes(deps, keys[index]!.key);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker));
  return out;
}

async function getBytes(deps: AuditEvidenceDeps, key: string): Promise<Buffer> {
  return wormRequest(deps.s3, `GetObject s3://${deps.bucket}/${key}`, async () => {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    return Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array(0));
  });
}

/** The newest signed checkpoint in the bucket with minTreeSize <= treeSize <= available, verified. */
async function latestCheckpoint(
  deps: AuditEvidenceDeps,
  minTreeSize: number,
  available: number,
): Promise<{ checkpoint: AuditCheckpoint; bytes: Buffer; publicKeyPem: string } | null> {
  const prefix = checkpointsPrefix(deps.logId);
  const sizes: Array<number> = [];
  let token: string | undefined;
  do {
    const page = await wormRequest(deps.s3, `ListObjectsV2 s3://${deps.bucket}/${prefix}`, () =>
      deps.s3.send(new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: prefix, ContinuationToken: token })),
    );
    for (const object of page.Contents ?? []) {
      const match = /^(\d{12})\.json$/.exec(object.Key?.slice(prefix.length) ?? '');
      if (match) sizes.push(Number(match[1]));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const best = sizes.filter((s) => s >= minTreeSize && s <= available).sort((a, b) => b - a)[0];
  if (best === undefined) return null;
  const key = checkpointKey(deps.logId, best);
  const bytes = await getBytes(deps, key);
  const parsed = auditCheckpointSchema.safeParse(safeJson(bytes));
  if (!parsed.success || parsed.data.logId !== deps.logId || parsed.data.treeSize !== best) {
    throw new AuditUnavailableError(`Audit checkpoint s3://${deps.bucket}/${key} is not a valid checkpoint of log ${deps.logId}.`, undefined, { retryable: false });
  }
  const publicKeyPem = (await getBytes(deps, publicKeyKey(deps.logId, parsed.data.keyId))).toString('utf8');
  if (!verifySignature(publicKeyPem, checkpointSigningBytes(parsed.data), parsed.data.signature)) {
    throw new AuditUnavailableError(`Audit checkpoint s3://${deps.bucket}/${key} has a signature that does not verify.`, undefined, { retryable: false });
  }
  return { checkpoint: parsed.data, bytes, publicKeyPem };
}

function safeJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
}
