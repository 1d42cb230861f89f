/**
 * A regulator's review journals each seek and each transcript read too, like an officer's audited
 * session. SQLite cannot widen a CHECK in place: the table is rebuilt with its rows as they are
 * (their hashes cover the values, not the table).
 */
export const sql = /* sql */ `
CREATE TABLE review_journal_widened (
  seq INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL,
  time TEXT NOT NULL,
  reviewer TEXT NOT NULL,
  os_account TEXT NOT NULL,
  hostname TEXT NOT NULL,
  pack_path TEXT NOT NULL,
  pack_id TEXT,
  case_reference TEXT,
  action TEXT NOT NULL CHECK (action IN ('open', 'view', 'play', 'seek', 'transcript', 'tamper', 'close')),
  conversation_id TEXT,
  recording_id TEXT,
  details_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  synced_event_id TEXT,
  synced_ms INTEGER,
  keyed INTEGER NOT NULL DEFAULT 0 CHECK (keyed IN (0, 1)),
  rejected_reason TEXT
) STRICT;
INSERT INTO review_journal_widened
  SELECT seq, session_id, time, reviewer, os_account, hostname, pack_path, pack_id, case_reference, action, conversation_id,
         recording_id, details_json, prev_hash, hash, synced_event_id, synced_ms, keyed, rejected_reason
  FROM review_journal;
DROP TABLE review_journal;
ALTER TABLE review_journal_widened RENAME TO review_journal;
CREATE INDEX review_journal_unsynced ON review_journal(seq) WHERE synced_event_id IS NULL;
`;
