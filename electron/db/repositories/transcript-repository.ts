import type { TranscriptPhrase, TranscriptSpeaker } from '../../../shared/transcripts';
import type { Db } from '../connection';

/** A transcript as the index keeps it: Genesys's, mapped to offsets from the recording's first sample. */
export type StoredTranscript =
  | {
      status: 'available';
      recordingId: string;
      conversationId: string;
      communicationId: string;
      language: string | null;
      phrases: Array<TranscriptPhrase>;
      fetchedMs: number;
    }
  | { status: 'not-transcribed'; recordingId: string; conversationId: string; communicationId: string; fetchedMs: number };

/** Where words were said: one phrase of one recording. */
export type SaidHit = { recordingId: string; offsetMs: number; speaker: TranscriptSpeaker; text: string };

/** A recording whose transcript the index does not hold yet (or held as not transcribed before `retryBeforeMs`). */
export type TranscriptCandidate = { recordingId: string; conversationId: string; communicationId: string };

type TranscriptRow = {
  recording_id: string;
  conversation_id: string;
  communication_id: string;
  status: 'available' | 'not-transcribed';
  language: string | null;
  phrases_json: string;
  fetched_ms: number;
};

/**
 * Transcripts in the encrypted index, their phrases under FTS5 (`transcript_phrases_fts`), and each
 * recording's communication id (recordings.session_id), which speech analytics keys a transcript by.
 */
export function createTranscriptRepository(db: Db) {
  const selectCommunication = db.prepare('SELECT session_id FROM recordings WHERE id = ?');
  const selectTranscript = db.prepare('SELECT * FROM transcripts WHERE recording_id = ?');
  const upsertTranscript = db.prepare(`
    INSERT INTO transcripts (recording_id, conversation_id, communication_id, status, language, phrases_json, fetched_ms)
    VALUES (@recordingId, @conversationId, @communicationId, @status, @language, @phrasesJson, @fetchedMs)
    ON CONFLICT(recording_id) DO UPDATE SET conversation_id = excluded.conversation_id, communication_id = excluded.communication_id,
      status = excluded.status, language = excluded.language, phrases_json = excluded.phrases_json, fetched_ms = excluded.fetched_ms`);
  const deletePhrases = db.prepare('DELETE FROM transcript_phrases WHERE recording_id = ?');
  const insertPhrase = db.prepare('INSERT INTO transcript_phrases (recording_id, start_ms, speaker, text) VALUES (?, ?, ?, ?)');
  // Newest phrases first (FTS5 walks its rowids backwards without sorting); the caller groups them by recording.
  const selectSaid = db.prepare(`
    SELECT p.recording_id, p.start_ms, p.speaker, p.text FROM transcript_phrases_fts f JOIN transcript_phrases p ON p.id = f.rowid
    WHERE transcript_phrases_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?`);
  const selectCandidates = db.prepare(`
    SELECT r.id AS recording_id, r.conversation_id, r.session_id FROM recordings r
    LEFT JOIN transcripts t ON t.recording_id = r.id
    WHERE r.session_id IS NOT NULL AND (t.recording_id IS NULL OR (t.status = 'not-transcribed' AND t.fetched_ms < ?))
    ORDER BY r.start_ms DESC LIMIT ?`);

  return {
    async communicationOf(recordingId: string): Promise<string | null> {
      return (selectCommunication.get(recordingId) as { session_id: string | null } | undefined)?.session_id ?? null;
    },

    async get(recordingId: string): Promise<StoredTranscript | null> {
      const row = selectTranscript.get(recordingId) as TranscriptRow | undefined;
      if (!row) return null;
      const common = { recordingId: row.recording_id, conversationId: row.conversation_id, communicationId: row.communication_id, fetchedMs: row.fetched_ms };
      if (row.status === 'not-transcribed') return { status: 'not-transcribed', ...common };
      return { status: 'available', ...common, language: row.language, phrases: JSON.parse(row.phrases_json) as Array<TranscriptPhrase> };
    },

    /** Replaces what the index holds for the recording, phrases and their full-text entries with it, in one transaction. */
    async put(transcript: StoredTranscript): Promise<void> {
      const phrases = transcript.status === 'available' ? transcript.phrases : [];
      db.transaction(() => {
        upsertTranscript.run({
          recordingId: transcript.recordingId,
          conversationId: transcript.conversationId,
          communicationId: transcript.communicationId,
          status: transcript.status,
          language: transcript.status === 'available' ? transcript.language : null,
          phrasesJson: JSON.stringify(phrases),
          fetchedMs: transcript.fetchedMs,
        });
        deletePhrases.run(transcript.recordingId);
        for (const phrase of phrases) insertPhrase.run(transcript.recordingId, phrase.startMs, phrase.speaker, phrase.text);
      })();
    },

    /** Phrases matching an FTS5 expression (see saidMatchExpression), newest first, at most `limit`. */
    async said(match: string, limit: number): Promise<Array<SaidHit>> {
      return (selectSaid.all(match, limit) as Array<{ recording_id: string; start_ms: number; speaker: TranscriptSpeaker; text: string }>).map((row) => ({
        recordingId: row.recording_id,
        offsetMs: row.start_ms,
        speaker: row.speaker,
        text: row.text,
      }));
    },

    /** Indexed recordings without a transcript, newest first; one held as not transcribed is asked again once `retryBeforeMs` has passed. */
    async missing(retryBeforeMs: number, limit: number): Promise<Array<TranscriptCandidate>> {
      return (selectCandidates.all(retryBeforeMs, limit) as Array<{ recording_id: string; conversation_id: string; session_id: string }>).map((row) => ({
        recordingId: row.recording_id,
        conversationId: row.conversation_id,
        communicationId: row.session_id,
      }));
    },
  };
}

export type TranscriptRepository = ReturnType<typeof createTranscriptRepository>;

/**
 * The officer's words as one FTS5 phrase: its words in that order, the last one as a prefix ("euro dol"
 * finds "euro dollar"). Operators and quotes are never interpreted. Null when no searchable word remains.
 */
export function saidMatchExpression(phrase: string): string | null {
  const tokens = phrase.match(/[\p{L}\p{N}]+/gu);
  return tokens && tokens.length > 0 ? `"${tokens.join(' ')}"*` : null;
}
