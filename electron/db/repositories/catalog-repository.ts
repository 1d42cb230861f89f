import type { Db } from '../connection';
import { indexWrites, type ParticipantRecord } from './index-repository';

/** One catalog row as the index holds it (the Parquet columns; see services/catalog/catalog-layout.ts). */
export type CatalogIndexRow = {
  conversation_id: string;
  conversation_start_ms: number;
  conversation_end_ms: number | null;
  direction: string | null;
  queue_id: string | null;
  queue_name: string | null;
  agent_id: string | null;
  agent_name: string | null;
  trading_id: string | null;
  client_account: string | null;
  participants_json: string;
  has_recording: boolean;
  recordings_listed: boolean;
  recording_id: string | null;
  recording_start_ms: number | null;
  recording_end_ms: number | null;
  media: string | null;
  file_state: string | null;
  genesys_archive_date: string | null;
  genesys_delete_date: string | null;
  session_id: string | null;
  archive_bucket: string | null;
  archive_media_key: string | null;
  archive_media_version_id: string | null;
  archive_sidecar_key: string | null;
  archive_sidecar_version_id: string | null;
  archive_sha256: string | null;
  archive_bytes: number | null;
  archive_content_type: string | null;
  archive_retain_until_ms: number | null;
  archived_ms: number | null;
  archive_audit_event_id: string | null;
  archive_deleted_ms: number | null;
};

export type AppliedManifest = { seq: number; manifestKey: string; sha256: string; appliedMs: number; parts: number; rows: number };
export type AppliedPart = { partKey: string; day: string; sha256: string; rows: number };

const exportSql = `
  SELECT c.id AS conversation_id, c.start_ms AS conversation_start_ms, c.end_ms AS conversation_end_ms, c.direction,
    c.queue_id, c.queue_name, c.agent_id, c.agent_name, c.trading_id, c.client_account, c.participants_json,
    c.has_recording, c.recordings_synced_ms IS NOT NULL AS recordings_listed,
    r.id AS recording_id, r.start_ms AS recording_start_ms, r.end_ms AS recording_end_ms, r.media, r.file_state,
    r.archive_date AS genesys_archive_date, r.delete_date AS genesys_delete_date, r.session_id,
    a.bucket AS archive_bucket, a.media_key AS archive_media_key, a.media_version_id AS archive_media_version_id,
    a.sidecar_key AS archive_sidecar_key, a.sidecar_version_id AS archive_sidecar_version_id, a.sha256 AS archive_sha256,
    a.bytes AS archive_bytes, a.content_type AS archive_content_type, a.retain_until_ms AS archive_retain_until_ms,
    a.archived_ms, a.audit_event_id AS archive_audit_event_id, a.deleted_ms AS archive_deleted_ms
  FROM conversations c LEFT JOIN recordings r ON r.conversation_id = c.id LEFT JOIN archive_objects a ON a.recording_id = r.id
  ORDER BY c.start_ms, c.id, r.id`;

/** A copy the catalog names never replaces this installation's own archive record. */
const upsertCatalogCopySql = `
  INSERT INTO archive_objects (recording_id, conversation_id, trading_id, recording_start_ms, bucket, media_key,
    media_version_id, sidecar_key, sidecar_version_id, sha256, bytes, content_type, retain_until_ms, multipart,
    archived_ms, audit_event_id, deleted_ms, origin)
  VALUES (@recording_id, @conversation_id, @trading_id, @recording_start_ms, @archive_bucket, @archive_media_key,
    @archive_media_version_id, @archive_sidecar_key, @archive_sidecar_version_id, @archive_sha256, @archive_bytes,
    @archive_content_type, @archive_retain_until_ms, 0, @archived_ms, @archive_audit_event_id, @archive_deleted_ms, 'catalog')
  ON CONFLICT(recording_id) DO UPDATE SET conversation_id = excluded.conversation_id, trading_id = excluded.trading_id,
    recording_start_ms = excluded.recording_start_ms, bucket = excluded.bucket, media_key = excluded.media_key,
    media_version_id = excluded.media_version_id, sidecar_key = excluded.sidecar_key,
    sidecar_version_id = excluded.sidecar_version_id, sha256 = excluded.sha256, bytes = excluded.bytes,
    content_type = excluded.content_type, retain_until_ms = excluded.retain_until_ms, archived_ms = excluded.archived_ms,
    audit_event_id = excluded.audit_event_id, deleted_ms = excluded.deleted_ms
  WHERE archive_objects.origin = 'catalog'`;

/**
 * The shared catalog in the local index: the rows the archiver publishes (read from the index tables), and
 * applying a verified manifest's new parts to the index, all of it or nothing, in one transaction.
 */
export function createCatalogRepository(db: Db) {
  const selectExport = db.prepare(exportSql);
  const writes = indexWrites(db);
  const upsertCatalogCopy = db.prepare(upsertCatalogCopySql);
  const selectLastManifest = db.prepare('SELECT seq, manifest_key, sha256, applied_ms, parts, rows FROM catalog_manifests ORDER BY seq DESC LIMIT 1');
  const insertManifest = db.prepare('INSERT INTO catalog_manifests (seq, manifest_key, sha256, applied_ms, parts, rows) VALUES (?, ?, ?, ?, ?, ?)');
  const selectParts = db.prepare('SELECT part_key, day, sha256, rows FROM catalog_parts ORDER BY day');
  const clearParts = db.prepare('DELETE FROM catalog_parts');
  const insertPart = db.prepare('INSERT INTO catalog_parts (part_key, day, sha256, rows, manifest_seq) VALUES (?, ?, ?, ?, ?)');
  const countRows = db.prepare(`SELECT (SELECT count(*) FROM conversations) AS conversations, (SELECT count(*) FROM recordings) AS recordings,
    (SELECT count(*) FROM archive_objects) AS archived`);

  const applyRows = (rows: ReadonlyArray<CatalogIndexRow>, syncedMs: number) => {
    const byConversation = new Map<string, Array<CatalogIndexRow>>();
    for (const row of rows) {
      const group = byConversation.get(row.conversation_id);
      if (group) group.push(row);
      else byConversation.set(row.conversation_id, [row]);
    }
    for (const [conversationId, group] of byConversation) {
      const first = group[0]!;
      writes.conversation(
        {
          id: conversationId,
          startMs: first.conversation_start_ms,
          endMs: first.conversation_end_ms,
          direction: first.direction,
          queueId: first.queue_id,
          queueName: first.queue_name,
          agentId: first.agent_id,
          agentName: first.agent_name,
          tradingId: first.trading_id,
          clientAccount: first.client_account,
          participants: JSON.parse(first.participants_json) as Array<ParticipantRecord>,
          hasRecording: first.has_recording,
        },
        syncedMs,
      );
      if (!first.recordings_listed) continue;
      // The archiver listed this conversation's recordings: the catalog's list is the whole list.
      const recordings = group.flatMap((row) => (row.recording_id === null ? [] : [row as CatalogIndexRow & { recording_id: string }]));
      writes.recordings(
        conversationId,
        recordings.map((row) => ({
          id: row.recording_id,
          startMs: row.recording_start_ms,
          endMs: row.recording_end_ms,
          media: row.media,
          fileState: row.file_state,
          archiveDate: row.genesys_archive_date,
          deleteDate: row.genesys_delete_date,
          sessionId: row.session_id,
        })),
        syncedMs,
      );
      for (const row of recordings) {
        if (row.archive_media_key !== null) upsertCatalogCopy.run({ ...row, recording_start_ms: row.recording_start_ms ?? row.conversation_start_ms });
      }
    }
  };

  return {
    /** Every row the index would publish, oldest call first. */
    async exportRows(): Promise<Array<CatalogIndexRow>> {
      return (selectExport.all() as Array<Record<string, unknown>>).map((row) => ({
        ...(row as CatalogIndexRow),
        has_recording: row.has_recording === 1,
        recordings_listed: row.recordings_listed === 1,
      }));
    },

    async lastManifest(): Promise<AppliedManifest | null> {
      const row = selectLastManifest.get() as { seq: number; manifest_key: string; sha256: string; applied_ms: number; parts: number; rows: number } | undefined;
      return row ? { seq: row.seq, manifestKey: row.manifest_key, sha256: row.sha256, appliedMs: row.applied_ms, parts: row.parts, rows: row.rows } : null;
    },

    async currentParts(): Promise<Array<AppliedPart>> {
      return (selectParts.all() as Array<{ part_key: string; day: string; sha256: string; rows: number }>).map((r) => ({ partKey: r.part_key, day: r.day, sha256: r.sha256, rows: r.rows }));
    },

    /**
     * Applies a verified manifest: the rows of its new parts into the index, its parts as the current ones,
     * itself as the last applied manifest. One transaction: a failure leaves the previous state whole.
     */
    async applyManifest(input: {
      manifest: Omit<AppliedManifest, 'appliedMs' | 'parts' | 'rows'>;
      parts: ReadonlyArray<AppliedPart>;
      newRows: ReadonlyArray<CatalogIndexRow>;
      appliedMs: number;
    }): Promise<void> {
      db.transaction(() => {
        applyRows(input.newRows, input.appliedMs);
        clearParts.run();
        for (const part of input.parts) insertPart.run(part.partKey, part.day, part.sha256, part.rows, input.manifest.seq);
        const rows = input.parts.reduce((sum, part) => sum + part.rows, 0);
        insertManifest.run(input.manifest.seq, input.manifest.manifestKey, input.manifest.sha256, input.appliedMs, input.parts.length, rows);
      })();
    },

    async counts(): Promise<{ conversations: number; recordings: number; archived: number }> {
      return countRows.get() as { conversations: number; recordings: number; archived: number };
    },
  };
}

export type CatalogRepository = ReturnType<typeof createCatalogRepository>;
