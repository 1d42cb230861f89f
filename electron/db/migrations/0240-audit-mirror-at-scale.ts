/**
 * The audit mirror at firm scale (issue 14: a new workstation mirrors a million events of other logs).
 * What made a catch-up slow was SQLite writing, per event, two tree-node rows and random-key index entries
 * (conversation, recording, trade, event id, and the items' three): at a million events each commit
 * rewrote most of those indexes' pages. Now:
 * - The tree is kept as tiles (https://c2sp.org/tlog-tiles): one row per 256 hashes of tree levels 0, 8,
 *   16, ...; the levels between are hashed from their tile when read (at most 127 hashes a node), so roots
 *   and proofs stay O(log n) reads. Existing nodes are regrouped into their tiles.
 * - Conversation, recording, trade ids (an event's own and its items') and cases are found through a contentless
 *   FTS5 index of hashed words (audit-mirror-repository.ts, termOf): FTS5 writes each commit's words as one
 *   sorted segment and merges segments later, instead of updating a B-tree page per id. It only narrows
 *   the candidates; the columns decide. Its rowid is audit_events.id, an explicit alias so VACUUM keeps it.
 * - Indexes whose keys arrive in order (per log by seq, time, operator) stay B-trees. The event id is no longer
 *   a column: only a demo looks an event up by it, in its body, newest first.
 * - Events a catch-up reads from a full entry bundle keep their bytes as that bundle, deflated (about 95
 *   bytes an event instead of 600 in the row); the repository reads them back through audit_bundle_entry().
 */
export const sql = /* sql */ `
CREATE TABLE audit_tree_tiles (
  log_id TEXT NOT NULL,
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hashes BLOB NOT NULL,
  PRIMARY KEY (log_id, level, idx)
) STRICT, WITHOUT ROWID;

INSERT INTO audit_tree_tiles (log_id, level, idx, hashes)
SELECT log_id, level / 8, idx / 256, unhex(group_concat(hex(hash), '' ORDER BY idx))
FROM audit_tree_nodes WHERE level % 8 = 0
GROUP BY log_id, level, idx / 256;

DROP TABLE audit_tree_nodes;

CREATE TABLE audit_events_v2 (
  id INTEGER PRIMARY KEY,
  log_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  action TEXT NOT NULL,
  operator_name TEXT NOT NULL COLLATE NOCASE,
  operator_account TEXT NOT NULL COLLATE NOCASE,
  operator_genesys_id TEXT,
  operator_email TEXT COLLATE NOCASE,
  hostname TEXT NOT NULL,
  conversation_id TEXT,
  recording_id TEXT,
  trading_id TEXT COLLATE NOCASE,
  case_reference TEXT COLLATE NOCASE,
  alert_count INTEGER NOT NULL,
  body TEXT,
  UNIQUE (log_id, seq)
) STRICT;

-- Events read from another log's full entry bundles keep their bytes there, deflated (body NULL above).
CREATE TABLE audit_event_bundles (
  log_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  entries BLOB NOT NULL,
  PRIMARY KEY (log_id, idx)
) STRICT;
INSERT INTO audit_events_v2 (log_id, seq, time_ms, action, operator_name, operator_account, operator_genesys_id, operator_email, hostname,
  conversation_id, recording_id, trading_id, case_reference, alert_count, body)
SELECT log_id, seq, time_ms, action, operator_name, operator_account, operator_genesys_id, operator_email, hostname,
  conversation_id, recording_id, trading_id, case_reference, alert_count, body
FROM audit_events ORDER BY log_id, seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_v2 RENAME TO audit_events;
CREATE INDEX audit_events_by_time ON audit_events(log_id, time_ms);
-- One index for the volume rule's two ways of naming a person (her Genesys id, else the OS account), not two.
CREATE INDEX audit_events_by_operator ON audit_events(log_id, operator_genesys_id, operator_account, time_ms);

DROP INDEX audit_event_items_by_recording;
DROP INDEX audit_event_items_by_conversation;
DROP INDEX audit_event_items_by_trading_id;

-- Its words are hashed in JS: the repository fills them for the events listed in audit_terms_pending when it opens.
CREATE VIRTUAL TABLE audit_event_terms USING fts5(terms, content = '', detail = none, columnsize = 0);
CREATE TABLE audit_terms_pending (id INTEGER PRIMARY KEY) STRICT;
INSERT INTO audit_terms_pending (id) SELECT id FROM audit_events;
`;
