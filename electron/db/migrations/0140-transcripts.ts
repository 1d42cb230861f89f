/**
 * Transcripts from Genesys speech and text analytics, kept in the (encrypted) index: a recording's
 * communication id (the session Genesys transcribes), the transcript as Custody shows it, and its phrases
 * under FTS5 so that `search --said` finds the calls and the offsets where words were said. No foreign
 * key to recordings: index sync replaces a conversation's recording rows, and that must not drop transcripts.
 */
export const sql = /* sql */ `
ALTER TABLE recordings ADD COLUMN session_id TEXT;

CREATE TABLE transcripts (
  recording_id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  communication_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('available', 'not-transcribed')),
  language TEXT,
  phrases_json TEXT NOT NULL DEFAULT '[]',
  fetched_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE transcript_phrases (
  id INTEGER PRIMARY KEY,
  recording_id TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  speaker TEXT NOT NULL,
  text TEXT NOT NULL
) STRICT;
CREATE INDEX transcript_phrases_by_recording ON transcript_phrases(recording_id);

CREATE VIRTUAL TABLE transcript_phrases_fts USING fts5(text, content='transcript_phrases', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER transcript_phrases_fts_insert AFTER INSERT ON transcript_phrases BEGIN
  INSERT INTO transcript_phrases_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER transcript_phrases_fts_delete AFTER DELETE ON transcript_phrases BEGIN
  INSERT INTO transcript_phrases_fts(transcript_phrases_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
`;
