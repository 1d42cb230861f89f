/**
 * Two lookups at 1M calls made cheap on a fresh open (migration 180).
 *
 * Said: a phrase said is found through its adjacent words: `transcript_ngrams_fts` holds each transcript
 * phrase as the pairs ("euro_dollar dollar_in in_ten ...") and the triples ("euro_dollar_in dollar_in_ten ...")
 * of its consecutive words, under the phrase's key (migration 170). Two words are then one pair, and k >= 3
 * words a phrase of k-2 triples, which matches exactly where the words do (a triple at position i is words
 * i to i+2). FTS5 answers a phrase by intersecting the doclists of its terms: words such as "trade",
 * "reference" or spelled digits are in nearly every call, so their doclists meet on every call and each needs
 * a position check (400 ms at 1M calls); pairs of them meet less, and triples rarely (measured: pairs left a
 * spelled reference 3 to 5 times faster, triples 20 to 40 times).
 *
 * The n-grams are the words of the phrases' own full-text index (fts5vocab 'instance': each word and its
 * position), so both indexes always agree on what a word is; '_' joins them (never part of a word there).
 *
 * Listed recordings: a result row shows its recording's id, start, end and state. Joined from recordings,
 * a page of 100 calls read 100 pages of the recordings index scattered over the file (one per call: their
 * keys are random ids), each decrypted on a cold cache. conversations.listed_recordings now holds them,
 * `[[id, start_ms, end_ms, file_state], ...]` by id, kept by triggers on recordings, and the client-account
 * and queue indexes carry it: a page of an account's calls reads a few adjacent pages of one index.
 */

/** Each phrase's pairs and triples of words at consecutive positions in `instances` (an fts5vocab 'instance' table). */
const ngramsOf = (instances: string) => /* sql */ `
  SELECT doc, group_concat(CASE WHEN o1 = offset + 1 THEN term || '_' || t1 END, ' ' ORDER BY offset) AS pairs,
    group_concat(CASE WHEN o2 = offset + 2 THEN term || '_' || t1 || '_' || t2 END, ' ' ORDER BY offset) AS triples
  FROM (SELECT doc, offset, term, lead(term) OVER w AS t1, lead(offset) OVER w AS o1, lead(term, 2) OVER w AS t2, lead(offset, 2) OVER w AS o2
    FROM ${instances} WINDOW w AS (PARTITION BY doc ORDER BY offset))
  GROUP BY doc HAVING pairs IS NOT NULL`;

/** A call's recordings as conversations.listed_recordings holds them (`id` is an SQL expression). */
const listedRecordingsOf = (id: string) => /* sql */ `(SELECT json_group_array(json_array(id, start_ms, end_ms, file_state) ORDER BY id)
  FROM recordings WHERE conversation_id = ${id})`;

/** Fills every call's listed recordings (after a bulk load: the migration and the benches). */
export const listRecordingsSql = /* sql */ `
UPDATE conversations SET listed_recordings = listed FROM (
  SELECT conversation_id, json_group_array(json_array(id, start_ms, end_ms, file_state) ORDER BY id) AS listed FROM recordings GROUP BY conversation_id
) WHERE id = conversation_id;
`;

/** Fills the n-grams of every phrase (after a bulk load: the migration and the benches). */
export const indexSaidNgramsSql = /* sql */ `
INSERT INTO transcript_ngrams_fts(transcript_ngrams_fts) VALUES ('delete-all');
INSERT INTO transcript_ngrams_fts(rowid, pairs, triples) ${ngramsOf('transcript_phrases_instance')};
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

CREATE VIRTUAL TABLE transcript_ngrams_fts USING fts5(pairs, triples, content='', contentless_delete=1,
  tokenize="unicode61 remove_diacritics 2 tokenchars '_'");
CREATE VIRTUAL TABLE transcript_phrases_instance USING fts5vocab(transcript_phrases_fts, 'instance');
-- A new phrase passes through this table, always left empty, to be split into words as its full-text index does.
CREATE VIRTUAL TABLE said_ngrams_scratch USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE said_ngrams_scratch_instance USING fts5vocab(said_ngrams_scratch, 'instance');
${indexSaidNgramsSql}
CREATE TRIGGER transcript_phrases_fts_ngrams_insert AFTER INSERT ON transcript_phrases BEGIN
  INSERT INTO said_ngrams_scratch(rowid, text) VALUES (new.id, new.text);
  INSERT INTO transcript_ngrams_fts(rowid, pairs, triples) ${ngramsOf('said_ngrams_scratch_instance')};
  INSERT INTO said_ngrams_scratch(said_ngrams_scratch) VALUES ('delete-all');
END;
CREATE TRIGGER transcript_phrases_fts_ngrams_delete AFTER DELETE ON transcript_phrases BEGIN
  DELETE FROM transcript_ngrams_fts WHERE rowid = old.id;
END;
`;
