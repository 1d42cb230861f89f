import type { Logger } from '../../../shared/logger';
import { AppError, InvalidResponseError } from '../errors';
import { uncovered, type ConversationUpsert, type IndexRepository, type RecordingUpsert } from '../../db/repositories/index-repository';
import type { GenesysClient } from '../genesys/genesys-client';
import type { AnalyticsConversation, RecordingMetadata } from '../genesys/models';
import type { Clock } from '../ports';

const DAY_MS = 86_400_000;
/** Genesys caps a details query at 7 days and 10,000 rows; the attribute search at 24 h per request. */
const DETAILS_CHUNK_MS = 7 * DAY_MS;
const DETAILS_PAGE_SIZE = 100;
const DETAILS_ROW_CAP = 10_000;
const ATTRIBUTE_CHUNK_MS = DAY_MS;
/** The participant-attribute search only reaches back about 30 days. */
const ATTRIBUTE_RETENTION_MS = 30 * DAY_MS;
/**
 * Older windows are read through analytics details jobs, newest month first, one job at a time. A
 * month that held no calls doubles the next job's span (up to a year), so that decades before the
 * org's first call cost a handful of jobs, not hundreds; a busy one halves it (down to a week).
 */
const DETAILS_JOB_CHUNK_MS = 31 * DAY_MS;
const DETAILS_JOB_MAX_CHUNK_MS = 372 * DAY_MS;
const DETAILS_JOB_MIN_CHUNK_MS = 7 * DAY_MS;
const DETAILS_JOB_BUSY_ROWS = 100_000;
const DETAILS_JOB_TIMEOUT_MS = 10 * 60_000;

export type IndexSyncDeps = {
  genesys: GenesysClient;
  index: IndexRepository;
  clock: Clock;
  logger: Logger;
  /** Where the org's users (id, name, email) are kept, so that a blotter naming a trader by email finds the agent. */
  users?: { upsertUsers(users: ReadonlyArray<{ id: string; name: string | null; email: string | null }>, syncedMs: number): Promise<void> };
  /** Calls this recent may still change (in progress, not yet indexed by Genesys): never marked covered. */
  settleMs?: number;
};

export type SyncReport = { windows: number; conversations: number };
/** One piece of a sync landed in the index: its span, and how far the whole sync has got. */
export type SyncLanded = { fromMs: number; toMs: number; conversations: number; landedMs: number; totalMs: number };

/** The span of the next (older) details job after one that read `rows` conversations over `chunkMs`. */
export function nextJobChunkMs(chunkMs: number, rows: number): number {
  if (rows === 0) return Math.min(chunkMs * 2, DETAILS_JOB_MAX_CHUNK_MS);
  if (rows > DETAILS_JOB_BUSY_ROWS) return Math.max(Math.floor(chunkMs / 2), DETAILS_JOB_MIN_CHUNK_MS);
  return chunkMs;
}

type Names = { queues: Map<string, string>; users: Map<string, string> };

/**
 * Fills the local index from Genesys for a time window, reading only what is not covered yet.
 * For the last 30 days, conversation structure (queue, agent, direction) comes from the analytics
 * details query and the business identifiers (trading_id, client_account) from the
 * participant-attribute search, because the details query does not return participant attributes.
 * Older windows, which the attribute search no longer reaches, are read through analytics details
 * jobs, whose results carry both.
 */
export class IndexSync {
  private names: Names | null = null;
  private readonly settleMs: number;

  constructor(private readonly deps: IndexSyncDeps) {
    this.settleMs = deps.settleMs ?? 15 * 60_000;
  }

  /**
   * Reads the uncovered parts of [fromMs, toMs) newest first, landing each piece in the index (and
   * its coverage) as it is read, so that searches see history arrive and `onProgress` can say so.
   * Only the past is read: a window reaching into the future ends at now.
   */
  async sync(fromMs: number, toMs: number, signal?: AbortSignal, onProgress?: (landed: SyncLanded) => void): Promise<SyncReport> {
    const now = this.deps.clock.now();
    const end = Math.min(toMs, now);
    const gaps = end > fromMs ? uncovered(fromMs, end, await this.deps.index.coverage()).reverse() : [];
    const totalMs = gaps.reduce((sum, [from, to]) => sum + (to - from), 0);
    let landedMs = 0;
    let conversations = 0;
    const land = async (pieceFrom: number, pieceTo: number, rows: Array<ConversationUpsert>) => {
      await this.deps.index.upsertConversations(rows, now);
      const settledTo = Math.min(pieceTo, now - this.settleMs);
      if (settledTo > pieceFrom) await this.deps.index.addCoverage(pieceFrom, settledTo, now);
      landedMs += pieceTo - pieceFrom;
      conversations += rows.length;
      onProgress?.({ fromMs: pieceFrom, toMs: pieceTo, conversations: rows.length, landedMs, totalMs });
      return rows.length;
    };
    for (const [gapFrom, gapTo] of gaps) {
      const names = await this.loadNames(signal);
      const recentFrom = Math.max(gapFrom, now - ATTRIBUTE_RETENTION_MS);
      if (recentFrom < gapTo) await land(recentFrom, gapTo, await this.readRecent(recentFrom, gapTo, names, now, signal));
      let chunkMs = DETAILS_JOB_CHUNK_MS;
      for (let chunkTo = Math.min(gapTo, recentFrom); chunkTo > gapFrom; ) {
        const chunkFrom = Math.max(gapFrom, chunkTo - chunkMs);
        const read = await land(chunkFrom, chunkTo, await this.readThroughDetailsJob(chunkFrom, chunkTo, names, signal));
        chunkMs = nextJobChunkMs(chunkMs, read);
        chunkTo = chunkFrom;
      }
    }
    await this.deps.index.recordSuccessfulSync(now);
    this.deps.logger.info('index synced', { fromMs, toMs: end, windows: gaps.length, conversations });
    return { windows: gaps.length, conversations };
  }

  /** Indexes one conversation by id (for a fetch by conversation id that no sync has seen yet). */
  async syncConversation(conversationId: string, signal?: AbortSignal): Promise<void> {
    const names = await this.loadNames(signal);
    const conversation = await this.deps.genesys.conversation(conversationId, signal);
    const agent = conversation.participants.find((p) => p.purpose === 'agent' && p.userId);
    const queueId = conversation.participants.find((p) => p.queueId)?.queueId ?? null;
    const attributes = Object.assign({}, ...conversation.participants.map((p) => p.attributes ?? {})) as Record<string, string>;
    const endMs = conversation.endTime ? Date.parse(conversation.endTime) : null;
    await this.deps.index.upsertConversations(
      [
        {
          id: conversation.id,
          startMs: Date.parse(conversation.startTime),
          endMs: endMs !== null && Number.isFinite(endMs) ? endMs : null,
          direction: conversation.participants.find((p) => p.direction)?.direction ?? null,
          queueId,
          queueName: queueId ? (names.queues.get(queueId) ?? null) : null,
          agentId: agent?.userId ?? null,
          agentName: agent ? (names.users.get(agent.userId ?? '') ?? agent.name ?? null) : null,
          tradingId: nonEmpty(attributes.trading_id),
          clientAccount: nonEmpty(attributes.client_account),
          participants: conversation.participants.map((p) => ({
            purpose: p.purpose ?? 'unknown',
            name: p.userId ? (names.users.get(p.userId) ?? p.name ?? null) : (p.name ?? null),
            userId: p.userId ?? null,
          })),
          hasRecording: true,
        },
      ],
      this.deps.clock.now(),
    );
    await this.syncRecordings([conversationId], signal);
  }

  /**
   * Fetches recording metadata for conversations whose recordings the index has not listed yet. An
   * answer refused as malformed (a recording ID that is not an ID) skips that conversation only; the
   * first such refusal is thrown once the others are listed.
   */
  async syncRecordings(conversationIds: ReadonlyArray<string>, signal?: AbortSignal): Promise<void> {
    let refused: InvalidResponseError | null = null;
    for (const conversationId of conversationIds) {
      let metadata;
      try {
        metadata = await this.deps.genesys.recordingMetadata(conversationId, signal);
      } catch (error) {
        if (!(error instanceof InvalidResponseError)) throw error;
        this.deps.logger.warn('recording metadata refused', { conversationId, reason: error.message });
        refused ??= error;
        continue;
      }
      await this.deps.index.replaceRecordings(conversationId, metadata.map(toRecordingUpsert), this.deps.clock.now());
    }
    if (refused) throw refused;
  }

  /** The last 30 days: structure from the details query, business identifiers from the attribute search. */
  private async readRecent(fromMs: number, toMs: number, names: Names, now: number, signal?: AbortSignal) {
    const rows: Array<ConversationUpsert> = [];
    const attributes = await this.readAttributes(fromMs, toMs, now, signal);
    for (let start = fromMs; start < toMs; start += DETAILS_CHUNK_MS) {
      const chunkEnd = Math.min(start + DETAILS_CHUNK_MS, toMs);
      for (const conversation of await this.readDetails(start, chunkEnd, signal)) {
        // The details interval matches whole days; keep only what starts inside the window.
        const startMs = Date.parse(conversation.conversationStart);
        if (startMs < fromMs || startMs >= toMs) continue;
        rows.push(toConversationUpsert(conversation, names, attributes.get(conversation.conversationId)));
      }
    }
    return rows;
  }

  /** Conversations that started in [fromMs, toMs), with their attributes, from one details job. */
  private async readThroughDetailsJob(fromMs: number, toMs: number, names: Names, signal?: AbortSignal): Promise<Array<ConversationUpsert>> {
    const rows: Array<ConversationUpsert> = [];
    const jobId = await this.deps.genesys.submitDetailsJob(`${new Date(fromMs).toISOString()}/${new Date(toMs).toISOString()}`, signal);
    await this.awaitDetailsJob(jobId, signal);
    let cursor: string | undefined;
    do {
      const page = await this.deps.genesys.detailsJobResults(jobId, cursor, signal);
      for (const conversation of page.conversations ?? []) {
        // Jobs return conversations with any activity in the interval; keep those that started in it.
        const startMs = Date.parse(conversation.conversationStart);
        if (startMs < fromMs || startMs >= toMs) continue;
        const attributes = Object.assign({}, ...(conversation.participants ?? []).map((p) => p.attributes ?? {})) as Record<string, string>;
        rows.push(toConversationUpsert(conversation, names, attributes));
      }
      cursor = (page.conversations?.length ?? 0) > 0 ? page.cursor : undefined;
    } while (cursor);
    this.deps.logger.info('older window read through a details job', { fromMs, toMs, conversations: rows.length });
    return rows;
  }

  private async awaitDetailsJob(jobId: string, signal?: AbortSignal): Promise<void> {
    const endpoint = 'GET /api/v2/analytics/conversations/details/jobs/{jobId}';
    const deadline = this.deps.clock.now() + DETAILS_JOB_TIMEOUT_MS;
    for (let poll = 0; ; poll += 1) {
      const status = await this.deps.genesys.detailsJobStatus(jobId, signal);
      if (status.state === 'FULFILLED') return;
      if (status.state === 'FAILED' || status.state === 'CANCELLED' || status.state === 'EXPIRED') {
        throw new InvalidResponseError(endpoint, `the details job ended ${status.state}${status.errorMessage ? `: ${status.errorMessage}` : ''}`);
      }
      if (this.deps.clock.now() >= deadline) {
        throw new AppError('UPSTREAM_UNAVAILABLE', `Genesys did not finish the conversation details job within ${DETAILS_JOB_TIMEOUT_MS / 60_000} minutes.`, {
          retryable: true,
          details: { endpoint },
        });
      }
      await this.deps.clock.sleep(Math.min(5_000, 250 * 2 ** Math.min(poll, 5)), signal);
    }
  }

  private async readDetails(fromMs: number, toMs: number, signal?: AbortSignal): Promise<Array<AnalyticsConversation>> {
    const interval = `${new Date(fromMs).toISOString()}/${new Date(toMs).toISOString()}`;
    const out: Array<AnalyticsConversation> = [];
    for (let pageNumber = 1; ; pageNumber += 1) {
      const page = await this.deps.genesys.detailsQuery({ interval, pageSize: DETAILS_PAGE_SIZE, pageNumber }, signal);
      const conversations = page.conversations ?? [];
      if (pageNumber === 1 && (page.totalHits ?? 0) > DETAILS_ROW_CAP && toMs - fromMs > 60_000) {
        // Above the cap Genesys silently truncates: split the interval instead of losing calls.
        const middle = fromMs + Math.floor((toMs - fromMs) / 2);
        return [...(await this.readDetails(fromMs, middle, signal)), ...(await this.readDetails(middle, toMs, signal))];
      }
      out.push(...conversations);
      const total = page.totalHits ?? 0;
      if (conversations.length < DETAILS_PAGE_SIZE || pageNumber * DETAILS_PAGE_SIZE >= total) return out;
    }
  }

  private async readAttributes(fromMs: number, toMs: number, now: number, signal?: AbortSignal) {
    const byConversation = new Map<string, Record<string, string>>();
    const earliest = Math.max(fromMs, now - ATTRIBUTE_RETENTION_MS);
    if (earliest > fromMs) {
      this.deps.logger.warn('part of the window is older than the attribute search reaches', { fromMs, earliest });
    }
    for (let start = earliest; start < toMs; start += ATTRIBUTE_CHUNK_MS) {
      const window = { start: new Date(start).toISOString(), end: new Date(Math.min(start + ATTRIBUTE_CHUNK_MS, toMs)).toISOString() };
      let cursor: string | undefined;
      do {
        const page = await this.deps.genesys.attributeSearch(window, cursor, signal);
        for (const row of page.results) {
          const merged = byConversation.get(row.conversationId) ?? {};
          for (const participant of row.participantData ?? []) Object.assign(merged, participant.participantAttributes ?? {});
          byConversation.set(row.conversationId, merged);
        }
        cursor = page.results.length > 0 ? page.cursor : undefined;
      } while (cursor);
    }
    return byConversation;
  }

  private async loadNames(signal?: AbortSignal): Promise<Names> {
    if (this.names) return this.names;
    const queues = new Map<string, string>();
    const users = new Map<string, string>();
    for (let page = 1; ; page += 1) {
      const listing = await this.deps.genesys.queues(page, signal);
      for (const q of listing.entities ?? []) queues.set(q.id, q.name);
      if (!listing.pageCount || page >= listing.pageCount) break;
    }
    const directory: Array<{ id: string; name: string | null; email: string | null }> = [];
    for (let page = 1; ; page += 1) {
      const listing = await this.deps.genesys.usersPage(page, signal);
      for (const u of listing.entities ?? []) {
        users.set(u.id, u.name);
        directory.push({ id: u.id, name: u.name, email: u.email ?? null });
      }
      if (!listing.pageCount || page >= listing.pageCount) break;
    }
    await this.deps.users?.upsertUsers(directory, this.deps.clock.now());
    this.names = { queues, users };
    return this.names;
  }
}

function toConversationUpsert(
  conversation: AnalyticsConversation,
  names: Names,
  attributes: Record<string, string> | undefined,
): ConversationUpsert {
  const participants = conversation.participants ?? [];
  const agent = participants.find((p) => p.purpose === 'agent' && p.userId);
  const queueId =
    participants.flatMap((p) => p.sessions ?? []).flatMap((s) => s.segments ?? []).find((seg) => seg.queueId)?.queueId ?? null;
  const hasRecording = participants.some((p) => (p.sessions ?? []).some((s) => s.recording === true));
  const endMs = conversation.conversationEnd ? Date.parse(conversation.conversationEnd) : null;
  return {
    id: conversation.conversationId,
    startMs: Date.parse(conversation.conversationStart),
    endMs: endMs !== null && Number.isFinite(endMs) ? endMs : null,
    direction: conversation.originatingDirection ?? null,
    queueId,
    queueName: queueId ? (names.queues.get(queueId) ?? null) : null,
    agentId: agent?.userId ?? null,
    agentName: agent ? (names.users.get(agent.userId ?? '') ?? agent.participantName ?? null) : null,
    tradingId: nonEmpty(attributes?.trading_id),
    clientAccount: nonEmpty(attributes?.client_account),
    participants: participants.map((p) => ({
      purpose: p.purpose ?? 'unknown',
      name: p.userId ? (names.users.get(p.userId) ?? p.participantName ?? null) : (p.participantName ?? null),
      userId: p.userId ?? null,
    })),
    hasRecording,
  };
}

function toRecordingUpsert(metadata: RecordingMetadata): RecordingUpsert {
  const parse = (v: string | undefined) => (v && Number.isFinite(Date.parse(v)) ? Date.parse(v) : null);
  return {
    id: metadata.id,
    startMs: parse(metadata.startTime),
    endMs: parse(metadata.endTime),
    media: metadata.media ?? null,
    fileState: metadata.fileState ?? null,
    archiveDate: metadata.archiveDate ?? null,
    deleteDate: metadata.deleteDate ?? null,
    sessionId: metadata.sessionId ?? null,
  };
}

const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : null);
