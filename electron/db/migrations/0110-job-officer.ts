/**
 * Who a bulk job runs for. An officer's job (officer_* set, unattended 0) calls Genesys with that
 * officer's token only; an unattended job runs under the service account and names the officer who
 * scheduled it (officer_*). awaiting_signin: the job paused because its officer's sign-in was lost
 * (or another officer is signed in); it resumes when she signs in again. Jobs from before sign-in
 * existed have no officer: the first officer who resumes one takes it over.
 */
export const sql = /* sql */ `
ALTER TABLE bulk_jobs ADD COLUMN officer_id TEXT;
ALTER TABLE bulk_jobs ADD COLUMN officer_name TEXT;
ALTER TABLE bulk_jobs ADD COLUMN officer_email TEXT;
ALTER TABLE bulk_jobs ADD COLUMN unattended INTEGER NOT NULL DEFAULT 0 CHECK (unattended IN (0, 1));
ALTER TABLE bulk_jobs ADD COLUMN awaiting_signin INTEGER NOT NULL DEFAULT 0 CHECK (awaiting_signin IN (0, 1));
CREATE INDEX bulk_jobs_awaiting_signin ON bulk_jobs(officer_id) WHERE awaiting_signin = 1;
`;
