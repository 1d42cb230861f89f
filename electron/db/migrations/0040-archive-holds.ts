/** The WORM archive of recordings, legal holds (with four-eyes release) and posture reports. */
export const sql = /* sql */ `
-- One row per archived recording: where its locked copy and sidecar live, and what they hold.
CREATE TABLE archive_objects (
  recording_id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  -- The trading id the keys were laid out under (NULL: the "untagged" prefix).
  trading_id TEXT COLLATE NOCASE,
  recording_start_ms INTEGER NOT NULL,
  bucket TEXT NOT NULL,
  media_key TEXT NOT NULL,
  media_version_id TEXT NOT NULL,
  sidecar_key TEXT NOT NULL,
  sidecar_version_id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  -- As the store reports it after the upload (it may exceed what was asked: see archive-store.ts).
  retain_until_ms INTEGER NOT NULL,
  multipart INTEGER NOT NULL,
  archived_ms INTEGER NOT NULL,
  audit_event_id TEXT NOT NULL,
  -- Set by the retention sweep once both versions were deleted from the store.
  deleted_ms INTEGER
) STRICT;
CREATE INDEX archive_objects_by_trading_id ON archive_objects(trading_id);
CREATE INDEX archive_objects_by_conversation ON archive_objects(conversation_id);
CREATE INDEX archive_objects_by_retention ON archive_objects(retain_until_ms) WHERE deleted_ms IS NULL;

-- Recordings an archive run could not copy yet; the next run retries them whatever its window.
CREATE TABLE archive_pending (
  recording_id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_attempt_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE archive_runs (
  id TEXT PRIMARY KEY,
  started_ms INTEGER NOT NULL,
  finished_ms INTEGER,
  since_ms INTEGER NOT NULL,
  until_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done', 'done-with-failures', 'failed')),
  summary_json TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE holds (
  id TEXT PRIMARY KEY,
  trading_id TEXT NOT NULL COLLATE NOCASE,
  case_reference TEXT NOT NULL,
  reason TEXT NOT NULL,
  -- placing: recorded, locks being applied; the sweep already treats the trade as held.
  state TEXT NOT NULL CHECK (state IN ('placing', 'active', 'release-requested', 'releasing', 'released')),
  placed_by_name TEXT NOT NULL,
  placed_by_account TEXT NOT NULL,
  placed_ms INTEGER NOT NULL,
  place_event_id TEXT NOT NULL,
  release_requested_by_name TEXT,
  release_requested_by_account TEXT,
  release_requested_ms INTEGER,
  release_reason TEXT,
  release_request_event_id TEXT,
  released_by_name TEXT,
  released_by_account TEXT,
  released_ms INTEGER,
  release_event_id TEXT
) STRICT;
CREATE INDEX holds_by_trading_id ON holds(trading_id, state);
CREATE UNIQUE INDEX holds_open_per_case ON holds(trading_id, case_reference) WHERE state <> 'released';

-- Every object version a hold put an S3 legal hold on.
CREATE TABLE hold_objects (
  hold_id TEXT NOT NULL REFERENCES holds(id),
  bucket TEXT NOT NULL,
  object_key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('held', 'failed', 'released', 'kept')),
  error TEXT,
  PRIMARY KEY (hold_id, bucket, object_key, version_id)
) STRICT;
CREATE INDEX hold_objects_by_key ON hold_objects(bucket, object_key, version_id);

-- Genesys deletion protection per conversation of a hold (capped per org).
CREATE TABLE hold_conversations (
  hold_id TEXT NOT NULL REFERENCES holds(id),
  conversation_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('protected', 'cap-reached', 'failed', 'released', 'kept')),
  error TEXT,
  PRIMARY KEY (hold_id, conversation_id)
) STRICT;

CREATE TABLE posture_reports (
  id TEXT PRIMARY KEY,
  checked_ms INTEGER NOT NULL,
  report_json TEXT NOT NULL
) STRICT;
`;
