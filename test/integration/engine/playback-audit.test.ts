import { DeleteObjectCommand, GetObjectCommand, GetObjectRetentionCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMediaProtocolHandler } from '../../../electron/main/protocol';
import { auditEventsPrefix, hashAuditEvent } from '../../../electron/services/audit/layout';
import { sha256Hex } from '../../../electron/crypto/sha256';
import { sha256File } from '../../../electron/services/storage/durable-file';
import type { AuditEvent } from '../../../shared/domain';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
});
afterAll(async () => h?.close());

async function storedEvents(): Promise<Array<{ key: string; versionId: string; event: AuditEvent }>> {
  const listing = await h.s3.send(new ListObjectVersionsCommand({ Bucket: h.bucket, Prefix: auditEventsPrefix(h.composed.profile.logId) }));
  const out = [];
  for (const v of listing.Versions ?? []) {
    const object = await h.s3.send(new GetObjectCommand({ Bucket: h.bucket, Key: v.Key!, VersionId: v.VersionId! }));
    out.push({ key: v.Key!, versionId: v.VersionId!, event: JSON.parse(await object.Body!.transformToString()) as AuditEvent });
  }
  return out.sort((a, b) => a.event.seq - b.event.seq);
}

describe('playback through the engine', () => {
  it('finds a trade by its trading id, then plays it only after a COMPLIANCE-locked audit record that cannot be deleted', async () => {
    const { engine, session } = h.composed;
    const call = uniqueTradingCall(h.sandbox);
    const result = await engine.search({ tradingId: call.tradingId }, { caseReference: null });
    expect(result.index.source).toBe('live');
    expect(result.matches).toHaveLength(1);
    expect(result.matches[0]).toMatchObject({
      conversationId: call.conversation.id,
      recordingId: call.recording.id,
      tradingId: call.tradingId,
      clientAccount: call.conversation.clientAccount,
    });

    await expect(engine.authorizePlayback(call.recording.id, session.caseReference)).rejects.toMatchObject({ code: 'CASE_REFERENCE_REQUIRED' });
    session.setCaseReference('FCA-2026-0042');
    const grant = await engine.authorizePlayback(call.recording.id, session.caseReference);
    expect(grant.mediaUrl).toMatch(/^media:\/\/recording\/.+\?grant=/);

    const events = await storedEvents();
    expect(events.map((e) => e.event.action)).toEqual(['search', 'play']);
    const play = events[1]!;
    expect(play.event).toMatchObject({
      eventId: grant.auditEventId,
      action: 'play',
      // Officer A, signed in through the sandbox: her Genesys identity from her token.
      operator: { kind: 'officer', genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' },
      conversationId: call.conversation.id,
      recordingId: call.recording.id,
      tradingId: call.tradingId,
      caseReference: 'FCA-2026-0042',
      prevHash: hashAuditEvent(events[0]!.event),
    });
    expect(play.event.workstation.hostname.length).toBeGreaterThan(0);
    expect(Date.parse(play.event.time)).toBeGreaterThan(Date.now() - 60_000);

    const retention = await h.s3.send(new GetObjectRetentionCommand({ Bucket: h.bucket, Key: play.key, VersionId: play.versionId }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention!.RetainUntilDate!.getTime()).toBeGreaterThan(Date.now());
    await expect(
      h.s3.send(new DeleteObjectCommand({ Bucket: h.bucket, Key: play.key, VersionId: play.versionId })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      h.s3.send(new DeleteObjectCommand({ Bucket: h.bucket, Key: play.key, VersionId: play.versionId, BypassGovernanceRetention: true })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });

    // The grant serves exactly the cached bytes (decrypted from the sealed cache), whose hash the grant states.
    const media = join(h.root, 'data', h.profile, 'media');
    const [file] = (await readdir(media)).filter((f) => f.endsWith('.wav'));
    const served = Buffer.from(await (await createMediaProtocolHandler({ grants: h.composed.grants })(new Request(grant.mediaUrl))).arrayBuffer());
    expect(sha256Hex(served)).toBe(grant.sha256);
    const header = served.subarray(0, 4).toString('ascii');
    expect(header).toBe('RIFF');
    expect((await readFile(join(media, file!))).includes('RIFF')).toBe(false);

    const waveform = await engine.waveform(call.recording.id, 200);
    expect(waveform.peaks).toHaveLength(2);
    expect(waveform.peaks[0]).toHaveLength(200);
    expect(Math.abs(waveform.durationMs - call.recording.durationMs)).toBeLessThan(1000);
  });

  it('draws no waveform for a recording that was never played under an audit record', async () => {
    const other = h.sandbox.dataset.recordings.find((r) => r.fileState === 'AVAILABLE' && r.id !== uniqueTradingCall(h.sandbox).recording.id)!;
    await expect(h.composed.engine.waveform(other.id, 100)).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('downloads a conversation to a folder: audited first, verified by SHA-256, written under its final name only when complete', async () => {
    const call = uniqueTradingCall(h.sandbox);
    const out = join(h.root, 'out');
    const files = await h.composed.engine.download(call.conversation.id, 'FCA-2026-0042', out);
    expect(files).toHaveLength(1);
    expect(await readdir(out)).toEqual([`${call.recording.id}.wav`]);
    expect(await sha256File(files[0]!.path)).toBe(files[0]!.sha256);
    const events = await storedEvents();
    expect(events.at(-1)!.event).toMatchObject({ action: 'download', eventId: files[0]!.auditEventId, recordingId: call.recording.id });
  });

  it('a play is one grant under one case: a case change or closing the view ends it, its media gets 403, nothing goes unaudited', async () => {
    const { engine, session, grants, events } = h.composed;
    const call = uniqueTradingCall(h.sandbox);
    await engine.search({ tradingId: call.tradingId }, { caseReference: null });
    const media = createMediaProtocolHandler({ grants });
    const fetchMedia = async (url: string) => (await media(new Request(url, { headers: { range: 'bytes=0-99', 'sec-fetch-dest': 'audio' } }))).status;
    const ended: Array<unknown> = [];
    const unsubscribe = events.subscribe((e) => {
      if (e.kind === 'playback.ended') ended.push({ recordingId: e.recordingId, reason: e.reason });
    });
    try {
      session.setCaseReference('CASE-A');
      ended.length = 0; // the earlier test's play, under its own case, ended here
      const play = await engine.authorizePlayback(call.recording.id, session.caseReference);
      expect(await fetchMedia(play.mediaUrl)).toBe(206);
      await engine.recordSeek(call.recording.id, 1000, session.caseReference);

      session.setCaseReference('CASE-B');
      expect(ended).toEqual([{ recordingId: call.recording.id, reason: 'case-changed' }]);
      const logged = (await storedEvents()).length;
      for (let i = 0; i < 20; i += 1) expect(await fetchMedia(play.mediaUrl)).toBe(403);
      await expect(engine.recordSeek(call.recording.id, 2000, session.caseReference)).rejects.toMatchObject({ code: 'VALIDATION' });
      await expect(engine.waveform(call.recording.id, 100)).rejects.toMatchObject({ code: 'VALIDATION' });
      expect((await storedEvents()).length).toBe(logged);

      const replay = await engine.authorizePlayback(call.recording.id, session.caseReference);
      expect((await storedEvents()).find((e) => e.event.eventId === replay.auditEventId)?.event).toMatchObject({ action: 'play', caseReference: 'CASE-B' });
      expect(await fetchMedia(replay.mediaUrl)).toBe(206);
      engine.endPlayback(call.recording.id);
      expect(await fetchMedia(replay.mediaUrl)).toBe(403);
    } finally {
      unsubscribe();
    }
  });

  it('says clearly when a trading id is unknown', async () => {
    const result = await h.composed.engine.search({ tradingId: 'T-00000000-0000' }, { caseReference: null });
    expect(result.matches).toEqual([]);
    expect(result.index.source).toBe('live');
  });
});
