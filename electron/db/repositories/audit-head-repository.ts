import type { Db } from '../connection';

/** Where this installation keeps the head (last seq and hash) of each audit log it writes. */
export function createAuditHeadRepository(db: Db) {
  const select = db.prepare('SELECT seq, hash FROM audit_heads WHERE log_id = ?');
  const upsert = db.prepare(
    'INSERT INTO audit_heads (log_id, seq, hash) VALUES (?, ?, ?) ON CONFLICT(log_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
  );
  return {
    async load(logId: string): Promise<{ seq: number; hash: string } | null> {
      return (select.get(logId) as { seq: number; hash: string } | undefined) ?? null;
    },
    async save(logId: string, head: { seq: number; hash: string }): Promise<void> {
      upsert.run(logId, head.seq, head.hash);
    },
  };
}
