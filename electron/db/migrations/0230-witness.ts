/**
 * This workstation as a witness of the other logs in the audit bucket (issue 14): per log, the key it
 * pinned on first use, the last checkpoint it cosigned (the state a tlog-witness keeps per origin), and
 * the last inconsistency it raised an alert for, so one incident is recorded once.
 */
export const sql = /* sql */ `
CREATE TABLE witnessed_logs (
  log_id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  pinned_ms INTEGER NOT NULL,
  cosigned_tree_size INTEGER CHECK (cosigned_tree_size IS NULL OR cosigned_tree_size >= 1),
  cosigned_root_hash TEXT,
  cosigned_ms INTEGER,
  alerted TEXT,
  CHECK ((cosigned_tree_size IS NULL) = (cosigned_root_hash IS NULL))
) STRICT;
`;
