import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../../../shared/canonical-json';
import type { AuditEvent } from '../../../shared/domain';
import type { ArchiveItemResult, ArchiveRunSummary, ArchiveSidecar } from '../../../shared/archive';
import { archiveSidecarSchema } from '../../../shared/archive';
import type { Logger } from '../../../shared/logger';
import type { ArchiveCandidate, ArchiveRepository } from '../../db/repositories/archive-repository';
import type { HoldRepository } from '../../db/repositories/hold-repository';
import { acquireLockFile, type HeldLock } from '../audit/lock-file';
import { pathUnderRoot } from '../contained-path';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { AppError, describeCause, StorageError, ValidationError, WormStoreError } from '../errors';
import type { IndexSync } from '../index/index-sync';
import type { Clock } from '../ports';
import type { RecordingFetcher } from '../retrieval/recording-fetcher';
import { archiveKeys, extensionFor, requiredRetainUntil } from './archive-keys';
import type { ArchiveStore } from './archive-store';

const DAY_MS = 86_400_000;

/** What every archive route (the API copy, Genesys's export) works with. */
export type ArchiveRouteDeps = {
  store: ArchiveStore;
  archive: ArchiveRepository;
  holds: HoldRepository;
  audit: () => Promise<AuditWriter>;
  /** The archive is unattended: it runs under the service account, naming the officer who started it, if any. */
  actors: Pick<AuditActors, 'service'>;
  clock: Clock;
  logger: Logger;
  /** MiFID II: 5, up to 7 where the competent authority requires it. */
  retentionYears: number;
  /** One archive run per machine at a time, whichever the route. */
  lockFile: string;
  newId: () => string;
};

export type ArchiveJobDeps = ArchiveRouteDeps & {
  /** Patient (bulk) Genesys services: a nightly batch waits out faults rather than failing fast. */
  genesys: () => Promise<{ sync: IndexSync; fetcher: RecordingFetcher }>;
  /** Where recordings are staged between Genesys and the store (emptied at each start). */
  stagingDir: string;
  /** The Genesys API the copies come from, for the sidecar (a host or gateway, never a credential). */
  sourceApi: string;
  /** How many recordings one 'export' audit event covers (the event lists each of them). */
  auditBatchSize?: number;
  /** How far before the last run's end a run without --since starts (late-arriving recordings). */
  overlapMs?: number;
  onItem?: (result: ArchiveItemResult, done: number, total: number) => void;
};

/** A failure that makes every further item pointless: stop, keep what is done, the next run resumes. */
class RunStopped extends Error {}

/**
 * The nightly archive: copies every recording the index knows in a window into the WORM archive
 * bucket, with its metadata and SHA-256, COMPLIANCE-locked from the recording's start for the
 * jurisdiction's years. Re-running is safe: a recording whose bytes are already stored (found by key
 * and SHA-256) is not stored again, and whatever a killed or failed run left is finished by the next.
 *
 * Auditing: before any recording of a batch is read from Genesys, one 'export' event listing every
 * recording of the batch (with details.kind = 'archive') is written to the audit log; each sidecar
 * names its event. A copy into the firm's own WORM store is a transfer of custody, not a person
 * listening, so one event per batch rather than per recording keeps the log readable while still
 * naming every recording touched; if the event cannot be written, nothing of that batch is read.
 */
export class ArchiveJob {
  constructor(private readonly deps: ArchiveJobDeps) {
    if (!Number.isInteger(deps.retentionYears) || deps.retentionYears < 5 || deps.retentionYears > 7) {
      throw new ValidationError(`MiFID II retention is 5 to 7 years, not ${deps.retentionYears}`);
    }
  }

  async run(options: { sinceMs?: number; untilMs?: number; signal?: AbortSignal } = {}): Promise<ArchiveRunSummary> {
    const { clock, archive, logger } = this.deps;
    let lock: HeldLock;
    try {
      lock = await acquireLockFile(this.deps.lockFile, { timeoutMs: 2_000, staleMs: 7 * DAY_MS });
    } catch (error) {
      throw new AppError('VALIDATION', `Another archive run is in progress on this machine (${describeCause(error)}).`, { cause: error });
    }
    try {
      const now = clock.now();
      const untilMs = options.untilMs ?? now;
      const last = await archive.lastArchivedUntil();
      const sinceMs = options.sinceMs ?? (last !== null ? last - (this.deps.overlapMs ?? DAY_MS) : now - 30 * DAY_MS);
      if (sinceMs >= untilMs) throw new ValidationError(`Nothing to archive: --since ${new Date(sinceMs).toISOString()} is not before ${new Date(untilMs).toISOString()}.`);
      const runId = this.deps.newId();
      await archive.startRun(runId, now, sinceMs, untilMs);
      let summary: ArchiveRunSummary;
      try {
        await this.deps.store.assertLocked();
        await this.clearStaging();
        summary = await this.runWindow(runId, sinceMs, untilMs, options.signal);
      } catch (error) {
        await archive.finishRun(runId, clock.now(), 'failed', { error: describeCause(error) });
        throw error;
      }
      await archive.finishRun(runId, clock.now(), summary.state, { ...summary, items: undefined });
      logger.info('archive run finished', { runId, state: summary.state, ...summary.counts, stopped: summary.stopped });
      return summary;
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  private async runWindow(runId: string, sinceMs: number, untilMs: number, signal?: AbortSignal): Promise<ArchiveRunSummary> {
    const { archive, store } = this.deps;
    const { sync } = await this.deps.genesys();
    // The index must know the window before it can say what to copy (Genesys has no search by trade).
    await sync.sync(sinceMs, untilMs, signal);
    await sync.syncRecordings(await archive.conversationsWithUnlistedRecordings(sinceMs, untilMs), signal);
    const candidates = await archive.candidates(sinceMs, untilMs);
    const items: Array<ArchiveItemResult> = [];
    const auditEventIds: Array<string> = [];
    let stopped: string | null = null;
    const batchSize = this.deps.auditBatchSize ?? 50;
    batches: for (let start = 0; start < candidates.length; start += batchSize) {
      const batch = candidates.slice(start, start + batchSize);
      let audited: AuditEvent;
      try {
        audited = await this.auditBatch(runId, batch);
      } catch (error) {
        stopped = `The audit log could not record the next batch, so it was not read: ${describeCause(error)}`;
        break;
      }
      auditEventIds.push(audited.eventId);
      for (const candidate of batch) {
        signal?.throwIfAborted();
        try {
          items.push(await this.archiveOne(runId, candidate, audited, signal));
        } catch (error) {
          const result = failed(candidate, describeCause(error instanceof RunStopped ? error.cause : error));
          items.push(result);
          if (error instanceof RunStopped) {
            stopped = `The WORM store is unavailable: ${describeCause(error.cause)}`;
            await archive.markPending(candidate.recordingId, candidate.conversationId, result.reason ?? 'failed', this.deps.clock.now());
            break batches;
          }
        }
        this.deps.onItem?.(items.at(-1)!, items.length, candidates.length);
      }
    }
    if (stopped) {
      // The next run's window starts after this one's end: what this run never reached must stay due.
      for (const candidate of candidates.slice(items.length)) {
        await archive.markPending(candidate.recordingId, candidate.conversationId, `not reached: ${stopped}`, this.deps.clock.now());
      }
    }
    const count = (outcome: ArchiveItemResult['outcome']) => items.filter((i) => i.outcome === outcome).length;
    const failures = count('failed') + (candidates.length - items.length);
    return {
      runId,
      bucket: store.bucket,
      since: new Date(sinceMs).toISOString(),
      until: new Date(untilMs).toISOString(),
      state: failures > 0 || stopped ? 'done-with-failures' : 'done',
      counts: {
        considered: candidates.length,
        archived: count('archived'),
        alreadyArchived: count('already-archived'),
        failed: failures,
        skipped: count('skipped'),
        untagged: items.filter((i) => i.tradingId === null && (i.outcome === 'archived' || i.outcome === 'already-archived')).length,
      },
      bytes: items.reduce((sum, i) => sum + (i.outcome === 'archived' ? (i.bytes ?? 0) : 0), 0),
      auditEventIds,
      stopped,
      items,
    };
  }

  private async auditBatch(runId: string, batch: ReadonlyArray<ArchiveCandidate>): Promise<AuditEvent> {
    const actor = await this.deps.actors.service();
    const audit = await this.deps.audit();
    return audit.append({
      action: 'export',
      details: {
        kind: 'archive',
        runId,
        bucket: this.deps.store.bucket,
        items: batch.map((c) => ({ conversationId: c.conversationId, recordingId: c.recordingId, tradingId: c.tradingId })),
      },
    }, actor);
  }

  private async archiveOne(runId: string, candidate: ArchiveCandidate, audited: AuditEvent, signal?: AbortSignal): Promise<ArchiveItemResult> {
    const { archive, store, clock } = this.deps;
    if (candidate.fileState === 'DELETED') {
      // Nothing left to copy: report the loss every time the window is archived, do not retry it.
      return failed(candidate, 'deleted in Genesys before it was archived');
    }
    const { fetcher } = await this.deps.genesys();
    let staging: string;
    let downloaded;
    try {
      staging = await pathUnderRoot(this.deps.stagingDir, `${candidate.recordingId}.part`);
      downloaded = await fetcher.downloadTo(candidate.conversationId, candidate.recordingId, staging, signal);
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return failed(candidate, 'deleted in Genesys before it was archived');
      // Archived in Genesys, transcoding, Genesys faults: the recording still exists; the next run retries.
      const reason = error instanceof AppError && error.code === 'ARCHIVED' ? `${error.message} (retried by the next run)` : describeCause(error);
      await archive.markPending(candidate.recordingId, candidate.conversationId, reason, clock.now());
      return failed(candidate, reason);
    }
    try {
      const startMs = parseMs(downloaded.recording.startTime) ?? candidate.recordingStartMs ?? candidate.conversationStartMs;
      const endMs = parseMs(downloaded.recording.endTime) ?? candidate.recordingEndMs;
      const required = requiredRetainUntil(startMs, this.deps.retentionYears);
      if (required.getTime() <= clock.now() + 60_000) {
        await archive.clearPending(candidate.recordingId);
        return { ...failed(candidate, `its ${this.deps.retentionYears}-year retention ended ${required.toISOString()}: past the MiFID II period, not archived`), outcome: 'skipped' };
      }
      const keys = archiveKeys({ tradingId: candidate.tradingId, startMs, conversationId: candidate.conversationId, recordingId: candidate.recordingId }, extensionFor(downloaded.contentType));
      const held = candidate.tradingId !== null && (await this.deps.holds.anyOpenForTrades([candidate.tradingId]));
      const media = await this.storeMedia(keys.media, staging, downloaded, candidate, startMs, required, held);
      await recordArchivedCopy(this.deps, {
        candidate,
        startMs,
        endMs,
        genesys: { fileState: downloaded.recording.fileState, archiveDate: downloaded.recording.archiveDate, deleteDate: downloaded.recording.deleteDate },
        media: { key: keys.media, versionId: media.versionId, sha256: downloaded.sha256, bytes: downloaded.bytes, contentType: downloaded.contentType, multipart: media.multipart },
        mode: store.mode,
        required,
        retainUntil: media.retainUntil,
        retentionYears: this.deps.retentionYears,
        sourceApi: this.deps.sourceApi,
        nowMs: clock.now(),
        audited,
        runId,
        sidecarKey: keys.sidecar,
        held,
      });
      return {
        recordingId: candidate.recordingId,
        conversationId: candidate.conversationId,
        tradingId: candidate.tradingId,
        outcome: media.reused ? 'already-archived' : 'archived',
        key: keys.media,
        sha256: downloaded.sha256,
        bytes: downloaded.bytes,
        retainUntil: media.retainUntil.toISOString(),
        multipart: media.multipart,
        reason: null,
      };
    } catch (error) {
      if (error instanceof WormStoreError && error.unavailable) throw new RunStopped('WORM store unavailable', { cause: error });
      await archive.markPending(candidate.recordingId, candidate.conversationId, describeCause(error), clock.now());
      throw error;
    } finally {
      await rm(staging, { force: true });
    }
  }

  /** Stores the media unless a version with the same bytes is there already (a re-run, or a run killed before it was recorded). */
  private async storeMedia(
    key: string,
    staging: string,
    file: { bytes: number; sha256: string; contentType: string },
    candidate: ArchiveCandidate,
    startMs: number,
    required: Date,
    held: boolean,
  ): Promise<{ versionId: string; retainUntil: Date; multipart: boolean; reused: boolean }> {
    const { store, logger } = this.deps;
    const existing = await store.findVersionWithSha(key, file.sha256);
    if (existing) {
      // Extends the retention when the jurisdiction's period grew since (5 -> 7 years); never shortens.
      const retainUntil = await store.ensureRetention(key, existing.versionId, required);
      if (held && existing.legalHold !== true) await store.setLegalHold(key, existing.versionId, true);
      logger.info('recording already in the archive; not stored again', { key, versionId: existing.versionId });
      return { versionId: existing.versionId, retainUntil, multipart: store.isMultipart(file.bytes), reused: true };
    }
    const stored = await store.putFile({
      key,
      path: staging,
      bytes: file.bytes,
      contentType: file.contentType,
      metadata: {
        sha256: file.sha256,
        recordingId: candidate.recordingId,
        conversationId: candidate.conversationId,
        tradingId: candidate.tradingId,
        recordingStart: new Date(startMs).toISOString(),
      },
      retainUntil: required,
      legalHold: held,
    });
    if (stored.retainUntil.getTime() > required.getTime() + 60_000) {
      logger.warn('the store kept a longer retention than required (its default rule on a multipart upload; COMPLIANCE cannot shorten it)', {
        key,
        required: required.toISOString(),
        retainUntil: stored.retainUntil.toISOString(),
      });
    }
    return { ...stored, reused: false };
  }

  private async clearStaging(): Promise<void> {
    try {
      await mkdir(this.deps.stagingDir, { recursive: true, mode: 0o700 });
      for (const name of await readdir(this.deps.stagingDir)) await rm(join(this.deps.stagingDir, name), { force: true });
    } catch (error) {
      throw new StorageError(`Cannot prepare the archive staging folder ${this.deps.stagingDir}`, error);
    }
  }
}

/** The custody.archive.v1 sidecar of a recording stored in the archive bucket, by whichever route its bytes came. */
export function archiveSidecarOf(input: {
  candidate: ArchiveCandidate;
  startMs: number;
  endMs: number | null;
  /** Genesys's own state and dates when the copy was taken, where it said them. */
  genesys: { fileState?: string | null | undefined; archiveDate?: string | null | undefined; deleteDate?: string | null | undefined };
  media: ArchiveSidecar['media'];
  mode: ArchiveSidecar['retention']['mode'];
  required: Date;
  retainUntil: Date;
  retentionYears: number;
  sourceApi: string;
  nowMs: number;
  audited: AuditEvent;
  runId: string;
}): ArchiveSidecar {
  const { candidate, startMs, endMs, audited } = input;
  return archiveSidecarSchema.parse({
    schema: 'custody.archive.v1',
    recordingId: candidate.recordingId,
    conversationId: candidate.conversationId,
    tradingId: candidate.tradingId,
    clientAccount: candidate.clientAccount,
    recording: {
      startTime: new Date(startMs).toISOString(),
      endTime: endMs === null ? null : new Date(endMs).toISOString(),
      durationMs: endMs === null ? null : Math.max(0, endMs - startMs),
      fileState: input.genesys.fileState ?? candidate.fileState,
      genesysArchiveDate: input.genesys.archiveDate ?? candidate.genesysArchiveDate,
      genesysDeleteDate: input.genesys.deleteDate ?? candidate.genesysDeleteDate,
    },
    conversation: {
      startTime: new Date(candidate.conversationStartMs).toISOString(),
      endTime: candidate.conversationEndMs === null ? null : new Date(candidate.conversationEndMs).toISOString(),
      direction: candidate.direction,
      queue: candidate.queueName,
      agent: candidate.agentName,
      participants: [...candidate.participants],
    },
    media: input.media,
    retention: {
      mode: input.mode,
      requiredUntil: input.required.toISOString(),
      retainUntil: input.retainUntil.toISOString(),
      basis: `recording start + ${input.retentionYears} years (MiFID II Art 16(7); Delegated Regulation 2017/565 Art 76(11))`,
    },
    source: { system: 'genesys-cloud', api: input.sourceApi, fetchedAt: new Date(input.nowMs).toISOString() },
    archivedAt: new Date(input.nowMs).toISOString(),
    archivedBy: { operator: audited.operator, workstation: audited.workstation },
    auditEventId: audited.eventId,
    runId: input.runId,
  });
}


/**
 * Records an archived copy, whichever route brought it (the API copy, Genesys's export): its sidecar (stored
 * once, locked as long as the recording), the archive's row, and, under an open hold, every object it adds to
 * the hold (the media, `heldWith`, the sidecar).
 */
export async function recordArchivedCopy(
  deps: Pick<ArchiveRouteDeps, 'store' | 'archive' | 'holds'>,
  input: Parameters<typeof archiveSidecarOf>[0] & { sidecarKey: string; held: boolean; heldWith?: ReadonlyArray<{ key: string; versionId: string }> },
): Promise<void> {
  const { store, archive, holds } = deps;
  const { candidate, media, retainUntil, held, sidecarKey } = input;
  const sidecarVersionId = await storeSidecar(store, sidecarKey, archiveSidecarOf(input), retainUntil, held);
  await archive.put({
    recordingId: candidate.recordingId,
    conversationId: candidate.conversationId,
    tradingId: candidate.tradingId,
    recordingStartMs: input.startMs,
    bucket: store.bucket,
    mediaKey: media.key,
    mediaVersionId: media.versionId,
    sidecarKey,
    sidecarVersionId,
    sha256: media.sha256,
    bytes: media.bytes,
    contentType: media.contentType,
    retainUntilMs: retainUntil.getTime(),
    multipart: media.multipart,
    archivedMs: input.nowMs,
    auditEventId: input.audited.eventId,
    deletedMs: null,
  });
  if (held) {
    await recordHeld(holds, store.bucket, candidate.tradingId!, [{ key: media.key, versionId: media.versionId }, ...(input.heldWith ?? []), { key: sidecarKey, versionId: sidecarVersionId }]);
  }
}
/** Stores the sidecar unless a version describing the same media version is there already (a re-run); returns its version. */
async function storeSidecar(store: ArchiveStore, key: string, sidecar: ArchiveSidecar, retainUntil: Date, held: boolean): Promise<string> {
  for (const version of await store.versionsOf(key)) {
    const parsed = archiveSidecarSchema.safeParse(safeJson(await store.readJson(key, version.versionId)));
    if (parsed.success && parsed.data.media.versionId === sidecar.media.versionId && parsed.data.media.sha256 === sidecar.media.sha256) {
      // The sidecar lives as long as its recording, also when that was extended.
      await store.ensureRetention(key, version.versionId, retainUntil);
      if (held && (await store.legalHold(key, version.versionId)) === false) await store.setLegalHold(key, version.versionId, true);
      return version.versionId;
    }
  }
  return store.putJson(key, canonicalJson(sidecar), retainUntil, held);
}

/** Objects archived under an open hold belong to it, so its release lifts them too. */
async function recordHeld(holds: HoldRepository, bucket: string, tradingId: string, objects: ReadonlyArray<{ key: string; versionId: string }>): Promise<void> {
  for (const hold of await holds.openForTrade(tradingId)) {
    for (const object of objects) await holds.putObject(hold.id, { bucket, ...object, status: 'held', error: null });
  }
}

function failed(candidate: ArchiveCandidate, reason: string): ArchiveItemResult {
  return {
    recordingId: candidate.recordingId,
    conversationId: candidate.conversationId,
    tradingId: candidate.tradingId,
    outcome: 'failed',
    key: null,
    sha256: null,
    bytes: null,
    retainUntil: null,
    multipart: null,
    reason,
  };
}

/** Milliseconds of a Genesys time, or null when it is absent or not a time. */
export function parseMs(value: string | undefined | null): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
