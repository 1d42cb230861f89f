/**
 * The signed-in officer of each mirrored audit event (issue 11): her Genesys user id, for the volume
 * rule (counted per person, on any workstation) and `audit show --operator`, and her email for the same
 * filter. Events already mirrored are filled in from their stored bodies; events from before sign-in
 * and the service account's name no Genesys user and keep both null.
 */
export const sql = /* sql */ `
ALTER TABLE audit_events ADD COLUMN operator_genesys_id TEXT;
ALTER TABLE audit_events ADD COLUMN operator_email TEXT COLLATE NOCASE;
UPDATE audit_events SET
  operator_genesys_id = CASE WHEN json_type(body, '$.operator.genesysUserId') = 'text' THEN json_extract(body, '$.operator.genesysUserId') END,
  operator_email = CASE WHEN json_type(body, '$.operator.email') = 'text' THEN json_extract(body, '$.operator.email') END
WHERE json_valid(body) AND json_type(body, '$.operator') = 'object';
CREATE INDEX audit_events_by_genesys_user ON audit_events(log_id, operator_genesys_id, time_ms);
`;
