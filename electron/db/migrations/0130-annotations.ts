/**
 * Officers' notes on time ranges of recordings (issue 12): one row per annotation with its current
 * version, and every version ever written (the 'annotate' audit event of each is the record; these
 * rows are what the app and packs show).
 */
export const sql = /* sql */ `
CREATE TABLE annotation_versions (
  annotation_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  recording_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  from_ms INTEGER NOT NULL CHECK (from_ms >= 0),
  to_ms INTEGER NOT NULL CHECK (to_ms > from_ms),
  note TEXT NOT NULL,
  case_reference TEXT,
  deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
  written_ms INTEGER NOT NULL,
  written_by_json TEXT NOT NULL,
  audit_event_id TEXT NOT NULL,
  PRIMARY KEY (annotation_id, version)
) STRICT;

-- The current version of each annotation (deleted ones included, for their history).
CREATE TABLE annotations (
  annotation_id TEXT PRIMARY KEY,
  recording_id TEXT NOT NULL,
  current_version INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  created_by_json TEXT NOT NULL,
  FOREIGN KEY (annotation_id, current_version) REFERENCES annotation_versions(annotation_id, version)
) STRICT;
CREATE INDEX annotations_by_recording ON annotations(recording_id);
`;
