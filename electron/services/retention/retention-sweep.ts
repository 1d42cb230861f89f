import { canonicalJson } from '../../../shared/canonical-json';
import type { Operator } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { ArchiveRepository, ArchivedObject } from '../../db/repositories/archive-repository';
import type { HoldRepository } from '../../db/repositories/hold-repository';
import { ARCHIVE_ROOT, parseArchiveKey, SWEEPS_PREFIX, TRADES_PREFIX, UNTAGGED_PREFIX } from '../archive/archive-keys';
import type { ArchiveStore, ObjectVersion } from '../archive/archive-store';
import { exportMetadataKeyOf, isExportOrgId, parseExportKey } from '../archive/export-layout';
import { CATALOG_ROOT } from '../catalog/catalog-layout';
import type { AuditActors } from '../audit/audit-actor';
import { describeCause, WormStoreError } from '../errors';
import type { Clock } from '../ports';
import { classifyS3Failure } from '../worm/s3-errors';

export type SweepOutcome = 'would-delete' | 'deleted' | 'kept-held' | 'kept-retained' | 'unlocked' | 'failed';

/**
 * Where a version lies: Custody's own archive keys (the API copy, and every recording's sidecar), or
 * Genesys's export layout (`custody archive --via export` locks the recording and its `_metadata.json` where
 * Genesys wrote them).
 */
export type SweepLayout = 'custody' | 'genesys-export';

/** What the sweep looked at in one layout. */
export type SweepTally = { scanned: number; retained: number; counts: Record<SweepOutcome, number> };

/** One object version that has passed its retention (or has none), and what the sweep did with it. */
export type SweepEntry = {
  key: string;
  versionId: string;
  layout: SweepLayout;
  /** The recording itself, or what goes only with it: Custody's sidecar, Genesys's `_metadata.json`. */
  kind: 'media' | 'sidecar' | 'metadata';
  recordingId: string;
  conversationId: string;
  tradingIds: Array<string>;
  retainUntil: string | null;
  outcome: SweepOutcome;
  reason: string | null;
};

export type SweepReport = {
  runId: string;
  dryRun: boolean;
  /** Who ran it: the service account (unattended work), naming the officer who started it, if any. */
  sweptBy: Operator;
  bucket: string;
  startedAt: string;
  finishedAt: string;
  /** Object versions looked at, and how many of them are still retained (not listed one by one). */
  scanned: number;
  retained: number;
  counts: Record<SweepOutcome, number>;
  /** The same, per layout: the archive's media in Custody's keys and in Genesys's export layout. */
  byLayout: Record<SweepLayout, SweepTally>;
  entries: Array<SweepEntry>;
  /** The locked plan and result written to the bucket (none for a dry run). */
  reportKeys: Array<string>;
};

export type RetentionSweepDeps = {
  store: ArchiveStore;
  archive: ArchiveRepository;
  holds: HoldRepository;
  /** The sweep is unattended work: it runs under the service account. */
  actors: Pick<AuditActors, 'service'>;
  /** The OS account the sweep runs as, next to the service account in its reports. */
  osAccount: string;
  clock: Clock;
  logger: Logger;
  newId: () => string;
  /** How long the sweep's own reports are kept (the audit retention). */
  reportRetentionMs: number;
  /** Called right before each deletion, after the hold check: lets a test interleave a hold there. */
  beforeDelete?: (entry: Readonly<SweepEntry>) => Promise<void>;
};

/** A recording's version as the sweep sees it, whichever layout its key is in. */
type SweptKey = Pick<SweepEntry, 'layout' | 'kind' | 'recordingId' | 'conversationId'> & { tradingId: string | null };
type Observed = { version: { key: string; versionId: string }; parsed: SweptKey; record: ArchivedObject | null };

/** The bucket's top-level folders that are Custody's own, never an org's export root. */
const custodyFolders = new Set([ARCHIVE_ROOT, CATALOG_ROOT].map((root) => root.slice(0, root.indexOf('/'))));

/**
 * Lists the archive's object versions that have passed their retention and deletes those that are
 * not under hold. A hold placed while the sweep runs wins: the hold state (the index's holds, the
 * object's S3 legal hold) is read again right before each deletion, and the store itself refuses to
 * delete a version with a legal hold, whatever the sweep believed. Before deleting anything the sweep
 * writes its plan, and afterwards its result, as locked objects under archive/v1/sweeps/.
 *
 * The archive's media lie in two layouts: Custody's own keys, and Genesys's export layout under each org's
 * folder (export-layout.ts parses it), where a recording's `_metadata.json` and Custody's sidecar go only
 * with the recording. The index's archive rows say what is recorded, and so retained, without asking the store.
 */
export class RetentionSweep {
  constructor(private readonly deps: RetentionSweepDeps) {}

  async run(options: { dryRun: boolean }): Promise<SweepReport> {
    const { clock, store } = this.deps;
    const runId = this.deps.newId();
    const sweptBy = (await this.deps.actors.service()).operator(this.deps.osAccount);
    const startedAt = new Date(clock.now()).toISOString();
    const now = clock.now();
    const byLayout: Record<SweepLayout, SweepTally> = { custody: emptyTally(), 'genesys-export': emptyTally() };
    const entries: Array<SweepEntry> = [];
    /** Recordings with a media version still retained: what goes with them stays too. */
    const retainedMedia = new Set<string>();
    for await (const { version, parsed } of this.recordingVersions()) {
      const tally = byLayout[parsed.layout];
      tally.scanned += 1;
      const record = await this.deps.archive.get(parsed.recordingId);
      // Known, recorded and not yet due: no need to ask the store.
      let entry: SweepEntry | null = null;
      if (!(record && record.retainUntilMs > now && (isRecordedVersion(record, version) || isMetadataOfRecorded(record, parsed, version.key)))) {
        entry = await this.assess({ version, parsed, record }, now);
      }
      if (entry) entries.push(entry);
      else {
        tally.retained += 1;
        if (parsed.kind === 'media') retainedMedia.add(parsed.recordingId);
      }
    }
    for (const entry of entries) {
      if (entry.kind !== 'media' && entry.outcome === 'would-delete' && retainedMedia.has(entry.recordingId)) {
        Object.assign(entry, { outcome: 'kept-retained', reason: `its recording is still retained, so its ${entry.kind} is too` });
      }
    }
    const reportKeys: Array<string> = [];
    if (!options.dryRun && entries.some((e) => e.outcome === 'would-delete')) {
      reportKeys.push(await this.writeReport(runId, 'plan', { runId, sweptBy, startedAt, entries }));
      await this.deleteExpired(entries);
    }
    const report: SweepReport = {
      runId,
      dryRun: options.dryRun,
      sweptBy,
      bucket: store.bucket,
      startedAt,
      finishedAt: new Date(clock.now()).toISOString(),
      scanned: byLayout.custody.scanned + byLayout['genesys-export'].scanned,
      retained: byLayout.custody.retained + byLayout['genesys-export'].retained,
      counts: countOutcomes(entries),
      byLayout,
      entries,
      reportKeys,
    };
    for (const layout of ['custody', 'genesys-export'] as const) byLayout[layout].counts = countOutcomes(entries.filter((e) => e.layout === layout));
    if (reportKeys.length > 0) report.reportKeys.push(await this.writeReport(runId, 'result', report));
    this.deps.logger.info('retention sweep finished', { runId, dryRun: options.dryRun, scanned: report.scanned, ...report.counts });
    return report;
  }

  /** Every version of a recording's objects: Custody's archive keys, then each org's export folder. */
  private async *recordingVersions(): AsyncIterable<{ version: ObjectVersion; parsed: SweptKey }> {
    const { store } = this.deps;
    for (const prefix of [TRADES_PREFIX, UNTAGGED_PREFIX]) {
      for await (const version of store.listVersions(prefix)) {
        const parsed = parseArchiveKey(version.key);
        if (parsed) yield { version, parsed: { ...parsed, layout: 'custody' } };
      }
    }
    for (const orgId of await store.folders()) {
      if (custodyFolders.has(orgId) || !isExportOrgId(orgId)) continue;
      for await (const version of store.listVersions(`${orgId}/`)) {
        const parsed = parseExportKey(version.key, orgId);
        if (parsed) yield { version, parsed: { layout: 'genesys-export', kind: parsed.kind, recordingId: parsed.recordingId, conversationId: parsed.conversationId, tradingId: null } };
      }
    }
  }

  /** Null when the version is still retained; otherwise what should happen to it. */
  private async assess(observed: Observed, now: number): Promise<SweepEntry | null> {
    const { version, parsed } = observed;
    const head = await this.deps.store.head(version.key, version.versionId);
    const tradingIds = await this.tradesOf(observed, head.metadata.tradingId ?? null);
    const base = {
      key: version.key,
      versionId: version.versionId,
      layout: parsed.layout,
      kind: parsed.kind,
      recordingId: parsed.recordingId,
      conversationId: parsed.conversationId,
      tradingIds,
      retainUntil: head.retainUntil?.toISOString() ?? null,
    };
    if (head.retainUntil === null) {
      // Never locked (an upload killed before its retention was applied): not "expired", an anomaly.
      return { ...base, outcome: 'unlocked', reason: 'the version has no retention: run the archive again to lock it; not deleted' };
    }
    if (head.retainUntil.getTime() > now) return null;
    const held = await this.heldBy(base, head.legalHold === true);
    return { ...base, outcome: held ? 'kept-held' : 'would-delete', reason: held };
  }

  private async deleteExpired(entries: Array<SweepEntry>): Promise<void> {
    const byRecording = new Map<string, Array<SweepEntry>>();
    for (const entry of entries) if (entry.outcome === 'would-delete') byRecording.set(entry.recordingId, [...(byRecording.get(entry.recordingId) ?? []), entry]);
    for (const [recordingId, group] of byRecording) {
      // The media first; its sidecar and Genesys's metadata go only with it, so nothing is left describing nothing.
      group.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'media' ? -1 : b.kind === 'media' ? 1 : 0));
      let keptMedia = false;
      for (const entry of group) {
        if (entry.kind !== 'media' && keptMedia) {
          Object.assign(entry, { outcome: 'kept-retained', reason: `its recording was kept, so its ${entry.kind} is too` });
          continue;
        }
        await this.deleteOne(entry);
        if (entry.kind === 'media' && entry.outcome !== 'deleted') keptMedia = true;
      }
      const record = await this.deps.archive.get(recordingId);
      if (record && group.some((e) => e.outcome === 'deleted' && e.versionId === record.mediaVersionId)) {
        await this.deps.archive.markDeleted(recordingId, this.deps.clock.now());
      }
    }
  }

  private async deleteOne(entry: SweepEntry): Promise<void> {
    const { store } = this.deps;
    try {
      // The decisive check, at the moment of deletion: a hold placed since the listing wins.
      const held = await this.heldBy(entry, await store.legalHold(entry.key, entry.versionId));
      if (held) {
        Object.assign(entry, { outcome: 'kept-held', reason: `${held} (placed while the sweep ran)` });
        return;
      }
      await this.deps.beforeDelete?.(entry);
      await store.deleteVersion(entry.key, entry.versionId);
      Object.assign(entry, { outcome: 'deleted', reason: null });
    } catch (error) {
      const status = error instanceof WormStoreError ? classifyS3Failure(error.cause).status : undefined;
      if (status === 404) {
        Object.assign(entry, { outcome: 'deleted', reason: 'already gone (another sweep)' });
        return;
      }
      if (status === 403) {
        // The store's own guard: a legal hold set after our check, or its clock says it is still retained.
        const nowHeld = await store.legalHold(entry.key, entry.versionId).catch(() => null);
        Object.assign(
          entry,
          nowHeld
            ? { outcome: 'kept-held', reason: 'the store refused: S3 legal hold ON (placed while the sweep ran)' }
            : { outcome: 'kept-retained', reason: `the store refused the deletion: ${describeCause(error)}` },
        );
        return;
      }
      this.deps.logger.error('retention sweep could not delete a version', { key: entry.key, cause: describeCause(error) });
      Object.assign(entry, { outcome: 'failed', reason: describeCause(error) });
    }
  }

  /** Why the version must be kept, or null: its S3 legal hold, or an open hold on its trade or on the object. */
  private async heldBy(entry: Pick<SweepEntry, 'key' | 'tradingIds'>, legalHold: boolean): Promise<string | null> {
    if (legalHold) return 'S3 legal hold ON';
    if (await this.deps.holds.anyOpenForTrades(entry.tradingIds)) return `open hold on trade ${entry.tradingIds.join(', ')}`;
    if (await this.deps.holds.isObjectHeld(this.deps.store.bucket, entry.key)) return 'open hold on this object';
    return null;
  }

  /** Every trading id the version may belong to: its key, its metadata, the local record and the index now. */
  private async tradesOf(observed: Observed, metadataTradingId: string | null): Promise<Array<string>> {
    const ids = [observed.parsed.tradingId, metadataTradingId, observed.record?.tradingId ?? null, await this.deps.archive.currentTradingId(observed.parsed.conversationId)];
    return [...new Set(ids.filter((id): id is string => id !== null))];
  }

  private async writeReport(runId: string, name: 'plan' | 'result', body: unknown): Promise<string> {
    const key = `${SWEEPS_PREFIX}${runId}/${name}.json`;
    await this.deps.store.putJson(key, canonicalJson(body), new Date(this.deps.clock.now() + this.deps.reportRetentionMs), false);
    return key;
  }
}

function isRecordedVersion(record: ArchivedObject, version: { key: string; versionId: string }): boolean {
  return (version.key === record.mediaKey && version.versionId === record.mediaVersionId) || (version.key === record.sidecarKey && version.versionId === record.sidecarVersionId);
}

/** Genesys's `_metadata.json` beside a recorded export that is still retained: it is kept with it, unasked. */
function isMetadataOfRecorded(record: ArchivedObject, parsed: SweptKey, key: string): boolean {
  return parsed.layout === 'genesys-export' && parsed.kind === 'metadata' && key === exportMetadataKeyOf(record.mediaKey);
}

function emptyTally(): SweepTally {
  return { scanned: 0, retained: 0, counts: countOutcomes([]) };
}

function countOutcomes(entries: ReadonlyArray<SweepEntry>): Record<SweepOutcome, number> {
  const counts: Record<SweepOutcome, number> = { 'would-delete': 0, deleted: 0, 'kept-held': 0, 'kept-retained': 0, unlocked: 0, failed: 0 };
  for (const entry of entries) counts[entry.outcome] += 1;
  return counts;
}
