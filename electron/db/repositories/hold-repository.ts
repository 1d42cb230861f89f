import type { HoldState } from '../../../shared/holds';
import type { Db } from '../connection';

/** Who acted on a hold: the signed-in officer's Genesys name and user id (absent on holds from before sign-in), and the OS account. */
export type HoldActor = { name: string; osAccount: string; genesysUserId?: string };

export type HoldRecord = {
  id: string;
  tradingId: string;
  caseReference: string;
  reason: string;
  state: HoldState;
  placedBy: HoldActor;
  placedMs: number;
  placeEventId: string;
  /** `requestId`: the approval request in the audit bucket (null on releases requested before approvals were stored there). */
  releaseRequest: { by: HoldActor; atMs: number; reason: string; eventId: string; requestId: string | null } | null;
  released: { by: HoldActor; atMs: number; eventId: string } | null;
};

export type HoldObjectStatus = 'held' | 'failed' | 'released' | 'kept';
export type HoldObject = { bucket: string; key: string; versionId: string; status: HoldObjectStatus; error: string | null };

export type HoldConversationStatus = 'protected' | 'cap-reached' | 'failed' | 'released' | 'kept';
export type HoldConversation = { conversationId: string; status: HoldConversationStatus; error: string | null };

type HoldRow = {
  id: string;
  trading_id: string;
  case_reference: string;
  reason: string;
  state: HoldState;
  placed_by_name: string;
  placed_by_account: string;
  placed_by_user_id: string | null;
  placed_ms: number;
  place_event_id: string;
  release_requested_by_name: string | null;
  release_requested_by_account: string | null;
  release_requested_by_user_id: string | null;
  release_request_id: string | null;
  release_requested_ms: number | null;
  release_reason: string | null;
  release_request_event_id: string | null;
  released_by_name: string | null;
  released_by_account: string | null;
  released_by_user_id: string | null;
  released_ms: number | null;
  release_event_id: string | null;
};

const actor = (name: string | null, osAccount: string | null, genesysUserId: string | null): HoldActor => ({
  name: name ?? '',
  osAccount: osAccount ?? '',
  ...(genesysUserId ? { genesysUserId } : {}),
});

const toHold = (row: HoldRow): HoldRecord => ({
  id: row.id,
  tradingId: row.trading_id,
  caseReference: row.case_reference,
  reason: row.reason,
  state: row.state,
  placedBy: actor(row.placed_by_name, row.placed_by_account, row.placed_by_user_id),
  placedMs: row.placed_ms,
  placeEventId: row.place_event_id,
  releaseRequest:
    row.release_requested_ms === null
      ? null
      : {
          by: actor(row.release_requested_by_name, row.release_requested_by_account, row.release_requested_by_user_id),
          atMs: row.release_requested_ms,
          reason: row.release_reason ?? '',
          eventId: row.release_request_event_id ?? '',
          requestId: row.release_request_id,
        },
  released:
    row.released_ms === null
      ? null
      : { by: actor(row.released_by_name, row.released_by_account, row.released_by_user_id), atMs: row.released_ms, eventId: row.release_event_id ?? '' },
});

/** Legal holds and what each one locked. A hold is open (it protects) in every state but 'released'. */
export function createHoldRepository(db: Db) {
  const insertHold = db.prepare(`
    INSERT INTO holds (id, trading_id, case_reference, reason, state, placed_by_name, placed_by_account, placed_by_user_id, placed_ms, place_event_id)
    VALUES (@id, @tradingId, @caseReference, @reason, 'placing', @name, @osAccount, @genesysUserId, @placedMs, @placeEventId)`);
  const selectHold = db.prepare('SELECT * FROM holds WHERE id = ?');
  const selectOpenForCase = db.prepare("SELECT * FROM holds WHERE trading_id = ? AND case_reference = ? AND state <> 'released'");
  const selectOpenForTrade = db.prepare("SELECT * FROM holds WHERE trading_id = ? AND state <> 'released' ORDER BY placed_ms");
  const selectAll = db.prepare('SELECT * FROM holds ORDER BY placed_ms DESC');
  const selectOpen = db.prepare("SELECT * FROM holds WHERE state <> 'released' ORDER BY placed_ms DESC");
  const setState = db.prepare('UPDATE holds SET state = ? WHERE id = ?');
  const setReleaseRequest = db.prepare(`
    UPDATE holds SET state = 'release-requested', release_requested_by_name = ?, release_requested_by_account = ?, release_requested_by_user_id = ?,
      release_requested_ms = ?, release_reason = ?, release_request_event_id = ?, release_request_id = ?
    WHERE id = ? AND (state IN ('active', 'release-requested') OR (state = 'releasing' AND release_request_id IS NULL))`);
  const setReleased = db.prepare(`
    UPDATE holds SET state = 'released', released_by_name = ?, released_by_account = ?, released_by_user_id = ?, released_ms = ?, release_event_id = ?
    WHERE id = ?`);
  const anyOpenForTrades = db.prepare(
    "SELECT 1 FROM holds WHERE state <> 'released' AND trading_id IN (SELECT value FROM json_each(?)) LIMIT 1",
  );
  const upsertObject = db.prepare(`
    INSERT INTO hold_objects (hold_id, bucket, object_key, version_id, status, error) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(hold_id, bucket, object_key, version_id) DO UPDATE SET status = excluded.status, error = excluded.error`);
  const selectObjects = db.prepare('SELECT bucket, object_key, version_id, status, error FROM hold_objects WHERE hold_id = ? ORDER BY object_key');
  const objectHeldByOthers = db.prepare(`
    SELECT 1 FROM hold_objects o JOIN holds h ON h.id = o.hold_id
    WHERE o.bucket = ? AND o.object_key = ? AND o.version_id = ? AND o.hold_id <> ? AND h.state <> 'released' AND o.status = 'held' LIMIT 1`);
  const objectHeld = db.prepare(`
    SELECT 1 FROM hold_objects o JOIN holds h ON h.id = o.hold_id
    WHERE o.bucket = ? AND o.object_key = ? AND h.state <> 'released' AND o.status IN ('held', 'failed') LIMIT 1`);
  const upsertConversation = db.prepare(`
    INSERT INTO hold_conversations (hold_id, conversation_id, status, error) VALUES (?, ?, ?, ?)
    ON CONFLICT(hold_id, conversation_id) DO UPDATE SET status = excluded.status, error = excluded.error`);
  const selectConversations = db.prepare('SELECT conversation_id, status, error FROM hold_conversations WHERE hold_id = ? ORDER BY conversation_id');
  const conversationProtectedByOthers = db.prepare(`
    SELECT 1 FROM hold_conversations c JOIN holds h ON h.id = c.hold_id
    WHERE c.conversation_id = ? AND c.hold_id <> ? AND h.state <> 'released' AND c.status = 'protected' LIMIT 1`);
  const countProtected = db.prepare(`
    SELECT COUNT(DISTINCT c.conversation_id) AS n FROM hold_conversations c JOIN holds h ON h.id = c.hold_id
    WHERE h.state <> 'released' AND c.status = 'protected'`);

  return {
    async insert(hold: { id: string; tradingId: string; caseReference: string; reason: string; placedBy: HoldActor; placedMs: number; placeEventId: string }): Promise<void> {
      insertHold.run({ ...hold, name: hold.placedBy.name, osAccount: hold.placedBy.osAccount, genesysUserId: hold.placedBy.genesysUserId ?? null });
    },
    async get(id: string): Promise<HoldRecord | null> {
      const row = selectHold.get(id) as HoldRow | undefined;
      return row ? toHold(row) : null;
    },
    async openForCase(tradingId: string, caseReference: string): Promise<HoldRecord | null> {
      const row = selectOpenForCase.get(tradingId, caseReference) as HoldRow | undefined;
      return row ? toHold(row) : null;
    },
    async openForTrade(tradingId: string): Promise<Array<HoldRecord>> {
      return (selectOpenForTrade.all(tradingId) as Array<HoldRow>).map(toHold);
    },
    async list(includeReleased: boolean): Promise<Array<HoldRecord>> {
      return ((includeReleased ? selectAll : selectOpen).all() as Array<HoldRow>).map(toHold);
    },
    async setState(id: string, state: HoldState): Promise<void> {
      setState.run(state, id);
    },
    /** False when the hold was neither active nor waiting for a release approval (released, still being placed, or releasing under a stored request). */
    async requestRelease(id: string, request: { by: HoldActor; atMs: number; reason: string; eventId: string; requestId: string }): Promise<boolean> {
      const { by } = request;
      return setReleaseRequest.run(by.name, by.osAccount, by.genesysUserId ?? null, request.atMs, request.reason, request.eventId, request.requestId, id).changes === 1;
    },
    async markReleased(id: string, by: HoldActor, atMs: number, eventId: string): Promise<void> {
      setReleased.run(by.name, by.osAccount, by.genesysUserId ?? null, atMs, eventId, id);
    },
    /** Read at the moment of a deletion: is any of these trades under an open hold? */
    async anyOpenForTrades(tradingIds: ReadonlyArray<string>): Promise<boolean> {
      return tradingIds.length > 0 && anyOpenForTrades.get(JSON.stringify(tradingIds)) !== undefined;
    },
    async isObjectHeld(bucket: string, key: string): Promise<boolean> {
      return objectHeld.get(bucket, key) !== undefined;
    },
    async putObject(holdId: string, object: HoldObject): Promise<void> {
      upsertObject.run(holdId, object.bucket, object.key, object.versionId, object.status, object.error);
    },
    async objects(holdId: string): Promise<Array<HoldObject>> {
      return (selectObjects.all(holdId) as Array<{ bucket: string; object_key: string; version_id: string; status: HoldObjectStatus; error: string | null }>).map(
        (r) => ({ bucket: r.bucket, key: r.object_key, versionId: r.version_id, status: r.status, error: r.error }),
      );
    },
    async objectHeldByOtherHold(holdId: string, bucket: string, key: string, versionId: string): Promise<boolean> {
      return objectHeldByOthers.get(bucket, key, versionId, holdId) !== undefined;
    },
    async putConversation(holdId: string, conversation: HoldConversation): Promise<void> {
      upsertConversation.run(holdId, conversation.conversationId, conversation.status, conversation.error);
    },
    async conversations(holdId: string): Promise<Array<HoldConversation>> {
      return (selectConversations.all(holdId) as Array<{ conversation_id: string; status: HoldConversationStatus; error: string | null }>).map((r) => ({
        conversationId: r.conversation_id,
        status: r.status,
        error: r.error,
      }));
    },
    async conversationProtectedByOtherHold(holdId: string, conversationId: string): Promise<boolean> {
      return conversationProtectedByOthers.get(conversationId, holdId) !== undefined;
    },
    /** Conversations Custody keeps deletion-protected in Genesys (counts against the org's cap). */
    async protectedConversationCount(): Promise<number> {
      return (countProtected.get() as { n: number }).n;
    },
  };
}

export type HoldRepository = ReturnType<typeof createHoldRepository>;
