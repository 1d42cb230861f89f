/**
 * Regulator review sessions journal every access locally (the review workstation is offline), hash
 * chained; the entries are written to the WORM audit log when it is reachable again. Evidence packs
 * built here are remembered with their export audit event.
 */
export const sql = /* sql */ `
CREATE TABLE review_journal (
  seq INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL,
  time TEXT NOT NULL,
  reviewer TEXT NOT NULL,
  os_account TEXT NOT NULL,
  hostname TEXT NOT NULL,
  pack_path TEXT NOT NULL,
  pack_id TEXT,
  case_reference TEXT,
  action TEXT NOT NULL CHECK (action IN ('open', 'view', 'play', 'tamper', 'close')),
  conversation_id TEXT,
  recording_id TEXT,
  details_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  synced_event_id TEXT,
  synced_ms INTEGER
) STRICT;
CREATE INDEX review_journal_unsynced ON review_journal(seq) WHERE synced_event_id IS NULL;

CREATE TABLE evidence_packs (
  pack_id TEXT PRIMARY KEY,
  case_reference TEXT NOT NULL,
  path TEXT NOT NULL,
  export_event_id TEXT NOT NULL,
  recordings INTEGER NOT NULL,
  payload_bytes INTEGER NOT NULL,
  built_ms INTEGER NOT NULL
) STRICT;
`;
