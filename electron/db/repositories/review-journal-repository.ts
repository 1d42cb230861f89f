import type { Db } from '../connection';

export type JournalAction = 'open' | 'view' | 'play' | 'seek' | 'transcript' | 'tamper' | 'close';

export type JournalEntry = {
  seq: number;
  sessionId: string;
  time: string;
  reviewer: string;
  osAccount: string;
  hostname: string;
  packPath: string;
  packId: string | null;
  caseReference: string | null;
  action: JournalAction;
  conversationId: string | null;
  recordingId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  /** True: `hash` is an HMAC-SHA256 under the journal key (migration 0070); false: a plain SHA-256 from before. */
  keyed: boolean;
  hash: string;
  syncedEventId: string | null;
  syncedMs: number | null;
  /** Why the WORM log got a rejection record instead of this entry (a bad ID, a hash that does not verify). */
  rejectedReason: string | null;
};

export type JournalSyncState = 'syncedEventId' | 'syncedMs' | 'rejectedReason';

type Row = {
  seq: number;
  session_id: string;
  time: string;
  reviewer: string;
  os_account: string;
  hostname: string;
  pack_path: string;
  pack_id: string | null;
  case_reference: string | null;
  action: JournalAction;
  conversation_id: string | null;
  recording_id: string | null;
  details_json: string;
  prev_hash: string;
  keyed: number;
  hash: string;
  synced_event_id: string | null;
  synced_ms: number | null;
  rejected_reason: string | null;
};

const toEntry = (r: Row): JournalEntry => ({
  seq: r.seq,
  sessionId: r.session_id,
  time: r.time,
  reviewer: r.reviewer,
  osAccount: r.os_account,
  hostname: r.hostname,
  packPath: r.pack_path,
  packId: r.pack_id,
  caseReference: r.case_reference,
  action: r.action,
  conversationId: r.conversation_id,
  recordingId: r.recording_id,
  details: JSON.parse(r.details_json) as Record<string, unknown>,
  prevHash: r.prev_hash,
  keyed: r.keyed === 1,
  hash: r.hash,
  syncedEventId: r.synced_event_id,
  syncedMs: r.synced_ms,
  rejectedReason: r.rejected_reason,
});

/** The local review journal (migrations 0050, 0070) and the packs built on this workstation. */
export function createReviewJournalRepository(db: Db) {
  const insert = db.prepare(`
    INSERT INTO review_journal (seq, session_id, time, reviewer, os_account, hostname, pack_path, pack_id, case_reference, action,
      conversation_id, recording_id, details_json, prev_hash, keyed, hash)
    VALUES (@seq, @sessionId, @time, @reviewer, @osAccount, @hostname, @packPath, @packId, @caseReference, @action,
      @conversationId, @recordingId, @detailsJson, @prevHash, @keyedInt, @hash)`);
  const last = db.prepare('SELECT seq, hash FROM review_journal ORDER BY seq DESC LIMIT 1');
  const hashAt = db.prepare('SELECT hash FROM review_journal WHERE seq = ?');
  const all = db.prepare('SELECT * FROM review_journal ORDER BY seq');
  const markSynced = db.prepare('UPDATE review_journal SET synced_event_id = ?, synced_ms = ?, rejected_reason = ? WHERE seq = ? AND synced_event_id IS NULL');
  const insertPack = db.prepare(`
    INSERT INTO evidence_packs (pack_id, case_reference, path, export_event_id, recordings, payload_bytes, built_ms)
    VALUES (@packId, @caseReference, @path, @exportEventId, @recordings, @payloadBytes, @builtMs)`);
  return {
    /** Appends with the next seq, chained to the last entry, in one transaction. */
    async append(build: (previous: { seq: number; hash: string } | null) => Omit<JournalEntry, JournalSyncState>): Promise<JournalEntry> {
      return db.transaction(() => {
        const previous = (last.get() as { seq: number; hash: string } | undefined) ?? null;
        const entry = build(previous);
        insert.run({ ...entry, keyedInt: entry.keyed ? 1 : 0, detailsJson: JSON.stringify(entry.details) });
        return { ...entry, syncedEventId: null, syncedMs: null, rejectedReason: null };
      }).immediate();
    },
    async last(): Promise<{ seq: number; hash: string } | null> {
      return (last.get() as { seq: number; hash: string } | undefined) ?? null;
    },
    /** The hash stored at `seq`, or null when there is no such entry. */
    async hashAt(seq: number): Promise<string | null> {
      return (hashAt.get(seq) as { hash: string } | undefined)?.hash ?? null;
    },
    async list(): Promise<Array<JournalEntry>> {
      return (all.all() as Array<Row>).map(toEntry);
    },
    /** `rejectedReason`: the event written was a rejection record, not the entry itself. */
    async markSynced(seq: number, eventId: string, atMs: number, rejectedReason: string | null = null): Promise<void> {
      markSynced.run(eventId, atMs, rejectedReason, seq);
    },
    async recordPack(pack: { packId: string; caseReference: string; path: string; exportEventId: string; recordings: number; payloadBytes: number; builtMs: number }): Promise<void> {
      insertPack.run(pack);
    },
  };
}

export type ReviewJournalRepository = ReturnType<typeof createReviewJournalRepository>;
