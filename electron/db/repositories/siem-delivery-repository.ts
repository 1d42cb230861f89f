import type { Db } from '../connection';

/** How far one SIEM destination has taken one audit log (migration 0190). */
export type SiemDeliveryState = {
  /** The first seq not yet delivered. */
  nextSeq: number;
  deliveredMs: number | null;
  /** Since when deliveries fail (null while they succeed). */
  failingSinceMs: number | null;
  lastError: string | null;
};

type Row = { next_seq: number; delivered_ms: number | null; failing_since_ms: number | null; last_error: string | null };

export function createSiemDeliveryRepository(db: Db) {
  const select = db.prepare('SELECT next_seq, delivered_ms, failing_since_ms, last_error FROM siem_delivery WHERE destination = ? AND log_id = ?');
  // Several processes of a profile may forward at once: the cursor only ever moves forward.
  const advance = db.prepare(`
    INSERT INTO siem_delivery (destination, log_id, next_seq, delivered_ms, failing_since_ms, last_error) VALUES (?, ?, ?, ?, NULL, NULL)
    ON CONFLICT(destination, log_id) DO UPDATE SET next_seq = max(next_seq, excluded.next_seq), delivered_ms = excluded.delivered_ms,
      failing_since_ms = NULL, last_error = NULL`);
  const fail = db.prepare(`
    INSERT INTO siem_delivery (destination, log_id, next_seq, failing_since_ms, last_error) VALUES (?, ?, 0, ?, ?)
    ON CONFLICT(destination, log_id) DO UPDATE SET failing_since_ms = coalesce(failing_since_ms, excluded.failing_since_ms), last_error = excluded.last_error`);
  return {
    async state(destination: string, logId: string): Promise<SiemDeliveryState> {
      const row = select.get(destination, logId) as Row | undefined;
      return {
        nextSeq: row?.next_seq ?? 0,
        deliveredMs: row?.delivered_ms ?? null,
        failingSinceMs: row?.failing_since_ms ?? null,
        lastError: row?.last_error ?? null,
      };
    },
    async delivered(destination: string, logId: string, nextSeq: number, atMs: number): Promise<void> {
      advance.run(destination, logId, nextSeq, atMs);
    },
    async failed(destination: string, logId: string, atMs: number, error: string): Promise<void> {
      fail.run(destination, logId, atMs, error);
    },
  };
}

export type SiemDeliveryRepository = ReturnType<typeof createSiemDeliveryRepository>;
