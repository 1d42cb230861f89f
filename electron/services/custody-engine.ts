import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type {
  ArchiveCopy,
  AuditEvent,
  IndexFreshness,
  PlaybackGrant as PlaybackGrantView,
  RecordingDetail,
  RecordingMatch,
  SearchQuery,
  SearchResult,
  Waveform,
} from '../../shared/domain';
import { fileStates } from '../../shared/domain';
import type { Logger } from '../../shared/logger';
import { completeness, type IndexMatch, type IndexQuery, type IndexRecording, type IndexRepository } from '../db/repositories/index-repository';
import type { MediaRepository } from '../db/repositories/media-repository';
import { saidMatchExpression, type TranscriptRepository } from '../db/repositories/transcript-repository';
import type { ApprovalService } from './approvals/approval-service';
import type { ArchiveLookup, ArchiveReader } from './archive/archive-reader';
import type { AuditActor, AuditActors } from './audit/audit-actor';
import type { AuditAppendInput } from './audit/event-chain';
import type { AuditWriter } from './audit/audit-writer';
import { LandingMedia } from './cache/landing-media';
import { waveformWindow, windowNeedsFinest } from './cache/media-analysis';
import type { CachedMedia, MediaCache } from './cache/media-cache';
import { pathUnderRoot } from './contained-path';
import { AppError, StorageError } from './errors';
import { BackgroundIndexSync, offlineCodes } from './index/background-sync';
import type { PlaybackGrants } from './playback/playback-grants';
import type { EventHub } from './events';
import type { Clock } from './ports';
import type { GenesysServices } from './retrieval/genesys-services';
import { placeVerified, writeHashed } from './storage/durable-file';

export type CustodyEngineDeps = {
  index: IndexRepository;
  media: MediaRepository;
  cache: MediaCache;
  grants: PlaybackGrants;
  /** Resolves the audit writer, or throws AUDIT_UNAVAILABLE when no WORM log is configured. */
  audit: () => Promise<AuditWriter>;
  /** Who acts: every method asks for the signed-in officer allowed the action before it reads or writes anything. */
  actors: Pick<AuditActors, 'officer'>;
  genesys: () => Promise<GenesysServices>;
  /** The WORM archive, read when Genesys no longer has a recording; null when none is configured. */
  archive?: () => Promise<ArchiveReader | null>;
  /** Brings the firm's shared catalog into the index before a search is answered (it never fails the search). */
  refreshCatalog?: () => Promise<unknown>;
  /** Four-eyes before playing a call of a restricted queue (approvals/). */
  approvals: Pick<ApprovalService, 'requireApproval'>;
  clock: Clock;
  logger: Logger;
  events: EventHub;
  /** How media URLs look to this host's renderer: `media://recording/` in Electron. */
  mediaUrlBase: string;
  /** A recording not cached plays while it streams in when it is larger than this (default 16 MiB); a smaller one lands whole first, in well under a second. */
  streamPlayAboveBytes?: number;
  /** How far back a search syncs when it gives no date range. */
  defaultSyncDays?: number;
  maxResults?: number;
  /** The transcripts the index holds, for `said` searches. */
  transcripts?: Pick<TranscriptRepository, 'searchSaid'>;
};

const DAY_MS = 86_400_000;
const STREAM_PLAY_ABOVE_BYTES = 16 * 1024 * 1024;
/** Streaming status goes to the renderer at most this often. */
const MEDIA_STATUS_INTERVAL_MS = 500;
/** The results table windows its rows, so a search may list this many (the newest first). */
const DEFAULT_MAX_RESULTS = 10_000;
/** Up to this many calls whose recordings are not listed yet are listed before an at-once answer (one Genesys call each). */
const LISTED_BEFORE_ANSWER = 20;
/** Audited searches the renderer may read again as sync lands (the newest few of the sitting). */
const REFRESHABLE_SEARCHES = 16;

/**
 * How a search answers: 'at-once' from the index as it is, with its completeness for the asked window,
 * the missing history synced in the background (the app); 'after-sync' once the window is synced (the
 * CLI, packs: one answer, complete as Genesys allows).
 */
export type SearchAnswer = 'at-once' | 'after-sync';

/**
 * What Custody does, independent of its host (Electron, browser shell, CLI). Every access to a
 * recording or a search is preceded by an acknowledged WORM audit record; if that fails, the access
 * does not happen. Each is done by the officer signed in at that moment: without one, or without the
 * Genesys permission the action needs, it is refused before anything is read or written.
 */
export class CustodyEngine {
  private readonly background: BackgroundIndexSync;
  /** Audit event id -> the search it recorded and who made it: what `refreshSearch` may read again. */
  private readonly auditedSearches = new Map<string, { query: SearchQuery; genesysUserId: string | undefined }>();

  constructor(private readonly deps: CustodyEngineDeps) {
    this.background = new BackgroundIndexSync(deps);
  }

  async search(query: SearchQuery, context: { caseReference: string | null; jobId?: string }, answer: SearchAnswer = 'after-sync'): Promise<SearchResult> {
    const actor = await this.deps.actors.officer('search');
    const event = await this.record(actor, {
      action: 'search',
      tradingId: query.tradingId ?? null,
      caseReference: context.caseReference,
      details: { query },
    });
    await this.deps.refreshCatalog?.();
    if (query.said !== undefined) return this.searchSaid({ ...query, said: query.said }, event.eventId);
    if (answer === 'at-once') {
      this.rememberSearch(event.eventId, query, actor.identity.genesysUserId);
      return this.answerFromIndex(query, event.eventId);
    }
    const { fromMs, toMs } = this.searchWindow(query);
    let source: IndexFreshness['source'] = 'live';
    let warning: string | null = null;
    this.deps.events.publish({ kind: 'index.syncStarted' });
    try {
      const { sync } = await this.deps.genesys();
      await sync.sync(fromMs, toMs);
      this.deps.events.publish({ kind: 'index.syncCompleted', syncedAt: new Date(this.deps.clock.now()).toISOString() });
    } catch (error) {
      if (!(error instanceof AppError) || !offlineCodes.has(error.code)) throw error;
      source = 'offline';
      warning = `Genesys could not be reached (${error.message}); results come from the local index.`;
      this.deps.logger.warn('search answered offline', { reason: error.message });
      this.deps.events.publish({ kind: 'index.syncFailed', message: warning });
    }
    const indexQuery = toIndexQuery(query);
    const limit = this.deps.maxResults ?? DEFAULT_MAX_RESULTS;
    let matches = await this.deps.index.search(indexQuery, limit);
    const unlisted = [...new Set(matches.filter((m) => m.hasRecording && m.recordingsSyncedMs === null).map((m) => m.conversationId))];
    if (unlisted.length > 0 && source === 'live') {
      try {
        const { sync } = await this.deps.genesys();
        await sync.syncRecordings(unlisted);
        matches = await this.deps.index.search(indexQuery, limit);
      } catch (error) {
        if (!(error instanceof AppError) || !offlineCodes.has(error.code)) throw error;
        source = 'offline';
        warning = `Recording details could not be fetched (${error.message}); some results lack a recording id.`;
      }
    }
    const freshness = await this.freshness();
    if (matches.length >= limit) warning = `Only the newest ${limit} matches are shown; narrow the search.`;
    return { matches: matches.map(toRecordingMatch), index: { ...freshness, source, warning }, auditEventId: event.eventId };
  }

  /**
   * Where words were said: the transcripts the index holds (FTS5 over their phrases), without a sync, each
   * recording with the offsets of its matching phrases. The other criteria narrow the calls found.
   */
  private async searchSaid(query: SearchQuery & { said: string }, auditEventId: string): Promise<SearchResult> {
    if (saidMatchExpression(query.said) === null) throw new AppError('VALIDATION', 'Give at least one word (letters or digits) to find in what was said.');
    const limit = this.deps.maxResults ?? DEFAULT_MAX_RESULTS;
    const { text: _text, ...criteria } = toIndexQuery(query);
    const found = this.deps.transcripts ? await this.deps.transcripts.searchSaid(query.said, criteria, limit) : [];
    const matches = found.map(({ recording, said }) => ({ ...toRecordingMatch(recording), said }));
    matches.sort((a, b) => b.startTime.localeCompare(a.startTime));
    const warning =
      matches.length >= limit
        ? `Only ${limit} calls are shown; narrow the search.`
        : 'Said searches the transcripts already in the index: a call whose transcript has not been fetched from Genesys yet is not found.';
    return { matches, index: { ...(await this.freshness()), source: 'live', warning }, auditEventId };
  }

  /**
   * An audited search read again from the index (sync has landed since): the same query, by the same
   * officer, so no new audit record; anything else is refused.
   */
  async refreshSearch(auditEventId: string): Promise<SearchResult> {
    const actor = await this.deps.actors.officer('search');
    const search = this.auditedSearches.get(auditEventId);
    if (!search || search.genesysUserId !== actor.identity.genesysUserId) {
      throw new AppError('VALIDATION', 'That search cannot be read again: run it again (a new audited search).');
    }
    return this.answerFromIndex(search.query, auditEventId);
  }

  /** Answers from the index as it is, says how complete it is for the asked window, and queues what is missing. */
  private async answerFromIndex(query: SearchQuery, auditEventId: string): Promise<SearchResult> {
    const { fromMs, toMs } = this.searchWindow(query);
    const limit = this.deps.maxResults ?? DEFAULT_MAX_RESULTS;
    let matches = await this.deps.index.search(toIndexQuery(query), limit);
    let unlisted = unlistedConversations(matches);
    // A few calls (a trade's): their recordings are listed before answering, so a row found can be played at once.
    if (unlisted.length > 0 && unlisted.length <= LISTED_BEFORE_ANSWER && (await this.listRecordingsNow(unlisted))) {
      matches = await this.deps.index.search(toIndexQuery(query), limit);
      unlisted = unlistedConversations(matches);
    }
    const window = completeness(fromMs, toMs, await this.deps.index.coverage(), this.deps.clock.now());
    this.background.request(window.missing.length > 0 ? { fromMs, toMs } : null, unlisted);
    const offline = this.background.offlineReason;
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      matches: matches.map(toRecordingMatch),
      index: {
        ...(await this.freshness()),
        source: offline ? 'offline' : 'live',
        warning: matches.length >= limit ? `Only the newest ${limit} matches are shown; narrow the search.` : offline,
        window: {
          from: iso(window.fromMs),
          to: iso(window.toMs),
          coveredFraction: window.coveredFraction,
          missing: window.missing.map(([from, to]) => ({ from: iso(from), to: iso(to) })),
          wholeIndex: query.from === undefined && query.to === undefined,
          syncing: this.background.covers(window.fromMs, window.toMs),
        },
      },
      auditEventId,
    };
  }

  /** Lists these conversations' recordings from Genesys now; false when Genesys cannot answer (the background tries later). */
  private async listRecordingsNow(conversationIds: ReadonlyArray<string>): Promise<boolean> {
    try {
      const { sync } = await this.deps.genesys();
      await sync.syncRecordings(conversationIds);
      return true;
    } catch (error) {
      if (!(error instanceof AppError) || !offlineCodes.has(error.code)) throw error;
      this.deps.logger.warn('recordings not listed before the answer', { reason: error.message });
      return false;
    }
  }

  /**
   * The window a search asks about: its dates, cut at now. Without dates the whole index is searched,
   * and the window kept in sync is the recent span (defaultSyncDays).
   */
  private searchWindow(query: SearchQuery): { fromMs: number; toMs: number } {
    const now = this.deps.clock.now();
    return {
      fromMs: query.from ? Date.parse(query.from) : now - (this.deps.defaultSyncDays ?? 30) * DAY_MS,
      toMs: query.to ? Math.min(Date.parse(query.to), now) : now,
    };
  }

  private rememberSearch(auditEventId: string, query: SearchQuery, genesysUserId: string | undefined): void {
    this.auditedSearches.set(auditEventId, { query, genesysUserId });
    for (const oldest of this.auditedSearches.keys()) {
      if (this.auditedSearches.size <= REFRESHABLE_SEARCHES) break;
      this.auditedSearches.delete(oldest);
    }
  }

  /** The host is closing: background index work stops (the database is about to close). */
  stopBackground(): void {
    this.background.stop();
  }

  /** Resolves once background index work has finished (tests; shutdown). */
  async backgroundIdle(): Promise<void> {
    await this.background.idle();
  }

  async freshness(): Promise<Omit<IndexFreshness, 'source' | 'warning'>> {
    const coverage = await this.deps.index.coverage();
    const last = await this.deps.index.lastSuccessfulSync();
    const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : new Date(ms).toISOString());
    return { lastSyncedAt: iso(last), coveredFrom: iso(coverage[0]?.fromMs), coveredTo: iso(coverage.at(-1)?.toMs) };
  }

  /** A recording's details (metadata, participants): viewing them is an access, audited as 'preview' first. */
  async recording(recordingId: string, context: { caseReference: string | null } = { caseReference: null }): Promise<RecordingDetail> {
    // Viewing a call's details needs what listening to it does (recording:recording:view).
    const actor = await this.deps.actors.officer('play');
    const match = await this.requireRecording(recordingId);
    await this.record(actor, {
      action: 'preview',
      conversationId: match.conversationId,
      recordingId,
      tradingId: match.tradingId,
      caseReference: context.caseReference,
    });
    const cached = await this.deps.cache.get(recordingId);
    return {
      ...toRecordingMatch(match),
      participants: [...match.participants],
      cached: cached ? { sha256: cached.sha256, bytes: cached.bytes, source: sourceOf(cached) } : null,
      archive: await this.archiveCopy(match),
    };
  }

  /**
   * Audits the play (and where it starts), then returns a URL only this play can use: at once for an
   * intact cached recording; for one not cached, as soon as its header and first bytes have landed
   * while the rest streams in (sha256 null, integrity 'pending' until 'playback:mediaStatus' says verified).
   */
  async authorizePlayback(recordingId: string, caseReference: string | null, startOffsetMs = 0): Promise<PlaybackGrantView> {
    if (!Number.isSafeInteger(startOffsetMs) || startOffsetMs < 0) throw new AppError('VALIDATION', `start offset must be a whole number of milliseconds >= 0, not ${startOffsetMs}`);
    const actor = await this.deps.actors.officer('play');
    const match = await this.requireRecording(recordingId);
    await this.deps.approvals.requireApproval('restricted-play', { conversationId: match.conversationId }, { queues: [match.queueName] });
    const event = await this.record(actor, {
      action: 'play',
      conversationId: match.conversationId,
      recordingId,
      tradingId: match.tradingId,
      caseReference: requireCase(caseReference),
      details: { startOffsetMs },
    });
    const media = await this.mediaToPlay(match);
    const source = sourceOf(media);
    if (media instanceof LandingMedia) {
      const wav = media.analysis.wav;
      if (!wav) throw new AppError('UPSTREAM_INVALID', media.analysis.notWavReason ?? 'The recording\'s audio is not a readable WAV file.');
      const grant = this.deps.grants.issue({
        recordingId,
        caseReference: event.caseReference,
        path: '',
        content: media.content,
        contentType: 'audio/wav',
        sha256: null,
        auditEventId: event.eventId,
        durationMs: wav.durationMs,
      });
      this.followLanding(media, grant.id);
      const { totalBytes } = media.progress;
      return { ...this.grantView(recordingId, grant.id, event.eventId), sha256: null, integrity: 'pending', bytes: totalBytes ?? 0, durationMs: wav.durationMs, contentType: 'audio/wav', source };
    }
    // Read at entry into the cache, with the hash intactMedia just relied on: no second open of the file.
    const { wav, notWav } = await this.deps.cache.analysis(media);
    if (!wav) throw new AppError('UPSTREAM_INVALID', notWav ?? 'The recording\'s audio is not a readable WAV file.');
    const grant = this.deps.grants.issue({
      recordingId,
      caseReference: event.caseReference,
      path: media.path,
      content: media.content,
      contentType: media.contentType,
      sha256: media.sha256,
      auditEventId: event.eventId,
      durationMs: wav.durationMs,
    });
    return {
      ...this.grantView(recordingId, grant.id, event.eventId),
      sha256: media.sha256,
      integrity: 'verified',
      bytes: media.bytes,
      durationMs: wav.durationMs,
      contentType: media.contentType,
      source,
    };
  }

  private grantView(recordingId: string, grantId: string, auditEventId: string) {
    return { recordingId, mediaUrl: `${this.deps.mediaUrlBase}${encodeURIComponent(recordingId)}?grant=${grantId}`, auditEventId };
  }

  /**
   * The intact cached recording, or, when it is not cached, its transfer into the cache once the
   * header and first bytes have landed (the transfer goes on; download, packs and bulk still wait for
   * the whole verified file through intactMedia).
   */
  private async mediaToPlay(match: IndexMatch & { recordingId: string }): Promise<CachedMedia | LandingMedia> {
    const waiting = this.deps.cache.nextLanding(match.recordingId);
    const whole = this.intactMedia(match);
    try {
      const first = await Promise.race([whole, waiting.landing]);
      if (!(first instanceof LandingMedia)) return first;
      // Whatever the landing does now, the whole fetch's outcome is reported through it.
      whole.catch(() => undefined);
      try {
        await Promise.race([first.ready, first.settled]);
        const total = first.progress.totalBytes;
        if (first.done || (total !== null && total <= (this.deps.streamPlayAboveBytes ?? STREAM_PLAY_ABOVE_BYTES))) return await whole;
        return first;
      } catch {
        // That transfer broke before anything could play: the fetch's retries decide.
        return await whole;
      }
    } finally {
      waiting.cancel();
    }
  }

  /** Streaming status to the renderer (at most ~2 a second), then verified, or failed and the play ended. */
  private followLanding(landing: LandingMedia, grantId: string): void {
    const { recordingId } = landing;
    const status = (state: 'streaming' | 'verified' | 'failed', sha256: string | null, message: string | null) =>
      this.deps.events.publish({ kind: 'playback.mediaStatus', recordingId, state, ...landing.progress, sha256, message });
    let lastSent = 0;
    const stop = landing.onChange(() => {
      const now = this.deps.clock.now();
      if (now - lastSent < MEDIA_STATUS_INTERVAL_MS) return;
      lastSent = now;
      status('streaming', null, null);
    });
    status('streaming', null, null);
    void this.reportVerification(landing, grantId, status, stop);
  }

  private async reportVerification(
    landing: LandingMedia,
    grantId: string,
    status: (state: 'verified' | 'failed', sha256: string | null, message: string | null) => void,
    stop: () => void,
  ): Promise<void> {
    const { recordingId } = landing;
    try {
      const media = await landing.settled;
      this.deps.grants.verified(grantId, media);
      status('verified', media.sha256, null);
    } catch (error) {
      const reason = (error as Error).message;
      this.deps.logger.error('streamed recording failed verification; play ended', { recordingId, reason });
      status('failed', null, `The recording could not be verified, so playback stopped: ${reason}`);
      if (this.deps.grants.revoke(grantId)) this.deps.events.publish({ kind: 'playback.ended', recordingId, reason: 'integrity-failed' });
    } finally {
      stop();
    }
  }

  /**
   * Audits the position playback moved to within a recording being played: the renderer pauses,
   * lets the seek land, records where it landed, and plays on only once that is acknowledged.
   * There is no seek without a live audited play under the session's case.
   */
  async recordSeek(recordingId: string, positionMs: number, caseReference: string | null): Promise<{ auditEventId: string }> {
    if (!Number.isSafeInteger(positionMs) || positionMs < 0) throw new AppError('VALIDATION', `seek position must be a whole number of milliseconds >= 0, not ${positionMs}`);
    const checkedCase = requireCase(caseReference);
    const actor = await this.deps.actors.officer('play');
    const grant = this.deps.grants.current(recordingId);
    if (!grant || grant.caseReference !== checkedCase) {
      throw new AppError('VALIDATION', 'This play has ended (a new play, a change of case, or it expired): press Play to start a new audited play.');
    }
    const match = await this.requireRecording(recordingId);
    const event = await this.record(actor, {
      action: 'seek',
      conversationId: match.conversationId,
      recordingId,
      tradingId: match.tradingId,
      caseReference: checkedCase,
      details: { positionMs, playAuditEventId: grant.auditEventId },
    });
    // A seek is a use of the play, like a fetch: it keeps the grant alive.
    this.deps.grants.use(grant.id, recordingId);
    return { auditEventId: event.eventId };
  }

  /** The view of a recording closed: its play ends, and its media URL stops working. */
  endPlayback(recordingId: string): void {
    this.deps.grants.revokeRecording(recordingId);
  }

  /** The session's case changed: every play audited under another case ends, and the renderer is told. */
  /** Another officer signed in, or nobody is: every play of the sitting ends, and the renderer is told. */
  endAllPlays(): void {
    for (const grant of this.deps.grants.revokeAll()) {
      this.deps.events.publish({ kind: 'playback.ended', recordingId: grant.recordingId, reason: 'officer-changed' });
    }
  }

  endPlaysOutsideCase(caseReference: string): void {
    for (const grant of this.deps.grants.revokeOtherCases(caseReference)) {
      this.deps.events.publish({ kind: 'playback.ended', recordingId: grant.recordingId, reason: 'case-changed' });
    }
  }

  /**
   * Peaks for a recording being played under a grant, never for one that was not audited: over the
   * whole recording or a zoomed window, from the pyramid computed as the file entered the cache;
   * while it still streams in, the peaks of what has landed (complete: false).
   */
  async waveform(recordingId: string, buckets: number, window: { fromMs?: number; toMs?: number } = {}): Promise<Waveform> {
    const grant = this.deps.grants.current(recordingId);
    if (!grant) throw new AppError('VALIDATION', 'Play the recording first: its waveform is drawn only for an audited playback.');
    const landing = grant.sha256 === null ? this.deps.cache.landing(recordingId) : null;
    if (landing) {
      const wav = landing.analysis.wav;
      return { recordingId, durationMs: wav?.durationMs ?? 0, ...landing.waveformSoFar(buckets, window), complete: false };
    }
    if (grant.sha256 === null) throw new AppError('VALIDATION', 'The recording is no longer streaming in and was not verified: press Play again.');
    // The peaks computed when the file entered the cache, trusted only while the file is unchanged.
    const media = { recordingId, path: grant.path, sha256: grant.sha256 };
    let analysis = await this.deps.cache.analysis(media);
    if (windowNeedsFinest(analysis, buckets, window)) analysis = await this.deps.cache.analysis(media, { finestPeaks: true });
    return { recordingId, durationMs: analysis.wav?.durationMs ?? 0, ...waveformWindow(analysis, buckets, window), complete: true };
  }

  /**
   * Downloads every recording of a conversation into `outDir`. Each file is audited first, then
   * copied under a temporary name, checked against its hash and renamed into place.
   */
  async download(
    conversationId: string,
    caseReference: string,
    outDir: string,
  ): Promise<Array<{ recordingId: string; path: string; sha256: string; bytes: number; auditEventId: string; source: 'genesys' | 'archive' }>> {
    const checkedCase = requireCase(caseReference);
    const actor = await this.deps.actors.officer('download');
    let matches = await this.recordingsOf(conversationId);
    if (matches.length === 0) {
      const { sync } = await this.deps.genesys();
      await sync.syncConversation(conversationId);
      matches = await this.recordingsOf(conversationId);
    }
    if (matches.length === 0) throw new AppError('NOT_FOUND', `Conversation ${conversationId} has no recordings.`);
    const results = [];
    for (const match of matches) {
      const event = await this.record(actor, {
        action: 'download',
        conversationId,
        recordingId: match.recordingId,
        tradingId: match.tradingId,
        caseReference: checkedCase,
        details: { destination: basename(outDir) },
      });
      const media = await this.intactMedia(match);
      const target = await pathUnderRoot(outDir, basename(media.path));
      await writeVerifiedCopy(media, target);
      results.push({ recordingId: match.recordingId!, path: target, sha256: media.sha256, bytes: media.bytes, auditEventId: event.eventId, source: sourceOf(media) });
    }
    return results;
  }

  /** A conversation's recordings from the index, syncing the conversation from Genesys when the index does not know it. */
  async conversationRecordings(conversationId: string): Promise<Array<IndexRecording>> {
    let matches = await this.recordingsOf(conversationId);
    if (matches.length === 0) {
      const { sync } = await this.deps.genesys();
      await sync.syncConversation(conversationId);
      matches = await this.recordingsOf(conversationId);
    }
    return matches;
  }

  /**
   * The intact audio of a recording for an access the caller has already recorded in the audit log
   * (an evidence pack's export event): fetched if not cached, re-fetched if the cache was altered.
   */
  async mediaForAuditedExport(
    recordingId: string,
    exportEvent: Pick<AuditEvent, 'action' | 'eventId'>,
    options: { hashCheckedByCaller?: boolean } = {},
  ): Promise<CachedMedia> {
    if (exportEvent.action !== 'export') throw new AppError('INTERNAL', 'media for an export needs the export audit event first');
    const match = await this.requireRecording(recordingId);
    // The pack hashes every byte it copies against the retrieval hash: one pass instead of two.
    if (options.hashCheckedByCaller) {
      const cached = await this.deps.cache.get(recordingId);
      if (cached) return cached;
    }
    return this.intactMedia(match);
  }

  private async recordingsOf(conversationId: string): Promise<Array<IndexRecording>> {
    const all = await this.deps.index.recordingsOfConversation(conversationId);
    if (all.length > 0 || !(await this.deps.index.hasConversation(conversationId))) return all;
    const { sync } = await this.deps.genesys();
    await sync.syncRecordings([conversationId]);
    return this.deps.index.recordingsOfConversation(conversationId);
  }

  private async record(actor: AuditActor, input: AuditAppendInput): Promise<AuditEvent> {
    const audit = await this.deps.audit();
    return audit.append(input, actor);
  }

  private async requireRecording(recordingId: string): Promise<IndexRecording & { recordingId: string }> {
    const match = await this.deps.index.findRecording(recordingId);
    if (!match || !match.recordingId) {
      throw new AppError('NOT_FOUND', `Recording ${recordingId} is not in the local index; search for it first.`);
    }
    return match as IndexRecording & { recordingId: string };
  }

  /** The cached audio, fetched if absent; a cached file whose hash changed is reported and fetched again. */
  private async intactMedia(match: IndexMatch): Promise<CachedMedia> {
    const recordingId = match.recordingId!;
    const cached = await this.deps.cache.get(recordingId);
    if (cached) {
      if (await this.deps.cache.verify(cached)) return cached;
      this.deps.logger.error('cached recording does not match its recorded SHA-256; fetching it again', {
        recordingId,
        expected: cached.sha256,
      });
      await this.deps.media.remove(recordingId);
    }
    // The index already says Genesys deleted it: go to the archive without asking Genesys again.
    if (match.fileState === 'DELETED') {
      const restored = await this.fromArchive(match);
      if (restored) return restored;
    }
    // The firm's catalog says its archive holds it: the WORM copy, checked against the archived SHA-256, spends none of Genesys's rate budget.
    const firmCopy = await this.firmArchiveCopy(match);
    if (firmCopy) return firmCopy;
    const { fetcher } = await this.deps.genesys();
    try {
      return await fetcher.fetch(match.conversationId, recordingId);
    } catch (error) {
      // Gone from Genesys, or only in Genesys's own archive (hours to restore): the WORM copy answers now.
      if (!(error instanceof AppError) || (error.code !== 'NOT_FOUND' && error.code !== 'ARCHIVED')) throw error;
      if (error.code === 'NOT_FOUND') await (await this.archiveReader())?.noteDeletedInGenesys(recordingId);
      const restored = await this.fromArchive(match);
      if (!restored) throw error;
      return restored;
    }
  }

  /** The copy another workstation archived, when the catalog names one and it can be read now; otherwise Genesys answers. */
  private async firmArchiveCopy(match: IndexMatch): Promise<CachedMedia | null> {
    const reader = await this.archiveReader();
    if (!reader || !(await reader.archivedByTheFirm(match.recordingId!))) return null;
    try {
      return await reader.fetchIntoCache(archiveLookup(match));
    } catch (error) {
      this.deps.logger.warn('the archive copy the catalog names could not be read; asking Genesys', { recordingId: match.recordingId, reason: (error as Error).message });
      return null;
    }
  }

  private async fromArchive(match: IndexMatch): Promise<CachedMedia | null> {
    const reader = await this.archiveReader();
    return reader ? reader.fetchIntoCache(archiveLookup(match)) : null;
  }

  /** For the detail view only: an unreachable archive must not hide the recording. */
  private async archiveCopy(match: IndexMatch): Promise<ArchiveCopy | null> {
    const reader = await this.archiveReader();
    try {
      return reader ? await reader.describe(archiveLookup(match)) : null;
    } catch (error) {
      this.deps.logger.warn('could not look up the archive copy', { recordingId: match.recordingId, reason: (error as Error).message });
      return null;
    }
  }

  /** No archive configured (or its keys missing) means no archive copy, not a failed request. */
  private async archiveReader(): Promise<ArchiveReader | null> {
    if (!this.deps.archive) return null;
    try {
      return await this.deps.archive();
    } catch (error) {
      this.deps.logger.warn('the WORM archive is not available', { reason: (error as Error).message });
      return null;
    }
  }
}

function sourceOf(media: { source: string }): 'genesys' | 'archive' {
  return media.source === 'archive' ? 'archive' : 'genesys';
}

function archiveLookup(match: IndexMatch): ArchiveLookup {
  return { recordingId: match.recordingId!, conversationId: match.conversationId, tradingId: match.tradingId, startMs: match.recordingStartMs ?? match.startMs };
}

export function requireCase(caseReference: string | null | undefined): string {
  if (!caseReference || caseReference.trim().length < 3) {
    throw new AppError('CASE_REFERENCE_REQUIRED', 'A case reference is required before a recording is played or downloaded.');
  }
  return caseReference.trim();
}

/** Copy, hashing as it writes, then place it only if the hash is the recording's: the destination never holds a partial or wrong file. */
async function writeVerifiedCopy(media: CachedMedia, target: string): Promise<void> {
  const temp = `${target}.partial`;
  try {
    await mkdir(join(target, '..'), { recursive: true });
    // The copy is created exclusively: a symlink planted under the temporary name is replaced, never written through.
    await rm(temp, { force: true });
    await placeVerified(await writeHashed(media.content.read(0, media.bytes - 1), temp, { mode: 0o600 }), target, media.sha256);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof StorageError) throw error;
    throw new StorageError(`Could not write ${target}: ${(error as Error).message}`, error);
  }
}

function unlistedConversations(matches: ReadonlyArray<IndexMatch>): Array<string> {
  return [...new Set(matches.filter((m) => m.hasRecording && m.recordingsSyncedMs === null).map((m) => m.conversationId))];
}

/** The engine's query as the index takes it: dates as instants, absent fields left out. */
function toIndexQuery(query: SearchQuery): IndexQuery {
  return {
    ...(query.tradingId !== undefined ? { tradingId: query.tradingId } : {}),
    ...(query.clientAccount !== undefined ? { clientAccount: query.clientAccount } : {}),
    ...(query.agent !== undefined ? { agent: query.agent } : {}),
    ...(query.queue !== undefined ? { queue: query.queue } : {}),
    ...(query.from !== undefined ? { fromMs: Date.parse(query.from) } : {}),
    ...(query.to !== undefined ? { toMs: Date.parse(query.to) } : {}),
    ...(query.text !== undefined ? { text: query.text } : {}),
  };
}

function toRecordingMatch(match: IndexMatch): RecordingMatch {
  const startMs = match.recordingStartMs ?? match.startMs;
  const endMs = match.recordingEndMs ?? match.endMs;
  const fileState = (fileStates as ReadonlyArray<string>).includes(match.fileState ?? '')
    ? (match.fileState as RecordingMatch['fileState'])
    : null;
  return {
    conversationId: match.conversationId,
    recordingId: match.recordingId,
    tradingId: match.tradingId,
    clientAccount: match.clientAccount,
    startTime: new Date(startMs).toISOString(),
    endTime: endMs === null ? null : new Date(endMs).toISOString(),
    durationMs: endMs === null ? null : Math.max(0, endMs - startMs),
    conversationDurationMs: match.endMs === null ? null : Math.max(0, match.endMs - match.startMs),
    queue: match.queueName,
    agent: match.agentName,
    direction: match.direction,
    fileState,
  };
}
