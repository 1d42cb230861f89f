/**
 * The items an audit event lists in `details.items` (an archive run's batch, an evidence pack's
 * recordings, a bulk job's batch), one row each, so that "who touched trade T" finds the archiver and
 * every pack that carried T, not only events about T alone. An item is `[conversationId, recordingId,
 * tradingId?]` or `{ conversationId, recordingId, tradingId }`; events already mirrored are filled in
 * here, later ones when the mirror records them (audit-items.ts reads items the same way).
 */
export const sql = /* sql */ `
CREATE TABLE audit_event_items (
  log_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  position INTEGER NOT NULL,
  conversation_id TEXT,
  recording_id TEXT,
  trading_id TEXT COLLATE NOCASE,
  PRIMARY KEY (log_id, seq, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_event_items_by_recording ON audit_event_items(log_id, recording_id);
CREATE INDEX audit_event_items_by_conversation ON audit_event_items(log_id, conversation_id);
CREATE INDEX audit_event_items_by_trading_id ON audit_event_items(log_id, trading_id);
CREATE INDEX audit_events_by_event_id ON audit_events(log_id, event_id);

INSERT INTO audit_event_items (log_id, seq, position, conversation_id, recording_id, trading_id)
SELECT log_id, seq, position, conversation_id, recording_id, trading_id FROM (
  SELECT e.log_id AS log_id, e.seq AS seq, CAST(j.key AS INTEGER) AS position,
    CASE j.type WHEN 'array' THEN json_extract(j.value, '$[0]') ELSE json_extract(j.value, '$.conversationId') END AS conversation_id,
    CASE j.type WHEN 'array' THEN json_extract(j.value, '$[1]') ELSE json_extract(j.value, '$.recordingId') END AS recording_id,
    CASE j.type WHEN 'array' THEN json_extract(j.value, '$[2]') ELSE json_extract(j.value, '$.tradingId') END AS trading_id
  FROM audit_events e, json_each(e.body, '$.details.items') j
  WHERE json_type(e.body, '$.details.items') = 'array' AND j.type IN ('array', 'object')
)
WHERE (typeof(conversation_id) = 'text' OR typeof(recording_id) = 'text' OR typeof(trading_id) = 'text')
  AND typeof(conversation_id) IN ('text', 'null') AND typeof(recording_id) IN ('text', 'null') AND typeof(trading_id) IN ('text', 'null')
  AND coalesce(length(conversation_id), 0) <= 128 AND coalesce(length(recording_id), 0) <= 128 AND coalesce(length(trading_id), 0) <= 128;
`;
