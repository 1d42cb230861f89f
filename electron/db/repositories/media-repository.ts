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

export type WaveformRecord = { sha256: string; durationMs: number; channels: Array<Array<number>> };

/** Which recordings sit in the on-disk media cache, with their hashes, and their waveform peaks. */
export function createMediaRepository(db: Db) {
  const select = db.prepare('SELECT * FROM media_cache WHERE recording_id = ?');
  const upsert = db.prepare(`
    INSERT INTO media_cache (recording_id, file_name, sha256, bytes, content_type, source, fetched_ms)
    VALUES (@recordingId, @fileName, @sha256, @bytes, @contentType, @source, @fetchedMs)
    ON CONFLICT(recording_id) DO UPDATE SET file_name = excluded.file_name, sha256 = excluded.sha256,
      bytes = excluded.bytes, content_type = excluded.content_type, source = excluded.source, fetched_ms = excluded.fetched_ms`);
  const remove = db.prepare('DELETE FROM media_cache WHERE recording_id = ?');
  const selectWaveform = db.prepare('SELECT sha256, duration_ms, channels, peaks FROM waveforms WHERE recording_id = ? AND buckets = ?');
  const upsertWaveform = db.prepare(`
    INSERT INTO waveforms (recording_id, buckets, sha256, duration_ms, channels, peaks) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(recording_id, buckets) DO UPDATE SET sha256 = excluded.sha256, duration_ms = excluded.duration_ms,
      channels = excluded.channels, peaks = excluded.peaks`);

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
    async getWaveform(recordingId: string, buckets: number): Promise<WaveformRecord | null> {
      const row = selectWaveform.get(recordingId, buckets) as
        | { sha256: string; duration_ms: number; channels: number; peaks: Buffer }
        | undefined;
      if (!row) return null;
      // Peaks are stored as 8-bit levels per channel: plenty for drawing, tiny on disk.
      const perChannel = row.peaks.length / row.channels;
      const channels = Array.from({ length: row.channels }, (_, ch) =>
        Array.from(row.peaks.subarray(ch * perChannel, (ch + 1) * perChannel), (v) => v / 255),
      );
      return { sha256: row.sha256, durationMs: row.duration_ms, channels };
    },
    async putWaveform(recordingId: string, buckets: number, waveform: WaveformRecord): Promise<void> {
      const packed = Buffer.concat(waveform.channels.map((row) => Buffer.from(row.map((v) => Math.round(v * 255)))));
      upsertWaveform.run(recordingId, buckets, waveform.sha256, waveform.durationMs, waveform.channels.length, packed);
    },
  };
}

export type MediaRepository = ReturnType<typeof createMediaRepository>;
