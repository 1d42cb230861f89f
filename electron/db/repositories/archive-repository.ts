import type { Db } from '../connection';
import type { ParticipantRecord } from './index-repository';

/** One recording's locked copy in the archive bucket, as this installation recorded it. */
export type ArchivedObject = {
  recordingId: string;
  conversationId: string;
  tradingId: string | null;
  recordingStartMs: number;
  bucket: string;
  mediaKey: string;
  mediaVersionId: string;
  sidecarKey: string;
  sidecarVersionId: string;
  sha256: string;
  bytes: number;
  contentType: string;
  retainUntilMs: number;
  multipart: boolean;
  archivedMs: number;
  auditEventId: string;
  deletedMs: number | null;
  /** 'catalog': the firm's archiver archived it and the shared catalog said so (not this installation). */
  origin?: 'archive-run' | 'catalog';
};

/** A recording the index knows and the archive does not hold yet, with what the sidecar needs. */
export type ArchiveCandidate = {
  recordingId: string;
  conversationId: string;
  recordingStartMs: number | null;
  recordingEndMs: number | null;
  fileState: string | null;
  genesysArchiveDate: string | null;
  genesysDeleteDate: string | null;
  conversationStartMs: number;
  conversationEndMs: number | null;
  direction: string | null;
  queueName: string | null;
  agentName: string | null;
  tradingId: string | null;
  clientAccount: string | null;
  participants: ReadonlyArray<ParticipantRecord>;
  /** Why an earlier run could not archive it, when it is being retried. */
  pendingReason: string | null;
};

type ObjectRow = {
  recording_id: string;
  conversation_id: string;
  trading_id: string | null;
  recording_start_ms: number;
  bucket: string;
  media_key: string;
  media_version_id: string;
  sidecar_key: string;
  sidecar_version_id: string;
  sha256: string;
  bytes: number;
  content_type: string;
  retain_until_ms: number;
  multipart: number;
  archived_ms: number;
  audit_event_id: string;
  deleted_ms: number | null;
  origin: 'archive-run' | 'catalog';
};

type CandidateRow = {
  recording_id: string;
  conversation_id: string;
  rec_start_ms: number | null;
  rec_end_ms: number | null;
  file_state: string | null;
  archive_date: string | null;
  delete_date: string | null;
  start_ms: number;
  end_ms: number | null;
  direction: string | null;
  queue_name: string | null;
  agent_name: string | null;
  trading_id: string | null;
  client_account: string | null;
  participants_json: string;
  pending_reason: string | null;
};

const toObject = (row: ObjectRow): ArchivedObject => ({
  recordingId: row.recording_id,
  conversationId: row.conversation_id,
  tradingId: row.trading_id,
  recordingStartMs: row.recording_start_ms,
  bucket: row.bucket,
  mediaKey: row.media_key,
  mediaVersionId: row.media_version_id,
  sidecarKey: row.sidecar_key,
  sidecarVersionId: row.sidecar_version_id,
  sha256: row.sha256,
  bytes: row.bytes,
  contentType: row.content_type,
  retainUntilMs: row.retain_until_ms,
  multipart: row.multipart === 1,
  archivedMs: row.archived_ms,
  auditEventId: row.audit_event_id,
  deletedMs: row.deleted_ms,
  origin: row.origin,
});

/** What is archived, what still has to be, and the runs that did it. Reads the index tables for candidates. */
export function createArchiveRepository(db: Db) {
  const selectObject = db.prepare('SELECT * FROM archive_objects WHERE recording_id = ?');
  const upsertObject = db.prepare(`
    INSERT INTO archive_objects (recording_id, conversation_id, trading_id, recording_start_ms, bucket, media_key,
      media_version_id, sidecar_key, sidecar_version_id, sha256, bytes, content_type, retain_until_ms, multipart,
      archived_ms, audit_event_id, deleted_ms)
    VALUES (@recordingId, @conversationId, @tradingId, @recordingStartMs, @bucket, @mediaKey, @mediaVersionId,
      @sidecarKey, @sidecarVersionId, @sha256, @bytes, @contentType, @retainUntilMs, @multipart, @archivedMs,
      @auditEventId, @deletedMs)
    ON CONFLICT(recording_id) DO UPDATE SET conversation_id = excluded.conversation_id, trading_id = excluded.trading_id,
      recording_start_ms = excluded.recording_start_ms, bucket = excluded.bucket, media_key = excluded.media_key,
      media_version_id = excluded.media_version_id, sidecar_key = excluded.sidecar_key,
      sidecar_version_id = excluded.sidecar_version_id, sha256 = excluded.sha256, bytes = excluded.bytes,
      content_type = excluded.content_type, retain_until_ms = excluded.retain_until_ms, multipart = excluded.multipart,
      archived_ms = excluded.archived_ms, audit_event_id = excluded.audit_event_id, deleted_ms = excluded.deleted_ms`);
  const markDeleted = db.prepare('UPDATE archive_objects SET deleted_ms = ? WHERE recording_id = ?');
  const updateRetention = db.prepare('UPDATE archive_objects SET retain_until_ms = ? WHERE recording_id = ?');
  const selectByTrade = db.prepare(`
    SELECT a.* FROM archive_objects a LEFT JOIN conversations c ON c.id = a.conversation_id
    WHERE a.deleted_ms IS NULL AND (a.trading_id = @tradingId OR c.trading_id = @tradingId)
    ORDER BY a.recording_start_ms, a.recording_id`);
  const selectByKey = db.prepare('SELECT * FROM archive_objects WHERE bucket = ? AND (media_key = ? OR sidecar_key = ?)');
  const tradesOfConversation = db.prepare('SELECT trading_id FROM conversations WHERE id = ? AND trading_id IS NOT NULL');
  const unlistedConversations = db.prepare(`
    SELECT id FROM conversations WHERE start_ms >= ? AND start_ms < ? AND has_recording = 1 AND recordings_synced_ms IS NULL
    ORDER BY start_ms`);
  const selectCandidates = db.prepare(`
    SELECT r.id AS recording_id, r.conversation_id, r.start_ms AS rec_start_ms, r.end_ms AS rec_end_ms, r.file_state,
      r.archive_date, r.delete_date, c.start_ms, c.end_ms, c.direction, c.queue_name, c.agent_name, c.trading_id,
      c.client_account, c.participants_json, p.reason AS pending_reason
    FROM recordings r JOIN conversations c ON c.id = r.conversation_id
    LEFT JOIN archive_pending p ON p.recording_id = r.id
    WHERE ((c.start_ms >= @sinceMs AND c.start_ms < @untilMs) OR p.recording_id IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM archive_objects a WHERE a.recording_id = r.id)
      AND (r.media IS NULL OR r.media = 'audio')
    ORDER BY c.start_ms, r.id`);
  const upsertPending = db.prepare(`
    INSERT INTO archive_pending (recording_id, conversation_id, reason, attempts, last_attempt_ms) VALUES (?, ?, ?, 1, ?)
    ON CONFLICT(recording_id) DO UPDATE SET reason = excluded.reason, attempts = attempts + 1,
      last_attempt_ms = excluded.last_attempt_ms`);
  const deletePending = db.prepare('DELETE FROM archive_pending WHERE recording_id = ?');
  const insertRun = db.prepare(
    "INSERT INTO archive_runs (id, started_ms, since_ms, until_ms, state) VALUES (?, ?, ?, ?, 'running')",
  );
  const finishRun = db.prepare('UPDATE archive_runs SET finished_ms = ?, state = ?, summary_json = ? WHERE id = ?');
  const markGenesysDeleted = db.prepare("UPDATE recordings SET file_state = 'DELETED' WHERE id = ?");
  const lastFinishedRun = db.prepare(
    "SELECT until_ms FROM archive_runs WHERE state IN ('done', 'done-with-failures') ORDER BY until_ms DESC LIMIT 1",
  );

  return {
    async get(recordingId: string): Promise<ArchivedObject | null> {
      const row = selectObject.get(recordingId) as ObjectRow | undefined;
      return row ? toObject(row) : null;
    },
    async put(object: ArchivedObject): Promise<void> {
      db.transaction(() => {
        upsertObject.run({ ...object, multipart: object.multipart ? 1 : 0 });
        deletePending.run(object.recordingId);
      })();
    },
    async markDeleted(recordingId: string, atMs: number): Promise<void> {
      markDeleted.run(atMs, recordingId);
    },
    async updateRetention(recordingId: string, retainUntilMs: number): Promise<void> {
      updateRetention.run(retainUntilMs, recordingId);
    },
    /** Archived recordings of a trade: under its prefix, or of a conversation the index now tags with it. */
    async byTradingId(tradingId: string): Promise<Array<ArchivedObject>> {
      return (selectByTrade.all({ tradingId }) as Array<ObjectRow>).map(toObject);
    },
    async byKey(bucket: string, key: string): Promise<ArchivedObject | null> {
      const row = selectByKey.get(bucket, key, key) as ObjectRow | undefined;
      return row ? toObject(row) : null;
    },
    /** The trading id the index currently gives a conversation (it may have been tagged after archiving). */
    async currentTradingId(conversationId: string): Promise<string | null> {
      return (tradesOfConversation.get(conversationId) as { trading_id: string } | undefined)?.trading_id ?? null;
    },
    async conversationsWithUnlistedRecordings(sinceMs: number, untilMs: number): Promise<Array<string>> {
      return (unlistedConversations.all(sinceMs, untilMs) as Array<{ id: string }>).map((r) => r.id);
    },
    async candidates(sinceMs: number, untilMs: number): Promise<Array<ArchiveCandidate>> {
      return (selectCandidates.all({ sinceMs, untilMs }) as Array<CandidateRow>).map((row) => ({
        recordingId: row.recording_id,
        conversationId: row.conversation_id,
        recordingStartMs: row.rec_start_ms,
        recordingEndMs: row.rec_end_ms,
        fileState: row.file_state,
        genesysArchiveDate: row.archive_date,
        genesysDeleteDate: row.delete_date,
        conversationStartMs: row.start_ms,
        conversationEndMs: row.end_ms,
        direction: row.direction,
        queueName: row.queue_name,
        agentName: row.agent_name,
        tradingId: row.trading_id,
        clientAccount: row.client_account,
        participants: JSON.parse(row.participants_json) as Array<ParticipantRecord>,
        pendingReason: row.pending_reason,
      }));
    },
    async markPending(recordingId: string, conversationId: string, reason: string, atMs: number): Promise<void> {
      upsertPending.run(recordingId, conversationId, reason, atMs);
    },
    async clearPending(recordingId: string): Promise<void> {
      deletePending.run(recordingId);
    },
    async startRun(id: string, startedMs: number, sinceMs: number, untilMs: number): Promise<void> {
      insertRun.run(id, startedMs, sinceMs, untilMs);
    },
    async finishRun(id: string, finishedMs: number, state: 'done' | 'done-with-failures' | 'failed', summary: unknown): Promise<void> {
      finishRun.run(finishedMs, state, JSON.stringify(summary), id);
    },
    /** Genesys answered that it no longer has the recording: the index says so from now on. */
    async markDeletedInGenesys(recordingId: string): Promise<void> {
      markGenesysDeleted.run(recordingId);
    },
    /** Where the last completed run stopped: the next nightly run starts a little before it. */
    async lastArchivedUntil(): Promise<number | null> {
      return (lastFinishedRun.get() as { until_ms: number } | undefined)?.until_ms ?? null;
    },
  };
}

export type ArchiveRepository = ReturnType<typeof createArchiveRepository>;
