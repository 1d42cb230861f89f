/**
 * Trade reconstruction (issue 13): the imported blotter, the scored trade–call candidates of the last
 * matching run, every officer decision on a pair (each after its 'link' audit event), and the org's
 * users by email, so that a blotter naming a trader by email finds the agent's calls.
 */
export const sql = /* sql */ `
CREATE TABLE trades (
  trade_id TEXT PRIMARY KEY COLLATE NOCASE,
  executed_ms INTEGER NOT NULL,
  executed_at TEXT NOT NULL,
  trader TEXT NOT NULL COLLATE NOCASE,
  client_account TEXT COLLATE NOCASE,
  instrument TEXT,
  side TEXT CHECK (side IN ('buy', 'sell')),
  quantity TEXT,
  price TEXT,
  channel TEXT NOT NULL CHECK (channel IN ('voice', 'electronic')),
  source_json TEXT NOT NULL,
  imported_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX trades_by_time ON trades(executed_ms);

-- Replaced for a trade at each matching run; decisions live apart and survive it.
CREATE TABLE trade_candidates (
  trade_id TEXT NOT NULL COLLATE NOCASE,
  conversation_id TEXT NOT NULL,
  score REAL NOT NULL,
  reasons_json TEXT NOT NULL,
  matched_ms INTEGER NOT NULL,
  PRIMARY KEY (trade_id, conversation_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX trade_candidates_by_conversation ON trade_candidates(conversation_id);

-- Append-only; the newest decision on a pair counts.
CREATE TABLE trade_link_decisions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  trade_id TEXT NOT NULL COLLATE NOCASE,
  conversation_id TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
  decided_ms INTEGER NOT NULL,
  decided_by_json TEXT NOT NULL,
  case_reference TEXT NOT NULL,
  audit_event_id TEXT NOT NULL
) STRICT;
CREATE INDEX trade_link_decisions_by_pair ON trade_link_decisions(trade_id, conversation_id, seq);

CREATE TABLE genesys_users (
  id TEXT PRIMARY KEY,
  name TEXT,
  email TEXT COLLATE NOCASE,
  synced_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX genesys_users_by_email ON genesys_users(email);
`;
