import type { AuditEvent } from '../../../shared/domain';
import { rootFromLeafHashes } from '../../../shared/crypto/merkle';
import { MerkleNodeView, nodesCompletedByLeaf } from '../../../shared/crypto/merkle-tree';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeEntryBundle, encodeEntryBundle, TILE_HASH_BYTES, TILE_HEIGHT, TILE_WIDTH, tileSpanOfNode } from '../../../shared/crypto/tlog-tiles';
import { sha256 } from '../../crypto/sha256';
import type { Db } from '../connection';

export type AuditEventRecord = {
  event: AuditEvent;
  /** The object's bytes as stored in the bucket (canonical JSON); null when they come in a packed bundle of the same call. */
  body: string | null;
  /** RFC 9162 leaf hash of `body`. */
  leafHash: Uint8Array;
  alertCount: number;
  /** What the event lists in `details.items` (see audit/audit-items.ts). */
  items?: ReadonlyArray<AuditItem>;
};

export type AuditItem = { conversationId: string | null; recordingId: string | null; tradingId: string | null };

/** One event's leaf and its RFC 9162 inclusion proof in a tree of `treeSize`. */
export type InclusionProof = { seq: number; leafHash: Uint8Array; proof: Array<Uint8Array> };

export type AuditEventFilter = {
  conversationId?: string;
  recordingId?: string;
  tradingId?: string;
  /** With `tradingId`: recordings of the trade known elsewhere (the index), whose listing events also match. */
  tradeRecordingIds?: ReadonlyArray<string>;
  /** Operator name, email or OS account (case-insensitive prefix), or an officer's Genesys user id (exact). */
  operator?: string;
  caseReference?: string;
  action?: string;
  /** A workstation's hostname (case-insensitive prefix) or its log id (exact). */
  workstation?: string;
  fromMs?: number;
  toMs?: number;
  alertsOnly?: boolean;
};

export type TreeHeadRecord = { treeSize: number; rootHash: string; verifiedMs: number; source: string };
export type CheckpointRecord = { treeSize: number; rootHash: string; time: string; keyId: string };

/** A leaf already held for this seq differs from the one offered: the bucket and this workstation disagree. */
export type LeafConflict = { seq: number; held: string; offered: string };

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

type TermKind = 'conversation' | 'recording' | 'trade' | 'case' | 'posture';
const termPrefix: Record<TermKind, string> = { conversation: 'c', recording: 'r', trade: 't', case: 'k', posture: 'p' };

/**
 * The term index's word for an id: a 64-bit hash (cyrb53's two lanes), so any id is one token whatever its
 * characters. Two ids may share a word; the index only narrows the candidates and the columns decide. Trades
 * and cases compare case-insensitively (NOCASE), so their word is of the lower-cased id. Stored words depend on it:
 * changing it needs the index rebuilt (a migration refilling audit_terms_pending).
 */
export function termOf(kind: TermKind, value: string): string {
  const text = kind === 'trade' || kind === 'case' ? value.toLowerCase() : value;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return termPrefix[kind] + (h2 >>> 0).toString(36) + (h1 >>> 0).toString(36);
}

/** The text columns of an event in a batch, in this order. */
const batchText = ['action', 'operatorName', 'operatorAccount', 'operatorGenesysId', 'operatorEmail', 'hostname', 'conversationId', 'recordingId', 'tradingId', 'caseReference', 'body', 'terms'] as const;
const TEXT_STRIDE = batchText.length;

/**
 * Events in seq order as they cross to the database's thread: one array per kind of column, so the copy is
 * of a few arrays rather than of thousands of small objects (which cost the database's thread about a
 * tenth of a million-event catch-up), their words already hashed. A reader of many events builds it beside
 * its reading (`toEventBatch`), so the database's thread only writes.
 */
export type AuditEventBatch = {
  count: number;
  seqs: Float64Array;
  timesMs: Float64Array;
  alertCounts: Int32Array;
  /** 32 bytes an event. */
  leaves: Uint8Array;
  /** TEXT_STRIDE values an event, as `batchText` names them. */
  text: Array<string | null>;
  /** Items by position in the batch, for the events that list any. */
  items: Array<[number, ReadonlyArray<AuditItem>]>;
};

export function toEventBatch(records: ReadonlyArray<AuditEventRecord>): AuditEventBatch {
  const sorted = [...records].sort((a, b) => a.event.seq - b.event.seq);
  const count = sorted.length;
  const batch: AuditEventBatch = {
    count,
    seqs: new Float64Array(count),
    timesMs: new Float64Array(count),
    alertCounts: new Int32Array(count),
    leaves: new Uint8Array(count * TILE_HASH_BYTES),
    text: new Array<string | null>(count * TEXT_STRIDE),
    items: [],
  };
  sorted.forEach(({ event, body, leafHash, alertCount, items }, i) => {
    const { operator } = event;
    batch.seqs[i] = event.seq;
    batch.timesMs[i] = Date.parse(event.time);
    batch.alertCounts[i] = alertCount;
    batch.leaves.set(leafHash, i * TILE_HASH_BYTES);
    const row = [
      event.action,
      operator.name,
      operator.osAccount,
      operator.genesysUserId ?? null,
      operator.email ?? null,
      event.workstation.hostname,
      event.conversationId,
      event.recordingId,
      event.tradingId,
      event.caseReference,
      body,
      termsOfEvent(event, items),
    ];
    for (let k = 0; k < TEXT_STRIDE; k += 1) batch.text[i * TEXT_STRIDE + k] = row[k] ?? null;
    if (items && items.length > 0) batch.items.push([i, items]);
  });
  return batch;
}

/** A full entry bundle of another log, as the mirror keeps it: its 256 events' bytes in one deflated blob. */
export type PackedEventBundle = { index: number; packed: Uint8Array };

/**
 * Packs a full entry bundle (256 events, as read from the bucket) for the mirror: raw DEFLATE of its
 * tlog-tiles encoding, about 95 bytes an event instead of 600 in a row. A catch-up packs beside its reading.
 */
export function packEventBundle(index: number, entries: ReadonlyArray<Uint8Array>): PackedEventBundle {
  if (entries.length !== TILE_WIDTH) throw new RangeError(`only a full bundle is packed, not one of ${entries.length} events`);
  return { index, packed: deflateRawSync(encodeEntryBundle(entries), { level: 1 }) };
}

/** An FTS5 query for any of `terms` (each a quoted word of [a-z0-9]). */
const anyTerm = (terms: ReadonlyArray<string>) => terms.map((term) => `"${term}"`).join(' OR ');

/** The words an event is found by: its conversation, recording and trade, its items' ones, its case, and an unattended job's failure. */
export function termsOfEvent(
  event: Pick<AuditEvent, 'conversationId' | 'recordingId' | 'tradingId' | 'caseReference' | 'action' | 'details'>,
  items: ReadonlyArray<AuditItem> | undefined,
): string {
  // Written for speed (a catch-up words a million events): no closure or set for an event without items.
  const terms: Array<string> = [];
  for (const about of items && items.length > 0 ? [event, ...items] : [event]) {
    if (about.conversationId !== null) terms.push(termOf('conversation', about.conversationId));
    if (about.recordingId !== null) terms.push(termOf('recording', about.recordingId));
    if (about.tradingId !== null) terms.push(termOf('trade', about.tradingId));
  }
  if (event.caseReference !== null) terms.push(termOf('case', event.caseReference));
  if (event.action === 'posture' && typeof event.details.kind === 'string') terms.push(termOf('posture', event.details.kind));
  return (items && items.length > 0 ? [...new Set(terms)] : terms).join(' ');
}
const likePrefix = (value: string) => `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The verifiable audit log's local state (migration 0030). Events are recorded strictly in seq order,
 * with the tree's tiles they grow (migration 0240), in one transaction; roots and proofs then cost
 * O(log n) node reads. The API is async so the database can later move to a worker.
 */
export function createAuditMirrorRepository(db: Db) {
  // A packed bundle is unpacked once for the few reads that usually follow (a trail page, the events after it).
  const unpacked = new Map<string, Array<string>>();
  db.function('audit_bundle_entry', { deterministic: true }, (logId: unknown, index: unknown, packed: unknown, position: unknown) => {
    const key = `${String(logId)}/${String(index)}`;
    let entries = unpacked.get(key);
    if (!entries) {
      entries = decodeEntryBundle(inflateRawSync(packed as Buffer)).map((entry) => Buffer.from(entry.buffer, entry.byteOffset, entry.length).toString('utf8'));
      unpacked.set(key, entries);
      if (unpacked.size > 64) unpacked.delete(unpacked.keys().next().value!);
    }
    return entries[Number(position)] ?? null;
  });
  /** An event's stored bytes: its row's, or its packed bundle's. */
  const bodyOf = (e: string) =>
    `COALESCE(${e}.body, (SELECT audit_bundle_entry(b.log_id, b.idx, b.entries, ${e}.seq % ${TILE_WIDTH}) FROM audit_event_bundles b WHERE b.log_id = ${e}.log_id AND b.idx = ${e}.seq / ${TILE_WIDTH}))`;
  const insertBundle = db.prepare('INSERT OR IGNORE INTO audit_event_bundles (log_id, idx, entries) VALUES (?, ?, ?)');
  const insertItem = db.prepare('INSERT INTO audit_event_items (log_id, seq, position, conversation_id, recording_id, trading_id) VALUES (?, ?, ?, ?, ?, ?)');
  // Newest first: the event asked for is usually recent, and event ids are not indexed (only a demo asks).
  const selectSeqOfEventId = db.prepare(`SELECT e.seq FROM audit_events e WHERE e.log_id = ? AND json_extract(${bodyOf('e')}, '$.eventId') = ? ORDER BY e.seq DESC LIMIT 1`).pluck();
  const insertTerms = db.prepare('INSERT INTO audit_event_terms (rowid, terms) VALUES (?, ?)');
  const selectSize = db.prepare('SELECT size FROM audit_trees WHERE log_id = ?').pluck();
  const upsertSize = db.prepare('INSERT INTO audit_trees (log_id, size) VALUES (?, ?) ON CONFLICT(log_id) DO UPDATE SET size = excluded.size');
  const selectTile = db.prepare('SELECT hashes FROM audit_tree_tiles WHERE log_id = ? AND level = ? AND idx = ?').pluck();
  const upsertTile = db.prepare(
    'INSERT INTO audit_tree_tiles (log_id, level, idx, hashes) VALUES (?, ?, ?, ?) ON CONFLICT(log_id, level, idx) DO UPDATE SET hashes = excluded.hashes',
  );
  const insertEvent = db.prepare(`
    INSERT INTO audit_events (log_id, seq, time_ms, action, operator_name, operator_account, operator_genesys_id, operator_email, hostname,
      conversation_id, recording_id, trading_id, case_reference, alert_count, body)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const selectLogIds = db.prepare('SELECT log_id FROM audit_trees ORDER BY log_id').pluck();
  const selectNewest = db.prepare('SELECT hostname, time_ms FROM audit_events WHERE log_id = ? ORDER BY seq DESC LIMIT 1');
  const selectBody = db.prepare(`SELECT ${bodyOf('e')} FROM audit_events e WHERE e.log_id = ? AND e.seq = ?`).pluck();
  const selectUnattendedFailures = db
    .prepare(
      `SELECT body FROM (SELECT ${bodyOf('e')} AS body, e.time_ms FROM audit_events e
         WHERE e.id IN (SELECT rowid FROM audit_event_terms WHERE audit_event_terms MATCH '"${termOf('posture', 'unattended-job-failed')}"') AND e.action = 'posture' AND e.time_ms >= ?)
       WHERE json_extract(body, '$.details.kind') = 'unattended-job-failed' ORDER BY time_ms DESC LIMIT ?`,
    )
    .pluck();
  const selectBodiesFrom = db.prepare(`SELECT e.seq, ${bodyOf('e')} AS body FROM audit_events e WHERE e.log_id = ? AND e.seq >= ? ORDER BY e.seq LIMIT ?`);
  const selectLatestCheckpoint = db.prepare(
    'SELECT tree_size, root_hash, time, key_id FROM audit_checkpoints WHERE log_id = ? ORDER BY tree_size DESC LIMIT 1',
  );
  const insertCheckpoint = db.prepare(
    'INSERT OR IGNORE INTO audit_checkpoints (log_id, tree_size, root_hash, time, key_id) VALUES (?, ?, ?, ?, ?)',
  );
  const selectKey = db.prepare('SELECT retain_until_ms FROM audit_published_keys WHERE log_id = ? AND key_id = ?').pluck();
  const upsertKey = db.prepare(
    'INSERT INTO audit_published_keys (log_id, key_id, retain_until_ms) VALUES (?, ?, ?) ON CONFLICT(log_id, key_id) DO UPDATE SET retain_until_ms = excluded.retain_until_ms',
  );
  const selectKeys = db.prepare('SELECT key_id FROM audit_published_keys WHERE log_id = ?').pluck();
  const selectHead = db.prepare('SELECT tree_size, root_hash, verified_ms, source FROM audit_verified_heads WHERE log_id = ?');
  const upsertHead = db.prepare(`
    INSERT INTO audit_verified_heads (log_id, tree_size, root_hash, verified_ms, source) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(log_id) DO UPDATE SET tree_size = excluded.tree_size, root_hash = excluded.root_hash,
      verified_ms = excluded.verified_ms, source = excluded.source
    WHERE excluded.tree_size >= audit_verified_heads.tree_size`);
  const selectIntegrity = db.prepare('SELECT report_json FROM audit_integrity WHERE log_id = ?').pluck();
  const upsertIntegrity = db.prepare(
    'INSERT INTO audit_integrity (log_id, report_json) VALUES (?, ?) ON CONFLICT(log_id) DO UPDATE SET report_json = excluded.report_json',
  );

  const sizeOf = (logId: string) => (selectSize.get(logId) as number | undefined) ?? 0;
  // Full tiles never change: a few hundred are kept (8 KB each), so a proof's or a root's tiles are read once.
  // A partial tile grows (maybe through another connection to this file) and is always read afresh.
  const fullTiles = new Map<string, Buffer>();
  const readTile = (logId: string, level: number, index: number): Buffer | undefined => {
    const key = `${logId}/${level}/${index}`;
    const cached = fullTiles.get(key);
    if (cached) return cached;
    const tile = selectTile.get(logId, level, index) as Buffer | undefined;
    if (tile?.length === TILE_WIDTH * TILE_HASH_BYTES) {
      fullTiles.set(key, tile);
      if (fullTiles.size > 512) fullTiles.delete(fullTiles.keys().next().value!);
    }
    return tile;
  };
  /** Node (level, index) of a log's tree: a tile's hash, or the fold of a run of them; absent beyond the tree. */
  const readNode = (logId: string) => (level: number, index: number) => {
    const span = tileSpanOfNode(level, index);
    const tile = readTile(logId, span.tileLevel, span.tileIndex);
    if (!tile || tile.length < (span.offset + span.count) * TILE_HASH_BYTES) return undefined;
    const hashes = Array.from({ length: span.count }, (_, k) => tile.subarray((span.offset + k) * TILE_HASH_BYTES, (span.offset + k + 1) * TILE_HASH_BYTES));
    return span.count === 1 ? new Uint8Array(hashes[0]!) : rootFromLeafHashes(sha256, hashes);
  };
  const view = (logId: string) => new MerkleNodeView(sha256, readNode(logId));

  const record = db.transaction((logId: string, batch: AuditEventBatch, bundles: ReadonlyArray<PackedEventBundle>): { size: number; added: number; conflicts: Array<LeafConflict> } => {
    let size = sizeOf(logId);
    for (const { index, packed } of bundles) insertBundle.run(logId, index, packed);
    const packedHere = new Set(bundles.map((b) => b.index));
    const conflicts: Array<LeafConflict> = [];
    let added = 0;
    // Parents are hashed from the nodes this call adds, kept here: the store is read only for the tree's left
    // edge as it was (at most log2(size) nodes a call, not one read per node).
    const recorded = new Map<number, Uint8Array>();
    const nodeKey = (level: number, index: number) => index * 64 + level;
    const stored = readNode(logId);
    const read = (level: number, index: number) => {
      const key = nodeKey(level, index);
      let node = recorded.get(key);
      if (!node && (node = stored(level, index))) recorded.set(key, node);
      return node;
    };
    // The hashes of tile levels (tree levels 0, 8, 16, ...) this call adds, per tile, written once at the end.
    const tilesGrown = new Map<string, { level: number; index: number; from: number; hashes: Array<Uint8Array> }>();
    const itemsAt = new Map(batch.items);
    for (let i = 0; i < batch.count; i += 1) {
      const seq = batch.seqs[i]!;
      const leafHash = batch.leaves.subarray(i * TILE_HASH_BYTES, (i + 1) * TILE_HASH_BYTES);
      const text = batch.text.slice(i * TEXT_STRIDE, (i + 1) * TEXT_STRIDE);
      const [action, operatorName, operatorAccount, operatorGenesysId, operatorEmail, hostname, conversationId, recordingId, tradingId, caseReference, body, terms] = text;
      if (seq < size) {
        const held = read(0, seq)!;
        if (hex(held) !== hex(leafHash)) conflicts.push({ seq, held: hex(held), offered: hex(leafHash) });
        continue;
      }
      if (seq > size) throw new RangeError(`audit event ${seq} cannot be recorded before event ${size}`);
      if (body === null && !packedHere.has(Math.floor(seq / TILE_WIDTH))) throw new RangeError(`audit event ${seq} comes without its bytes or their bundle`);
      for (const node of nodesCompletedByLeaf(sha256, read, size, leafHash)) {
        recorded.set(nodeKey(node.level, node.index), node.hash);
        if (node.level % TILE_HEIGHT !== 0) continue;
        const level = node.level / TILE_HEIGHT;
        const index = Math.floor(node.index / TILE_WIDTH);
        const key = `${level}/${index}`;
        let tile = tilesGrown.get(key);
        if (!tile) tilesGrown.set(key, (tile = { level, index, from: node.index % TILE_WIDTH, hashes: [] }));
        tile.hashes.push(node.hash);
      }
      const { lastInsertRowid } = insertEvent.run(
        logId,
        seq,
        batch.timesMs[i],
        action,
        operatorName,
        operatorAccount,
        operatorGenesysId,
        operatorEmail,
        hostname,
        conversationId,
        recordingId,
        tradingId,
        caseReference,
        batch.alertCounts[i],
        body,
      );
      for (const [position, item] of (itemsAt.get(i) ?? []).entries()) insertItem.run(logId, seq, position, item.conversationId, item.recordingId, item.tradingId);
      if (terms) insertTerms.run(lastInsertRowid, terms);
      size += 1;
      added += 1;
    }
    for (const { level, index, from, hashes } of tilesGrown.values()) {
      const before = from === 0 ? [] : [(selectTile.get(logId, level, index) as Buffer).subarray(0, from * TILE_HASH_BYTES)];
      upsertTile.run(logId, level, index, Buffer.concat([...before, ...hashes]));
    }
    upsertSize.run(logId, size);
    return { size, added, conflicts };
  });

  // Events mirrored before the term index (migration 0240) get their words once, here, a few thousand a transaction.
  const selectPendingTerms = db.prepare(`
    SELECT p.id, e.log_id AS logId, e.seq, e.action, e.conversation_id AS conversationId, e.recording_id AS recordingId, e.trading_id AS tradingId,
      e.case_reference AS caseReference,
      json_extract(e.body, '$.details.kind') AS kind
    FROM audit_terms_pending p JOIN audit_events e ON e.id = p.id LIMIT 2000`);
  const selectItemsOf = db.prepare('SELECT conversation_id AS conversationId, recording_id AS recordingId, trading_id AS tradingId FROM audit_event_items WHERE log_id = ? AND seq = ? ORDER BY position');
  const deletePending = db.prepare('DELETE FROM audit_terms_pending WHERE id <= ?');
  const fillPendingTerms = db.transaction(() => {
    type Pending = Pick<AuditEvent, 'action' | 'conversationId' | 'recordingId' | 'tradingId' | 'caseReference'> & { id: number; logId: string; seq: number; kind: unknown };
    const rows = selectPendingTerms.all() as Array<Pending>;
    for (const { id, logId, seq, kind, ...event } of rows) {
      const terms = termsOfEvent({ ...event, details: { kind } }, selectItemsOf.all(logId, seq) as Array<AuditItem>);
      if (terms !== '') insertTerms.run(id, terms);
    }
    if (rows.length > 0) deletePending.run(rows.at(-1)!.id);
    return rows.length;
  });
  while (fillPendingTerms.immediate() > 0);

  const termCandidates = (param: string) => `id IN (SELECT rowid FROM audit_event_terms WHERE audit_event_terms MATCH @${param})`;
  const selectRecordingsNamingTrade = db
    .prepare(
      `SELECT e.recording_id FROM audit_events e WHERE ${termCandidates('term')} AND e.log_id IN (SELECT value FROM json_each(@logIds)) AND e.trading_id = @tradingId AND e.recording_id IS NOT NULL
       UNION SELECT i.recording_id FROM audit_events e JOIN audit_event_items i ON i.log_id = e.log_id AND i.seq = e.seq
         WHERE ${termCandidates('term')} AND e.log_id IN (SELECT value FROM json_each(@logIds)) AND i.trading_id = @tradingId AND i.recording_id IS NOT NULL`,
    )
    .pluck();
  /** Recordings that the events of `logIds` (or their items) tie to a trade. */
  const recordingsNamingTrade = (logIds: ReadonlyArray<string>, tradingId: string) =>
    selectRecordingsNamingTrade.all({ logIds: JSON.stringify(logIds), tradingId, term: anyTerm([termOf('trade', tradingId)]) }) as Array<string>;

  /** The filter over the events of `logIds` (one log, or every log this workstation mirrors). */
  function whereOf(logIds: ReadonlyArray<string>, filter: Readonly<AuditEventFilter>): { sql: string; params: Record<string, unknown> } {
    const where = ['log_id IN (SELECT value FROM json_each(@logIds))'];
    const params: Record<string, unknown> = { logIds: JSON.stringify(logIds) };
    const exact = (column: string, name: keyof AuditEventFilter) => {
      if (filter[name] === undefined) return;
      where.push(`${column} = @${name}`);
      params[name] = filter[name];
    };
    // An event matches a conversation, recording or trade it is about, or one it lists among its items (of its own
    // log): the term index finds the candidates, the columns decide.
    const listed = (condition: string) => `EXISTS (SELECT 1 FROM audit_event_items i WHERE i.log_id = audit_events.log_id AND i.seq = audit_events.seq AND ${condition})`;
    const orListed = (column: string, name: 'conversationId' | 'recordingId', kind: TermKind) => {
      const value = filter[name];
      if (value === undefined) return;
      where.push(`${termCandidates(`${name}Terms`)} AND (${column} = @${name} OR ${listed(`i.${column} = @${name}`)})`);
      params[name] = value;
      params[`${name}Terms`] = anyTerm([termOf(kind, value)]);
    };
    orListed('conversation_id', 'conversationId', 'conversation');
    orListed('recording_id', 'recordingId', 'recording');
    if (filter.tradingId !== undefined) {
      // A listed item names the trade, or is one of its recordings: by the index, or by the events of any log given.
      const recordings = [...new Set([...(filter.tradeRecordingIds ?? []), ...recordingsNamingTrade(logIds, filter.tradingId)])];
      where.push(`${termCandidates('tradeTerms')} AND (trading_id = @tradingId OR ${listed('(i.trading_id = @tradingId OR i.recording_id IN (SELECT value FROM json_each(@tradeRecordingIds)))')})`);
      params.tradingId = filter.tradingId;
      params.tradeRecordingIds = JSON.stringify(recordings);
      params.tradeTerms = anyTerm([termOf('trade', filter.tradingId), ...recordings.map((id) => termOf('recording', id))]);
    }
    if (filter.caseReference !== undefined) {
      where.push(`${termCandidates('caseTerms')} AND case_reference = @caseReference`);
      params.caseReference = filter.caseReference;
      params.caseTerms = anyTerm([termOf('case', filter.caseReference)]);
    }
    exact('action', 'action');
    if (filter.operator !== undefined) {
      where.push(
        "(operator_name LIKE @operator ESCAPE '\\' OR operator_account LIKE @operator ESCAPE '\\' OR operator_email LIKE @operator ESCAPE '\\' OR operator_genesys_id = @operatorId)",
      );
      params.operator = likePrefix(filter.operator);
      params.operatorId = filter.operator;
    }
    if (filter.workstation !== undefined) {
      where.push("(hostname LIKE @workstation ESCAPE '\\' OR log_id = @workstationLogId)");
      params.workstation = likePrefix(filter.workstation);
      params.workstationLogId = filter.workstation;
    }
    if (filter.fromMs !== undefined) {
      where.push('time_ms >= @fromMs');
      params.fromMs = filter.fromMs;
    }
    if (filter.toMs !== undefined) {
      where.push('time_ms <= @toMs');
      params.toMs = filter.toMs;
    }
    if (filter.alertsOnly) where.push('alert_count > 0');
    return { sql: where.join(' AND '), params };
  }

  return {
    async treeSize(logId: string): Promise<number> {
      return sizeOf(logId);
    },

    /**
     * Records events in seq order with their Merkle nodes. Events the tree already holds are compared,
     * not rewritten (a different leaf is returned as a conflict); a gap throws RangeError.
     */
    async recordEvents(
      logId: string,
      records: ReadonlyArray<AuditEventRecord> | AuditEventBatch,
      bundles: ReadonlyArray<PackedEventBundle> = [],
    ): Promise<{ size: number; added: number; conflicts: Array<LeafConflict> }> {
      return record(logId, Array.isArray(records) ? toEventBatch(records) : (records as AuditEventBatch), bundles);
    },

    async root(logId: string, size: number): Promise<Uint8Array> {
      return view(logId).root(size);
    },

    async inclusionProof(logId: string, index: number, size: number): Promise<Array<Uint8Array>> {
      return view(logId).inclusionProof(index, size);
    },

    /** Inclusion proofs of `seqs` in the tree of `treeSize`: O(log n) stored nodes each, read in one transaction. */
    async proofsFor(logId: string, seqs: ReadonlyArray<number>, treeSize: number): Promise<Array<InclusionProof>> {
      return db.transaction(() => {
        if (treeSize > sizeOf(logId)) throw new RangeError(`the mirror holds ${sizeOf(logId)} events, fewer than the tree of ${treeSize} asked for`);
        const nodes = view(logId);
        const read = readNode(logId);
        return seqs.map((seq) => ({ seq, leafHash: read(0, seq)!, proof: nodes.inclusionProof(seq, treeSize) }));
      })();
    },

    async seqOfEventId(logId: string, eventId: string): Promise<number | null> {
      return (selectSeqOfEventId.get(logId, eventId) as number | undefined) ?? null;
    },

    /**
     * Seqs below `treeSize` of events about any of the recordings or trades given, or about a
     * conversation without naming a recording, or listing one of the recordings among their items.
     */
    async seqsAbout(
      logId: string,
      about: Readonly<{ recordingIds: ReadonlyArray<string>; conversationIds: ReadonlyArray<string>; searchTradingIds: ReadonlyArray<string> }>,
      treeSize: number,
    ): Promise<Array<number>> {
      if (about.recordingIds.length + about.conversationIds.length + about.searchTradingIds.length === 0) return [];
      return db
        .prepare(
          `SELECT seq FROM audit_events WHERE ${termCandidates('terms')} AND log_id = @logId AND seq < @treeSize AND (
            recording_id IN (SELECT value FROM json_each(@recordingIds))
            OR (recording_id IS NULL AND conversation_id IN (SELECT value FROM json_each(@conversationIds)))
            OR (action = 'search' AND trading_id IN (SELECT value FROM json_each(@tradingIds)))
          ) ORDER BY seq`,
        )
        .pluck()
        .all({
          logId,
          treeSize,
          recordingIds: JSON.stringify(about.recordingIds),
          conversationIds: JSON.stringify(about.conversationIds),
          tradingIds: JSON.stringify(about.searchTradingIds),
          terms: anyTerm([
            ...about.recordingIds.map((id) => termOf('recording', id)),
            ...about.conversationIds.map((id) => termOf('conversation', id)),
            ...about.searchTradingIds.map((id) => termOf('trade', id)),
          ]),
        }) as Array<number>;
    },

    /** Recordings played, seeked, previewed or downloaded under a case reference (exactly as written), first access first. */
    async recordingsAccessedUnderCase(logId: string, caseReference: string): Promise<Array<string>> {
      return db
        .prepare(
          // The recording an event names, and each one a batch event lists (a bulk job's download batches).
          `SELECT recording_id FROM (
              SELECT e.recording_id, e.seq FROM audit_events e
                WHERE ${termCandidates('caseTerms')} AND e.log_id = @logId AND e.case_reference = @caseReference COLLATE BINARY AND e.recording_id IS NOT NULL
                  AND e.action IN ('play', 'download', 'preview', 'seek')
              UNION ALL
              SELECT i.recording_id, e.seq FROM audit_events e JOIN audit_event_items i ON i.log_id = e.log_id AND i.seq = e.seq
                WHERE ${termCandidates('caseTerms')} AND e.log_id = @logId AND e.case_reference = @caseReference COLLATE BINARY AND i.recording_id IS NOT NULL
                  AND e.action IN ('play', 'download', 'preview', 'seek'))
            GROUP BY recording_id ORDER BY MIN(seq)`,
        )
        .pluck()
        .all({ logId, caseReference, caseTerms: anyTerm([termOf('case', caseReference)]) }) as Array<string>;
    },

    /** Bodies of the events whose details hold `path` (a dotted path of names), in seq order. */
    async bodiesWithDetail(logId: string, path: string): Promise<Array<string>> {
      if (!/^[A-Za-z]+(\.[A-Za-z]+)*$/.test(path)) throw new RangeError(`not a detail path: ${path}`);
      return db
        .prepare(`SELECT body FROM (SELECT ${bodyOf('e')} AS body, e.seq FROM audit_events e WHERE e.log_id = ?) WHERE json_extract(body, ?) IS NOT NULL ORDER BY seq`)
        .pluck()
        .all(logId, `$.details.${path}`) as Array<string>;
    },

    async consistencyProof(logId: string, oldSize: number, newSize: number): Promise<Array<Uint8Array>> {
      return view(logId).consistencyProof(oldSize, newSize);
    },

    async leafHash(logId: string, seq: number): Promise<Uint8Array | null> {
      return readNode(logId)(0, seq) ?? null;
    },

    async eventBody(logId: string, seq: number): Promise<string | null> {
      return (selectBody.get(logId, seq) as string | undefined) ?? null;
    },

    /** Unattended jobs' failures (posture events of kind unattended-job-failed) at or after `sinceMs` in every mirrored log, newest first. */
    async unattendedFailuresSince(sinceMs: number, limit: number): Promise<Array<string>> {
      return selectUnattendedFailures.all(sinceMs, limit) as Array<string>;
    },

    /** Up to `limit` events from `fromSeq` on, in seq order (what the SIEM forwarder sends next; a tile's entries). */
    async eventBodiesFrom(logId: string, fromSeq: number, limit: number): Promise<Array<{ seq: number; body: string }>> {
      return selectBodiesFrom.all(logId, fromSeq, limit) as Array<{ seq: number; body: string }>;
    },

    /** Perfect-subtree nodes (level, index) for index in [from, to), in order; stops at the first absent one. */
    async nodes(logId: string, level: number, from: number, to: number): Promise<Array<Uint8Array>> {
      const read = readNode(logId);
      const out: Array<Uint8Array> = [];
      for (let index = from; index < to; index += 1) {
        const node = read(level, index);
        if (!node) break;
        out.push(node);
      }
      return out;
    },

    /** The events of one or several logs matching `filter`, newest first (by time, then by each log's order). */
    async listEvents(logIds: ReadonlyArray<string>, filter: Readonly<AuditEventFilter>, limit: number): Promise<{ bodies: Array<string>; total: number }> {
      const { sql, params } = whereOf(logIds, filter);
      const total = db.prepare(`SELECT COUNT(*) FROM audit_events WHERE ${sql}`).pluck().get(params) as number;
      const bodies = db.prepare(`SELECT ${bodyOf('audit_events')} FROM audit_events WHERE ${sql} ORDER BY time_ms DESC, seq DESC, log_id LIMIT @limit`).pluck().all({ ...params, limit }) as Array<string>;
      return { bodies, total };
    },

    /** Every log this database mirrors (its own and other workstations'). */
    async logIds(): Promise<Array<string>> {
      return selectLogIds.all() as Array<string>;
    },

    /** Who writes a log: the hostname and time of its newest mirrored event (null before its first). */
    async newestEventOf(logId: string): Promise<{ hostname: string; time: string } | null> {
      const row = selectNewest.get(logId) as { hostname: string; time_ms: number } | undefined;
      return row ? { hostname: row.hostname, time: new Date(row.time_ms).toISOString() } : null;
    },

    /**
     * The accesses of one officer (her Genesys user id), or of one OS account among events naming no
     * Genesys user, with one of `actions` at or after `sinceMs`: an event that lists items (a bulk batch,
     * an archive run, a pack) counts each recording.
     */
    async countOperatorAccesses(
      logId: string,
      operator: Readonly<{ genesysUserId: string | null; osAccount: string }>,
      actions: ReadonlyArray<string>,
      sinceMs: number,
    ): Promise<number> {
      if (actions.length === 0) return 0;
      const placeholders = actions.map(() => '?').join(', ');
      const [who, whoValue] = operator.genesysUserId !== null
        ? ['e.operator_genesys_id = ?', operator.genesysUserId]
        : ['e.operator_genesys_id IS NULL AND e.operator_account = ?', operator.osAccount];
      return db
        .prepare(
          `SELECT COALESCE(SUM(MAX(1, (SELECT COUNT(DISTINCT COALESCE(i.recording_id, i.conversation_id)) FROM audit_event_items i WHERE i.log_id = e.log_id AND i.seq = e.seq))), 0)
           FROM audit_events e WHERE e.log_id = ? AND ${who} AND e.time_ms >= ? AND e.action IN (${placeholders})`,
        )
        .pluck()
        .get(logId, whoValue, sinceMs, ...actions) as number;
    },

    async latestCheckpoint(logId: string): Promise<CheckpointRecord | null> {
      const row = selectLatestCheckpoint.get(logId) as { tree_size: number; root_hash: string; time: string; key_id: string } | undefined;
      return row ? { treeSize: row.tree_size, rootHash: row.root_hash, time: row.time, keyId: row.key_id } : null;
    },

    async saveCheckpoint(logId: string, checkpoint: Readonly<CheckpointRecord>): Promise<void> {
      insertCheckpoint.run(logId, checkpoint.treeSize, checkpoint.rootHash, checkpoint.time, checkpoint.keyId);
    },

    /** Until when the published public key is retained in the bucket, or null if this installation never published it. */
    async publishedKeyRetention(logId: string, keyId: string): Promise<number | null> {
      return (selectKey.get(logId, keyId) as number | undefined) ?? null;
    },

    async savePublishedKey(logId: string, keyId: string, retainUntilMs: number): Promise<void> {
      upsertKey.run(logId, keyId, retainUntilMs);
    },

    async publishedKeyIds(logId: string): Promise<Array<string>> {
      return selectKeys.all(logId) as Array<string>;
    },

    async verifiedHead(logId: string): Promise<TreeHeadRecord | null> {
      const row = selectHead.get(logId) as { tree_size: number; root_hash: string; verified_ms: number; source: string } | undefined;
      return row ? { treeSize: row.tree_size, rootHash: row.root_hash, verifiedMs: row.verified_ms, source: row.source } : null;
    },

    /** Remembers a verified tree head; never moves back to a smaller tree (checks run concurrently). */
    async advanceVerifiedHead(logId: string, head: Readonly<TreeHeadRecord>): Promise<void> {
      upsertHead.run(logId, head.treeSize, head.rootHash, head.verifiedMs, head.source);
    },

    async integrityReport(logId: string): Promise<unknown> {
      const json = selectIntegrity.get(logId) as string | undefined;
      return json === undefined ? null : (JSON.parse(json) as unknown);
    },

    async saveIntegrityReport(logId: string, report: unknown): Promise<void> {
      upsertIntegrity.run(logId, JSON.stringify(report));
    },
  };
}

export type AuditMirrorRepository = ReturnType<typeof createAuditMirrorRepository>;
