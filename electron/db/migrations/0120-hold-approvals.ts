/**
 * Four-eyes between signed-in officers: a hold's release names its approval request (a locked object
 * in the audit bucket, approvals/v1/<id>/), and each hold actor's Genesys user id next to the name.
 */
export const sql = /* sql */ `
ALTER TABLE holds ADD COLUMN release_request_id TEXT;
ALTER TABLE holds ADD COLUMN placed_by_user_id TEXT;
ALTER TABLE holds ADD COLUMN release_requested_by_user_id TEXT;
ALTER TABLE holds ADD COLUMN released_by_user_id TEXT;
`;
