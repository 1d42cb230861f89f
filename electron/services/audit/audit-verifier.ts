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
import { randomInt } from 'node:crypto';
import { hashTileBytes, tilesOfTree } from '../../../shared/crypto/tlog-tiles';
import { openSignedNote, parseCheckpointText } from '../../crypto/signed-note';
import { verifyCosignatures } from './cosignatures';
import { assertValidLogId, auditEventKey, auditEventsPrefix, genesisHash, seqOfAuditEventKey } from './layout';
import { checkpointSignatureValid, keyIdOfPublicKeyKey, leafHashOfStoredEvent, parseStoredCheckpoint, toHex, treeSizeOfCheckpointKey } from './layout';
import { auditCheckpointNotesPrefix, auditCheckpointsPrefix, auditEntryBundleKey, auditKeysPrefix, auditLatestCheckpointNoteKey, checkpointNoteKey, checkpointNoteOrigin, treeSizeOfCheckpointNoteKey } from './layout';
import { bundlesCovering, readEntryBundle, readHashTile } from './tiled-log';

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
  /**
   * 'tiles' (default): events from the C2SP entry bundles (one object per 256 events) as far as the
   * newest checkpoint, then one object per event; 'events': one object per event throughout (what a
   * log without tiles gets anyway).
   */
  read?: 'tiles' | 'events';
  /**
   * Reading tiles, which per-event objects are compared byte for byte with their bundle entry:
   * 'sample' (default, `sampleSize` random events, 256 by default) or 'all' (one read per event).
   */
  eventObjects?: 'sample' | 'all';
  sampleSize?: number;
};

/**
 * One log's verification with what cannot cross a thread (the S3 client, the clock) bound by whoever runs
 * it: in this thread (`verifierInThread`) or in the verification worker (verify-worker-client.ts).
 */
export type AuditLogVerifier = (options: Readonly<Omit<VerifyAuditLogOptions, 's3' | 'clock'>>) => Promise<AuditVerification>;

export function verifierInThread(s3: S3Client, clock: Clock): AuditLogVerifier {
  return (options) => verifyAuditLog({ ...options, s3, clock });
}

type Version = { key: string; versionId: string };
type Listing = {
  events: Map<number, Array<Version>>;
  deleteMarkers: Set<number>;
  checkpoints: Array<Version & { treeSize: number }>;
  keys: Array<Version & { keyId: string }>;
  notes: Array<Version & { treeSize: number }>;
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

  const tiled = (options.read ?? 'tiles') === 'tiles';
  // Reading tiles, events are listed only after the tiled part; otherwise the whole log is listed.
  const listing = await listLog(s3, bucket, logId, tiled ? 'without-events' : 'with-events');

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

  const toMs = options.to ? Date.parse(options.to) : null;
  const fromMs = options.from ? Date.parse(options.from) : null;
  // Up to the first checkpoint signed after the window (or every event); grown while events are still inside it.
  const closing = toMs === null ? undefined : signed.find((s) => Date.parse(s.checkpoint.time) >= toMs);
  let readLimit = closing ? closing.checkpoint.treeSize : Number.POSITIVE_INFINITY;

  const tree = new InMemoryMerkleTree(sha256);
  let previous = null as { seq: number; hash: string; timeMs: number } | null;
  let pendingLink = null as { seq: number; message: string } | null;
  let contiguous = true;
  let inWindow = 0;
  let governance = 0;
  /** The next event to read: events are consumed strictly in seq order. */
  let next = 0;

  /** Chain, window and tree checks of the stored bytes of event `seq` (from its object or its bundle entry). */
  const consume = (seq: number, body: Buffer, where: string): void => {
    const text = body.toString('utf8');
    const hash = sha256Hex(body);
    const parsed = parseEvent(text);
    const previousTimeMs: number = previous?.timeMs ?? 0;
    if (!parsed.ok) {
      name(parsed.kind, `event ${seq} (${where}) ${parsed.message}`, seq);
      previous = { seq, hash, timeMs: previousTimeMs };
      pendingLink = null;
    } else {
      const { event } = parsed;
      if (event.seq !== seq || event.logId !== logId) {
        name('reordered-event', `event ${seq} is out of place: ${where} holds event ${event.seq} of log ${event.logId} (event id ${event.eventId})`, seq);
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
      // Reading past the closing checkpoint while events are still inside the window.
      if (seq === readLimit - 1 && toMs !== null && timeMs <= toMs) readLimit += 1;
    }
    if (contiguous) tree.append(leafHashOfStoredEvent(body));
    next = seq + 1;
  };

  // ---- The tiled log: entry bundles up to the newest signed checkpoint (older logs have none). ----
  const store = { s3, bucket, logId };
  const tiledSize = tiled ? signed.at(-1)?.checkpoint.treeSize ?? 0 : 0;
  const eventObjects = options.eventObjects ?? 'sample';
  const sampled = eventObjects === 'all' ? null : sampleOf(tiledSize, options.sampleSize ?? 256);
  const tiles = { fromBundles: 0, bundlesRead: 0, hashTilesChecked: 0, checkpointNotesChecked: 0, eventObjects, eventObjectsChecked: 0 };
  /** Events the published bundles hold (from 0): where reading one object per event starts. */
  let bundled = 0;

  /** The per-event object is the write-ahead copy of the bundle entry: it must exist, be locked and hold the same bytes. */
  const checkEventObject = async (seq: number, entry: Buffer, bundleKey: string): Promise<void> => {
    const key = auditEventKey(logId, seq);
    const object = await readObject(s3, bucket, key);
    tiles.eventObjectsChecked += 1;
    if (!object) return name('missing-event', `event ${seq} is missing: ${objectUrl(key)} does not exist (entry bundle ${objectUrl(bundleKey)} holds it)`, seq);
    if (!object.body.equals(entry)) {
      const held = parseEvent(object.body.toString('utf8'));
      if (held.ok && (held.event.seq !== seq || held.event.logId !== logId)) {
        return name('reordered-event', `event ${seq} is out of place: ${objectUrl(key)} holds event ${held.event.seq} of log ${held.event.logId} (event id ${held.event.eventId}), not the event entry bundle ${objectUrl(bundleKey)} holds`, seq);
      }
      return name(held.ok ? 'altered-event' : held.kind, `event ${seq} was altered: ${objectUrl(key)} (SHA-256 ${sha256Hex(object.body)}) differs from its entry in bundle ${objectUrl(bundleKey)} (SHA-256 ${sha256Hex(entry)})`, seq);
    }
    if (!object.lockMode) name('unlocked-event', `event ${seq} (${objectUrl(key)}) has no Object Lock retention: it could be deleted`, seq);
  };

  if (tiledSize > 0) {
    const bundles = bundlesCovering(0, tiledSize);
    const group = Math.max(1, concurrency);
    const fetchGroup = (start: number) =>
      mapLimit(bundles.slice(start, start + group), concurrency, async (b) => {
        try {
          return await readEntryBundle(store, b.index, b.width);
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          problem('bad-tile', `entry bundle ${b.index} of log ${logId} does not decode: ${error.message}`, { seq: b.start, key: auditEntryBundleKey(logId, b.index, b.width) });
          return null;
        }
      });
    // The next group is fetched while this one is hashed and checked.
    let fetching = fetchGroup(0);
    for (let start = 0; start < bundles.length && next < readLimit; start += group) {
      const slice = bundles.slice(start, start + group);
      const read = await fetching;
      fetching = fetchGroup(start + group);
      fetching.catch(() => undefined); // awaited on the next turn; unhandled only if the loop stops first
      const checks: Array<() => Promise<void>> = [];
      let stopped = false;
      bundles: for (const [i, bundle] of read.entries()) {
        const { start: first, index } = slice[i]!;
        if (!bundle) {
          if (index > 0) warnings.push(`entry bundle ${index} is not published: events from ${first} are read one object each`);
          stopped = true;
          break;
        }
        tiles.bundlesRead += 1;
        if (!bundle.lockMode) problem('bad-tile', `entry bundle ${objectUrl(bundle.key)} has no Object Lock retention: it could be deleted`, { seq: first, key: bundle.key });
        else if (bundle.lockMode === 'GOVERNANCE') governance += bundle.entries.length;
        for (const [k, entry] of bundle.entries.entries()) {
          const seq = first + k;
          if (seq >= readLimit) {
            stopped = true;
            break bundles;
          }
          consume(seq, entry, `entry ${k} of bundle ${objectUrl(bundle.key)}`);
          tiles.fromBundles += 1;
          if (!sampled || sampled.has(seq)) checks.push(() => checkEventObject(seq, entry, bundle.key));
        }
        bundled = first + bundle.entries.length;
      }
      await mapLimit(checks, concurrency, (check) => check());
      options.onProgress?.(next, tiledSize);
      if (stopped) break;
    }
    // Stopped by the window, not by a missing bundle: the rest of the tiled part is there (its tiles are checked below).
    if (next >= readLimit && bundled < tiledSize && tiles.bundlesRead > 0) bundled = tiledSize;
  }

  // ---- One object per event: after the tiled part (or all of an older log's). ----
  const events = tiled ? await listEventVersions(s3, bucket, logId, bundled) : listing;
  let listedLast = -1;
  for (const seq of events.events.keys()) listedLast = Math.max(listedLast, seq);
  const lastSeq = Math.max(bundled - 1, listedLast) < 0 ? null : Math.max(bundled - 1, listedLast);
  readLimit = Math.min(readLimit, (lastSeq ?? -1) + 1);

  const chunk = concurrency * 16;
  for (let start = next; start < readLimit; ) {
    const batch = Array.from({ length: Math.min(chunk, readLimit - start) }, (_, i) => start + i);
    start += batch.length;
    const fetched = await mapLimit(batch, concurrency, async (seq) => {
      const versions = events.events.get(seq);
      if (!versions) return null;
      const [record, newest] = await Promise.all([
        getObject(s3, bucket, versions[0]!),
        versions.length > 1 ? getObject(s3, bucket, versions.at(-1)!) : Promise.resolve(null),
      ]);
      return { record, newest };
    });
    for (const [i, seq] of batch.entries()) {
      if (seq >= readLimit) break;
      const key = auditEventKey(logId, seq);
      const object = fetched[i]?.record ?? null;
      const versions = events.events.get(seq) ?? [];
      if (!object) {
        const deleted = events.deleteMarkers.has(seq) ? ' (only a delete marker is left)' : '';
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
      if (events.deleteMarkers.has(seq)) warnings.push(`event ${seq} carries a delete marker: someone tried to delete it; the locked version is intact`);
      if (!object.lockMode) name('unlocked-event', `event ${seq} (${objectUrl(key)}) has no Object Lock retention: it could be deleted`, seq);
      else if (object.lockMode === 'GOVERNANCE') governance += 1;
      consume(seq, object.body, objectUrl(key));
    }
    readLimit = Math.min(readLimit, (lastSeq ?? -1) + 1);
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

  // ---- Hash tiles: each must hold the tree hashes the bundles produce (what outside tlog clients prove with). ----
  const treeRead = Math.min(tree.size, readCount);
  if (tiled && tiles.bundlesRead > 0 && treeRead >= tiledSize) {
    const readNode = (level: number, index: number) => tree.view.rangeHash({ start: index * 2 ** level, end: (index + 1) * 2 ** level });
    await mapLimit(tilesOfTree(tiledSize), concurrency, async (tile) => {
      const published = await readHashTile(store, tile);
      tiles.hashTilesChecked += 1;
      if (!published) {
        problem('bad-tile', `hash tile ${tile.level}/${tile.index} (width ${tile.width}) of tree size ${tiledSize} is not published`, { treeSize: tiledSize });
        return;
      }
      const expected = hashTileBytes(tile, readNode);
      if (!published.bytes.equals(expected)) {
        problem('bad-tile', `hash tile ${objectUrl(published.key)} does not hold the tree hashes the entry bundles produce`, { treeSize: tiledSize, key: published.key });
      } else if (!published.lockMode) {
        problem('bad-tile', `hash tile ${objectUrl(published.key)} has no Object Lock retention: it could be deleted`, { treeSize: tiledSize, key: published.key });
      }
    });
  }

  // ---- Checkpoint notes (C2SP tlog-checkpoint): signed by a trusted key, for this log, with the root the events produce. ----
  if (tiled) {
    const noteKeys = [...trusted.values()].map((pem) => checkpointNoteKey(bucket, logId, pem));
    const origin = checkpointNoteOrigin(bucket, logId);
    const latestKey = auditLatestCheckpointNoteKey(logId);
    const notes = [...listing.notes.map((n) => ({ ...n, versionId: n.versionId as string | undefined })), { key: latestKey, versionId: undefined, treeSize: null }];
    await mapLimit(notes, concurrency, async (note) => {
      const object = await readObject(s3, bucket, note.key, note.versionId ? { versionId: note.versionId } : {});
      if (!object) return; // no `checkpoint` yet: a log without tiles
      tiles.checkpointNotesChecked += 1;
      const at = { treeSize: note.treeSize ?? undefined, key: note.key } as const;
      let body;
      try {
        body = parseCheckpointText(openSignedNote(object.text(), noteKeys).text);
      } catch (error) {
        problem('bad-checkpoint-note', `checkpoint note ${objectUrl(note.key)} does not open with this log's ${options.pinnedKeys?.length ? 'pinned' : 'published'} keys: ${describeCause(error)}`, at);
        return;
      }
      if (body.origin !== origin || (note.treeSize !== null && body.treeSize !== note.treeSize)) {
        problem('bad-checkpoint-note', `checkpoint note ${objectUrl(note.key)} is for ${body.origin} at tree size ${body.treeSize}, not ${origin}${note.treeSize === null ? '' : ` at ${note.treeSize}`}`, at);
        return;
      }
      if (body.treeSize <= treeRead && !Buffer.from(body.rootHash).equals(Buffer.from(tree.root(body.treeSize)))) {
        problem('bad-checkpoint-note', `checkpoint note ${objectUrl(note.key)} says root ${toHex(body.rootHash)} at tree size ${body.treeSize}, but the events hash to ${toHex(tree.root(body.treeSize))}`, { ...at, treeSize: body.treeSize });
      }
    });
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
    ...(tiled ? { tiles } : {}),
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

async function listLog(s3: S3Client, bucket: string, logId: string, events: 'with-events' | 'without-events'): Promise<Listing> {
  const listing: Listing = { events: new Map(), deleteMarkers: new Set(), checkpoints: [], keys: [], notes: [] };
  const prefixes = events === 'with-events' ? [`audit/v1/${logId}/`] : [auditCheckpointsPrefix(logId), auditKeysPrefix(logId), auditCheckpointNotesPrefix(logId)];
  for (const prefix of prefixes) {
    for await (const page of listVersionPages(s3, bucket, prefix)) {
      for (const v of page.Versions ?? []) {
        if (!v.Key || !v.VersionId) continue;
        const version: Version = { key: v.Key, versionId: v.VersionId };
        const seq = seqOfAuditEventKey(logId, v.Key);
        const treeSize = treeSizeOfCheckpointKey(logId, v.Key);
        const keyId = keyIdOfPublicKeyKey(logId, v.Key);
        const noteSize = treeSizeOfCheckpointNoteKey(logId, v.Key);
        if (seq !== null) listing.events.set(seq, [...(listing.events.get(seq) ?? []), version]);
        else if (treeSize !== null) listing.checkpoints.push({ ...version, treeSize });
        else if (keyId !== null) listing.keys.push({ ...version, keyId });
        else if (noteSize !== null) listing.notes.push({ ...version, treeSize: noteSize });
      }
      for (const marker of page.DeleteMarkers ?? []) {
        const seq = marker.Key ? seqOfAuditEventKey(logId, marker.Key) : null;
        if (seq !== null) listing.deleteMarkers.add(seq);
      }
    }
  }
  // S3 lists a key's versions newest first (LastModified is too coarse to sort by); the first written is the record.
  for (const versions of listing.events.values()) versions.reverse();
  return listing;
}

/** The event objects (every version) from seq `from` on. */
async function listEventVersions(s3: S3Client, bucket: string, logId: string, from: number): Promise<Pick<Listing, 'events' | 'deleteMarkers'>> {
  const listing: Pick<Listing, 'events' | 'deleteMarkers'> = { events: new Map(), deleteMarkers: new Set() };
  const keyMarker = from > 0 ? auditEventKey(logId, from - 1) : undefined;
  for await (const page of listVersionPages(s3, bucket, auditEventsPrefix(logId), keyMarker ? { keyMarker } : {})) {
    for (const v of page.Versions ?? []) {
      const seq = v.Key ? seqOfAuditEventKey(logId, v.Key) : null;
      // radosgw treats a KeyMarker without VersionIdMarker as inclusive (AWS: exclusive).
      if (seq === null || seq < from || !v.VersionId) continue;
      listing.events.set(seq, [...(listing.events.get(seq) ?? []), { key: v.Key!, versionId: v.VersionId }]);
    }
    for (const marker of page.DeleteMarkers ?? []) {
      const seq = marker.Key ? seqOfAuditEventKey(logId, marker.Key) : null;
      if (seq !== null && seq >= from) listing.deleteMarkers.add(seq);
    }
  }
  for (const versions of listing.events.values()) versions.reverse();
  return listing;
}

/** `size` distinct random seqs below `total` (all of them when fewer): which event objects a default verification reads. */
function sampleOf(total: number, size: number): Set<number> {
  if (total <= size) return new Set(Array.from({ length: total }, (_, i) => i));
  const out = new Set<number>();
  while (out.size < size) out.add(randomInt(total));
  return out;
}

async function getObject(s3: S3Client, bucket: string, version: Version): Promise<FetchedEvent> {
  const object = await readObject(s3, bucket, version.key, { versionId: version.versionId });
  return { body: object?.body ?? Buffer.alloc(0), lockMode: object?.lockMode ?? null };
}
