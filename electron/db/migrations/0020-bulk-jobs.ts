/**
 * Bulk retrieval jobs and their items, and full-text search over the index's free-text fields.
 *
 * A job item is one recording. When a job is created for a conversation whose recordings the index
 * has not listed yet, the item stands for the whole conversation (recording_id '') until the
 * recordings are known; it is then replaced by one item per recording.
 */
export const sql = /* sql */ `
CREATE TABLE bulk_jobs (
  id TEXT PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  finished_ms INTEGER,
  state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'blocked', 'cancelled', 'done', 'done-with-failures')),
  -- Why the job is paused or blocked, in words for the officer.
  message TEXT,
  case_reference TEXT NOT NULL,
  -- How the items were chosen: trading ids, queue and range, or a search.
  selection_json TEXT NOT NULL,
  -- Input rows that were not used (malformed, unknown trading id), with the reason per row.
  input_report_json TEXT NOT NULL DEFAULT '[]',
  out_dir TEXT NOT NULL,
  concurrency INTEGER NOT NULL,
  api TEXT NOT NULL CHECK (api IN ('auto', 'batch', 'per-conversation')),
  -- The process running the job, if any; a stale heartbeat or a dead pid frees the job for resume.
  runner_id TEXT,
  runner_pid INTEGER,
  runner_heartbeat_ms INTEGER
) STRICT;
CREATE INDEX bulk_jobs_by_created ON bulk_jobs(created_ms);

CREATE TABLE bulk_job_items (
  job_id TEXT NOT NULL REFERENCES bulk_jobs(id) ON DELETE CASCADE,
  conversation_id TEXT NOT NULL,
  recording_id TEXT NOT NULL DEFAULT '',
  trading_id TEXT,
  client_account TEXT,
  start_ms INTEGER,
  state TEXT NOT NULL CHECK (state IN ('pending', 'fetching', 'done', 'failed', 'archived')),
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  -- Where the file goes, relative to the job's output folder; set before it is written.
  path TEXT,
  bytes INTEGER,
  sha256 TEXT,
  content_type TEXT,
  audit_event_id TEXT,
  source TEXT,
  done_ms INTEGER,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (job_id, conversation_id, recording_id)
) STRICT;
CREATE INDEX bulk_job_items_by_state ON bulk_job_items(job_id, state);

-- Every (queue or agent id, name) pair the index holds, kept by triggers. A queue or agent filter
-- resolves to ids here first, so the search walks the (queue_id | agent_id, start_ms) index newest
-- first instead of every call in the range; the name is still checked on each row.
CREATE TABLE index_names (
  kind TEXT NOT NULL CHECK (kind IN ('queue', 'agent')),
  id TEXT NOT NULL,
  name TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (kind, id, name)
) STRICT;
CREATE INDEX index_names_by_name ON index_names(kind, name);
CREATE INDEX conversations_by_agent_id ON conversations(agent_id, start_ms);
-- A search joins every matching call to its recordings: answer that join from the index alone.
CREATE INDEX recordings_by_conversation_cover ON recordings(conversation_id, id, start_ms, end_ms, file_state);

-- (NOT EXISTS rather than OR IGNORE: an outer statement's conflict policy overrides a trigger's.)
CREATE TRIGGER index_names_insert AFTER INSERT ON conversations BEGIN
  INSERT INTO index_names (kind, id, name) SELECT 'queue', new.queue_id, coalesce(new.queue_name, '') WHERE new.queue_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM index_names WHERE kind = 'queue' AND id = new.queue_id AND name = coalesce(new.queue_name, ''));
  INSERT INTO index_names (kind, id, name) SELECT 'agent', new.agent_id, coalesce(new.agent_name, '') WHERE new.agent_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM index_names WHERE kind = 'agent' AND id = new.agent_id AND name = coalesce(new.agent_name, ''));
END;
CREATE TRIGGER index_names_update AFTER UPDATE OF queue_id, queue_name, agent_id, agent_name ON conversations BEGIN
  INSERT INTO index_names (kind, id, name) SELECT 'queue', new.queue_id, coalesce(new.queue_name, '') WHERE new.queue_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM index_names WHERE kind = 'queue' AND id = new.queue_id AND name = coalesce(new.queue_name, ''));
  INSERT INTO index_names (kind, id, name) SELECT 'agent', new.agent_id, coalesce(new.agent_name, '') WHERE new.agent_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM index_names WHERE kind = 'agent' AND id = new.agent_id AND name = coalesce(new.agent_name, ''));
END;
INSERT OR IGNORE INTO index_names (kind, id, name)
  SELECT 'queue', queue_id, coalesce(queue_name, '') FROM conversations WHERE queue_id IS NOT NULL;
INSERT OR IGNORE INTO index_names (kind, id, name)
  SELECT 'agent', agent_id, coalesce(agent_name, '') FROM conversations WHERE agent_id IS NOT NULL;

-- Full-text search over participant names, agent and queue names and the business identifiers.
-- Contentless: the text lives in conversations; rows are keyed by the conversation's rowid.
CREATE VIRTUAL TABLE conversations_fts USING fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');

CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
  INSERT INTO conversations_fts(rowid, body) VALUES (new.rowid, concat_ws(' ', new.trading_id, new.client_account,
    new.queue_name, new.agent_name, (SELECT group_concat(json_extract(value, '$.name'), ' ') FROM json_each(new.participants_json))));
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE ON conversations BEGIN
  DELETE FROM conversations_fts WHERE rowid = old.rowid;
  INSERT INTO conversations_fts(rowid, body) VALUES (new.rowid, concat_ws(' ', new.trading_id, new.client_account,
    new.queue_name, new.agent_name, (SELECT group_concat(json_extract(value, '$.name'), ' ') FROM json_each(new.participants_json))));
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
  DELETE FROM conversations_fts WHERE rowid = old.rowid;
END;
INSERT INTO conversations_fts(rowid, body)
  SELECT rowid, concat_ws(' ', trading_id, client_account, queue_name, agent_name,
    (SELECT group_concat(json_extract(value, '$.name'), ' ') FROM json_each(participants_json)))
  FROM conversations;
`;
