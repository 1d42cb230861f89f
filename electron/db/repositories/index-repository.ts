import type Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../connection';
import { SEARCH_KEY_BITS } from '../migrations/0170-time-ordered-search';
import { prefixPhrases } from './prefix-words';

export type ParticipantRecord = { purpose: string; name: string | null; userId: string | null };

export type ConversationUpsert = {
  id: string;
  startMs: number;
  endMs: number | null;
  direction: string | null;
  queueId: string | null;
  queueName: string | null;
  agentId: string | null;
  agentName: string | null;
  tradingId: string | null;
  clientAccount: string | null;
  participants: ReadonlyArray<ParticipantRecord>;
  hasRecording: boolean;
};

export type RecordingUpsert = {
  id: string;
  startMs: number | null;
  endMs: number | null;
  media: string | null;
  fileState: string | null;
  archiveDate: string | null;
  deleteDate: string | null;
  /** The communication (Genesys session) recorded: what its speech analytics transcript is keyed by. */
  sessionId?: string | null;
};

export type IndexQuery = {
  tradingId?: string;
  clientAccount?: string;
  agent?: string;
  queue?: string;
  fromMs?: number;
  toMs?: number;
  /** Free text over participant, agent and queue names and the business identifiers (FTS5, word prefixes). */
  text?: string;
};

export type IndexMatch = {
  conversationId: string;
  recordingId: string | null;
  tradingId: string | null;
  clientAccount: string | null;
  startMs: number;
  endMs: number | null;
  recordingStartMs: number | null;
  recordingEndMs: number | null;
  queueName: string | null;
  agentName: string | null;
  direction: string | null;
  fileState: string | null;
  recordingsSyncedMs: number | null;
  hasRecording: boolean;
};

/** One recording with everything the index knows of its call: what its details view and packs show. */
export type IndexRecording = IndexMatch & { participants: ReadonlyArray<ParticipantRecord> };

/** One row of a bulk job's source: a conversation and, when listed, one of its recordings. */
export type JobSourceRow = {
  conversationId: string;
  recordingId: string | null;
  tradingId: string | null;
  clientAccount: string | null;
  startMs: number;
  hasRecording: boolean;
  /** The index has listed this conversation's recordings (so a null recording id means it has none). */
  recordingsListed: boolean;
  fileState: string | null;
};

type JobSourceSqlRow = {
  conversation_id: string;
  recording_id: string | null;
  trading_id: string | null;
  client_account: string | null;
  start_ms: number;
  has_recording: number;
  recordings_synced_ms: number | null;
  file_state: string | null;
};

export type CoverageWindow = { fromMs: number; toMs: number; syncedMs: number };

type MatchRow = {
  conversation_id: string;
  recording_id: string | null;
  trading_id: string | null;
  client_account: string | null;
  start_ms: number;
  end_ms: number | null;
  rec_start_ms: number | null;
  rec_end_ms: number | null;
  queue_name: string | null;
  agent_name: string | null;
  direction: string | null;
  file_state: string | null;
  recordings_synced_ms: number | null;
  has_recording: number;
};

type RecordingRow = MatchRow & { participants_json: string };

/** From this many matching calls on, a free-text search walks the calls in time order instead of sorting the matches. */
const DENSE_TEXT_MATCHES = 2_000;

const likePrefix = (value: string) => `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

// A result list never shows participants; reading their JSON for every row is a quarter of a search's time.
export const matchColumns = `c.id AS conversation_id, r.id AS recording_id, c.trading_id, c.client_account, c.start_ms,
    c.end_ms, r.start_ms AS rec_start_ms, r.end_ms AS rec_end_ms, c.queue_name, c.agent_name, c.direction,
    r.file_state, c.recordings_synced_ms, c.has_recording`;

// The same row with the call's recordings read from the call itself (migration 180), as a search by account,
// queue or trading ID lists them: no lookup in the recordings per call.
const listedMatchColumns = `c.id AS conversation_id, r.value ->> 0 AS recording_id, c.trading_id, c.client_account, c.start_ms,
    c.end_ms, r.value ->> 1 AS rec_start_ms, r.value ->> 2 AS rec_end_ms, c.queue_name, c.agent_name, c.direction,
    r.value ->> 3 AS file_state, c.recordings_synced_ms, c.has_recording`;

/** One result row as a match (the row selected with matchColumns). */
export const toMatch = (row: MatchRow): IndexMatch => ({
  conversationId: row.conversation_id,
  recordingId: row.recording_id,
  tradingId: row.trading_id,
  clientAccount: row.client_account,
  startMs: row.start_ms,
  endMs: row.end_ms,
  recordingStartMs: row.rec_start_ms,
  recordingEndMs: row.rec_end_ms,
  queueName: row.queue_name,
  agentName: row.agent_name,
  direction: row.direction,
  fileState: row.file_state,
  recordingsSyncedMs: row.recordings_synced_ms,
  hasRecording: row.has_recording === 1,
});

export type SearchFilter = { where: string; clauses: Array<string>; params: Record<string, unknown> };

/**
 * The search criteria as WHERE clauses over conversations `c` (and `r`), or null when nothing can match. A queue
 * or agent (a name prefix or an exact id) is first resolved to ids, so the search can walk the (id, start_ms) index.
 */
export function searchFilter(db: Db): (query: IndexQuery) => SearchFilter | null {
  const textMatch = textMatchExpression(db);
  const countTextMatches = db.prepare('SELECT count(*) AS n FROM (SELECT rowid FROM conversations_text WHERE conversations_text MATCH ? LIMIT ?)');
  const selectNameIds = db.prepare(
    "SELECT DISTINCT id FROM index_names WHERE kind = ? AND (name LIKE ? ESCAPE '\\' OR id = ?) ORDER BY id",
  );

  return (query: IndexQuery): SearchFilter | null => {
    const where: Array<string> = [];
    const params: Record<string, unknown> = {};
    if (query.tradingId !== undefined) {
      where.push('c.trading_id = @tradingId');
      params.tradingId = query.tradingId;
    }
    if (query.clientAccount !== undefined) {
      where.push('c.client_account = @clientAccount');
      params.clientAccount = query.clientAccount;
    }
    for (const kind of ['agent', 'queue'] as const) {
      const value = query[kind];
      if (value === undefined) continue;
      const ids = (selectNameIds.all(kind, likePrefix(value), value) as Array<{ id: string }>).map((r) => r.id);
      if (ids.length === 0) return null;
      const names = ids.map((id, i) => {
        params[`${kind}${i}`] = id;
        return `@${kind}${i}`;
      });
      where.push(names.length === 1 ? `c.${kind}_id = ${names[0]}` : `c.${kind}_id IN (${names.join(', ')})`);
      // The pair table says which ids ever carried a matching name; this row must carry it now.
      where.push(`(c.${kind}_name LIKE @${kind}Like ESCAPE '\\' OR c.${kind}_id = @${kind}Exact)`);
      params[`${kind}Like`] = likePrefix(value);
      params[`${kind}Exact`] = value;
    }
    if (query.fromMs !== undefined) {
      where.push('c.start_ms >= @fromMs');
      params.fromMs = query.fromMs;
    }
    if (query.toMs !== undefined) {
      where.push('c.start_ms < @toMs');
      params.toMs = query.toMs;
    }
    if (query.text !== undefined) {
      const match = textMatch(query.text);
      if (match === null) return null;
      // Words found in many calls: walk the calls newest first and keep those in the match set
      // (the unary + stops SQLite from sorting every match); rare words: fetch the matches and sort them.
      const dense = (countTextMatches.get(match, DENSE_TEXT_MATCHES) as { n: number }).n >= DENSE_TEXT_MATCHES;
      where.push(`${dense ? '+' : ''}c.text_key IN (SELECT rowid FROM conversations_text WHERE conversations_text MATCH @text)`);
      params.text = match;
    }
    return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', clauses: where, params };
  };
}

const upsertConversationSql = `
    INSERT INTO conversations (id, start_ms, end_ms, direction, queue_id, queue_name, agent_id, agent_name,
      trading_id, client_account, participants_json, has_recording, synced_ms)
    VALUES (@id, @startMs, @endMs, @direction, @queueId, @queueName, @agentId, @agentName,
      @tradingId, @clientAccount, @participantsJson, @hasRecording, @syncedMs)
    ON CONFLICT(id) DO UPDATE SET start_ms = excluded.start_ms, end_ms = excluded.end_ms,
      direction = excluded.direction, queue_id = excluded.queue_id, queue_name = excluded.queue_name,
      agent_id = excluded.agent_id, agent_name = excluded.agent_name, trading_id = excluded.trading_id,
      client_account = excluded.client_account, participants_json = excluded.participants_json,
      has_recording = excluded.has_recording, synced_ms = excluded.synced_ms`;

const upsertRecordingSql = `
    INSERT INTO recordings (id, conversation_id, start_ms, end_ms, media, file_state, archive_date, delete_date, session_id, synced_ms)
    VALUES (@id, @conversationId, @startMs, @endMs, @media, @fileState, @archiveDate, @deleteDate, @sessionId, @syncedMs)
    ON CONFLICT(id) DO UPDATE SET conversation_id = excluded.conversation_id, start_ms = excluded.start_ms,
      end_ms = excluded.end_ms, media = excluded.media, file_state = excluded.file_state,
      archive_date = excluded.archive_date, delete_date = excluded.delete_date, session_id = excluded.session_id,
      synced_ms = excluded.synced_ms`;

/**
 * The index's writes of a conversation and of its recordings, with no transaction of their own (each caller
 * wraps its batch in one): the Genesys sync through the repository below, the shared catalog's sync through its own.
 */
export function indexWrites(db: Db) {
  const upsertConversation = db.prepare(upsertConversationSql);
  const deleteRecordingsOf = db.prepare('DELETE FROM recordings WHERE conversation_id = ?');
  const insertRecording = db.prepare(upsertRecordingSql);
  const markRecordingsSynced = db.prepare('UPDATE conversations SET recordings_synced_ms = ? WHERE id = ?');
  return {
    conversation(row: ConversationUpsert, syncedMs: number): void {
      upsertConversation.run({ ...row, participantsJson: JSON.stringify(row.participants), hasRecording: row.hasRecording ? 1 : 0, syncedMs });
    },
    /** Replaces what the index knows about one conversation's recordings, and marks them listed. */
    recordings(conversationId: string, rows: ReadonlyArray<RecordingUpsert>, syncedMs: number): void {
      deleteRecordingsOf.run(conversationId);
      for (const row of rows) insertRecording.run({ sessionId: null, ...row, conversationId, syncedMs });
      markRecordingsSynced.run(syncedMs, conversationId);
    },
  };
}

/**
 * The local search index. Genesys cannot search by trade ID, so this is the search engine; it also
 * answers when Genesys is unreachable. The API is async so the database can later move to a worker.
 */
export function createIndexRepository(db: Db) {
  const writes = indexWrites(db);
  const selectCoverage = db.prepare('SELECT from_ms, to_ms, synced_ms FROM sync_coverage ORDER BY from_ms');
  const clearCoverage = db.prepare('DELETE FROM sync_coverage');
  const selectMeta = db.prepare('SELECT value FROM index_meta WHERE key = ?');
  const upsertMeta = db.prepare(
    'INSERT INTO index_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const insertCoverage = db.prepare('INSERT INTO sync_coverage (from_ms, to_ms, synced_ms) VALUES (?, ?, ?)');
  const recordingColumns = `${matchColumns}, c.participants_json`;
  const buildFilter = searchFilter(db);
  const selectByConversation = db.prepare(
    `SELECT ${recordingColumns} FROM recordings r JOIN conversations c ON c.id = r.conversation_id WHERE c.id = ? ORDER BY r.start_ms, r.id`,
  );
  const selectConversationExists = db.prepare('SELECT 1 FROM conversations WHERE id = ?');
  const selectByRecording = db.prepare(
    `SELECT ${recordingColumns} FROM recordings r JOIN conversations c ON c.id = r.conversation_id WHERE r.id = ?`,
  );

  const statements = new Map<string, Database.Statement>();
  /** Search SQL varies with the criteria given; each shape is prepared once. */
  const prepared = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  const toRecording = (row: RecordingRow): IndexRecording => ({
    ...toMatch(row),
    participants: JSON.parse(row.participants_json) as Array<ParticipantRecord>,
  });

  /**
   * Free text, alone or with a queue and dates (criteria that keep a good share of the calls): the text
   * index is keyed by start time (migration 170), so FTS5 walks the matches newest first within the dates
   * and stops at the page's end. A trading ID, client account or agent narrows more: those searches walk
   * their own index and test each call against the text instead (buildFilter).
   */
  const textMatch = textMatchExpression(db);
  const searchTextNewestFirst = (text: string, criteria: Omit<IndexQuery, 'text'>, limit: number): Array<IndexMatch> => {
    const match = textMatch(text);
    // The key range is the dates, exactly (a key is its call's start, shifted).
    const { fromMs, toMs, ...rest } = criteria;
    const filter = buildFilter(rest);
    if (match === null || filter === null) return [];
    const keyRange = [
      ...(fromMs !== undefined ? [`f.rowid >= @fromMs << ${SEARCH_KEY_BITS}`] : []),
      ...(toMs !== undefined ? [`f.rowid < @toMs << ${SEARCH_KEY_BITS}`] : []),
    ];
    // The inner query orders by the key alone, which FTS5 walks without sorting (CROSS JOIN keeps it the outer
    // loop: an FTS5 lookup per call of a queue would merge a prefix's doclists each time); a page never needs
    // more calls than rows.
    const sql = `SELECT ${matchColumns} FROM (
        SELECT c.rowid AS call, f.rowid AS text_key FROM conversations_text f CROSS JOIN conversations c ON c.text_key = f.rowid
        WHERE conversations_text MATCH @text ${[...keyRange, ...filter.clauses].map((clause) => `AND ${clause}`).join(' ')}
        ORDER BY f.rowid DESC LIMIT @limit
      ) page JOIN conversations c ON c.rowid = page.call LEFT JOIN recordings r ON r.conversation_id = c.id
      ORDER BY page.text_key DESC, r.id LIMIT @limit`;
    return (prepared(sql).all({ ...filter.params, fromMs, toMs, text: match, limit }) as Array<MatchRow>).map(toMatch);
  };

  return {
    async upsertConversations(rows: ReadonlyArray<ConversationUpsert>, syncedMs: number): Promise<void> {
      db.transaction(() => {
        for (const row of rows) writes.conversation(row, syncedMs);
      })();
    },

    /** Replaces what the index knows about one conversation's recordings. */
    async replaceRecordings(conversationId: string, rows: ReadonlyArray<RecordingUpsert>, syncedMs: number): Promise<void> {
      db.transaction(() => writes.recordings(conversationId, rows, syncedMs))();
    },

    async search(query: IndexQuery, limit: number): Promise<Array<IndexMatch>> {
      const { text, ...criteria } = query;
      if (text !== undefined && criteria.tradingId === undefined && criteria.clientAccount === undefined && criteria.agent === undefined) {
        return searchTextNewestFirst(text, criteria, limit);
      }
      const filter = buildFilter(query);
      if (filter === null) return [];
      const sql = `SELECT ${listedMatchColumns} FROM conversations c LEFT JOIN json_each(c.listed_recordings) r
        ${filter.where} ORDER BY c.start_ms DESC, recording_id LIMIT @limit`;
      return (prepared(sql).all({ ...filter.params, limit }) as Array<MatchRow>).map(toMatch);
    },

    /**
     * Every conversation matching `query`, oldest first, with its recordings as far as the index
     * has listed them (one row per recording; one row with a null recording when none are listed).
     * For building a bulk job: no result limit, only what a job item needs.
     */
    async selectForJob(query: IndexQuery): Promise<Array<JobSourceRow>> {
      const filter = buildFilter(query);
      if (filter === null) return [];
      const sql = `SELECT c.id AS conversation_id, r.id AS recording_id, c.trading_id, c.client_account, c.start_ms,
          c.has_recording, c.recordings_synced_ms, r.file_state
        FROM conversations c LEFT JOIN recordings r ON r.conversation_id = c.id
        ${filter.where} ORDER BY c.start_ms, c.id, r.id`;
      return (prepared(sql).all(filter.params) as Array<JobSourceSqlRow>).map((row) => ({
        conversationId: row.conversation_id,
        recordingId: row.recording_id,
        tradingId: row.trading_id,
        clientAccount: row.client_account,
        startMs: row.start_ms,
        hasRecording: row.has_recording === 1,
        recordingsListed: row.recordings_synced_ms !== null,
        fileState: row.file_state,
      }));
    },

    async findRecording(recordingId: string): Promise<IndexRecording | null> {
      const row = selectByRecording.get(recordingId) as RecordingRow | undefined;
      return row ? toRecording(row) : null;
    },

    async recordingsOfConversation(conversationId: string): Promise<Array<IndexRecording>> {
      return (selectByConversation.all(conversationId) as Array<RecordingRow>).map(toRecording);
    },

    async hasConversation(conversationId: string): Promise<boolean> {
      return selectConversationExists.get(conversationId) !== undefined;
    },

    async coverage(): Promise<Array<CoverageWindow>> {
      return (selectCoverage.all() as Array<{ from_ms: number; to_ms: number; synced_ms: number }>).map((r) => ({
        fromMs: r.from_ms,
        toMs: r.to_ms,
        syncedMs: r.synced_ms,
      }));
    },

    async lastSuccessfulSync(): Promise<number | null> {
      const row = selectMeta.get('last_sync_ms') as { value: string } | undefined;
      return row ? Number(row.value) : null;
    },

    async recordSuccessfulSync(atMs: number): Promise<void> {
      upsertMeta.run('last_sync_ms', String(atMs));
    },

    /** Records that [fromMs, toMs) has been read, merging overlapping and touching windows. */
    async addCoverage(fromMs: number, toMs: number, syncedMs: number): Promise<void> {
      db.transaction(() => {
        const windows = (selectCoverage.all() as Array<{ from_ms: number; to_ms: number; synced_ms: number }>).map((r) => ({
          fromMs: r.from_ms,
          toMs: r.to_ms,
          syncedMs: r.synced_ms,
        }));
        const merged = mergeWindows([...windows, { fromMs, toMs, syncedMs }]);
        clearCoverage.run();
        for (const w of merged) insertCoverage.run(w.fromMs, w.toMs, w.syncedMs);
      })();
    },
  };
}

export type IndexRepository = ReturnType<typeof createIndexRepository>;

/**
 * The officer's words as an FTS5 query: each whitespace-separated word becomes a phrase of its
 * tokens matched as a prefix ("T-2026" finds T-20260114-0042), all words required. Operators and
 * quotes typed by the user are never interpreted. Null when no searchable token remains.
 */
export function ftsMatchExpression(text: string): string | null {
  const phrases = typedWords(text).map((tokens) => `"${tokens.join(' ')}"*`);
  return phrases.length > 0 ? phrases.join(' ') : null;
}

/** ftsMatchExpression as the index runs it: each word's prefix as the exact words of the calls (prefix-words.ts). */
function textMatchExpression(db: Db): (text: string) => string | null {
  const wordPhrases = prefixPhrases(db, 'text_terms');
  return (text) => {
    const words = typedWords(text);
    return words.length > 0 ? words.map(wordPhrases).join(' AND ') : null;
  };
}

/** Each whitespace-separated word as its tokens (letters and digits), words without any dropped. */
function typedWords(text: string): Array<Array<string>> {
  return text
    .split(/\s+/)
    .map((word) => word.match(/[\p{L}\p{N}]+/gu))
    .filter((tokens): tokens is RegExpMatchArray => tokens !== null)
    .map((tokens) => [...tokens]);
}

/** Union of windows; a merged window keeps the oldest sync time of its parts (the conservative freshness). */
export function mergeWindows(windows: ReadonlyArray<CoverageWindow>): Array<CoverageWindow> {
  const sorted = [...windows].sort((a, b) => a.fromMs - b.fromMs);
  const out: Array<CoverageWindow> = [];
  for (const w of sorted) {
    const last = out.at(-1);
    if (last && w.fromMs <= last.toMs) {
      last.toMs = Math.max(last.toMs, w.toMs);
      last.syncedMs = Math.min(last.syncedMs, w.syncedMs);
    } else {
      out.push({ ...w });
    }
  }
  return out;
}

/** The parts of [fromMs, toMs) not yet covered. */
export function uncovered(fromMs: number, toMs: number, windows: ReadonlyArray<CoverageWindow>): Array<[number, number]> {
  const gaps: Array<[number, number]> = [];
  let cursor = fromMs;
  for (const w of mergeWindows(windows)) {
    if (w.toMs <= cursor) continue;
    if (w.fromMs >= toMs) break;
    if (w.fromMs > cursor) gaps.push([cursor, Math.min(w.fromMs, toMs)]);
    cursor = Math.max(cursor, w.toMs);
    if (cursor >= toMs) break;
  }
  if (cursor < toMs) gaps.push([cursor, toMs]);
  return gaps;
}

/** How much of an asked window the index has read: the covered fraction and the spans still missing. */
export type WindowCompleteness = { fromMs: number; toMs: number; coveredFraction: number; missing: Array<[number, number]> };

/**
 * Completeness of [fromMs, toMs) as of `nowMs`: the future holds no calls, so the window is cut at
 * now; an empty window (all in the future) is complete.
 */
export function completeness(fromMs: number, toMs: number, windows: ReadonlyArray<CoverageWindow>, nowMs: number): WindowCompleteness {
  const end = Math.min(toMs, nowMs);
  if (end <= fromMs) return { fromMs, toMs: end, coveredFraction: 1, missing: [] };
  const missing = uncovered(fromMs, end, windows);
  const missingMs = missing.reduce((sum, [from, to]) => sum + (to - from), 0);
  return { fromMs, toMs: end, coveredFraction: 1 - missingMs / (end - fromMs), missing };
}
