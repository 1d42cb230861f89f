import { createHash } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../electron/db/connection';
import { migrate } from '../../../../electron/db/migrate';
import { migrations } from '../../../../electron/db/migrations';
import { createAuditMirrorRepository, packEventBundle } from '../../../../electron/db/repositories/audit-mirror-repository';
import { consistencyProof, inclusionProof, nodeHash, rootFromLeafHashes, verifyConsistency } from '../../../../shared/crypto/merkle';
import type { AuditEvent } from '../../../../shared/domain';
import { auditRecord, recordsStartMs } from '../../../helpers/audit-records';

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const LOG = 'log-a';

function eventRecord(seq: number, extra: Partial<AuditEvent> = {}, alertCount = 0) {
  return auditRecord(
    LOG,
    seq,
    {
      operator: { osAccount: seq % 2 ? 'jdoe' : 'mhart', name: seq % 2 ? 'Jane Doe' : 'Maria Hartmann' },
      action: seq % 3 === 0 ? 'search' : 'play',
      conversationId: seq % 3 === 0 ? null : `conv-${seq % 4}`,
      recordingId: seq % 3 === 0 ? null : `rec-${seq % 4}`,
      tradingId: seq % 3 === 0 ? null : `T-${seq % 4}`,
      caseReference: 'FCA-2026-0042',
      ...extra,
    },
    alertCount,
  );
}

describe('audit trail repository', () => {
  it('records events in order and answers roots and proofs equal to the array definition', async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    const records = Array.from({ length: 21 }, (_, i) => eventRecord(i));
    expect(await repo.recordEvents(LOG, records.slice(0, 9))).toEqual({ size: 9, added: 9, conflicts: [] });
    expect(await repo.recordEvents(LOG, records.slice(9))).toEqual({ size: 21, added: 12, conflicts: [] });
    const leaves = records.map((r) => r.leafHash);
    for (const n of [1, 8, 9, 21]) expect(hex(await repo.root(LOG, n))).toBe(hex(rootFromLeafHashes(sha256, leaves.slice(0, n))));
    expect((await repo.inclusionProof(LOG, 5, 21)).map(hex)).toEqual(inclusionProof(sha256, leaves, 5).map(hex));
    const proof = await repo.consistencyProof(LOG, 9, 21);
    expect(proof.map(hex)).toEqual(consistencyProof(sha256, leaves, 9).map(hex));
    expect(verifyConsistency(sha256, { oldSize: 9, newSize: 21, oldRoot: await repo.root(LOG, 9), newRoot: await repo.root(LOG, 21), proof })).toBe(true);
    expect(await repo.eventBody(LOG, 4)).toBe(records[4]!.body);
    expect(await repo.treeSize('another-log')).toBe(0);
  });

  it('keeps the tree as tiles of 256 across calls: roots and proofs over partial and full tiles, and level-8 nodes folded from their tile', async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    const records = Array.from({ length: 600 }, (_, i) => eventRecord(i));
    for (const [from, to] of [[0, 7], [7, 257], [257, 511], [511, 512], [512, 600]] as const) await repo.recordEvents(LOG, records.slice(from, to));
    const leaves = records.map((r) => r.leafHash);
    for (const n of [255, 256, 257, 511, 512, 513, 600]) expect(hex(await repo.root(LOG, n))).toBe(hex(rootFromLeafHashes(sha256, leaves.slice(0, n))));
    for (const i of [0, 255, 256, 599]) expect((await repo.inclusionProof(LOG, i, 600)).map(hex)).toEqual(inclusionProof(sha256, leaves, i).map(hex));
    expect((await repo.consistencyProof(LOG, 300, 600)).map(hex)).toEqual(consistencyProof(sha256, leaves.slice(0, 600), 300).map(hex));
    // Tree level 8 (the hash tile a checkpointer publishes at level 1) and a node above it.
    expect((await repo.nodes(LOG, 8, 0, 3)).map(hex)).toEqual([hex(rootFromLeafHashes(sha256, leaves.slice(0, 256))), hex(rootFromLeafHashes(sha256, leaves.slice(256, 512)))]);
    expect(hex((await repo.nodes(LOG, 9, 0, 1))[0]!)).toBe(hex(rootFromLeafHashes(sha256, leaves.slice(0, 512))));
    expect(hex((await repo.leafHash(LOG, 300))!)).toBe(hex(leaves[300]!));
    expect(await repo.leafHash(LOG, 600)).toBeNull();
  });

  it('keeps the events of a full bundle as that bundle, packed, and reads their bytes back wherever a body is read', async () => {
    const db = openDatabaseSync(':memory:');
    const repo = createAuditMirrorRepository(db);
    const records = Array.from({ length: 300 }, (_, i) => eventRecord(i, i === 7 ? { details: { review: { journalHash: 'h' } } } : {}));
    const bodyless = records.slice(0, 256).map((r) => ({ ...r, body: null }));
    await expect(repo.recordEvents(LOG, bodyless)).rejects.toThrow(/event 0 comes without its bytes or their bundle/);
    const bundle = packEventBundle(0, records.slice(0, 256).map((r) => Buffer.from(r.body!, 'utf8')));
    expect(bundle.packed.length).toBeLessThan(records.slice(0, 256).reduce((n, r) => n + r.body!.length, 0) / 3);
    await repo.recordEvents(LOG, [...bodyless, ...records.slice(256)], [bundle]);
    expect(db.prepare('SELECT COUNT(*) FROM audit_events WHERE body IS NULL').pluck().get()).toBe(256);
    expect(await repo.eventBody(LOG, 255)).toBe(records[255]!.body);
    expect(await repo.eventBody(LOG, 256)).toBe(records[256]!.body);
    expect((await repo.eventBodiesFrom(LOG, 250, 10)).map((e) => e.body)).toEqual(records.slice(250, 260).map((r) => r.body));
    expect((await repo.listEvents([LOG], { conversationId: 'conv-1' }, 300)).bodies).toEqual(records.filter((r) => r.event.conversationId === 'conv-1').map((r) => r.body).reverse());
    expect(await repo.bodiesWithDetail(LOG, 'review.journalHash')).toEqual([records[7]!.body]);
    expect(hex(await repo.root(LOG, 300))).toBe(hex(rootFromLeafHashes(sha256, records.map((r) => r.leafHash))));
  });

  it('migration 0240 regroups a tree stored node by node into its tiles, with the same roots and proofs, and indexes the ids of events mirrored before it', async () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version < 240));
    const leaves: Array<Uint8Array> = Array.from({ length: 700 }, (_, i) => sha256(Buffer.from(`leaf ${i}`)));
    const insert = db.prepare('INSERT INTO audit_tree_nodes (log_id, level, idx, hash) VALUES (?, ?, ?, ?)');
    for (let level = 0, nodes: Array<Uint8Array> = leaves; nodes.length > 0; level += 1) {
      nodes.forEach((node, index) => insert.run(LOG, level, index, Buffer.from(node)));
      nodes = Array.from({ length: Math.floor(nodes.length / 2) }, (_, i) => nodeHash(sha256, nodes[2 * i]!, nodes[2 * i + 1]!));
    }
    db.prepare('INSERT INTO audit_trees (log_id, size) VALUES (?, ?)').run(LOG, leaves.length);
    // Two events mirrored before it, one listing a batch: the term index learns their ids when the repository opens.
    const insertEvent = db.prepare(`INSERT INTO audit_events (log_id, seq, event_id, time_ms, action, operator_name, operator_account, hostname,
      conversation_id, recording_id, trading_id, case_reference, alert_count, body) VALUES (?, ?, ?, 0, ?, 'Jane Doe', 'jdoe', 'LON-1', ?, ?, ?, NULL, 0, ?)`);
    insertEvent.run(LOG, 0, 'e-0', 'play', 'conv-old', 'rec-old', 'T-OLD-1', eventRecord(0).body);
    insertEvent.run(LOG, 1, 'e-1', 'export', null, null, null, eventRecord(1).body);
    db.prepare("INSERT INTO audit_event_items (log_id, seq, position, conversation_id, recording_id, trading_id) VALUES (?, 1, 0, 'conv-listed', 'rec-listed', 'T-LISTED-1')").run(LOG);
    migrate(db);
    const repo = createAuditMirrorRepository(db);
    for (const n of [1, 256, 300, 512, 700]) expect(hex(await repo.root(LOG, n))).toBe(hex(rootFromLeafHashes(sha256, leaves.slice(0, n))));
    expect((await repo.inclusionProof(LOG, 513, 700)).map(hex)).toEqual(inclusionProof(sha256, leaves, 513).map(hex));
    const seqsOf = async (filter: Parameters<typeof repo.listEvents>[1]) => (await repo.listEvents([LOG], filter, 10)).total;
    expect([await seqsOf({ conversationId: 'conv-old' }), await seqsOf({ recordingId: 'rec-listed' }), await seqsOf({ tradingId: 't-old-1' }), await seqsOf({ tradingId: 'T-LISTED-1' })]).toEqual([1, 1, 1, 1]);
    expect(await seqsOf({ conversationId: 'conv-other' })).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM audit_terms_pending').pluck().get()).toBe(0);
    expect(db.prepare('SELECT level, idx, length(hashes) AS bytes FROM audit_tree_tiles ORDER BY level, idx').all()).toEqual([
      { level: 0, idx: 0, bytes: 256 * 32 },
      { level: 0, idx: 1, bytes: 256 * 32 },
      { level: 0, idx: 2, bytes: 188 * 32 },
      { level: 1, idx: 0, bytes: 2 * 32 },
    ]);
  });

  it('compares events it already holds instead of rewriting them, and refuses a gap', async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    await repo.recordEvents(LOG, [eventRecord(0), eventRecord(1)]);
    const again = await repo.recordEvents(LOG, [eventRecord(1), eventRecord(2)]);
    expect(again).toEqual({ size: 3, added: 1, conflicts: [] });
    const forged = eventRecord(1, { caseReference: 'OTHER-1' });
    const conflict = await repo.recordEvents(LOG, [forged]);
    expect(conflict.conflicts).toEqual([{ seq: 1, held: hex(eventRecord(1).leafHash), offered: hex(forged.leafHash) }]);
    expect(await repo.eventBody(LOG, 1)).toBe(eventRecord(1).body);
    await expect(repo.recordEvents(LOG, [eventRecord(5)])).rejects.toThrow(/cannot be recorded before event 3/);
    expect(await repo.treeSize(LOG)).toBe(3);
  });

  it('filters events like `audit show` and counts an operator\'s recent accesses', async () => {
    const jdoe = { genesysUserId: null, osAccount: 'jdoe' };
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    await repo.recordEvents(LOG, Array.from({ length: 12 }, (_, i) => eventRecord(i, {}, i === 7 ? 2 : 0)));
    const seqs = async (filter: Parameters<typeof repo.listEvents>[1]) =>
      (await repo.listEvents([LOG], filter, 100)).bodies.map((b) => (JSON.parse(b) as AuditEvent).seq);
    expect(await seqs({ conversationId: 'conv-1' })).toEqual([5, 1]);
    expect(await seqs({ tradingId: 't-2' })).toEqual([10, 2]);
    expect(await seqs({ operator: 'jane' })).toEqual([11, 9, 7, 5, 3, 1]);
    expect(await seqs({ operator: 'MHART', action: 'search' })).toEqual([6, 0]);
    expect(await seqs({ alertsOnly: true })).toEqual([7]);
    expect(await seqs({ caseReference: 'fca-2026-0042', fromMs: recordsStartMs + 10_000 })).toEqual([11, 10]);
    expect((await repo.listEvents([LOG], {}, 3)).total).toBe(12);
    expect((await repo.listEvents([LOG], { operator: '100%_' }, 3)).total).toBe(0);
    expect(await repo.countOperatorAccesses(LOG, jdoe, ['play'], recordsStartMs + 4_000)).toBe(3);
    expect(await repo.countOperatorAccesses(LOG, jdoe, [], 0)).toBe(0);
    // A batch event counts each recording it lists (once, however many trades name it).
    const item = (n: number, tradingId: string | null = null) => ({ conversationId: `conv-${n}`, recordingId: `rec-${n}`, tradingId });
    await repo.recordEvents(LOG, [{ ...eventRecord(12, { action: 'download', operator: { osAccount: 'jdoe', name: 'Jane Doe' } }), items: [item(1, 'T-1'), item(1, 'T-9'), item(2), item(3), item(4)] }]);
    expect(await repo.countOperatorAccesses(LOG, jdoe, ['download'], 0)).toBe(4);
    expect(await repo.countOperatorAccesses(LOG, jdoe, ['play', 'download'], recordsStartMs + 4_000)).toBe(7);
  });

  it('counts a signed-in officer\'s accesses by her Genesys user id on any OS account, and finds her by email or id', async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    const olivia = { kind: 'officer' as const, genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' };
    const oscar = { kind: 'officer' as const, genesysUserId: '0ff1ce00-0000-4000-8000-00000000000b', name: 'Oscar Brandt', email: 'officer.b@sandbox.custody.test' };
    const service = { kind: 'service' as const, name: 'service account c-1', oauthClientId: 'c-1', scheduledBy: { genesysUserId: olivia.genesysUserId, name: olivia.name, email: olivia.email } };
    await repo.recordEvents(LOG, [
      eventRecord(0, { action: 'play', operator: { ...olivia, osAccount: 'shared' } }),
      eventRecord(1, { action: 'play', operator: { ...olivia, osAccount: 'other-desk' } }),
      eventRecord(2, { action: 'play', operator: { ...oscar, osAccount: 'shared' } }),
      eventRecord(3, { action: 'play', operator: { ...service, osAccount: 'shared' } }),
      eventRecord(4, { action: 'play', operator: { osAccount: 'shared', name: 'Typed Name' } }),
    ]);
    expect(await repo.countOperatorAccesses(LOG, { genesysUserId: olivia.genesysUserId, osAccount: 'shared' }, ['play'], 0)).toBe(2);
    expect(await repo.countOperatorAccesses(LOG, { genesysUserId: oscar.genesysUserId, osAccount: 'shared' }, ['play'], 0)).toBe(1);
    // Events naming no Genesys user (the service account's, older ones) count per OS account, apart from the officers'.
    expect(await repo.countOperatorAccesses(LOG, { genesysUserId: null, osAccount: 'shared' }, ['play'], 0)).toBe(2);
    const seqs = async (operator: string) => (await repo.listEvents([LOG], { operator }, 100)).bodies.map((b) => (JSON.parse(b) as AuditEvent).seq);
    expect(await seqs('OFFICER.A@')).toEqual([1, 0]);
    expect(await seqs(oscar.genesysUserId)).toEqual([2]);
    expect(await seqs('0ff1ce00')).toEqual([]);
  });

  it('migration 0100 fills in the Genesys user id and email of events mirrored before it', async () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version < 100));
    const officer = { kind: 'officer' as const, genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test', osAccount: 'jdoe' };
    const before = [eventRecord(0, { operator: officer }), eventRecord(1, { operator: { osAccount: 'jdoe', name: 'Jane Doe' } })];
    const insert = db.prepare(
      `INSERT INTO audit_events (log_id, seq, event_id, time_ms, action, operator_name, operator_account, hostname, conversation_id, recording_id, trading_id, case_reference, alert_count, body)
       VALUES (?, ?, ?, 0, 'play', ?, 'jdoe', 'ws-1', NULL, NULL, NULL, NULL, 0, ?)`,
    );
    for (const r of before) insert.run(LOG, r.event.seq, r.event.eventId, r.event.operator.name, r.body);
    migrate(db);
    expect(db.prepare('SELECT seq, operator_genesys_id, operator_email FROM audit_events ORDER BY seq').all()).toEqual([
      { seq: 0, operator_genesys_id: officer.genesysUserId, operator_email: officer.email },
      { seq: 1, operator_genesys_id: null, operator_email: null },
    ]);
  });

  it('lists the recordings accessed under a case, including those a batch event lists', async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    const batch = { conversationId: null, recordingId: null, details: { items: [['conv-7', 'rec-7'], ['conv-8', 'rec-8']] } };
    await repo.recordEvents(LOG, [
      eventRecord(0, { action: 'play', conversationId: 'conv-0', recordingId: 'rec-0' }),
      { ...eventRecord(1, { action: 'download', ...batch }), items: [{ conversationId: 'conv-7', recordingId: 'rec-7', tradingId: null }, { conversationId: 'conv-8', recordingId: 'rec-8', tradingId: null }] },
      eventRecord(2, { action: 'play', caseReference: 'OTHER-1' }),
    ]);
    expect(await repo.recordingsAccessedUnderCase(LOG, 'FCA-2026-0042')).toEqual(['rec-0', 'rec-7', 'rec-8']);
  });

  it('keeps checkpoints, published keys, the verified head and the last integrity report', async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    expect(await repo.latestCheckpoint(LOG)).toBeNull();
    await repo.saveCheckpoint(LOG, { treeSize: 4, rootHash: 'a'.repeat(64), time: '2026-11-26T09:00:00.000Z', keyId: 'k'.repeat(64) });
    await repo.saveCheckpoint(LOG, { treeSize: 9, rootHash: 'b'.repeat(64), time: '2026-11-26T09:10:00.000Z', keyId: 'k'.repeat(64) });
    expect(await repo.latestCheckpoint(LOG)).toMatchObject({ treeSize: 9, rootHash: 'b'.repeat(64) });
    expect(await repo.publishedKeyRetention(LOG, 'k1')).toBeNull();
    await repo.savePublishedKey(LOG, 'k1', 1000);
    await repo.savePublishedKey(LOG, 'k1', 2000);
    expect(await repo.publishedKeyRetention(LOG, 'k1')).toBe(2000);
    expect(await repo.publishedKeyIds(LOG)).toEqual(['k1']);
    await repo.advanceVerifiedHead(LOG, { treeSize: 9, rootHash: 'b'.repeat(64), verifiedMs: 5, source: 'checkpoint' });
    await repo.advanceVerifiedHead(LOG, { treeSize: 4, rootHash: 'a'.repeat(64), verifiedMs: 6, source: 'consistency' });
    expect(await repo.verifiedHead(LOG)).toEqual({ treeSize: 9, rootHash: 'b'.repeat(64), verifiedMs: 5, source: 'checkpoint' });
    await repo.advanceVerifiedHead(LOG, { treeSize: 9, rootHash: 'b'.repeat(64), verifiedMs: 7, source: 'verify' });
    expect((await repo.verifiedHead(LOG))?.verifiedMs).toBe(7);
    await repo.saveIntegrityReport(LOG, { state: 'ok' });
    expect(await repo.integrityReport(LOG)).toEqual({ state: 'ok' });
  });
});
