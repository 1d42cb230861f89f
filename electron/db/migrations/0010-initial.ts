/** The conversation and recording index, sync coverage, media cache and audit chain heads. */
export const sql = /* sql */ `
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER,
  direction TEXT,
  queue_id TEXT,
  queue_name TEXT COLLATE NOCASE,
  agent_id TEXT,
  agent_name TEXT COLLATE NOCASE,
  trading_id TEXT COLLATE NOCASE,
  client_account TEXT COLLATE NOCASE,
  participants_json TEXT NOT NULL DEFAULT '[]',
  has_recording INTEGER NOT NULL DEFAULT 0,
  recordings_synced_ms INTEGER,
  synced_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX conversations_by_trading_id ON conversations(trading_id, start_ms);
CREATE INDEX conversations_by_client_account ON conversations(client_account, start_ms);
CREATE INDEX conversations_by_queue ON conversations(queue_name, start_ms);
CREATE INDEX conversations_by_queue_id ON conversations(queue_id, start_ms);
CREATE INDEX conversations_by_agent ON conversations(agent_name, start_ms);
CREATE INDEX conversations_by_start ON conversations(start_ms);

CREATE TABLE recordings (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  start_ms INTEGER,
  end_ms INTEGER,
  media TEXT,
  file_state TEXT,
  archive_date TEXT,
  delete_date TEXT,
  synced_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX recordings_by_conversation ON recordings(conversation_id);

-- Time windows [from_ms, to_ms) fully read from Genesys; merged on write.
CREATE TABLE sync_coverage (
  from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL,
  synced_ms INTEGER NOT NULL,
  PRIMARY KEY (from_ms, to_ms)
) STRICT;

CREATE TABLE media_cache (
  recording_id TEXT PRIMARY KEY,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  source TEXT NOT NULL,
  fetched_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE waveforms (
  recording_id TEXT NOT NULL,
  buckets INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  channels INTEGER NOT NULL,
  peaks BLOB NOT NULL,
  PRIMARY KEY (recording_id, buckets)
) STRICT;

-- Small facts about the index itself, such as the time of the last successful sync.
CREATE TABLE index_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE audit_heads (
  log_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
) STRICT;
`;
