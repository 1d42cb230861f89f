import type { S3Client } from '@aws-sdk/client-s3';
import { TILE_WIDTH } from '../../../shared/crypto/tlog-tiles';
import { sha256Hex } from '../../crypto/sha256';
import type { AuditProblem, AuditTrailFilter, AuditTrailPage } from '../../../shared/audit-views';
import type { AuditEvent } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import { packEventBundle, toEventBatch, type AuditEventRecord, type AuditMirrorRepository, type PackedEventBundle } from '../../db/repositories/audit-mirror-repository';
import { AuditUnavailableError, describeCause, ValidationError } from '../errors';
import { listVersionPages, readObject, readObjectText } from '../worm/locked-objects';
import type { VolumeSubject } from './alert-rules';
import { toEntry, alertsOf } from './audit-entry';
import { exportItems, exportManifestRefOf } from '../packs/export-manifest';
import { itemsOf } from './audit-items';
import type { IntegrityState } from './integrity-state';
import { auditEventKey, auditEventsPrefix, chainHashOfStoredEvent, leafHashOfStoredEvent, parseAuditEventText, parseStoredAuditEvent, seqOfAuditEventKey, serializeAuditEvent, toHex } from './layout';
import { SerialQueue } from './serial-queue';
import { bundlesCovering, publishedTreeSize, readEntryBundle } from './tiled-log';

export type AuditMirrorDeps = {
  s3: S3Client;
  bucket: string;
  logId: string;
  repository: AuditMirrorRepository;
  state: IntegrityState;
  logger: Logger;
  /** Recordings the index ties to a trade, so a query for the trade finds events listing them. */
  recordingsOfTrade?: (tradingId: string) => Promise<ReadonlyArray<string>>;
};

/** An event's leaf hash and its RFC 9162 inclusion proof (hex), in a tree of a given size. */
export type EventProof = { seq: number; leafHash: string; proof: Array<string> };

const catchUpBatch = 100;
/** Entry bundles read at once by a catch-up (each holds 256 events). */
const bundleConcurrency = 16;
/**
 * Events a catch-up from bundles records in one call (one transaction): SQLite then writes each index page
 * it touches once per many events, not once per bundle (256 a call cost 4x the time here).
 */
const bundleRecordBatch = 16_384;

/**
 * The hash the next event read must carry as prevHash (null: not known, the mirror is empty): of the last
 * event's bytes as stored, and its text, whose canonical form is hashed only if they do not chain.
 */
type ChainCursor = { previousHash: string | null; previousText?: string };

/** An event read from the bucket: its text, and its bytes when the reader has them (an entry bundle's). */
type EventRead = { seq: number; text: string; bytes?: Uint8Array };

/**
 * This workstation's mirror of the audit log (SQLite): every event of the bucket's chain in seq
 * order, its Merkle tree kept as perfect subtrees, and the items each event lists. Written events are
 * recorded as they are appended; events another process wrote are read back from the bucket
 * (`catchUp`: the entry bundles of the tiled log as far as they are published, 256 events an object,
 * then one listing from there and only the objects it lacks). Every read of the
 * log in the product (the Audit trail, `audit show`, evidence packs, review-journal sync, the app's
 * start) goes through here, never through a scan of the bucket.
 */
export class AuditMirror {
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: AuditMirrorDeps) {}

  get logId(): string {
    return this.deps.logId;
  }

  async treeSize(): Promise<number> {
    return this.deps.repository.treeSize(this.deps.logId);
  }

  async root(treeSize: number): Promise<Uint8Array> {
    return this.deps.repository.root(this.deps.logId, treeSize);
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Array<Uint8Array>> {
    return this.deps.repository.consistencyProof(this.deps.logId, oldSize, newSize);
  }

  /** Records an event this process just wrote (after catching up on any the mirror lacks before it). */
  async recordWritten(event: AuditEvent): Promise<void> {
    await this.queue.run(async () => {
      if ((await this.treeSize()) < event.seq) await this.catchUpExclusive(event.seq);
      await this.recordBatch([await this.recordOf(event, serializeAuditEvent(event))]);
    });
  }

  /**
   * Reads events the mirror lacks (written by another process, or before a lost database) from the
   * bucket, up to `untilSeq` (exclusive) or the end, and records them. Returns how many were added.
   */
  async catchUp(untilSeq?: number): Promise<number> {
    return this.queue.run(() => this.catchUpExclusive(untilSeq));
  }

  /** Resolves when the events recorded or caught up so far are in the mirror (the queue runs in order). */
  async drain(): Promise<void> {
    await this.queue.run(async () => undefined);
  }

  /**
   * Inclusion proofs of `seqs` in the tree of `treeSize` (a checkpoint's size), from the stored tree
   * levels: O(log n) node reads each, so k proofs cost O(k log n), never a rehash of the whole tree.
   */
  async proofsFor(seqs: ReadonlyArray<number>, treeSize: number): Promise<Array<EventProof>> {
    if ((await this.treeSize()) < treeSize) await this.catchUp(treeSize);
    const proofs = await this.deps.repository.proofsFor(this.deps.logId, seqs, treeSize);
    return proofs.map((p) => ({ seq: p.seq, leafHash: toHex(p.leafHash), proof: p.proof.map(toHex) }));
  }

  /** The stored bytes (canonical JSON) of event `seq`, or null when the mirror does not hold it. */
  async eventBody(seq: number): Promise<string | null> {
    return this.deps.repository.eventBody(this.deps.logId, seq);
  }

  async seqOfEventId(eventId: string): Promise<number | null> {
    return this.deps.repository.seqOfEventId(this.deps.logId, eventId);
  }

  /** Seqs below `treeSize` of the events about these recordings, conversations (as a whole) and trades (searches). */
  async seqsAbout(about: Readonly<{ recordingIds: ReadonlyArray<string>; conversationIds: ReadonlyArray<string>; searchTradingIds: ReadonlyArray<string> }>, treeSize: number): Promise<Array<number>> {
    return this.deps.repository.seqsAbout(this.deps.logId, about, treeSize);
  }

  /** Recordings accessed (played, seeked, previewed, downloaded) under a case reference, caught up first. */
  async recordingsAccessedUnderCase(caseReference: string): Promise<Array<string>> {
    await this.catchUp();
    return this.deps.repository.recordingsAccessedUnderCase(this.deps.logId, caseReference);
  }

  /**
   * The bucket's own bytes of events `seqs`, read by key (k objects, not a scan), each checked against
   * the leaf the mirror holds for it: what a pack carries is the record, and it matches the proofs.
   */
  async readFromBucket(seqs: ReadonlyArray<number>): Promise<Array<{ seq: number; stored: Buffer }>> {
    const { s3, bucket, logId, repository } = this.deps;
    const out: Array<{ seq: number; stored: Buffer }> = new Array(seqs.length);
    let next = 0;
    const worker = async () => {
      while (next < seqs.length) {
        const index = next++;
        const seq = seqs[index]!;
        const key = auditEventKey(logId, seq);
        const object = await readObject(s3, bucket, key);
        const held = await repository.leafHash(logId, seq);
        if (!object || !held || toHex(leafHashOfStoredEvent(object.body)) !== toHex(held)) {
          throw new AuditUnavailableError(`Audit event s3://${bucket}/${key} ${object ? 'differs from the event this workstation recorded' : 'is missing from the bucket'}: the log does not verify, so nothing is built on it.`, undefined, {
            retryable: false,
          });
        }
        out[index] = { seq, stored: object.body };
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, seqs.length) }, worker));
    return out;
  }

  /** Every event (caught up first) whose details hold `path`, e.g. 'review.journalHash', in seq order. */
  async *eventsWithDetail(path: string): AsyncIterable<AuditEvent> {
    await this.catchUp();
    for (const body of await this.deps.repository.bodiesWithDetail(this.deps.logId, path)) yield parseStoredAuditEvent(body).event;
  }

  /** Accesses of one officer (or, among events naming no Genesys user, one OS account) with one of `actions` at or after `sinceMs` (the volume rule). */
  async countOperatorAccesses(operator: VolumeSubject, actions: ReadonlyArray<string>, sinceMs: number): Promise<number> {
    return this.deps.repository.countOperatorAccesses(this.deps.logId, operator, actions, sinceMs);
  }

  /** The Audit trail of this log: events matching `filter`, newest first, after catching up when the bucket answers. */
  async list(filter: Readonly<AuditTrailFilter>): Promise<AuditTrailPage> {
    try {
      await this.catchUp();
    } catch (error) {
      this.deps.logger.warn('audit trail shown from the local copy: the bucket could not be read', { cause: describeCause(error) });
    }
    const { repository, recordingsOfTrade, logId } = this.deps;
    return { logId, ...(await listTrailEntries({ repository, ...(recordingsOfTrade ? { recordingsOfTrade } : {}) }, [logId], filter)) };
  }

  private async catchUpExclusive(untilSeq?: number): Promise<number> {
    const { repository, logId } = this.deps;
    const from = await repository.treeSize(logId);
    if (untilSeq !== undefined && from >= untilSeq) return 0;
    const chain: ChainCursor = { previousHash: from === 0 ? null : await this.storedHash(from - 1) };
    // Usually a few events are new: read them one by one, with no tile read. A bundle's worth or more behind (a new
    // workstation, a lost database): the tiled part first (one object per 256 events), then the events after it.
    const firstPage = await this.listEventVersions(from, untilSeq, { firstPageOnly: true });
    let added = 0;
    let versions = firstPage.versions;
    if (firstPage.truncated || firstPage.versions.length >= TILE_WIDTH) {
      const tiled = await this.catchUpFromBundles(from, untilSeq, chain);
      if (tiled.stopped) return tiled.added;
      added = tiled.added;
      const next = from + added;
      if (untilSeq !== undefined && next >= untilSeq) return this.logAdded(from, added);
      // What the first page listed beyond the bundles is not listed again. A page cut short lists on from its
      // last key, whose older versions (the first written) may be on the next page.
      versions = firstPage.versions.filter((v) => v.seq >= next);
      if (firstPage.truncated) {
        versions.pop();
        versions.push(...(await this.listEventVersions(next + versions.length, untilSeq)).versions);
      }
    }
    for (let start = 0; start < versions.length; start += catchUpBatch) {
      const slice = versions.slice(start, start + catchUpBatch);
      const texts = await Promise.all(slice.map(({ key, versionId }) => readObjectText(this.deps.s3, this.deps.bucket, key, { versionId })));
      const { records, stopped } = await this.absorb(slice.map((v, i) => ({ seq: v.seq, text: texts[i] ?? '' })), chain, 'bucket');
      added += await this.recordBatch(records);
      if (stopped) return added;
    }
    return this.logAdded(from, added);
  }

  private logAdded(from: number, added: number): number {
    if (added > 0) this.deps.logger.info('audit events read back from the bucket into the local tree', { from, added });
    return added;
  }

  /**
   * Reads events [from, untilSeq) from the log's entry bundles, as far as its newest published
   * checkpoint note says they are tiled, 16 bundles at a time, and records them in order, many bundles
   * a call: the next bundles are read and checked while the database records the last ones.
   */
  private async catchUpFromBundles(from: number, untilSeq: number | undefined, chain: ChainCursor): Promise<{ added: number; stopped: boolean }> {
    const { s3, bucket, logId } = this.deps;
    const store = { s3, bucket, logId };
    const tiledSize = await publishedTreeSize(store);
    const end = Math.min(tiledSize, untilSeq ?? Number.POSITIVE_INFINITY);
    if (end <= from) return { added: 0, stopped: false };
    const bundles = bundlesCovering(from, tiledSize).filter((b) => b.start < end);
    let added = 0;
    let checked = 0;
    let pending: Array<AuditEventRecord> = [];
    let packed: Array<PackedEventBundle> = [];
    let recording: Promise<number> | null = null;
    /** Waits for the call in flight, then starts recording the pending events and bundles (or only waits, given none). */
    const record = async () => {
      if (recording) added += await recording;
      recording = pending.length > 0 ? this.recordBatch(pending, packed) : null;
      recording?.catch(() => undefined); // awaited by the next call; unhandled only if a read fails first
      pending = [];
      packed = [];
    };
    const fetchGroup = (start: number) =>
      Promise.all(bundles.slice(start, start + bundleConcurrency).map((b) => readEntryBundle(store, b.index, b.width).catch((error: unknown) => (error instanceof RangeError ? null : Promise.reject(error)))));
    // The next group is fetched while this one is checked.
    let fetching = fetchGroup(0);
    for (let start = 0; start < bundles.length; start += bundleConcurrency) {
      const group = bundles.slice(start, start + bundleConcurrency);
      const read = await fetching;
      fetching = fetchGroup(start + bundleConcurrency);
      fetching.catch(() => undefined); // awaited on the next turn; unhandled only if the loop stops first
      for (const [i, bundle] of read.entries()) {
        // A bundle not (yet) published: the events from here are read one by one.
        if (!bundle) {
          await record();
          await record();
          return { added, stopped: false };
        }
        const first = group[i]!.start;
        const items = bundle.entries
          .map((entry, k) => ({ seq: first + k, text: entry.toString('utf8'), bytes: entry }))
          .filter(({ seq }) => seq >= from + checked && seq < end);
        const { records, stopped } = await this.absorb(items, chain, `bundle ${bundle.key}`);
        checked += records.length;
        // A whole bundle read and checked is kept as that bundle, packed, rather than as 256 bodies.
        if (records.length === TILE_WIDTH) {
          packed.push(packEventBundle(group[i]!.index, bundle.entries));
          pending.push(...records.map((r) => ({ ...r, body: null })));
        } else {
          pending.push(...records);
        }
        if (stopped || pending.length >= bundleRecordBatch) await record();
        if (stopped) {
          await record();
          return { added, stopped: true };
        }
      }
    }
    await record();
    await record();
    return { added, stopped: false };
  }

  /** Checks events read from the bucket (parse, place, chain) and turns them into records; stops at the first unusable one. */
  private async absorb(items: ReadonlyArray<EventRead>, chain: ChainCursor, source: string): Promise<{ records: Array<AuditEventRecord>; stopped: boolean }> {
    const { logId } = this.deps;
    const records: Array<AuditEventRecord> = [];
    for (const { seq, text, bytes } of items) {
      let event: AuditEvent;
      try {
        event = parseAuditEventText(text);
      } catch (error) {
        await this.fail(problemAt('unreadable-event', seq, `event ${seq} in the ${source} is unreadable: ${describeCause(error)}`, auditEventKey(logId, seq)));
        return { records, stopped: true };
      }
      if (event.seq !== seq || event.logId !== logId) {
        await this.fail(problemAt('reordered-event', seq, `the ${source}'s entry for event ${seq} holds event ${event.seq} of log ${event.logId}`, auditEventKey(logId, seq)));
        return { records, stopped: true };
      }
      if (chain.previousHash !== null && event.prevHash !== chain.previousHash && !(chain.previousText !== undefined && event.prevHash === chainHashOfStoredEvent(chain.previousText))) {
        await this.fail(problemAt('altered-event', seq - 1, `event ${seq} in the ${source} does not chain to event ${seq - 1} as this workstation holds it`, auditEventKey(logId, seq - 1)));
      }
      chain.previousHash = sha256Hex(bytes ?? text);
      chain.previousText = text;
      records.push(await this.recordOf(event, text, bytes));
    }
    return { records, stopped: false };
  }

  private async recordBatch(records: ReadonlyArray<AuditEventRecord>, bundles: ReadonlyArray<PackedEventBundle> = []): Promise<number> {
    if (records.length === 0) return 0;
    const result = await this.deps.repository.recordEvents(this.deps.logId, toEventBatch(records), bundles);
    const first = result.conflicts[0];
    if (first) {
      await this.fail(
        problemAt('altered-event', first.seq, `event ${first.seq} in the bucket differs from the copy this workstation recorded (leaf ${first.offered}, recorded ${first.held})`, auditEventKey(this.deps.logId, first.seq)),
      );
    }
    return result.added;
  }

  private async storedHash(seq: number): Promise<string | null> {
    const body = await this.eventBody(seq);
    return body === null ? null : sha256Hex(body);
  }

  /** The first-written version of each event key with seq >= from (and < until), in seq order, without gaps. */
  /** The bucket's events from `from` (first-written version of each), up to `until`; with `firstPageOnly`, one listing page and whether more follow. */
  private async listEventVersions(
    from: number,
    until?: number,
    options: { firstPageOnly?: boolean } = {},
  ): Promise<{ versions: Array<{ seq: number; key: string; versionId: string }>; truncated: boolean }> {
    const { s3, bucket, logId } = this.deps;
    const bySeq = new Map<number, { key: string; versionId: string }>();
    const keyMarker = from > 0 ? auditEventKey(logId, from - 1) : undefined;
    let truncated = false;
    pages: for await (const page of listVersionPages(s3, bucket, auditEventsPrefix(logId), keyMarker ? { keyMarker } : {})) {
      for (const version of page.Versions ?? []) {
        const seq = version.Key ? seqOfAuditEventKey(logId, version.Key) : null;
        if (seq === null || !version.VersionId || seq < from) continue;
        if (until !== undefined && seq >= until) break pages;
        // Newest first within a key: the last one seen is the first written.
        bySeq.set(seq, { key: version.Key!, versionId: version.VersionId });
      }
      if (options.firstPageOnly && page.IsTruncated) {
        truncated = true;
        break;
      }
    }
    const out: Array<{ seq: number; key: string; versionId: string }> = [];
    for (let seq = from; bySeq.has(seq); seq += 1) out.push({ seq, ...bySeq.get(seq)! });
    // A listing cut short says nothing about gaps beyond it.
    if (truncated) return { versions: out, truncated };
    const missing = [...bySeq.keys()].find((seq) => seq >= from + out.length);
    if (missing !== undefined) {
      const gap = from + out.length;
      await this.fail(problemAt('missing-event', gap, `event ${gap} is missing from the bucket, but event ${missing} exists`, auditEventKey(logId, gap)));
    }
    return { versions: out, truncated: false };
  }

  /**
   * The event as the mirror stores it, with every item it lists: an export too large to list its items
   * inline names a locked manifest, read here (one GET) so that "who touched trade T" finds it.
   */
  private async recordOf(event: AuditEvent, body: string, bytes?: Uint8Array): Promise<AuditEventRecord> {
    const items = itemsOf(event);
    if (exportManifestRefOf(event) !== null) {
      const listed: typeof items = [];
      try {
        for await (const item of exportItems(this.deps, event)) {
          for (const tradingId of item.tradingIds.length > 0 ? item.tradingIds : [null]) listed.push({ conversationId: item.conversationId, recordingId: item.recordingId, tradingId });
        }
        items.push(...listed);
      } catch (error) {
        // A manifest that is not the one the event names is evidence of tampering; an unreachable store is retried.
        if (!(error instanceof ValidationError)) throw error;
        await this.fail(problemAt('altered-event', event.seq, `the export manifest event ${event.seq} names is not the one it recorded: ${describeCause(error)}`, auditEventKey(this.deps.logId, event.seq)));
      }
    }
    return { event, body, leafHash: leafHashOfStoredEvent(bytes ?? body), alertCount: alertsOf(event).length, items };
  }

  private async fail(problem: AuditProblem): Promise<void> {
    await this.deps.state.fail('consistency', problem);
  }
}


/** The entries of `logIds` matching a trail filter, newest first: one log's trail, or the firm's across every log. */
export async function listTrailEntries(
  deps: Pick<AuditMirrorDeps, 'repository' | 'recordingsOfTrade'>,
  logIds: ReadonlyArray<string>,
  filter: Readonly<AuditTrailFilter>,
): Promise<Pick<AuditTrailPage, 'entries' | 'total'>> {
  const tradeRecordingIds = filter.tradingId !== undefined && deps.recordingsOfTrade ? await deps.recordingsOfTrade(filter.tradingId) : [];
  const { bodies, total } = await deps.repository.listEvents(
    logIds,
    {
      ...(filter.conversationId !== undefined ? { conversationId: filter.conversationId } : {}),
      ...(filter.recordingId !== undefined ? { recordingId: filter.recordingId } : {}),
      ...(filter.tradingId !== undefined ? { tradingId: filter.tradingId, tradeRecordingIds } : {}),
      ...(filter.operator !== undefined ? { operator: filter.operator } : {}),
      ...(filter.caseReference !== undefined ? { caseReference: filter.caseReference } : {}),
      ...(filter.workstation !== undefined ? { workstation: filter.workstation } : {}),
      ...(filter.action !== undefined ? { action: filter.action } : {}),
      ...(filter.from !== undefined ? { fromMs: Date.parse(filter.from) } : {}),
      ...(filter.to !== undefined ? { toMs: Date.parse(filter.to) } : {}),
      ...(filter.alertsOnly ? { alertsOnly: true } : {}),
    },
    filter.limit ?? 200,
  );
  return { total, entries: bodies.map((body) => toEntry(parseStoredAuditEvent(body).event)) };
}

function problemAt(kind: AuditProblem['kind'], seq: number, message: string, key: string): AuditProblem {
  return { kind, seq, treeSize: null, key, message };
}
