import type { Db } from '../connection';

/** A tree head this witness cosigned: what the next checkpoint of that log must extend. */
export type CosignedHead = { treeSize: number; rootHash: string; cosignedMs: number };

export type WitnessedLog = {
  logId: string;
  /** The log's checkpoint key, trusted on first use and pinned thereafter. */
  keyId: string;
  publicKeyPem: string;
  pinnedMs: number;
  cosigned: CosignedHead | null;
  /** What the last alert was raised for (an incident's fingerprint), or null. */
  alerted: string | null;
};

type Row = {
  log_id: string;
  key_id: string;
  public_key_pem: string;
  pinned_ms: number;
  cosigned_tree_size: number | null;
  cosigned_root_hash: string | null;
  cosigned_ms: number | null;
  alerted: string | null;
};

const toWitnessedLog = (row: Row): WitnessedLog => ({
  logId: row.log_id,
  keyId: row.key_id,
  publicKeyPem: row.public_key_pem,
  pinnedMs: row.pinned_ms,
  cosigned: row.cosigned_tree_size === null ? null : { treeSize: row.cosigned_tree_size, rootHash: row.cosigned_root_hash!, cosignedMs: row.cosigned_ms! },
  alerted: row.alerted,
});

/** The witness's memory of each other log (migration 0230). */
export function createWitnessRepository(db: Db) {
  const select = db.prepare('SELECT * FROM witnessed_logs WHERE log_id = ?');
  const insertPin = db.prepare('INSERT OR IGNORE INTO witnessed_logs (log_id, key_id, public_key_pem, pinned_ms) VALUES (?, ?, ?, ?)');
  const update = db.prepare('UPDATE witnessed_logs SET cosigned_tree_size = ?, cosigned_root_hash = ?, cosigned_ms = ? WHERE log_id = ?');
  const setAlerted = db.prepare('UPDATE witnessed_logs SET alerted = ? WHERE log_id = ?');

  const get = (logId: string): WitnessedLog | null => {
    const row = select.get(logId) as Row | undefined;
    return row ? toWitnessedLog(row) : null;
  };

  /**
   * Moves the cosigned head from `expected` to `next` only if it is still `expected` and `next` is not
   * smaller: the check and the write are one transaction, so two processes never roll the state back.
   */
  const advance = db.transaction((logId: string, expected: number | null, next: CosignedHead): boolean => {
    const current = get(logId);
    if (!current || (current.cosigned?.treeSize ?? null) !== expected || (expected !== null && next.treeSize < expected)) return false;
    update.run(next.treeSize, next.rootHash, next.cosignedMs, logId);
    return true;
  });

  return {
    get,
    /** Pins `keyId` for the log unless a key is pinned already; returns the log's record either way. */
    pinKey(logId: string, keyId: string, publicKeyPem: string, pinnedMs: number): WitnessedLog {
      insertPin.run(logId, keyId, publicKeyPem, pinnedMs);
      return get(logId)!;
    },
    advance: (logId: string, expected: number | null, next: CosignedHead): boolean => advance(logId, expected, next),
    setAlerted(logId: string, fingerprint: string | null): void {
      setAlerted.run(fingerprint, logId);
    },
  };
}
export type WitnessRepository = ReturnType<typeof createWitnessRepository>;
