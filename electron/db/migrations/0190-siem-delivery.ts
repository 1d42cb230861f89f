/**
 * SIEM forwarding (issue 14): the outbox is the audit mirror itself (audit_events holds every event of
 * this log the WORM store acknowledged, durable, in seq order); this table is how far each SIEM
 * destination has taken it, and why it is behind. A new destination starts at event 0.
 */
export const sql = /* sql */ `
CREATE TABLE siem_delivery (
  destination TEXT NOT NULL,
  log_id TEXT NOT NULL,
  -- The first seq not yet delivered.
  next_seq INTEGER NOT NULL CHECK (next_seq >= 0),
  delivered_ms INTEGER,
  failing_since_ms INTEGER,
  last_error TEXT,
  PRIMARY KEY (destination, log_id)
) STRICT;
`;
