import { DeleteObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditCheckpointKey } from '../../../electron/services/audit/layout';
import type { DomainEvent } from '../../../electron/services/events';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

let h: Harness;
const published: Array<DomainEvent> = [];
beforeAll(async () => {
  h = await startHarness({
    worm: inject('worm').connection,
    auditMode: 'GOVERNANCE',
    profile: (p) => ({ ...p, audit: { ...p.audit, checkpoint: { everyEvents: 2, everyMinutes: 10 } } }),
  });
  h.composed.events.subscribe((event) => published.push(event));
});
afterAll(async () => h?.close());

describe('viewing is separate from downloading: every step audited', () => {
  it('records preview on opening a recording, play with its start offset, and each seek with its position', async () => {
    const { engine, session } = h.composed;
    const call = uniqueTradingCall(h.sandbox);
    await engine.search({ tradingId: call.tradingId }, { caseReference: null });

    const detail = await engine.recording(call.recording.id, { caseReference: null });
    expect(detail.recordingId).toBe(call.recording.id);
    await expect(engine.recordSeek(call.recording.id, 1000, 'FCA-2026-0042')).rejects.toMatchObject({ code: 'VALIDATION', message: /Play the recording first/ });

    session.setCaseReference('FCA-2026-0042');
    const grant = await engine.authorizePlayback(call.recording.id, session.caseReference, 5_000);
    await expect(engine.authorizePlayback(call.recording.id, session.caseReference, -1)).rejects.toMatchObject({ code: 'VALIDATION' });
    const seek = await engine.recordSeek(call.recording.id, 61_500, session.caseReference);

    const trail = await h.composed.audit.log();
    const page = await trail.mirror.list({ recordingId: call.recording.id });
    expect(page.entries.map((e) => [e.action, e.summary, e.caseReference])).toEqual([
      ['seek', 'to 1:01', 'FCA-2026-0042'],
      ['play', 'from 0:05', 'FCA-2026-0042'],
      ['preview', null, null],
    ]);
    expect(page.entries[0]).toMatchObject({ eventId: seek.auditEventId, conversationId: call.conversation.id, tradingId: call.tradingId, operator: { kind: 'officer', genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' } });
    expect(page.entries[1]!.eventId).toBe(grant.auditEventId);
    const byTrade = await trail.mirror.list({ tradingId: call.tradingId });
    expect(byTrade.entries.map((e) => e.action)).toEqual(['seek', 'play', 'preview', 'search']);
    expect(published.filter((e) => e.kind === 'audit.recorded')).toHaveLength(4);

    await trail.flush();
    const report = await trail.integrity.verify();
    expect(report).toMatchObject({ ok: true, events: { read: 4 }, verifiedUpTo: { treeSize: 4 } });
    expect(await trail.integrity.status()).toMatchObject({ localTreeSize: 4, lastCheckpoint: { treeSize: 4 }, integrity: { state: 'ok', source: 'verify' } });
  });

  it('checks consistency after every sync, and alerts when the bucket no longer holds the head it saw', async () => {
    const { engine } = h.composed;
    const trail = await h.composed.audit.log();
    await engine.search({ queue: 'FX' }, { caseReference: null });
    await engine.search({ queue: 'Rates' }, { caseReference: null });
    await trail.flush();
    const seen = (await trail.integrity.status()).verifiedHead!;
    expect(seen.treeSize).toBe(6);

    // Someone with governance bypass deletes the newest checkpoint; the next search's sync notices.
    const key = auditCheckpointKey(trail.logId, 6);
    const versions = await h.s3.send(new ListObjectVersionsCommand({ Bucket: h.bucket, Prefix: key }));
    await h.s3.send(new DeleteObjectCommand({ Bucket: h.bucket, Key: key, VersionId: versions.Versions![0]!.VersionId!, BypassGovernanceRetention: true }));
    await engine.search({ queue: 'FX' }, { caseReference: null });
    await trail.flush();
    const status = await trail.integrity.status();
    expect(status.integrity).toMatchObject({ state: 'failed', source: 'consistency', firstBad: { kind: 'inconsistent-with-seen-head', treeSize: 6 } });
    const alerts = published.flatMap((e) => (e.kind === 'audit.integrityChanged' ? [e.integrity] : []));
    expect(alerts.at(-1)).toMatchObject({ state: 'failed', message: expect.stringMatching(/the log shrank/) });
  });
});
