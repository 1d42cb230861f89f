import type { AuditEvent } from '../../../shared/domain';
import type { ArchiveRunSummary } from '../../../shared/archive';
import type { ArchiveCandidate } from '../../db/repositories/archive-repository';
import { acquireLockFile, type HeldLock } from '../audit/lock-file';
import { AppError, describeCause, ValidationError, WormStoreError } from '../errors';
import type { GenesysClient } from '../genesys/genesys-client';
import type { RecordingJob } from '../genesys/models';
import type { IndexSync } from '../index/index-sync';
import type { FileSink } from '../storage/durable-file';
import type { ArchiveJob, ArchiveRouteDeps } from './archive-job';
import { parseMs, recordArchivedCopy } from './archive-job';
import { archiveKeys, extensionFor, requiredRetainUntil } from './archive-keys';
import type { ObjectVersion } from './archive-store';
import { EXPORT_METADATA_MAX_BYTES, exportDayPrefixes, exportMetadataSchema, exportProblems, parseExportKey, type ExportKey, type ExportMetadata } from './export-layout';

const DAY_MS = 86_400_000;

export type ExportIngestDeps = ArchiveRouteDeps & {
  /** Under the service account, patient: the index sync and the bulk client (its calls go through the rate governor). */
  genesys: () => Promise<{ sync: IndexSync; client: GenesysClient }>;
  /** The API archive, for what the export did not deliver. */
  apiArchive: () => Promise<Pick<ArchiveJob, 'run'>>;
  /** The Genesys S3 integration that writes into the archive bucket. */
  integrationId: string;
  /** How long Genesys may take to run the job (PENDING to FULFILLED). */
  jobTimeoutMs: number;
  /** How long after the job ends Custody waits for exported objects to land (Genesys documents a lag). */
  deliveryWaitMs: number;
  /** First delay between polls; doubles up to `pollCapMs`. */
  pollMs?: number;
  pollCapMs?: number;
  auditBatchSize?: number;
  onItem?: (item: ExportItemResult, done: number, total: number) => void;
};

export type ExportItemResult = {
  recordingId: string;
  conversationId: string;
  tradingId: string | null;
  outcome: 'archived' | 'not-delivered' | 'refused' | 'skipped';
  key: string | null;
  sha256: string | null;
  bytes: number | null;
  reason: string | null;
};

export type ExportRunSummary = {
  runId: string;
  bucket: string;
  since: string;
  until: string;
  jobId: string | null;
  /** Genesys's last word on the job: FULFILLED, FAILED, CANCELLED, or 'timed out'. */
  jobState: string;
  jobError: string | null;
  state: 'done' | 'done-with-failures';
  counts: {
    /** Recordings of the window the export was asked for. */
    requested: number;
    /** Verified and locked where Genesys wrote them. */
    archived: number;
    /** Genesys reported them failed, or they never landed in time. */
    notDelivered: number;
    /** Landed but did not match their metadata or the listing. */
    refused: number;
    skipped: number;
  };
  /** Bytes read back from the bucket to verify the exports (the only media bytes through this machine). */
  bytesVerified: number;
  auditEventIds: Array<string>;
  items: Array<ExportItemResult>;
  /** The API archive of what the export did not deliver; null when nothing was left. */
  api: ArchiveRunSummary | null;
};

type Landed = { media: Array<ObjectVersion & { parsed: ExportKey }>; metadata: Array<ObjectVersion & { parsed: ExportKey }> };

/** Hashes a stored version without writing it anywhere. */
const hashOnly: FileSink = { path: '(verification)', open: async () => ({ append: async () => undefined, complete: async () => undefined, close: async () => undefined }) };

const terminal = new Set(['FULFILLED', 'COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * `custody archive --via export`: Genesys's own recording export moves the bytes. Custody creates an
 * EXPORT bulk job for the window into the firm's S3 integration (which writes into the archive bucket
 * under Genesys's layout), waits for the job and for the objects to land, checks each against its
 * `_metadata.json` and the index's listing (ids, size, SHA-256 where Genesys gives it, times, a single
 * version), locks it for its retention (legal hold where a hold covers its trade), writes Custody's
 * sidecar and indexes it. What Genesys failed, never delivered, or delivered wrong is reported and
 * archived through the API afterwards, so a failed or half-delivered job loses nothing.
 *
 * Auditing: before the job is created, 'export' events (details.kind 'archive', via 'genesys-export')
 * list every recording asked for; if they cannot be written, no job is created.
 */
export class ExportIngest {
  constructor(private readonly deps: ExportIngestDeps) {
    if (!Number.isInteger(deps.retentionYears) || deps.retentionYears < 5 || deps.retentionYears > 7) {
      throw new ValidationError(`MiFID II retention is 5 to 7 years, not ${deps.retentionYears}`);
    }
  }

  async run(options: { sinceMs: number; untilMs: number; signal?: AbortSignal }): Promise<ExportRunSummary> {
    const { sinceMs, untilMs, signal } = options;
    if (!(sinceMs < untilMs)) throw new ValidationError(`Nothing to export: ${new Date(sinceMs).toISOString()} is not before ${new Date(untilMs).toISOString()}.`);
    let lock: HeldLock;
    try {
      lock = await acquireLockFile(this.deps.lockFile, { timeoutMs: 2_000, staleMs: 7 * DAY_MS });
    } catch (error) {
      throw new AppError('VALIDATION', `Another archive run is in progress on this machine (${describeCause(error)}).`, { cause: error });
    }
    let summary: ExportRunSummary;
    const runId = this.deps.newId();
    try {
      await this.deps.archive.startRun(runId, this.deps.clock.now(), sinceMs, untilMs);
      try {
        await this.deps.store.assertLocked();
        summary = await this.exportWindow(runId, sinceMs, untilMs, signal);
      } catch (error) {
        await this.deps.archive.finishRun(runId, this.deps.clock.now(), 'failed', { via: 'export', error: describeCause(error) });
        throw error;
      }
      await this.deps.archive.finishRun(runId, this.deps.clock.now(), summary.state, { via: 'export', ...summary, items: undefined });
    } finally {
      await lock.release().catch(() => undefined);
    }
    const left = summary.counts.notDelivered + summary.counts.refused;
    if (left > 0) {
      // Each was marked pending with its reason: the API archive takes exactly those (and anything else not yet archived).
      this.deps.logger.info('archiving through the API what the export did not deliver', { runId, left });
      summary.api = await (await this.deps.apiArchive()).run({ sinceMs, untilMs, ...(signal ? { signal } : {}) });
      summary.state = summary.api.state;
    }
    this.deps.logger.info('export archive run finished', { runId, jobId: summary.jobId, jobState: summary.jobState, ...summary.counts });
    return summary;
  }

  private async exportWindow(runId: string, sinceMs: number, untilMs: number, signal?: AbortSignal): Promise<ExportRunSummary> {
    const { archive, store, clock } = this.deps;
    const { sync, client } = await this.deps.genesys();
    await sync.sync(sinceMs, untilMs, signal);
    await sync.syncRecordings(await archive.conversationsWithUnlistedRecordings(sinceMs, untilMs), signal);
    // Recordings retried from earlier runs lie outside this job's query: the API archive takes them.
    const requested = (await archive.candidates(sinceMs, untilMs)).filter(
      (c) => c.conversationStartMs >= sinceMs && c.conversationStartMs < untilMs && c.fileState !== 'DELETED',
    );
    const summary: ExportRunSummary = {
      runId,
      bucket: store.bucket,
      since: new Date(sinceMs).toISOString(),
      until: new Date(untilMs).toISOString(),
      jobId: null,
      jobState: 'not created',
      jobError: null,
      state: 'done',
      counts: { requested: requested.length, archived: 0, notDelivered: 0, refused: 0, skipped: 0 },
      bytesVerified: 0,
      auditEventIds: [],
      items: [],
      api: null,
    };
    if (requested.length === 0) return summary;
    const audited = await this.auditRequest(runId, requested, summary.auditEventIds);
    const organization = await client.organization(signal);
    const job = await this.runJob(client, sinceMs, untilMs, summary, signal);
    const failed = new Set<string>();
    if (job) {
      try {
        for (const f of await client.failedRecordings(job.id, signal)) failed.add(f.recordingId);
      } catch (error) {
        this.deps.logger.warn('could not read the failed recordings of the export job; each missing one is reported as not delivered', { jobId: job.id, error: describeCause(error) });
      }
    }
    const expected = requested.filter((c) => !failed.has(c.recordingId));
    // A job that ended badly delivers no more: what landed is listed once, without waiting out the lag.
    const succeeded = summary.jobState === 'FULFILLED' || summary.jobState === 'COMPLETED';
    const landed = job ? await this.awaitDelivery(organization.id, sinceMs, untilMs, expected, succeeded ? this.deps.deliveryWaitMs : 0, signal) : new Map<string, Landed>();
    for (const candidate of requested) {
      signal?.throwIfAborted();
      const auditedFor = audited.get(candidate.recordingId)!;
      let item: ExportItemResult;
      if (failed.has(candidate.recordingId)) item = notDelivered(candidate, `Genesys reported it failed in export job ${job?.id ?? ''}`);
      else if (!isComplete(landed.get(candidate.recordingId))) item = notDelivered(candidate, `export job ${job?.id ?? '(none)'} ${summary.jobState}: not delivered in time`);
      else {
        try {
          item = await this.ingestOne(runId, job!.id, candidate, landed.get(candidate.recordingId)!, auditedFor, summary);
        } catch (error) {
          if (error instanceof WormStoreError && error.unavailable) throw error;
          item = { ...notDelivered(candidate, describeCause(error)), outcome: 'refused' };
        }
      }
      if (item.outcome === 'not-delivered' || item.outcome === 'refused') {
        await archive.markPending(candidate.recordingId, candidate.conversationId, `${item.outcome} by export: ${item.reason ?? ''}`, clock.now());
      }
      summary.items.push(item);
      this.deps.onItem?.(item, summary.items.length, requested.length);
    }
    const count = (outcome: ExportItemResult['outcome']) => summary.items.filter((i) => i.outcome === outcome).length;
    summary.counts = { requested: requested.length, archived: count('archived'), notDelivered: count('not-delivered'), refused: count('refused'), skipped: count('skipped') };
    summary.state = summary.counts.notDelivered + summary.counts.refused > 0 ? 'done-with-failures' : 'done';
    return summary;
  }

  /** Before Genesys is asked to copy anything: the events that list every recording of the request. */
  private async auditRequest(runId: string, requested: ReadonlyArray<ArchiveCandidate>, eventIds: Array<string>): Promise<Map<string, AuditEvent>> {
    const actor = await this.deps.actors.service();
    const audit = await this.deps.audit();
    const byRecording = new Map<string, AuditEvent>();
    // An audit event is capped at 64 KiB; 200 listed recordings take about 26 KB.
    const batchSize = this.deps.auditBatchSize ?? 200;
    for (let start = 0; start < requested.length; start += batchSize) {
      const batch = requested.slice(start, start + batchSize);
      const event = await audit.append(
        {
          action: 'export',
          details: {
            kind: 'archive',
            via: 'genesys-export',
            runId,
            bucket: this.deps.store.bucket,
            integrationId: this.deps.integrationId,
            items: batch.map((c) => ({ conversationId: c.conversationId, recordingId: c.recordingId, tradingId: c.tradingId })),
          },
        },
        actor,
      );
      eventIds.push(event.eventId);
      for (const c of batch) byRecording.set(c.recordingId, event);
    }
    return byRecording;
  }

  /** Creates, starts and follows the job; null when Genesys refused to create it (everything goes through the API). */
  private async runJob(client: GenesysClient, sinceMs: number, untilMs: number, summary: ExportRunSummary, signal?: AbortSignal): Promise<RecordingJob | null> {
    const { clock, logger } = this.deps;
    let job: RecordingJob;
    try {
      job = await client.createExportJob(
        { integrationId: this.deps.integrationId, interval: `${new Date(sinceMs).toISOString()}/${new Date(untilMs).toISOString()}`, actionDate: new Date(clock.now()).toISOString() },
        signal,
      );
    } catch (error) {
      summary.jobState = 'refused';
      summary.jobError = describeCause(error);
      logger.warn('Genesys refused the export job; everything goes through the API', { error: summary.jobError });
      return null;
    }
    summary.jobId = job.id;
    const deadline = clock.now() + this.deps.jobTimeoutMs;
    let started = false;
    let delay = this.deps.pollMs ?? 1_000;
    for (;;) {
      summary.jobState = job.state;
      summary.jobError = job.errorMessage ?? null;
      if (terminal.has(job.state)) break;
      if (job.state === 'READY' && !started) {
        job = await client.executeRecordingJob(job.id, signal);
        started = true;
        continue;
      }
      if (clock.now() >= deadline) {
        summary.jobState = `timed out in ${job.state}`;
        break;
      }
      await clock.sleep(delay, signal);
      delay = Math.min(delay * 2, this.deps.pollCapMs ?? 30_000);
      job = await client.recordingJob(job.id, signal);
    }
    logger.info('export job ended', { jobId: job.id, state: summary.jobState, processed: job.totalProcessedRecordings, failed: job.totalFailedRecordings });
    return job;
  }

  /** Lists the window's partitions until every expected recording and its metadata have landed, or the wait is over. */
  private async awaitDelivery(
    orgId: string,
    sinceMs: number,
    untilMs: number,
    expected: ReadonlyArray<ArchiveCandidate>,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<Map<string, Landed>> {
    const { clock, store } = this.deps;
    const deadline = clock.now() + waitMs;
    let delay = this.deps.pollMs ?? 1_000;
    for (;;) {
      const landed = new Map<string, Landed>();
      for (const prefix of exportDayPrefixes(orgId, sinceMs, untilMs)) {
        for await (const version of store.listVersions(prefix)) {
          const parsed = parseExportKey(version.key, orgId);
          if (!parsed) continue;
          const entry = landed.get(parsed.recordingId) ?? { media: [], metadata: [] };
          entry[parsed.kind].push({ ...version, parsed });
          landed.set(parsed.recordingId, entry);
        }
      }
      const missing = expected.filter((c) => !isComplete(landed.get(c.recordingId))).length;
      if (missing === 0 || clock.now() >= deadline) {
        if (missing > 0) this.deps.logger.warn('export objects still missing after the delivery wait', { missing });
        return landed;
      }
      await clock.sleep(delay, signal);
      delay = Math.min(delay * 2, this.deps.pollCapMs ?? 30_000);
    }
  }

  private async ingestOne(runId: string, jobId: string, candidate: ArchiveCandidate, landed: Landed, audited: AuditEvent, summary: ExportRunSummary): Promise<ExportItemResult> {
    const { store, clock, archive } = this.deps;
    const mediaKeys = new Set(landed.media.map((v) => v.key));
    const metadataKeys = new Set(landed.metadata.map((v) => v.key));
    if (mediaKeys.size !== 1 || metadataKeys.size !== 1) {
      return refused(candidate, null, [`Genesys's layout holds ${mediaKeys.size} media and ${metadataKeys.size} metadata objects for it, not one each`]);
    }
    // Versions come newest first; Genesys writes once, so the oldest is its export.
    const media = landed.media.at(-1)!;
    const metadataVersion = landed.metadata.at(-1)!;
    if (metadataVersion.size > EXPORT_METADATA_MAX_BYTES) return refused(candidate, media.key, [`its _metadata.json has ${metadataVersion.size} bytes, too large to be Genesys's`]);
    const metadata = parseMetadata(await store.readJson(metadataVersion.key, metadataVersion.versionId));
    if (typeof metadata === 'string') return refused(candidate, media.key, [metadata]);
    const read = await store.readToFile(media.key, media.versionId, hashOnly);
    summary.bytesVerified += read.bytes;
    const listed = { conversationId: candidate.conversationId, recordingId: candidate.recordingId, startMs: candidate.recordingStartMs, endMs: candidate.recordingEndMs };
    const problems = exportProblems({
      key: media.parsed,
      metadata,
      listed,
      object: { bytes: read.bytes, sha256: read.sha256 },
      versions: Math.max(landed.media.length, landed.metadata.length),
    });
    if (problems.length > 0) return refused(candidate, media.key, problems);

    const startMs = candidate.recordingStartMs ?? parseMs(metadata.startTime) ?? candidate.conversationStartMs;
    const endMs = candidate.recordingEndMs ?? parseMs(metadata.endTime);
    const required = requiredRetainUntil(startMs, this.deps.retentionYears);
    const base = { recordingId: candidate.recordingId, conversationId: candidate.conversationId, tradingId: candidate.tradingId, key: media.key, sha256: read.sha256, bytes: read.bytes };
    if (required.getTime() <= clock.now() + 60_000) {
      await archive.clearPending(candidate.recordingId);
      return { ...base, outcome: 'skipped', reason: `its ${this.deps.retentionYears}-year retention ended ${required.toISOString()}: past the MiFID II period, not archived` };
    }
    const held = candidate.tradingId !== null && (await this.deps.holds.anyOpenForTrades([candidate.tradingId]));
    const retainUntil = await store.ensureRetention(media.key, media.versionId, required);
    await store.ensureRetention(metadataVersion.key, metadataVersion.versionId, retainUntil);
    if (held) {
      await store.setLegalHold(media.key, media.versionId, true);
      await store.setLegalHold(metadataVersion.key, metadataVersion.versionId, true);
    }
    const contentType = metadata.contentType ?? read.contentType;
    const sidecarKey = archiveKeys({ tradingId: candidate.tradingId, startMs, conversationId: candidate.conversationId, recordingId: candidate.recordingId }, extensionFor(contentType)).sidecar;
    await recordArchivedCopy(this.deps, {
      candidate,
      startMs,
      endMs,
      genesys: {},
      media: { key: media.key, versionId: media.versionId, sha256: read.sha256, bytes: read.bytes, contentType, multipart: false },
      mode: store.mode,
      required,
      retainUntil,
      retentionYears: this.deps.retentionYears,
      sourceApi: `recording export job ${jobId} (integration ${this.deps.integrationId})`,
      nowMs: clock.now(),
      audited,
      runId,
      sidecarKey,
      held,
      heldWith: [{ key: metadataVersion.key, versionId: metadataVersion.versionId }],
    });
    return { ...base, outcome: 'archived', reason: null };
  }
}

function isComplete(landed: Landed | undefined): boolean {
  return landed !== undefined && landed.media.length > 0 && landed.metadata.length > 0;
}

function parseMetadata(text: string): ExportMetadata | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'its _metadata.json is not JSON';
  }
  const parsed = exportMetadataSchema.safeParse(json);
  return parsed.success ? parsed.data : 'its _metadata.json does not have the fields of a Genesys export';
}

function notDelivered(candidate: ArchiveCandidate, reason: string): ExportItemResult {
  return { recordingId: candidate.recordingId, conversationId: candidate.conversationId, tradingId: candidate.tradingId, outcome: 'not-delivered', key: null, sha256: null, bytes: null, reason };
}

function refused(candidate: ArchiveCandidate, key: string | null, problems: ReadonlyArray<string>): ExportItemResult {
  return { ...notDelivered(candidate, `refused: ${problems.join('; ')}`), outcome: 'refused', key };
}

