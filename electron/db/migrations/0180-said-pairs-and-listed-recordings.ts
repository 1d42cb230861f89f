/**
 * Two lookups at 1M calls made cheap on a fresh open (migration 180).
 *
 * Said: a phrase said is found through its adjacent word pairs: `transcript_pairs_fts` holds each transcript phrase
 * as the pairs of its consecutive words ("euro_dollar dollar_in in_ten ..."), under the phrase's key (migration
 * 170). A phrase of k words is then a phrase of k-1 pairs there, which matches exactly where the words do (a
 * pair at position i is words i and i+1). FTS5 answers a phrase by intersecting the doclists of its terms;
 * words such as "trade", "reference" or spelled digits are in nearly every call, so the words' doclists meet
 * on every call and each one needs a position check, while pairs of them are far rarer.
 *
 * The pairs are the words of the phrases' own full-text index (fts5vocab 'instance': each word and its
 * position), so both indexes always agree on what a word is; '_' joins them (never part of a word there).
 *
 * Listed recordings: a result row shows its recording's id, start, end and state. Joined from recordings,
 * a page of 100 calls read 100 pages of the recordings index scattered over the file (one per call: their
 * keys are random ids), each decrypted on a cold cache. conversations.listed_recordings now holds them,
 * `[[id, start_ms, end_ms, file_state], ...]` by id, kept by triggers on recordings, and the client-account
 * and queue indexes carry it: a page of an account's calls reads a few adjacent pages of one index.
 */

/** The pairs of words at consecutive positions in `instances` (an fts5vocab 'instance' table), as one text per phrase. */
const pairsOf = (instances: string) => /* sql */ `
  SELECT doc, group_concat(term || '_' || next, ' ' ORDER BY offset) AS pairs
  FROM (SELECT doc, offset, term, lead(term) OVER (PARTITION BY doc ORDER BY offset) AS next,
      lead(offset) OVER (PARTITION BY doc ORDER BY offset) AS next_offset FROM ${instances})
  WHERE next_offset = offset + 1 GROUP BY doc`;

/** A call's recordings as conversations.listed_recordings holds them (`id` is an SQL expression). */
const listedRecordingsOf = (id: string) => /* sql */ `(SELECT json_group_array(json_array(id, start_ms, end_ms, file_state) ORDER BY id)
  FROM recordings WHERE conversation_id = ${id})`;

/** Fills every call's listed recordings (after a bulk load: the migration and the benches). */
export const listRecordingsSql = /* sql */ `
UPDATE conversations SET listed_recordings = listed FROM (
  SELECT conversation_id, json_group_array(json_array(id, start_ms, end_ms, file_state) ORDER BY id) AS listed FROM recordings GROUP BY conversation_id
) WHERE id = conversation_id;
`;

/** Fills the pairs of every phrase (after a bulk load: the migration and the benches). */
export const indexSaidPairsSql = /* sql */ `
INSERT INTO transcript_pairs_fts(transcript_pairs_fts) VALUES ('delete-all');
INSERT INTO transcript_pairs_fts(rowid, pairs) ${pairsOf('transcript_phrases_instance')};
`;

export const sql = /* sql */ `
ALTER TABLE conversations ADD COLUMN listed_recordings TEXT NOT NULL DEFAULT '[]';
${listRecordingsSql}
CREATE TRIGGER recordings_listed_insert AFTER INSERT ON recordings BEGIN
  UPDATE conversations SET listed_recordings = ${listedRecordingsOf('new.conversation_id')} WHERE id = new.conversation_id;
END;
CREATE TRIGGER recordings_listed_update AFTER UPDATE OF id, conversation_id, start_ms, end_ms, file_state ON recordings BEGIN
  UPDATE conversations SET listed_recordings = ${listedRecordingsOf('conversations.id')} WHERE id IN (old.conversation_id, new.conversation_id);
END;
CREATE TRIGGER recordings_listed_delete AFTER DELETE ON recordings BEGIN
  UPDATE conversations SET listed_recordings = ${listedRecordingsOf('old.conversation_id')} WHERE id = old.conversation_id;
END;
DROP INDEX conversations_by_client_account;
CREATE INDEX conversations_by_client_account ON conversations(client_account, start_ms, queue_name,
  id, trading_id, end_ms, agent_name, direction, recordings_synced_ms, has_recording, listed_recordings);
DROP INDEX conversations_by_queue_id;
CREATE INDEX conversations_by_queue_id ON conversations(queue_id, start_ms, queue_name, client_account,
  id, trading_id, end_ms, agent_name, direction, recordings_synced_ms, has_recording, listed_recordings);

CREATE VIRTUAL TABLE transcript_pairs_fts USING fts5(pairs, content='', contentless_delete=1,
  tokenize="unicode61 remove_diacritics 2 tokenchars '_'");
CREATE VIRTUAL TABLE transcript_phrases_instance USING fts5vocab(transcript_phrases_fts, 'instance');
-- A new phrase passes through this table, always left empty, to be split into words as its full-text index does.
CREATE VIRTUAL TABLE said_pairs_scratch USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE said_pairs_scratch_instance USING fts5vocab(said_pairs_scratch, 'instance');
${indexSaidPairsSql}
CREATE TRIGGER transcript_phrases_fts_pairs_insert AFTER INSERT ON transcript_phrases BEGIN
  INSERT INTO said_pairs_scratch(rowid, text) VALUES (new.id, new.text);
  INSERT INTO transcript_pairs_fts(rowid, pairs) ${pairsOf('said_pairs_scratch_instance')};
  INSERT INTO said_pairs_scratch(said_pairs_scratch) VALUES ('delete-all');
END;
CREATE TRIGGER transcript_phrases_fts_pairs_delete AFTER DELETE ON transcript_phrases BEGIN
  DELETE FROM transcript_pairs_fts WHERE rowid = old.id;
END;
`;
