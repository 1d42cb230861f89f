import { setMaxListeners } from 'node:events';
import { dirname } from 'node:path';
import type { Officer } from '../../../shared/domain';
import type { JobRunAs, JobState } from '../../../shared/jobs';
import type { Logger } from '../../../shared/logger';
import type { JobItemRecord, JobRecord, JobsRepository, NewJobItem } from '../../db/repositories/jobs-repository';
import type { AuditActor, AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { AppError, AuthError, describeCause, SignInRequiredError, StorageError } from '../errors';
import type { GenesysClient } from '../genesys/genesys-client';
import type { Recording } from '../genesys/models';
import { TokenRejectedError } from '../auth/token-manager';
import type { Clock, HttpClient, Random } from '../ports';
import { isRetryable } from '../genesys/backoff';
import { MediaLinkExpiredError, TruncatedDownloadError } from '../retrieval/media-download';
import { bulkDownloadEvent, isAuditableRecording, recordingsThatFit, type DownloadVia } from './audit-batch';
import { downloadToPartial, fileMatches, placeFile, prepareFolders, removePartials } from './file-delivery';
import { recordingFilePath } from './output-layout';

/** What a job needs from Genesys: the bulk (patient, governed) client. */
export type BulkGenesys = { client: GenesysClient };

export type JobTuning = {
  /** Tries per recording (media link, download) before it is marked failed. */
  maxAttempts: number;
  /** In "auto", the batch download API is used from this many conversations on. */
  batchMinConversations: number;
  batchMaxItems: number;
  /** First wait before polling a batch; it grows to 5 s. */
  batchPollMs: number;
  batchTimeoutMs: number;
  maxActiveBatches: number;
  /** Downloads queued ahead of the workers before more links are asked for (result links expire). */
  downloadBacklog: number;
  /** Most recordings one audit event lists (fewer when their IDs would outgrow the event). */
  auditBatchMaxItems: number;
  transcodeRetryMs: number;
  transcodeTimeoutMs: number;
  heartbeatMs: number;
  progressMs: number;
  /** Storage failures in a row after which the job pauses instead of failing every item. */
  storageFailuresBeforePause: number;
};

export const defaultTuning: JobTuning = {
  maxAttempts: 5,
  batchMinConversations: 3,
  batchMaxItems: 100,
  batchPollMs: 500,
  batchTimeoutMs: 15 * 60_000,
  maxActiveBatches: 2,
  downloadBacklog: 200,
  auditBatchMaxItems: 100,
  transcodeRetryMs: 1_000,
  transcodeTimeoutMs: 5 * 60_000,
  heartbeatMs: 1_000,
  progressMs: 300,
  storageFailuresBeforePause: 3,
};

export type LiveStats = { ratePerMinute: number | null; etaSeconds: number | null };

export type JobRunDeps = {
  jobs: JobsRepository;
  audit: () => Promise<AuditWriter>;
  /** Each batch names the officer signed in when it is written; an unattended job's, the service account. */
  actors: Pick<AuditActors, 'officer' | 'service'>;
  genesys: () => Promise<BulkGenesys>;
  http: HttpClient;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Called whenever progress changed (throttled) and once at the end. */
  onProgress: (job: JobRecord, live: LiveStats) => Promise<void>;
  /** Called once the run's outcome is stored, before the job is released (writes the manifest). */
  onFinish: (job: JobRecord) => Promise<void>;
  runner: { id: string; pid: number };
  /** Whom the job runs for: its officer's lost sign-in pauses it, naming her (absent: as an officer's job, unnamed). */
  runAs?: JobRunAs;
  tuning?: Partial<JobTuning>;
};

export type RunOutcome = { state: JobState; message: string | null };

type StopState = 'paused' | 'blocked' | 'cancelled';
type ConversationWork = {
  conversationId: string;
  /** The conversation's placeholder item, while its recordings are not listed yet. */
  placeholder: JobItemRecord | null;
  items: Array<JobItemRecord>;
  notBefore: number;
  polls: number;
  attempts: number;
};
type DownloadTask = { item: JobItemRecord; url: string; source: DownloadVia };

const stopRank: Record<StopState, number> = { paused: 1, blocked: 2, cancelled: 3 };
/** Why a shared wait ended early: a constant, so a wake-up allocates no error. */
const WOKEN = Symbol('woken');
const keyOf = (item: { conversationId: string; recordingId: string }) => `${item.conversationId}/${item.recordingId}`;

/**
 * One run of one bulk job in this process, from claim to release, as a pipeline of three stages
 * that overlap: listers get media links (batch download jobs, or one call per conversation, paced
 * by the rate governor); the auditor records the next batch of linked recordings in one WORM audit
 * event while the downloaders fetch the batch before it; downloaders fetch only audited recordings,
 * to a temporary file, verify them and rename them into place. Every step is recorded in SQLite
 * first, so a run killed at any moment resumes without duplicates or gaps. Genesys refusing the
 * credentials blocks the job; the audit log being unavailable pauses it, and so does the loss of its
 * officer's sign-in (recordings already audited are still delivered: their links need no token); a
 * recording that cannot be fetched or written fails on its own.
 */
export class JobRun {
  /** Aborts everything, deliveries under way included (their items go back to pending). */
  private readonly controller = new AbortController();
  /** Aborts listing, batches and waits, but lets a delivery under way finish: a stop at an item boundary. */
  private readonly interrupt = new AbortController();
  private readonly finishing = new AbortController();
  private readonly tuning: JobTuning;
  private stopped: { state: StopState; message: string } | null = null;
  /** The pause is a wait for the officer to sign in again. */
  private signInLost = false;
  private readonly listQueue: Array<ConversationWork> = [];
  private readonly batchPool: Array<ConversationWork> = [];
  /** Linked recordings waiting for their audit event. */
  private readonly toAudit: Array<DownloadTask> = [];
  /** Audited recordings waiting for a downloader: under way, so a stop at an item boundary still delivers them. */
  private readonly audited: Array<DownloadTask> = [];
  private readonly queued = new Set<string>();
  /** Output folders made in this run (placing a file checks its path again, under the root and free of symlinks). */
  private readonly preparedFolders = new Set<string>();
  /** The event that recorded each recording in this run: its retries reuse it. */
  private readonly auditEvents = new Map<string, string>();
  private readonly completions: Array<number> = [];
  /** The one wake-up every waiting stage shares (see waitForWork). */
  private wakeUp: { promise: Promise<void>; resolve: () => void; timer: AbortController } | null = null;
  private active = 0;
  private auditing = false;
  private useBatch = false;
  private activeBatches = 0;
  private storageFailuresInRow = 0;
  private progressDirty = true;
  private startedMs = 0;

  constructor(
    private readonly deps: JobRunDeps,
    private readonly job: JobRecord,
  ) {
    this.tuning = { ...defaultTuning, ...deps.tuning };
    // Every request and wait of the run listens on this signal: many at once is expected, not a leak.
    setMaxListeners(1_000, this.controller.signal, this.interrupt.signal);
  }

  get jobId(): string {
    return this.job.id;
  }

  /**
   * Pause, block or cancel from outside; the strongest request wins (cancel > block > pause). At an
   * item boundary, recordings being delivered are finished first and no new one starts; a later
   * request without it aborts them.
   */
  requestStop(state: StopState, message: string, options: { atItemBoundary?: boolean } = {}): void {
    if (!this.stopped || stopRank[this.stopped.state] < stopRank[state]) this.stopped = { state, message };
    else if (options.atItemBoundary || this.controller.signal.aborted) return;
    const reason = new AppError('CANCELLED', this.stopped.message);
    this.interrupt.abort(reason);
    if (!options.atItemBoundary) this.controller.abort(reason);
    this.notify();
  }

  async run(): Promise<RunOutcome> {
    const { jobs, clock, logger } = this.deps;
    this.startedMs = clock.now();
    const loops = [this.heartbeatLoop(), this.progressLoop()];
    try {
      await jobs.setState(this.job.id, 'running', null, clock.now());
      await this.prepare();
      const genesys = await this.deps.genesys();
      const groups = this.listQueue.length;
      const useBatch = this.job.api === 'batch' || (this.job.api === 'auto' && groups >= this.tuning.batchMinConversations);
      this.useBatch = useBatch;
      if (useBatch) this.batchPool.push(...this.listQueue.splice(0));
      logger.info('bulk job running', { jobId: this.job.id, conversations: groups, api: useBatch ? 'batch' : 'per-conversation', concurrency: this.job.concurrency });
      const listers = Array.from({ length: this.job.concurrency }, () => this.lister(genesys));
      const downloaders = Array.from({ length: this.job.concurrency }, () => this.downloader());
      await Promise.all([...listers, ...downloaders, this.auditor(), useBatch ? this.batchFeeder(genesys) : Promise.resolve()]);
    } catch (error) {
      this.stopForError(error);
    }
    this.finishing.abort();
    await Promise.all(loops);
    return this.finish();
  }

  /** Adopts files a killed run had already put in place, retries what it had not, clears its leftovers. */
  private async prepare(): Promise<void> {
    const { jobs, clock } = this.deps;
    for (const item of await jobs.items(this.job.id, ['fetching'])) {
      const adopted =
        item.path !== null && item.sha256 !== null && item.bytes !== null && (await fileMatches(this.job.outDir, item.path, item.bytes, item.sha256));
      await jobs.updateItem(this.job.id, item, adopted ? { state: 'done', reason: null, doneMs: clock.now() } : { state: 'pending' }, clock.now());
    }
    await jobs.resetItems(this.job.id, ['failed', 'archived'], clock.now());
    await removePartials(this.job.outDir, this.job.id);
    const groups = new Map<string, ConversationWork>();
    for (const item of await jobs.items(this.job.id, ['pending'])) {
      const work = groups.get(item.conversationId) ?? { conversationId: item.conversationId, placeholder: null, items: [], notBefore: 0, polls: 0, attempts: 0 };
      if (item.recordingId === '') work.placeholder = item;
      else work.items.push(item);
      groups.set(item.conversationId, work);
    }
    this.listQueue.push(...groups.values());
  }

  /**
   * Asks Genesys for media links (and retries) while fewer than two rounds of downloads wait for
   * them: links expire, and the job keeps asking as it goes rather than all at once. With batches,
   * lists only what batches did not serve, up to the batch backlog, so it does not wait behind them.
   */
  private async lister(genesys: BulkGenesys): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const ahead = this.useBatch ? this.tuning.downloadBacklog : Math.min(this.tuning.downloadBacklog, 2 * this.job.concurrency);
      const work = this.backlog() < ahead ? this.takeReadyWork() : undefined;
      if (!work) {
        if (this.drained()) {
          this.notify();
          return;
        }
        await this.waitForWork();
        continue;
      }
      await this.track(() => this.listConversation(genesys, work));
    }
  }

  /**
   * Delivers audited recordings. A stop at an item boundary lets it finish every recording already
   * audited (its event says it is downloaded), and those an audit under way is recording; a hard
   * stop aborts them, and their items go back to pending.
   */
  private async downloader(): Promise<void> {
    for (;;) {
      if (this.controller.signal.aborted) return;
      const task = this.audited.shift();
      if (!task) {
        if (this.drained() || (this.stopped && !this.auditing)) {
          this.notify();
          return;
        }
        await this.waitForWork();
        continue;
      }
      await this.track(() => this.deliver(task));
    }
  }

  /** Records the next batch in the audit log while the downloaders work on the one before it. */
  private async auditor(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      // Audits ahead while fewer than two rounds of downloads are audited, so a slow append does not idle the downloaders.
      if (this.toAudit.length === 0 || this.audited.length >= 2 * this.job.concurrency) {
        if (this.drained()) {
          this.notify();
          return;
        }
        await this.waitForWork();
        continue;
      }
      this.auditing = true;
      try {
        await this.auditNextBatch();
      } catch (error) {
        this.deps.logger.error('bulk job auditor failed unexpectedly', { jobId: this.job.id, error: describeCause(error) });
        this.requestStop('paused', `An internal error stopped the job (${describeCause(error)}); resume it to continue.`);
      } finally {
        this.auditing = false;
        this.notify();
      }
    }
  }

  private async track(step: () => Promise<void>): Promise<void> {
    this.active += 1;
    try {
      await step();
    } catch (error) {
      this.deps.logger.error('bulk job worker failed unexpectedly', { jobId: this.job.id, error: describeCause(error) });
      this.requestStop('paused', `An internal error stopped the job (${describeCause(error)}); resume it to continue.`);
    } finally {
      this.active -= 1;
      this.notify();
    }
  }

  /** Recordings linked but not yet being downloaded. */
  private backlog(): number {
    return this.toAudit.length + this.audited.length;
  }

  private takeReadyWork(): ConversationWork | undefined {
    const now = this.deps.clock.now();
    const index = this.listQueue.findIndex((w) => w.notBefore <= now);
    return index >= 0 ? this.listQueue.splice(index, 1)[0] : undefined;
  }

  private drained(): boolean {
    return this.backlog() === 0 && this.listQueue.length === 0 && this.batchPool.length === 0 && this.activeBatches === 0 && this.active === 0 && !this.auditing;
  }

  /** One call lists every recording of the conversation with its media link; each goes to the download queue. */
  private async listConversation(genesys: BulkGenesys, work: ConversationWork): Promise<void> {
    const { jobs, clock } = this.deps;
    let listed: { ready: boolean; recordings: Array<Recording> };
    try {
      listed = await genesys.client.conversationRecordingsWithMedia(work.conversationId, this.interrupt.signal);
    } catch (error) {
      await this.listFailed(work, error);
      return;
    }
    let items = work.items;
    if (work.placeholder) {
      const ids = [...new Set(listed.recordings.map((r) => r.id))];
      if (ids.length === 0) {
        await this.settle(work.placeholder, 'failed', 'Genesys lists no recordings for this conversation.');
        return;
      }
      await jobs.expandConversation(this.job.id, newItemFrom(work.placeholder), ids, clock.now());
      items = (await jobs.itemsOfConversation(this.job.id, work.conversationId)).filter((i) => i.state === 'pending' && !this.queued.has(keyOf(i)));
    }
    const byId = new Map(listed.recordings.map((r) => [r.id, r]));
    const waiting: Array<JobItemRecord> = [];
    for (const item of items) {
      const recording = byId.get(item.recordingId);
      if (!recording) await this.settle(item, 'failed', 'Genesys no longer lists this recording (deleted?).');
      else if (recording.fileState === 'ARCHIVED') await this.settle(item, 'archived', 'Archived in Genesys: restore it there, then resume the job.');
      else if (recording.fileState === 'RESTORING') await this.settle(item, 'archived', 'Being restored in Genesys: resume the job once the restore is done.');
      else if (recording.fileState === 'DELETED') await this.settle(item, 'failed', 'Deleted in Genesys.');
      else {
        const url = Object.values(recording.mediaUris ?? {}).find((m) => m.mediaUri)?.mediaUri;
        if (url) this.queueDownload({ item, url, source: 'per-conversation' });
        else waiting.push(item);
      }
    }
    if (waiting.length === 0) return;
    // Still transcoding (202): ask again shortly, within the transcode time limit.
    if ((work.polls + 1) * this.tuning.transcodeRetryMs > this.tuning.transcodeTimeoutMs) {
      for (const item of waiting) await this.settle(item, 'failed', `Genesys was still transcoding it after ${Math.round(this.tuning.transcodeTimeoutMs / 1000)} s.`);
      return;
    }
    this.listQueue.push({ ...work, placeholder: null, items: waiting, notBefore: clock.now() + this.tuning.transcodeRetryMs, polls: work.polls + 1 });
  }

  private async listFailed(work: ConversationWork, error: unknown): Promise<void> {
    const items = work.placeholder ? [work.placeholder] : work.items;
    if (this.isStopping(error) || this.stopForError(error)) return;
    if (error instanceof AppError && error.code === 'NOT_FOUND') {
      for (const item of items) await this.settle(item, 'failed', `Genesys has no such conversation (${describeCause(error)}).`);
      return;
    }
    if (worthRetrying(error) && work.attempts + 1 < this.tuning.maxAttempts) {
      this.listQueue.push({ ...work, attempts: work.attempts + 1, notBefore: this.deps.clock.now() + this.retryDelay(work.attempts) });
      return;
    }
    for (const item of items) await this.settle(item, 'failed', describeCause(error));
  }

  private queueDownload(task: DownloadTask): void {
    const key = keyOf(task.item);
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.toAudit.push(task);
    this.notify();
  }

  /**
   * Takes the linked recordings waiting, of one source (up to auditBatchMaxItems, within one event's
   * size): the slower the audit log answers, the more each event lists. Marks them under way and makes their folders (a disk that refuses fails them here, before
   * anything is audited), then records them in one audit event, acknowledged before any is fetched.
   */
  private async auditNextBatch(): Promise<void> {
    const via = this.toAudit[0]!.source;
    const sameSource = this.toAudit.filter((t) => t.source === via);
    const taken = sameSource.slice(0, recordingsThatFit(sameSource.map((t) => t.item), Math.max(1, this.tuning.auditBatchMaxItems)));
    const takenSet = new Set(taken);
    this.toAudit.splice(0, this.toAudit.length, ...this.toAudit.filter((t) => !takenSet.has(t)));
    const begun: Array<DownloadTask> = [];
    for (const task of taken) if (await this.begin(task)) begun.push(task);
    if (this.stopped) {
      // Stopped meanwhile: nothing of these is audited yet, so they wait for the next run.
      for (const { item } of begun) {
        await this.deps.jobs.updateItem(this.job.id, item, { state: 'pending' }, this.deps.clock.now());
        this.queued.delete(keyOf(item));
      }
      return;
    }
    const unrecorded = begun.filter((t) => !this.auditEvents.has(keyOf(t.item)));
    if (unrecorded.length > 0) {
      try {
        await this.recordInAudit(unrecorded, via);
      } catch (error) {
        for (const task of unrecorded) await this.abandon(task, error);
        this.audited.push(...begun.filter((t) => !unrecorded.includes(t)));
        return;
      }
    }
    this.audited.push(...begun);
  }

  /** Item under way, attempt counted, folders made; false (the item settled) when it cannot go on. */
  private async begin(task: DownloadTask): Promise<boolean> {
    const { jobs, clock } = this.deps;
    const item = task.item;
    try {
      if (!isAuditableRecording(item)) {
        await this.settle(item, 'failed', 'Genesys gave this recording an ID that is not valid; it was not retrieved.');
        this.queued.delete(keyOf(item));
        return false;
      }
      item.attempts += 1;
      await jobs.updateItem(this.job.id, item, { state: 'fetching', attempts: item.attempts }, clock.now());
      const path = recordingFilePath(item, 'audio/wav');
      const folder = dirname(path);
      if (!this.preparedFolders.has(folder)) {
        await prepareFolders(this.job.outDir, path);
        this.preparedFolders.add(folder);
      }
      return true;
    } catch (error) {
      await this.abandon(task, error);
      return false;
    }
  }

  private async recordInAudit(tasks: ReadonlyArray<DownloadTask>, via: DownloadVia): Promise<void> {
    const { jobs, clock } = this.deps;
    const actor = await this.batchActor();
    const audit = await this.deps.audit();
    const event = await audit.append(bulkDownloadEvent({ id: this.job.id, caseReference: this.job.caseReference }, tasks.map((t) => t.item), via), actor);
    for (const { item } of tasks) {
      this.auditEvents.set(keyOf(item), event.eventId);
      await jobs.updateItem(this.job.id, item, { auditEventId: event.eventId }, clock.now());
    }
  }

  /**
   * Who the batch's event names, resolved as it is written: for an unattended job the service account
   * (scheduled by its officer); otherwise the officer signed in, who must be the job's own (another
   * officer signed in at this desk meanwhile is a lost sign-in for this job: it pauses for her).
   */
  private async batchActor(): Promise<AuditActor> {
    const runAs = this.deps.runAs;
    if (runAs?.kind === 'service') return this.deps.actors.service({ scheduledBy: runAs.scheduledBy });
    const actor = await this.deps.actors.officer('download');
    if (runAs && actor.identity.genesysUserId !== runAs.officer.genesysUserId) {
      throw new SignInRequiredError(`${runAs.officer.name} is no longer the officer signed in here; job ${this.job.id} waits for her sign-in.`);
    }
    return actor;
  }

  private async abandon(task: DownloadTask, error: unknown): Promise<void> {
    try {
      await this.deliveryFailed(task.item, error);
    } finally {
      this.queued.delete(keyOf(task.item));
    }
  }

  /** Download, verify, rename (the recording is audited): the file appears under its name only once it is complete and correct. */
  private async deliver(task: DownloadTask): Promise<void> {
    const { jobs, clock } = this.deps;
    const item = task.item;
    const key = keyOf(item);
    try {
      this.controller.signal.throwIfAborted();
      const downloaded = await downloadToPartial(this.deps.http, task.url, this.job.outDir, { jobId: this.job.id, recordingId: item.recordingId }, this.controller.signal);
      const path = recordingFilePath(item, downloaded.contentType);
      // Recorded before the rename: a run killed right after it finds the file and adopts it.
      await jobs.updateItem(this.job.id, item, { path, bytes: downloaded.bytes, sha256: downloaded.sha256, contentType: downloaded.contentType, source: task.source }, clock.now());
      await placeFile(downloaded.tempPath, this.job.outDir, path);
      await jobs.updateItem(this.job.id, item, { state: 'done', reason: null, doneMs: clock.now() }, clock.now());
      this.storageFailuresInRow = 0;
      this.completions.push(clock.now());
      this.progressDirty = true;
    } catch (error) {
      await this.deliveryFailed(item, error);
    } finally {
      this.queued.delete(key);
    }
  }

  private async deliveryFailed(item: JobItemRecord, error: unknown): Promise<void> {
    const { jobs, clock } = this.deps;
    if (this.isStopping(error) || this.stopForError(error)) {
      await jobs.updateItem(this.job.id, item, { state: 'pending' }, clock.now());
      return;
    }
    if (error instanceof StorageError) {
      await this.settle(item, 'failed', error.message);
      this.storageFailuresInRow += 1;
      if (this.storageFailuresInRow >= this.tuning.storageFailuresBeforePause) {
        this.requestStop(
          'paused',
          `The output folder ${this.job.outDir} cannot be written (${error.message}). Free space or fix its permissions, then resume the job: recordings that failed are tried again.`,
        );
      }
      return;
    }
    if (error instanceof AppError && error.code === 'NOT_FOUND') {
      await this.settle(item, 'failed', `Not found in Genesys (${error.message}).`);
      return;
    }
    const retry = error instanceof MediaLinkExpiredError || error instanceof TruncatedDownloadError || worthRetrying(error);
    if (retry && item.attempts < this.tuning.maxAttempts) {
      // A fresh media link for the next try: batch result links and media links both expire.
      await jobs.updateItem(this.job.id, item, { state: 'pending', reason: describeCause(error) }, clock.now());
      const delay = error instanceof MediaLinkExpiredError ? 0 : this.retryDelay(item.attempts);
      this.listQueue.push({ conversationId: item.conversationId, placeholder: null, items: [item], notBefore: clock.now() + delay, polls: 0, attempts: 0 });
      this.notify();
      return;
    }
    await this.settle(item, 'failed', retry ? `Gave up after ${item.attempts} attempts: ${describeCause(error)}` : describeCause(error));
  }

  private async settle(item: JobItemRecord, state: 'failed' | 'archived', reason: string): Promise<void> {
    await this.deps.jobs.updateItem(this.job.id, item, { state, reason }, this.deps.clock.now());
    item.state = state;
    this.progressDirty = true;
  }

  /** Submits batches of up to 100 items while links are being used up; anything a batch cannot serve goes per conversation. */
  private async batchFeeder(genesys: BulkGenesys): Promise<void> {
    const running = new Set<Promise<void>>();
    while (!this.stopped && (this.batchPool.length > 0 || running.size > 0)) {
      if (this.batchPool.length > 0 && running.size < this.tuning.maxActiveBatches && this.backlog() < this.tuning.downloadBacklog) {
        const group = this.takeBatchGroup();
        this.activeBatches += 1;
        const batch = this.runBatchAndSettle(genesys, group);
        running.add(batch);
        void (async () => {
          await batch;
          running.delete(batch);
        })();
        continue;
      }
      await this.waitForWork();
    }
    await Promise.allSettled(running);
  }

  private takeBatchGroup(): Array<ConversationWork> {
    const group: Array<ConversationWork> = [];
    let size = 0;
    while (this.batchPool.length > 0) {
      const work = this.batchPool[0]!;
      const need = work.placeholder ? 1 : work.items.length;
      if (need > this.tuning.batchMaxItems) {
        this.listQueue.push(this.batchPool.shift()!);
        continue;
      }
      if (size + need > this.tuning.batchMaxItems) break;
      group.push(this.batchPool.shift()!);
      size += need;
    }
    return group;
  }

  private async runBatchAndSettle(genesys: BulkGenesys, group: Array<ConversationWork>): Promise<void> {
    try {
      await this.runBatch(genesys, group);
    } catch (error) {
      if (!this.isStopping(error) && !this.stopForError(error)) {
        this.deps.logger.warn('batch download failed; fetching its conversations one by one', { jobId: this.job.id, reason: describeCause(error) });
        for (const work of group) this.listQueue.push({ ...work, items: work.items.filter((i) => !this.queued.has(keyOf(i))), notBefore: 0 });
      }
    } finally {
      this.activeBatches -= 1;
      this.notify();
    }
  }

  private async runBatch(genesys: BulkGenesys, group: Array<ConversationWork>): Promise<void> {
    const { jobs, clock } = this.deps;
    const signal = this.interrupt.signal;
    const requests = group.flatMap((w) =>
      w.placeholder ? [{ conversationId: w.conversationId }] : w.items.map((i) => ({ conversationId: i.conversationId, recordingId: i.recordingId })),
    );
    const batchId = await genesys.client.submitBatch(requests, signal);
    const byConversation = new Map(group.map((w) => [w.conversationId, w]));
    const named = new Map<string, Set<string>>();
    const deadline = clock.now() + this.tuning.batchTimeoutMs;
    let seen = 0;
    let delay = this.tuning.batchPollMs;
    for (;;) {
      await clock.sleep(delay, signal);
      delay = Math.min(5_000, delay * 1.5);
      const status = await genesys.client.batchStatus(batchId, signal);
      const results = status.results ?? [];
      const linked: Array<{ key: { conversationId: string; recordingId: string }; url: string }> = [];
      const additions: Array<NewJobItem> = [];
      for (const result of results.slice(seen)) {
        const work = byConversation.get(result.conversationId);
        if (!work || !result.recordingId) continue;
        const ids = named.get(work.conversationId) ?? new Set<string>();
        ids.add(result.recordingId);
        named.set(work.conversationId, ids);
        if (!result.resultUrl) continue;
        linked.push({ key: { conversationId: work.conversationId, recordingId: result.recordingId }, url: result.resultUrl });
        if (work.placeholder) additions.push({ ...newItemFrom(work.placeholder), recordingId: result.recordingId });
      }
      // One transaction for the recordings this poll named, not one each.
      if (additions.length > 0) await jobs.addItems(this.job.id, additions, clock.now());
      for (const { key, url } of linked) {
        const item = await jobs.item(this.job.id, key);
        if (item && item.state === 'pending') this.queueDownload({ item, url, source: 'batch' });
      }
      seen = results.length;
      if (status.status === 'Completed' && seen >= (status.expectedResultCount ?? seen)) break;
      if (clock.now() >= deadline) {
        this.deps.logger.warn('batch download did not complete in time; fetching the rest one by one', { jobId: this.job.id, batchId });
        break;
      }
    }
    // Whatever the batch did not deliver (archived, not found, no result) is asked for per conversation, which says why.
    for (const work of group) {
      const ids = named.get(work.conversationId);
      if (work.placeholder && ids && ids.size > 0) await jobs.expandConversation(this.job.id, newItemFrom(work.placeholder), [...ids], clock.now());
      if (work.placeholder && (!ids || ids.size === 0)) {
        this.listQueue.push({ ...work, notBefore: 0 });
        continue;
      }
      const rest = (await jobs.itemsOfConversation(this.job.id, work.conversationId)).filter(
        (i) => i.state === 'pending' && i.recordingId !== '' && !this.queued.has(keyOf(i)),
      );
      if (rest.length > 0) this.listQueue.push({ conversationId: work.conversationId, placeholder: null, items: rest, notBefore: 0, polls: 0, attempts: 0 });
    }
    this.notify();
  }

  /** True when the error is the run being stopped (pause, cancel, block) rather than a failure. */
  private isStopping(error: unknown): boolean {
    return this.interrupt.signal.aborted || (error instanceof Error && error.name === 'AbortError' && this.stopped !== null);
  }

  /** Errors that stop the whole job; returns true when it stopped it. */
  private stopForError(error: unknown): boolean {
    if (!(error instanceof AppError)) {
      if (this.isStopping(error)) return true;
      this.deps.logger.error('bulk job stopped by an unexpected error', { jobId: this.job.id, error: describeCause(error) });
      this.requestStop('paused', `An internal error stopped the job (${describeCause(error)}); resume it to continue.`);
      return true;
    }
    if (error.code === 'SIGNIN_REQUIRED') {
      if (!this.stopped) this.signInLost = true;
      const officer = this.deps.runAs?.kind === 'officer' ? this.deps.runAs.officer : null;
      this.requestStop('paused', officer ? signInLostMessage(officer, this.job.id) : `paused: ${error.message}`, { atItemBoundary: true });
      return true;
    }
    if (error.code === 'AUDIT_UNAVAILABLE') {
      this.requestStop('paused', `The WORM audit log is unavailable (${error.message}). Nothing was written for the recordings in progress; resume the job once the audit log is back.`);
      return true;
    }
    if (isTransientAuth(error)) return false;
    if (error instanceof AuthError || error.code === 'AUTH_REQUIRED' || error.code === 'AUTH_REFRESH_FAILED' || error.code === 'KEYCHAIN_UNAVAILABLE') {
      const runAs = this.deps.runAs;
      const remedy = runAs?.kind === 'officer' ? `once ${runAs.officer.name}'s Genesys roles allow it, resume it.` : 'store working credentials ("custody login"), then resume it.';
      this.requestStop('blocked', `Genesys access is blocked: ${error.message} The job is not failed: ${remedy}`);
      return true;
    }
    if (error.code === 'CANCELLED') return true;
    return false;
  }

  private retryDelay(attempt: number): number {
    return Math.floor(this.deps.random() * Math.min(30_000, 1_000 * 2 ** attempt));
  }

  /** Wakes every stage waiting for work: they all wait on one wake-up, so this costs the same for any number of them. */
  private notify(): void {
    const wakeUp = this.wakeUp;
    if (!wakeUp) return;
    this.wakeUp = null;
    wakeUp.timer.abort(WOKEN);
    wakeUp.resolve();
  }

  /** Sleeps until work may be ready (a queued retry comes due, at most 250 ms) or a stage signals new work. */
  private waitForWork(): Promise<void> {
    if (this.wakeUp) return this.wakeUp.promise;
    const now = this.deps.clock.now();
    const nextReady = this.listQueue.reduce((min, w) => Math.min(min, w.notBefore), Infinity);
    const waitMs = Math.max(5, Math.min(250, nextReady - now));
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const wakeUp = { promise, resolve, timer: new AbortController() };
    this.wakeUp = wakeUp;
    void (async () => {
      try {
        await this.deps.clock.sleep(waitMs, wakeUp.timer.signal);
      } catch {
        return; // woken early by notify
      }
      if (this.wakeUp === wakeUp) this.notify();
    })();
    return promise;
  }

  /** Keeps this run's claim fresh and notices a pause or cancel made by another process. */
  private async heartbeatLoop(): Promise<void> {
    const { jobs, clock, runner } = this.deps;
    while (!this.finishing.signal.aborted) {
      try {
        await clock.sleep(this.tuning.heartbeatMs, this.finishing.signal);
      } catch {
        return;
      }
      const stored = await jobs.heartbeat(this.job.id, runner.id, clock.now());
      if (!stored) this.requestStop('cancelled', 'The job no longer exists.');
      else if (stored.runnerId !== runner.id) this.requestStop('paused', 'Another Custody process took this job over.');
      else if (stored.state === 'paused' || stored.state === 'cancelled') {
        this.requestStop(stored.state, stored.message ?? (stored.state === 'paused' ? 'Paused.' : 'Cancelled.'));
      }
    }
  }

  private async progressLoop(): Promise<void> {
    while (!this.finishing.signal.aborted) {
      try {
        await this.deps.clock.sleep(this.tuning.progressMs, this.finishing.signal);
      } catch {
        return;
      }
      if (!this.progressDirty) continue;
      this.progressDirty = false;
      await this.deps.onProgress(this.job, await this.live());
    }
  }

  /** Recordings per minute over the last 30 s, and the time the rest would take at that pace. */
  private async live(): Promise<LiveStats> {
    const now = this.deps.clock.now();
    while (this.completions.length > 0 && now - this.completions[0]! > 30_000) this.completions.shift();
    const spanMs = Math.min(30_000, Math.max(1_000, now - this.startedMs));
    const ratePerMinute = (this.completions.length * 60_000) / spanMs;
    const counts = await this.deps.jobs.counts(this.job.id);
    const remaining = counts.pending + counts.fetching;
    return {
      ratePerMinute: Math.round(ratePerMinute * 10) / 10,
      etaSeconds: ratePerMinute > 0 ? Math.round((remaining * 60) / ratePerMinute) : null,
    };
  }

  private async finish(): Promise<RunOutcome> {
    const { jobs, clock, logger } = this.deps;
    for (const item of await jobs.items(this.job.id, ['fetching'])) await jobs.updateItem(this.job.id, item, { state: 'pending' }, clock.now());
    const counts = await jobs.counts(this.job.id);
    let outcome: RunOutcome;
    if (this.stopped) outcome = { state: this.stopped.state, message: this.stopped.message };
    else if (counts.pending > 0) outcome = { state: 'paused', message: `${counts.pending} recordings are still pending; resume the job to continue.` };
    else if (counts.failed + counts.archived > 0) {
      outcome = { state: 'done-with-failures', message: `${counts.failed} failed, ${counts.archived} archived in Genesys (restore needed).` };
    } else outcome = { state: 'done', message: null };
    const awaitingSignIn = this.signInLost && this.stopped?.state === 'paused';
    await jobs.setState(this.job.id, outcome.state, outcome.message, clock.now(), { awaitingSignIn });
    try {
      const stored = (await jobs.job(this.job.id)) ?? this.job;
      await this.deps.onFinish(stored);
      await this.deps.onProgress(stored, { ratePerMinute: null, etaSeconds: null });
    } finally {
      await jobs.release(this.job.id, this.deps.runner.id);
    }
    logger.info('bulk job run ended', { jobId: this.job.id, state: outcome.state, ...counts });
    return outcome;
  }
}

/** How a job waiting for its officer resumes. */
export const resumeHint = (officer: Officer, jobId: string) => `It resumes when ${officer.name} signs in (or with "custody jobs resume ${jobId}" once signed in).`;

/** Why an officer's job paused when the sign-in was lost mid-run; nothing is lost, the rest waits for the officer. */
function signInLostMessage(officer: Officer, jobId: string): string {
  return `paused: ${officer.name} must sign in again (the Genesys sign-in was lost while the job ran); the recordings not yet retrieved wait. ${resumeHint(officer, jobId)}`;
}

/**
 * A 401 on a token Genesys had just issued: the login works, so the credentials are fine; this is
 * worth another try later, unlike a refused login (revoked client), which blocks the job.
 */
function isTransientAuth(error: unknown): boolean {
  return error instanceof AuthError && error.cause instanceof TokenRejectedError;
}

function worthRetrying(error: unknown): boolean {
  return isRetryable(error) || isTransientAuth(error);
}

function newItemFrom(item: JobItemRecord): NewJobItem {
  return { conversationId: item.conversationId, recordingId: item.recordingId, tradingId: item.tradingId, clientAccount: item.clientAccount, startMs: item.startMs };
}
