/**
 * The review journal's chain is keyed (HMAC-SHA256 with a secret kept in the OS keychain, next to
 * the journal's head) from this version on. Entries written before it stay `keyed = 0` and are
 * checked with their plain SHA-256 chain; the first keyed use seals them under the keychain head.
 * `rejected_reason`: an entry the WORM log could not take as it is (a pack-supplied ID that is not
 * valid, an entry whose keyed hash does not verify) is recorded as rejected instead of blocking
 * the entries after it.
 */
export const sql = /* sql */ `
ALTER TABLE review_journal ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0 CHECK (keyed IN (0, 1));
ALTER TABLE review_journal ADD COLUMN rejected_reason TEXT;
`;
