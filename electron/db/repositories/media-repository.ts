import type { Db } from '../connection';

export type MediaRecord = {
  recordingId: string;
  fileName: string;
  sha256: string;
  bytes: number;
  contentType: string;
  source: string;
  fetchedMs: number;
};

/** Which recordings sit in the on-disk media cache, with their hashes (their peaks lie beside the files, see MediaCache). */
export function createMediaRepository(db: Db) {
  const select = db.prepare('SELECT * FROM media_cache WHERE recording_id = ?');
  const upsert = db.prepare(`
    INSERT INTO media_cache (recording_id, file_name, sha256, bytes, content_type, source, fetched_ms)
    VALUES (@recordingId, @fileName, @sha256, @bytes, @contentType, @source, @fetchedMs)
    ON CONFLICT(recording_id) DO UPDATE SET file_name = excluded.file_name, sha256 = excluded.sha256,
      bytes = excluded.bytes, content_type = excluded.content_type, source = excluded.source, fetched_ms = excluded.fetched_ms`);
  const remove = db.prepare('DELETE FROM media_cache WHERE recording_id = ?');

  return {
    async get(recordingId: string): Promise<MediaRecord | null> {
      const row = select.get(recordingId) as
        | { recording_id: string; file_name: string; sha256: string; bytes: number; content_type: string; source: string; fetched_ms: number }
        | undefined;
      return row
        ? {
            recordingId: row.recording_id,
            fileName: row.file_name,
            sha256: row.sha256,
            bytes: row.bytes,
            contentType: row.content_type,
            source: row.source,
            fetchedMs: row.fetched_ms,
          }
        : null;
    },
    async put(record: MediaRecord): Promise<void> {
      upsert.run(record);
    },
    async remove(recordingId: string): Promise<void> {
      remove.run(recordingId);
    },
  };
}

export type MediaRepository = ReturnType<typeof createMediaRepository>;
