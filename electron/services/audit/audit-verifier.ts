import { sha256, sha256Hex } from '../../crypto/sha256';
import { GetObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { canonicalJson } from '../../../shared/canonical-json';
import type { AuditProblem, AuditVerification, TreeHead } from '../../../shared/audit-views';
import { InMemoryMerkleTree } from '../../../shared/crypto/merkle-tree';
import { auditEventSchema, type AuditCheckpoint } from '../../../shared/domain';
import { describeCause } from '../errors';
import type { Clock } from '../ports';
import { keyIdOf, keyIdOrNull } from '../signing/signing-key';
import { listVersionPages, readObject, wormRequest } from '../worm/locked-objects';
import { classifyS3Failure } from '../worm/s3-errors';
import { verifyCosignatures } from './cosignatures';
import { assertValidLogId, auditEventKey, genesisHash, seqOfAuditEventKey } from './layout';
import { checkpointSignatureValid, keyIdOfPublicKeyKey, leafHashOfStoredEvent, parseStoredCheckpoint, toHex, treeSizeOfCheckpointKey } from './layout';

export type VerifyAuditLogOptions = {
  s3: S3Client;
  bucket: string;
  logId: string;
  clock: Clock;
  /** Report on events from this time (ISO); earlier events are still read, the tree needs them. */
  from?: string | null;
  /** ...up to this time: events after the first checkpoint written after it are not read. */
  to?: string | null;
  /** Public keys (PEM) to trust instead of the keys published in the bucket. */
  pinnedKeys?: ReadonlyArray<string>;
  /** A tree head seen before (by this workstation): the bucket's log must extend it. */
  seenHead?: { treeSize: number; rootHash: string; verifiedAt: string } | null;
  concurrency?: number;
  /** Also check witness cosignatures of the verified checkpoints, requiring this many per checkpoint (cosignatures.ts). */
  cosignatures?: { minCosignatures: number };
  maxProblems?: number;
  onProgress?(read: number, total: number): void;
};

type Version = { key: string; versionId: string };
type Listing = {
  events: Map<number, Array<Version>>;
  deleteMarkers: Set<number>;
  checkpoints: Array<Version & { treeSize: number }>;
  keys: Array<Version & { keyId: string }>;
};
type FetchedEvent = { body: Buffer; lockMode: string | null };
type SignedCheckpoint = { checkpoint: AuditCheckpoint; key: string };

/**
 * Recomputes one audit log's hash chain, Merkle tree and signed checkpoints from the bucket alone and
 * names what does not hold: a missing, altered, reordered or rewritten event, an unlocked object, a
 * checkpoint with a bad signature or a root the events do not produce, a bucket without Object Lock.
 * Nothing local is trusted; a tree head seen before can be passed in to be checked as well.
 */
export async function verifyAuditLog(options: Readonly<VerifyAuditLogOptions>): Promise<AuditVerification> {
  const { s3, bucket, logId } = options;
  assertValidLogId(logId);
  const maxProblems = options.maxProblems ?? 100;
  const problems: Array<AuditProblem> = [];
  const warnings: Array<string> = [];
  const problem = (kind: AuditProblem['kind'], message: string, at: { seq?: number; treeSize?: number; key?: string } = {}) =>
    problems.push({ kind, seq: at.seq ?? null, treeSize: at.treeSize ?? null, key: at.key ?? null, message });
  const objectUrl = (key: string) => `s3://${bucket}/${key}`;
  /** One problem per event: the first thing found wrong with it names it. */
  const named = new Set<number>();
  const name = (kind: AuditProblem['kind'], message: string, seq: number) => {
    if (named.has(seq)) return;
    named.add(seq);
    problem(kind, message, { seq, key: auditEventKey(logId, seq) });
  };

  const bucketLock = await readBucketLock(s3, bucket);
  if (!bucketLock.enabled) problem('bucket-not-locked', `bucket "${bucket}" does not have Object Lock enabled: nothing in it is WORM, any event could have been replaced`);
  else if (bucketLock.mode !== 'COMPLIANCE') warnings.push(`bucket "${bucket}" default retention is ${bucketLock.mode ?? 'not set'}, not COMPLIANCE`);

  const listing = await listLog(s3, bucket, logId);

  // Keys: pinned ones replace the bucket's as the trust anchor.
  const trusted = new Map<string, string>();
  const keys: AuditVerification['keys'] = [];
  for (const pem of options.pinnedKeys ?? []) {
    const keyId = keyIdOf(pem);
    trusted.set(keyId, pem);
    keys.push({ keyId, source: 'pinned' });
  }
  for (const version of listing.keys) {
    const pem = (await getObject(s3, bucket, version)).body.toString('utf8');
    const actual = keyIdOrNull(pem);
    if (actual !== version.keyId) {
      problem('bad-public-key', `${objectUrl(version.key)} is not the public key it is named after (${actual ? `its key id is ${actual}` : 'not a PEM public key'})`, { key: version.key });
      continue;
    }
    if (!options.pinnedKeys?.length) {
      trusted.set(version.keyId, pem);
      if (!keys.some((k) => k.keyId === version.keyId)) keys.push({ keyId: version.keyId, source: 'bucket' });
    }
  }

  // Checkpoints: signature first; roots once the events are read.
  const signed: Array<SignedCheckpoint> = [];
  const concurrency = options.concurrency ?? 16;
  const checkpointTexts = await mapLimit(listing.checkpoints, concurrency, async (version) => (await getObject(s3, bucket, version)).body.toString('utf8'));
  for (const [index, version] of listing.checkpoints.entries()) {
    const text = checkpointTexts[index]!;
    let checkpoint: AuditCheckpoint;
    try {
      checkpoint = parseStoredCheckpoint(text);
    } catch (error) {
      problem('bad-checkpoint', `checkpoint ${objectUrl(version.key)} is unreadable: ${describeCause(error)}`, { treeSize: version.treeSize, key: version.key });
      continue;
    }
    if (checkpoint.treeSize !== version.treeSize || checkpoint.logId !== logId) {
      problem('bad-checkpoint', `checkpoint ${objectUrl(version.key)} is for tree size ${checkpoint.treeSize} of log ${checkpoint.logId}, not its key's`, { treeSize: version.treeSize, key: version.key });
      continue;
    }
    const pem = trusted.get(checkpoint.keyId);
    if (!pem) {
      problem('unknown-checkpoint-key', `checkpoint at tree size ${checkpoint.treeSize} is signed by key ${checkpoint.keyId}, which is ${options.pinnedKeys?.length ? 'not one of the pinned keys' : 'not published in the bucket'}`, { treeSize: checkpoint.treeSize, key: version.key });
      continue;
    }
    if (!checkpointSignatureValid(checkpoint, pem)) {
      problem('bad-checkpoint-signature', `checkpoint at tree size ${checkpoint.treeSize} (${objectUrl(version.key)}) has an invalid Ed25519 signature for key ${checkpoint.keyId}`, { treeSize: checkpoint.treeSize, key: version.key });
      continue;
    }
    signed.push({ checkpoint, key: version.key });
  }
  signed.sort((a, b) => a.checkpoint.treeSize - b.checkpoint.treeSize);

  // Which events to read: all of them, or up to the first checkpoint signed after the window.
  const seqs = [...listing.events.keys()].sort((a, b) => a - b);
  const lastSeq = seqs.at(-1) ?? null;
  const toMs = options.to ? Date.parse(options.to) : null;
  const fromMs = options.from ? Date.parse(options.from) : null;
  const closing = toMs === null ? undefined : signed.find((s) => Date.parse(s.checkpoint.time) >= toMs);
  let readLimit = closing ? Math.min(closing.checkpoint.treeSize, (lastSeq ?? -1) + 1) : (lastSeq ?? -1) + 1;

  const tree = new InMemoryMerkleTree(sha256);
  let previous: { seq: number; hash: string; timeMs: number } | null = null;
  let pendingLink: { seq: number; message: string } | null = null;
  let contiguous = true;
  let inWindow = 0;
  let governance = 0;

  const chunk = concurrency * 16;
  for (let start = 0; start < readLimit; ) {
    const batch = Array.from({ length: Math.min(chunk, readLimit - start) }, (_, i) => start + i);
    start += batch.length;
    const fetched = await mapLimit(batch, concurrency, async (seq) => {
      const versions = listing.events.get(seq);
      if (!versions) return null;
      const [record, newest] = await Promise.all([
        getObject(s3, bucket, versions[0]!),
        versions.length > 1 ? getObject(s3, bucket, versions.at(-1)!) : Promise.resolve(null),
      ]);
      return { record, newest };
    });
    for (const [i, seq] of batch.entries()) {
      const key = auditEventKey(logId, seq);
      const object = fetched[i]?.record ?? null;
      const versions = listing.events.get(seq) ?? [];
      if (!object) {
        const deleted = listing.deleteMarkers.has(seq) ? ' (only a delete marker is left)' : '';
        name('missing-event', `event ${seq} is missing: ${objectUrl(key)} does not exist${deleted}`, seq);
        contiguous = false;
        previous = null;
        pendingLink = null;
        continue;
      }
      const newest = fetched[i]?.newest ?? null;
      if (newest) {
        const over = parseEvent(newest.body.toString('utf8'));
        const what = over.ok && over.event.seq !== seq ? `, the newest holding event ${over.event.seq} (event id ${over.event.eventId})` : '';
        name(what ? 'reordered-event' : 'rewritten-event', `event ${seq} was written ${versions.length} times (${objectUrl(key)} has ${versions.length} versions${what}); an event is written once, the first version is the record`, seq);
      }
      if (listing.deleteMarkers.has(seq)) warnings.push(`event ${seq} carries a delete marker: someone tried to delete it; the locked version is intact`);
      if (!object.lockMode) name('unlocked-event', `event ${seq} (${objectUrl(key)}) has no Object Lock retention: it could be deleted`, seq);
      else if (object.lockMode === 'GOVERNANCE') governance += 1;

      const text = object.body.toString('utf8');
      const hash = sha256Hex(text);
      const parsed = parseEvent(text);
      const previousTimeMs: number = previous?.timeMs ?? 0;
      if (!parsed.ok) {
        name(parsed.kind, `event ${seq} (${objectUrl(key)}) ${parsed.message}`, seq);
        previous = { seq, hash, timeMs: previousTimeMs };
        pendingLink = null;
      } else {
        const { event } = parsed;
        if (event.seq !== seq || event.logId !== logId) {
          name('reordered-event', `event ${seq} is out of place: ${objectUrl(key)} holds event ${event.seq} of log ${event.logId} (event id ${event.eventId})`, seq);
        }
        const timeMs = Date.parse(event.time);
        if ((fromMs === null || timeMs >= fromMs) && (toMs === null || timeMs <= toMs)) inWindow += 1;
        if (previous && timeMs < previousTimeMs) warnings.push(`event ${seq} is dated before event ${previous.seq}`);
        const expected = seq === 0 ? genesisHash : previous?.hash;
        const linkBroken = expected !== undefined && event.prevHash !== expected;
        if (pendingLink) {
          // Both links around the previous event broke: that event (content and prevHash) was altered.
          const culprit = linkBroken ? pendingLink.seq + 1 : pendingLink.seq;
          name(
            'altered-event',
            linkBroken ? `event ${culprit} was altered: its prevHash does not match event ${culprit - 1}, nor its own hash the prevHash of event ${culprit + 1}` : pendingLink.message,
            culprit,
          );
          pendingLink = null;
        } else if (linkBroken && seq > 0) {
          pendingLink = {
            seq: seq - 1,
            message: `event ${seq - 1} was altered: its SHA-256 ${expected} does not match the prevHash event ${seq} recorded (${event.prevHash})`,
          };
        } else if (linkBroken) {
          name('altered-event', 'event 0 was altered: its prevHash is not the genesis hash', seq);
        }
        previous = { seq, hash, timeMs };
      }
      if (contiguous) tree.append(leafHashOfStoredEvent(object.body));

      // Reading past the closing checkpoint while events are still inside the window.
      if (seq === readLimit - 1 && toMs !== null && parsed.ok && Date.parse(parsed.event.time) <= toMs && readLimit < (lastSeq ?? -1) + 1) readLimit += 1;
    }
    options.onProgress?.(start, readLimit);
  }
  if (pendingLink) {
    name('altered-event', `${pendingLink.message} (or, event ${pendingLink.seq + 1} being the last one read, its prevHash was altered)`, pendingLink.seq);
  }
  if (governance > 0) warnings.push(`${governance} event(s) are locked in GOVERNANCE mode, which privileged users can bypass (test buckets only)`);

  const eventCount = (lastSeq ?? -1) + 1;
  const readCount = readLimit;
  const verifiedRoots: Array<TreeHead> = [];
  for (const { checkpoint, key } of signed) {
    if (checkpoint.treeSize > eventCount) {
      problem('checkpoint-beyond-log', `checkpoint at tree size ${checkpoint.treeSize} covers ${checkpoint.treeSize} events, but the bucket holds only ${eventCount}: events ${eventCount} to ${checkpoint.treeSize - 1} are missing`, {
        treeSize: checkpoint.treeSize,
        key,
      });
      continue;
    }
    if (checkpoint.treeSize > readCount || checkpoint.treeSize > tree.size) continue; // outside the window, or after a missing event (named above)
    const root = toHex(tree.root(checkpoint.treeSize));
    if (root !== checkpoint.rootHash) {
      problem('checkpoint-root-mismatch', `checkpoint at tree size ${checkpoint.treeSize} (${objectUrl(key)}) says root ${checkpoint.rootHash}, but the events in the bucket hash to ${root}`, {
        treeSize: checkpoint.treeSize,
        key,
      });
      continue;
    }
    verifiedRoots.push({ treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, time: checkpoint.time });
  }

  const seen = options.seenHead;
  if (seen && seen.treeSize > 0) {
    if (seen.treeSize > eventCount) {
      problem('inconsistent-with-seen-head', `this workstation verified ${seen.treeSize} events on ${seen.verifiedAt}, but the bucket now holds ${eventCount}: the log shrank`, { treeSize: seen.treeSize });
    } else if (seen.treeSize <= tree.size && seen.treeSize <= readCount && toHex(tree.root(seen.treeSize)) !== seen.rootHash) {
      problem('inconsistent-with-seen-head', `the bucket's first ${seen.treeSize} events no longer hash to the root this workstation verified on ${seen.verifiedAt} (${seen.rootHash}): the log was rewritten`, {
        treeSize: seen.treeSize,
      });
    }
  }

  const cosignatures = options.cosignatures
    ? await verifyCosignatures({
        s3,
        bucket,
        logId,
        checkpoints: verifiedRoots,
        logSize: eventCount,
        verifiedSize: Math.min(tree.size, readCount),
        rootAt: (size) => toHex(tree.root(size)),
        minCosignatures: options.cosignatures.minCosignatures,
        ...(options.pinnedKeys ? { pinnedKeys: options.pinnedKeys } : {}),
        nowMs: options.clock.now(),
      })
    : undefined;
  problems.push(...(cosignatures?.problems ?? []));

  const rank = (p: AuditProblem) => (p.kind === 'bucket-not-locked' ? -1 : p.seq ?? (p.treeSize ?? Number.MAX_SAFE_INTEGER) - 0.5);
  const ordered = [...problems].sort((a, b) => rank(a) - rank(b));
  const firstEventProblem = ordered.find((p) => p.seq !== null)?.seq ?? Number.POSITIVE_INFINITY;
  const verifiedUpTo = [...verifiedRoots].reverse().find((head) => head.treeSize <= firstEventProblem) ?? null;
  const latest = signed.at(-1)?.checkpoint;
  return {
    ok: problems.length === 0,
    logId,
    bucket,
    checkedAt: new Date(options.clock.now()).toISOString(),
    window: { from: options.from ?? null, to: options.to ?? null },
    bucketLock,
    events: { read: readCount, inWindow, lastSeq },
    checkpoints: {
      total: listing.checkpoints.length,
      valid: verifiedRoots.length,
      latest: latest ? { treeSize: latest.treeSize, rootHash: latest.rootHash, time: latest.time } : null,
    },
    keys,
    verifiedUpTo,
    uncheckpointed: Math.max(0, eventCount - (latest?.treeSize ?? 0)),
    firstBad: ordered[0] ?? null,
    problems: ordered.slice(0, maxProblems),
    problemsTruncated: ordered.length > maxProblems,
    warnings: [...new Set(warnings)].slice(0, maxProblems),
    ...(cosignatures ? { cosignatures } : {}),
  };
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimit<T, R>(items: ReadonlyArray<T>, limit: number, fn: (item: T) => Promise<R>): Promise<Array<R>> {
  const results: Array<R> = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

type ParsedEvent =
  | { ok: true; event: { seq: number; logId: string; eventId: string; time: string; prevHash: string } }
  | { ok: false; kind: 'unreadable-event' | 'altered-event'; message: string };

function parseEvent(text: string): ParsedEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, kind: 'unreadable-event', message: `is not JSON: ${describeCause(error)}` };
  }
  const parsed = auditEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, kind: 'unreadable-event', message: `is not a custody.audit.v1 event: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  // Custody stores canonical JSON; any other form was written by something else.
  if (canonicalJson(raw) !== text) return { ok: false, kind: 'altered-event', message: 'is not in the canonical form Custody writes: it was rewritten' };
  return { ok: true, event: parsed.data };
}

async function readBucketLock(s3: S3Client, bucket: string): Promise<AuditVerification['bucketLock']> {
  const config = await wormRequest(s3, `GetObjectLockConfiguration ${bucket}`, async () => {
    try {
      return (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration ?? null;
    } catch (error) {
      // A bucket created without Object Lock answers 404 ObjectLockConfigurationNotFoundError; a missing bucket NoSuchBucket.
      if (classifyS3Failure(error).status === 404 && (error as Error).name !== 'NoSuchBucket') return null;
      throw error;
    }
  });
  const retention = config?.Rule?.DefaultRetention;
  return {
    enabled: config?.ObjectLockEnabled === 'Enabled',
    mode: retention?.Mode ?? null,
    days: retention?.Days ?? (retention?.Years === undefined ? null : retention.Years * 365),
  };
}

async function listLog(s3: S3Client, bucket: string, logId: string): Promise<Listing> {
  const listing: Listing = { events: new Map(), deleteMarkers: new Set(), checkpoints: [], keys: [] };
  for await (const page of listVersionPages(s3, bucket, `audit/v1/${logId}/`)) {
    for (const v of page.Versions ?? []) {
      if (!v.Key || !v.VersionId) continue;
      const version: Version = { key: v.Key, versionId: v.VersionId };
      const seq = seqOfAuditEventKey(logId, v.Key);
      const treeSize = treeSizeOfCheckpointKey(logId, v.Key);
      const keyId = keyIdOfPublicKeyKey(logId, v.Key);
      if (seq !== null) listing.events.set(seq, [...(listing.events.get(seq) ?? []), version]);
      else if (treeSize !== null) listing.checkpoints.push({ ...version, treeSize });
      else if (keyId !== null) listing.keys.push({ ...version, keyId });
    }
    for (const marker of page.DeleteMarkers ?? []) {
      const seq = marker.Key ? seqOfAuditEventKey(logId, marker.Key) : null;
      if (seq !== null) listing.deleteMarkers.add(seq);
    }
  }
  // S3 lists a key's versions newest first (LastModified is too coarse to sort by); the first written is the record.
  for (const versions of listing.events.values()) versions.reverse();
  return listing;
}

async function getObject(s3: S3Client, bucket: string, version: Version): Promise<FetchedEvent> {
  const object = await readObject(s3, bucket, version.key, { versionId: version.versionId });
  return { body: object?.body ?? Buffer.alloc(0), lockMode: object?.lockMode ?? null };
}
