/**
 * The verifiable audit log's local state: the events this installation knows (for `audit show` and
 * alert rules), its Merkle tree kept as perfect subtrees (cheap roots and proofs), the checkpoints
 * and keys it published, the last tree head it verified, and the last integrity check's outcome.
 * The bucket stays the record: all of this can be rebuilt from it, and `audit verify` never reads it.
 */
export const sql = /* sql */ `
CREATE TABLE audit_events (
  log_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  action TEXT NOT NULL,
  operator_name TEXT NOT NULL COLLATE NOCASE,
  operator_account TEXT NOT NULL COLLATE NOCASE,
  hostname TEXT NOT NULL,
  conversation_id TEXT,
  recording_id TEXT,
  trading_id TEXT COLLATE NOCASE,
  case_reference TEXT COLLATE NOCASE,
  alert_count INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (log_id, seq)
) STRICT;
CREATE INDEX audit_events_by_time ON audit_events(log_id, time_ms);
CREATE INDEX audit_events_by_operator ON audit_events(log_id, operator_account, time_ms);
CREATE INDEX audit_events_by_conversation ON audit_events(conversation_id);
CREATE INDEX audit_events_by_recording ON audit_events(recording_id);
CREATE INDEX audit_events_by_trading_id ON audit_events(trading_id);
CREATE INDEX audit_events_by_case ON audit_events(case_reference);

-- Node (level, idx) hashes leaves [idx * 2^level, (idx + 1) * 2^level); level 0 holds the leaf hashes.
CREATE TABLE audit_tree_nodes (
  log_id TEXT NOT NULL,
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (log_id, level, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_trees (
  log_id TEXT PRIMARY KEY,
  size INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_checkpoints (
  log_id TEXT NOT NULL,
  tree_size INTEGER NOT NULL,
  root_hash TEXT NOT NULL,
  time TEXT NOT NULL,
  key_id TEXT NOT NULL,
  PRIMARY KEY (log_id, tree_size)
) STRICT;

CREATE TABLE audit_published_keys (
  log_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  retain_until_ms INTEGER NOT NULL,
  PRIMARY KEY (log_id, key_id)
) STRICT;

CREATE TABLE audit_verified_heads (
  log_id TEXT PRIMARY KEY,
  tree_size INTEGER NOT NULL,
  root_hash TEXT NOT NULL,
  verified_ms INTEGER NOT NULL,
  source TEXT NOT NULL
) STRICT;

CREATE TABLE audit_integrity (
  log_id TEXT PRIMARY KEY,
  report_json TEXT NOT NULL
) STRICT;
`;
