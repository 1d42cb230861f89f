/** Peaks now live in each cached file's sidecar, computed once when it enters the cache: the table is unread. */
export const sql = /* sql */ `
DROP TABLE IF EXISTS waveforms;
`;
