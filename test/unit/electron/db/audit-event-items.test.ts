import { createHash } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../electron/db/connection';
import { migrate } from '../../../../electron/db/migrate';
import { migrations } from '../../../../electron/db/migrations';
import { createAuditMirrorRepository } from '../../../../electron/db/repositories/audit-mirror-repository';
import { itemsOf } from '../../../../electron/services/audit/audit-items';
import { inclusionProof } from '../../../../shared/crypto/merkle';
import type { AuditEvent } from '../../../../shared/domain';
import { auditRecord } from '../../../helpers/audit-records';

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const LOG = 'log-items';

const record = (seq: number, extra: Partial<AuditEvent>) => auditRecord(LOG, seq, extra);

const archiveRun = (seq: number) =>
  record(seq, { action: 'export', details: { kind: 'archive', items: [{ conversationId: 'conv-1', recordingId: 'rec-1', tradingId: 'T-1' }, { conversationId: 'conv-2', recordingId: 'rec-2', tradingId: null }] } });
const sharedPack = (seq: number) => record(seq, { action: 'export', details: { items: [['conv-1', 'rec-1'], ['conv-3', 'rec-3']] } });
const playOfTrade = (seq: number) => record(seq, { conversationId: 'conv-1', recordingId: 'rec-1', tradingId: 'T-1' });

describe('audit event items', () => {
  it('reads [conversation, recording, trade?] and { conversationId, recordingId, tradingId } items, and skips anything else', () => {
    const event = record(0, { details: { items: [['c', 'r'], ['c2', 'r2', 'T-9'], { conversationId: 'c3', recordingId: 'r3', tradingId: 'T-3' }, 'x', [1, 2], { recordingId: 'y'.repeat(200) }, {}] } }).event;
    expect(itemsOf(event)).toEqual([
      { conversationId: 'c', recordingId: 'r', tradingId: null },
      { conversationId: 'c2', recordingId: 'r2', tradingId: 'T-9' },
      { conversationId: 'c3', recordingId: 'r3', tradingId: 'T-3' },
    ]);
    expect(itemsOf(record(0, { details: { items: 'none' } }).event)).toEqual([]);
  });

  it('finds an event by any item it lists: an archive run and a pack of several trades are about trade T', async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    await repo.recordEvents(LOG, [archiveRun(0), sharedPack(1), playOfTrade(2), record(3, { action: 'search', tradingId: 'T-2' })]);
    const seqs = async (filter: Parameters<typeof repo.listEvents>[1]) => (await repo.listEvents([LOG], filter, 100)).bodies.map((b) => (JSON.parse(b) as AuditEvent).seq);
    expect(await seqs({ tradingId: 'T-1' })).toEqual([2, 1, 0]);
    expect(await seqs({ recordingId: 'rec-1' })).toEqual([2, 1, 0]);
    expect(await seqs({ conversationId: 'conv-3' })).toEqual([1]);
    // A trade the log never ties to its recording: the index's recordings of it are passed in.
    expect(await seqs({ tradingId: 'T-3' })).toEqual([]);
    expect(await seqs({ tradingId: 'T-3', tradeRecordingIds: ['rec-3'] })).toEqual([1]);
  });

  it('migration 0090 fills the items of events mirrored before it', async () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version < 90));
    const before = [archiveRun(0), sharedPack(1), playOfTrade(2)];
    const insert = db.prepare(
      `INSERT INTO audit_events (log_id, seq, event_id, time_ms, action, operator_name, operator_account, hostname, conversation_id, recording_id, trading_id, case_reference, alert_count, body)
       VALUES (?, ?, ?, 0, ?, 'Jane Doe', 'jdoe', 'ws-1', ?, ?, ?, NULL, 0, ?)`,
    );
    for (const r of before) insert.run(LOG, r.event.seq, r.event.eventId, r.event.action, r.event.conversationId, r.event.recordingId, r.event.tradingId, r.body);
    migrate(db);
    const rows = db.prepare('SELECT seq, position, conversation_id, recording_id, trading_id FROM audit_event_items ORDER BY seq, position').all();
    expect(rows).toEqual(before.flatMap((r) => (r.items ?? []).map((item, position) => ({ seq: r.event.seq, position, conversation_id: item.conversationId, recording_id: item.recordingId, trading_id: item.tradingId }))));
  });

  it('proofsFor answers k proofs from the stored tree, equal to the array definition', async () => {
    const repo = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    const records = Array.from({ length: 37 }, (_, i) => playOfTrade(i));
    await repo.recordEvents(LOG, records);
    const leaves = records.map((r) => r.leafHash);
    const proofs = await repo.proofsFor(LOG, [0, 5, 31, 36], 37);
    expect(proofs.map((p) => ({ seq: p.seq, leaf: hex(p.leafHash), proof: p.proof.map(hex) }))).toEqual(
      [0, 5, 31, 36].map((seq) => ({ seq, leaf: hex(leaves[seq]!), proof: inclusionProof(sha256, leaves, seq).map(hex) })),
    );
    await expect(repo.proofsFor(LOG, [0], 38)).rejects.toThrow(RangeError);
  });
});
