import type { S3Client } from '@aws-sdk/client-s3';
import type { AuditProblem, CosignatureReport, TreeHead } from '../../../shared/audit-views';
import { describeCause } from '../errors';
import { keyIdOf, keyIdOrNull } from '../signing/signing-key';
import { listVersionPages, readObject } from '../worm/locked-objects';
import { parseSignedNote } from '../../crypto/signed-note';
import { cosignatureKey, cosignaturesBy, cosignaturesPrefix, parseCheckpointNoteText, parseCosignatureKey, witnessKeyName } from './cosignature-note';
import { auditKeysPrefix, checkpointNoteOrigin, keyIdOfPublicKeyKey } from './layout';

export type VerifyCosignaturesOptions = {
  s3: S3Client;
  bucket: string;
  logId: string;
  /** The log's checkpoints whose signature and root the verifier checked, by tree size. */
  checkpoints: ReadonlyArray<TreeHead>;
  /** Events in the bucket: a cosigned tree larger than this was rolled back. */
  logSize: number;
  /** The root the verified events give at a size up to `verifiedSize` (hex). */
  rootAt: (treeSize: number) => string;
  verifiedSize: number;
  minCosignatures: number;
  /** Public keys (PEM) to trust instead of the ones witnesses publish in the bucket. */
  pinnedKeys?: ReadonlyArray<string>;
  nowMs: number;
};

/** A cosignature from the future by more than this is not counted (tlog-cosignature: verifiers MAY reject them). */
const maxClockSkewMs = 10 * 60_000;

/**
 * Reads every witness cosignature of one log (audit/v1/<log>/cosignatures/, every version) and checks
 * each against its witness's keys (published under the witness's own log, locked; or the pinned ones):
 * which witnesses cosigned each checkpoint, whether each checkpoint has `minCosignatures` distinct
 * witnesses (of it or of a later checkpoint, which extends it), and any valid cosignature the log now
 * contradicts: a tree a witness saw that is larger than the log, or whose root the events no longer
 * give, is proof of a rollback or a fork, whatever the policy.
 */
export async function verifyCosignatures(options: Readonly<VerifyCosignaturesOptions>): Promise<CosignatureReport> {
  const { s3, bucket, logId } = options;
  const problems: Array<AuditProblem> = [];
  const warnings: Array<string> = [];
  const stored: Array<{ key: string; versionId: string; treeSize: number; witnessLogId: string }> = [];
  for await (const page of listVersionPages(s3, bucket, cosignaturesPrefix(logId))) {
    for (const version of page.Versions ?? []) {
      const named = version.Key ? parseCosignatureKey(logId, version.Key) : null;
      if (named && version.VersionId && named.witnessLogId !== logId) stored.push({ key: version.Key!, versionId: version.VersionId, ...named });
    }
  }

  const keysOf = new Map<string, Array<{ keyId: string; pem: string }>>();
  for (const witnessLogId of new Set(stored.map((s) => s.witnessLogId))) keysOf.set(witnessLogId, await witnessKeys(s3, bucket, witnessLogId, options.pinnedKeys));

  const valid: Array<ValidCosignature> = [];
  for (const entry of stored) {
    const where = `s3://${bucket}/${entry.key}`;
    const object = await readObject(s3, bucket, entry.key, { versionId: entry.versionId });
    const found = object ? cosignatureIn(object.text(), checkpointNoteOrigin(bucket, logId), entry, keysOf.get(entry.witnessLogId) ?? []) : 'missing';
    if (typeof found === 'string') {
      warnings.push(`cosignature ${where} is not counted: ${found}`);
    } else if (found.timeMs > options.nowMs + maxClockSkewMs) {
      warnings.push(`cosignature ${where} is not counted: dated ${new Date(found.timeMs).toISOString()}, in the future`);
    } else {
      valid.push({ witnessLogId: entry.witnessLogId, keyId: found.keyId, treeSize: entry.treeSize, rootHash: found.rootHash, time: new Date(found.timeMs).toISOString() });
    }
  }

  const judged = judgeCosignatures({ ...options, cosignatures: valid });
  problems.push(...judged.problems);
  warnings.push(...judged.warnings);
  return { minCosignatures: options.minCosignatures, ok: problems.length === 0, checkpoints: judged.checkpoints, problems, warnings };
}

/** A cosignature that verified: which witness (and key) cosigned which tree head, when. */
export type ValidCosignature = { witnessLogId: string; keyId: string; treeSize: number; rootHash: string; time: string };

/**
 * The policy over the valid cosignatures of one log: per checkpoint its cosigners and the distinct
 * witness keys that cosigned it or a later one; `too-few-cosignatures` for the first checkpoint short of
 * `minCosignatures`; `contradicted-by-witness` for a cosigned tree the log no longer holds.
 */
export function judgeCosignatures(args: Readonly<Pick<VerifyCosignaturesOptions, 'logId' | 'checkpoints' | 'logSize' | 'rootAt' | 'verifiedSize' | 'minCosignatures'> & { cosignatures: ReadonlyArray<ValidCosignature> }>): {
  checkpoints: CosignatureReport['checkpoints'];
  problems: Array<AuditProblem>;
  warnings: Array<string>;
} {
  const { logId } = args;
  // Several versions of one cosignature object count once.
  const seen = new Set<string>();
  const valid = args.cosignatures.filter((c) => {
    const identity = `${c.witnessLogId} ${c.keyId} ${c.treeSize} ${c.rootHash}`;
    return !seen.has(identity) && Boolean(seen.add(identity));
  });
  const problems: Array<AuditProblem> = [];
  const warnings: Array<string> = [];
  const checkpointAt = new Map(args.checkpoints.map((c) => [c.treeSize, c]));
  for (const cosignature of valid) {
    const { treeSize, witnessLogId, time } = cosignature;
    const at = { seq: null, treeSize, key: cosignatureKey(logId, treeSize, witnessLogId) };
    if (treeSize > args.logSize) {
      problems.push({ kind: 'contradicted-by-witness', ...at, message: `witness ${witnessLogId} cosigned tree size ${treeSize} on ${time}, but the log now holds ${args.logSize} events: it was rolled back` });
    } else if (treeSize <= args.verifiedSize && args.rootAt(treeSize) !== cosignature.rootHash) {
      problems.push({ kind: 'contradicted-by-witness', ...at, message: `witness ${witnessLogId} cosigned root ${cosignature.rootHash} at tree size ${treeSize} on ${time}, but the events in the bucket give ${args.rootAt(treeSize)}: the log forked` });
    } else if (!checkpointAt.has(treeSize) && treeSize <= args.verifiedSize) {
      warnings.push(`witness ${witnessLogId} cosigned tree size ${treeSize}, which has no verified checkpoint in the bucket`);
    }
  }

  const ascending = [...args.checkpoints].sort((a, b) => a.treeSize - b.treeSize);
  const laterWitnesses = new Set<string>();
  const rows: CosignatureReport['checkpoints'] = [];
  for (const checkpoint of [...ascending].reverse()) {
    const cosigners = valid
      .filter((c) => c.treeSize === checkpoint.treeSize && c.rootHash === checkpoint.rootHash)
      .map(({ witnessLogId, keyId, time }) => ({ witnessLogId, keyId, time }));
    // Distinct keys, not log ids: one key is one witness, whatever logs it signs for.
    for (const c of cosigners) laterWitnesses.add(c.keyId);
    rows.unshift({ ...checkpoint, cosigners, witnessedBy: laterWitnesses.size });
  }
  const short = rows.filter((r) => r.witnessedBy < args.minCosignatures);
  if (args.minCosignatures > 0 && short.length > 0) {
    const first = short[0]!;
    problems.push({
      kind: 'too-few-cosignatures',
      seq: null,
      treeSize: first.treeSize,
      key: null,
      message: `checkpoint at tree size ${first.treeSize} is witnessed by ${first.witnessedBy} of the ${args.minCosignatures} witness(es) required${short.length > 1 ? `, and ${short.length - 1} later checkpoint(s) too` : ''}: no witness has cosigned it or a later checkpoint yet`,
    });
  }
  return { checkpoints: rows, problems, warnings };
}

/** The witness's Ed25519 keys: those it publishes (locked, named by their id) under its own log, or the pinned ones only. */
async function witnessKeys(s3: S3Client, bucket: string, witnessLogId: string, pinnedKeys: ReadonlyArray<string> | undefined): Promise<Array<{ keyId: string; pem: string }>> {
  const pinned = new Set((pinnedKeys ?? []).map(keyIdOf));
  const keys: Array<{ keyId: string; pem: string }> = [];
  for await (const page of listVersionPages(s3, bucket, auditKeysPrefix(witnessLogId))) {
    for (const version of page.Versions ?? []) {
      const keyId = version.Key ? keyIdOfPublicKeyKey(witnessLogId, version.Key) : null;
      if (!keyId || (pinnedKeys?.length && !pinned.has(keyId)) || keys.some((k) => k.keyId === keyId)) continue;
      const object = await readObject(s3, bucket, version.Key!, { versionId: version.VersionId! });
      if (object?.lockMode && keyIdOrNull(object.text()) === keyId) keys.push({ keyId, pem: object.text() });
    }
  }
  return keys;
}

/** The valid cosignature a stored note holds for this log and tree size, or why there is none. */
function cosignatureIn(
  note: string,
  origin: string,
  entry: { treeSize: number; witnessLogId: string },
  keys: ReadonlyArray<{ keyId: string; pem: string }>,
): { keyId: string; rootHash: string; timeMs: number } | string {
  let text: string;
  try {
    text = parseSignedNote(note).text;
  } catch (error) {
    return describeCause(error);
  }
  const head = parseCheckpointNoteText(text);
  if (!head || head.origin !== origin || head.treeSize !== entry.treeSize) return `it does not cosign tree size ${entry.treeSize} of ${origin}`;
  if (keys.length === 0) return `witness ${entry.witnessLogId} publishes no key it could be checked with`;
  const name = witnessKeyName(entry.witnessLogId);
  for (const key of keys) {
    const [found] = cosignaturesBy(note, text, { name, publicKeyPem: key.pem });
    if (found) return { keyId: key.keyId, rootHash: head.rootHash, timeMs: found.timestamp * 1000 };
  }
  return `no signature in it verifies with witness ${entry.witnessLogId}'s keys`;
}
