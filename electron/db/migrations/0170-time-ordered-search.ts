/**
 * Free text and `said` searches answer newest first with a first page: their full-text rows are now keyed
 * by time, so FTS5 walks a match backwards from the newest and stops at the page's end instead of reading
 * and sorting every match. A key is the call's start in ms shifted left by 20 bits plus a sequence number
 * within that millisecond (SEARCH_KEY_BITS): unique, and in start order.
 *
 * - Calls: conversations.text_key (allocated by trigger) is the rowid of `conversations_text`, which
 *   replaces `conversations_fts` (keyed by the table's rowid, i.e. sync order).
 * - Phrases: transcript_phrases.id is the recording's start so keyed (the repository allocates it).
 * - `text_terms` and `said_terms` list the words each index holds, so that a typed prefix ("euro dol", "novak")
 *   becomes the exact words it stands for: FTS5 answers a prefix by merging the whole doclists of its words
 *   before it returns the first row (see prefix-words.ts).
 */

/** Bits of a search key below the start millisecond. */
export const SEARCH_KEY_BITS = 20;

const conversationText = (row: string) => /* sql */ `concat_ws(' ', ${row}.trading_id, ${row}.client_account, ${row}.queue_name,
  ${row}.agent_name, (SELECT group_concat(json_extract(value, '$.name'), ' ') FROM json_each(${row}.participants_json)))`;

/** The first free key of a start millisecond (`start` is an SQL expression). */
const nextKey = (table: string, column: string, start: string) => /* sql */ `(SELECT coalesce(max(${column}) + 1, (${start}) << ${SEARCH_KEY_BITS})
  FROM ${table} WHERE ${column} >= (${start}) << ${SEARCH_KEY_BITS} AND ${column} < ((${start}) + 1) << ${SEARCH_KEY_BITS})`;

/** The next phrase key of a recording starting at `@startMs` (the repository's insert). */
export const nextPhraseKeySql = nextKey('transcript_phrases', 'id', '@startMs');

/** Keys every call and indexes its text (after a bulk load without the triggers: the migration and the benches). */
export const indexConversationTextSql = /* sql */ `
UPDATE conversations SET text_key = k FROM (
  SELECT rowid AS rid, (start_ms << ${SEARCH_KEY_BITS}) + row_number() OVER (PARTITION BY start_ms ORDER BY rowid) - 1 AS k FROM conversations
) WHERE rowid = rid;
INSERT INTO conversations_text(rowid, body) SELECT text_key, ${conversationText('conversations')} FROM conversations;
INSERT OR IGNORE INTO text_terms (term) SELECT term FROM conversations_text_vocab;
`;

/**
 * Adds the words of `text` (an SQL expression) to `terms`, tokenized exactly as the full-text indexes do (NOT
 * EXISTS rather than OR IGNORE: an outer statement's conflict policy overrides a trigger's).
 */
const rememberWords = (terms: string, text: string) => /* sql */ `
  INSERT INTO index_terms_scratch(rowid, text) VALUES (1, ${text});
  INSERT INTO ${terms} (term) SELECT term FROM index_terms_scratch_vocab v WHERE NOT EXISTS (SELECT 1 FROM ${terms} t WHERE t.term = v.term);
  INSERT INTO index_terms_scratch(index_terms_scratch) VALUES ('delete-all');`;

/** Rebuilds the phrases' full-text index and their word list (after a bulk load or a rekeying). */
export const indexPhrasesSql = /* sql */ `
INSERT INTO transcript_phrases_fts(transcript_phrases_fts) VALUES ('rebuild');
INSERT OR IGNORE INTO said_terms (term) SELECT term FROM transcript_phrases_vocab;
`;

export const sql = /* sql */ `
-- Every word each full-text index holds (kept, not pruned: a word no longer indexed only costs an empty lookup).
CREATE TABLE text_terms (term TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE said_terms (term TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
-- New words pass through this table, always left empty, to reach those lists.
CREATE VIRTUAL TABLE index_terms_scratch USING fts5(text, content='', detail=none, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE index_terms_scratch_vocab USING fts5vocab(index_terms_scratch, 'row');

DROP TRIGGER conversations_fts_insert;
DROP TRIGGER conversations_fts_update;
DROP TRIGGER conversations_fts_delete;
DROP TABLE conversations_fts;

ALTER TABLE conversations ADD COLUMN text_key INTEGER;
-- Covers a queue filter, so a walk of the text matches reads this index in key order instead of each call's row.
CREATE INDEX conversations_by_text_key ON conversations(text_key, queue_id, queue_name);
CREATE VIRTUAL TABLE conversations_text USING fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE conversations_text_vocab USING fts5vocab(conversations_text, 'row');
${indexConversationTextSql}
CREATE TRIGGER conversations_text_insert AFTER INSERT ON conversations BEGIN
  UPDATE conversations SET text_key = ${nextKey('conversations', 'text_key', 'new.start_ms')} WHERE rowid = new.rowid;
END;
-- A new key (a new call, or its start moved to another millisecond): index the text under it.
CREATE TRIGGER conversations_text_key AFTER UPDATE OF text_key ON conversations BEGIN
  DELETE FROM conversations_text WHERE rowid = old.text_key;
  INSERT INTO conversations_text(rowid, body) VALUES (new.text_key, ${conversationText('new')});${rememberWords('text_terms', conversationText('new'))}
END;
CREATE TRIGGER conversations_text_moved AFTER UPDATE OF start_ms ON conversations WHEN (new.text_key >> ${SEARCH_KEY_BITS}) != new.start_ms BEGIN
  UPDATE conversations SET text_key = ${nextKey('conversations', 'text_key', 'new.start_ms')} WHERE rowid = new.rowid;
END;
CREATE TRIGGER conversations_text_update AFTER UPDATE OF start_ms, trading_id, client_account, queue_name, agent_name, participants_json
  ON conversations WHEN (new.text_key >> ${SEARCH_KEY_BITS}) = new.start_ms BEGIN
  DELETE FROM conversations_text WHERE rowid = new.text_key;
  INSERT INTO conversations_text(rowid, body) VALUES (new.text_key, ${conversationText('new')});${rememberWords('text_terms', conversationText('new'))}
END;
CREATE TRIGGER conversations_text_delete AFTER DELETE ON conversations BEGIN
  DELETE FROM conversations_text WHERE rowid = old.text_key;
END;

-- A client account's or a queue's newest calls read from the index alone, not from each call's row: an
-- encrypted page is decrypted on every read that misses the page cache (replaces the (column, start_ms) indexes).
DROP INDEX conversations_by_client_account;
CREATE INDEX conversations_by_client_account ON conversations(client_account, start_ms, queue_name,
  id, trading_id, end_ms, agent_name, direction, recordings_synced_ms, has_recording);
DROP INDEX conversations_by_queue_id;
CREATE INDEX conversations_by_queue_id ON conversations(queue_id, start_ms, queue_name, client_account,
  id, trading_id, end_ms, agent_name, direction, recordings_synced_ms, has_recording);

-- Phrases rekeyed by their recording's start (the call's when the recording's is unknown).
CREATE TABLE transcript_phrases_keyed (
  id INTEGER PRIMARY KEY,
  recording_id TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  speaker TEXT NOT NULL,
  text TEXT NOT NULL
) STRICT;
INSERT INTO transcript_phrases_keyed (id, recording_id, start_ms, speaker, text)
  SELECT (coalesce(r.start_ms, c.start_ms, 0) << ${SEARCH_KEY_BITS})
      + row_number() OVER (PARTITION BY coalesce(r.start_ms, c.start_ms, 0) ORDER BY p.id) - 1,
    p.recording_id, p.start_ms, p.speaker, p.text
  FROM transcript_phrases p LEFT JOIN transcripts t ON t.recording_id = p.recording_id
  LEFT JOIN recordings r ON r.id = p.recording_id LEFT JOIN conversations c ON c.id = t.conversation_id;
DROP TRIGGER transcript_phrases_fts_insert;
DROP TRIGGER transcript_phrases_fts_delete;
DROP TABLE transcript_phrases;
ALTER TABLE transcript_phrases_keyed RENAME TO transcript_phrases;
CREATE INDEX transcript_phrases_by_recording ON transcript_phrases(recording_id);

CREATE VIRTUAL TABLE transcript_phrases_vocab USING fts5vocab(transcript_phrases_fts, 'row');
${indexPhrasesSql}
CREATE TRIGGER transcript_phrases_fts_insert AFTER INSERT ON transcript_phrases BEGIN
  INSERT INTO transcript_phrases_fts(rowid, text) VALUES (new.id, new.text);${rememberWords('said_terms', 'new.text')}
END;
CREATE TRIGGER transcript_phrases_fts_delete AFTER DELETE ON transcript_phrases BEGIN
  INSERT INTO transcript_phrases_fts(transcript_phrases_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
`;
