import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { readEventChain } from '../../helpers/read-event-chain';
import { canonicalJson } from '../../../shared/canonical-json';
import type { ArchiveItemResult } from '../../../shared/archive';
import type { AuditEvent } from '../../../shared/domain';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

let h: Harness;
let archived: ArchiveItemResult;
beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
});
afterAll(async () => h?.close());

/** Forget the locally cached audio, as a fresh workstation would not have it. */
async function dropCache(recordingId: string): Promise<void> {
  h.composed.db.prepare('DELETE FROM media_cache WHERE recording_id = ?').run(recordingId);
  await rm(join(h.root, 'data', h.profile, 'media', `${recordingId}.wav`), { force: true });
}

describe('restore from the WORM archive when Genesys has deleted the recording', () => {
  it('plays and downloads the archive copy, verified by SHA-256, and says it came from the archive', async () => {
    const { engine, session } = h.composed;
    const call = uniqueTradingCall(h.sandbox);
    const start = Date.parse(call.conversation.startTime);
    const run = await (await h.composed.archive.job()).run({ sinceMs: start, untilMs: start + 1 });
    expect(run.counts.archived).toBe(1);
    archived = run.items[0]!;

    await engine.search({ tradingId: call.tradingId }, { caseReference: null });
    h.sandbox.deleteRecording(call.conversation.id, call.recording.id);
    session.setCaseReference('FCA-2026-0099');
    const mediaBefore = h.sandbox.stats().requests.media;

    const grant = await engine.authorizePlayback(call.recording.id, session.caseReference);
    expect(grant.source).toBe('archive');
    expect(grant.sha256).toBe(archived.sha256);
    expect(grant.bytes).toBe(call.recording.sizeBytes);
    expect(h.sandbox.stats().requests.media).toBe(mediaBefore);

    const detail = await engine.recording(call.recording.id);
    expect(detail.fileState).toBe('DELETED');
    expect(detail.cached).toMatchObject({ sha256: archived.sha256, source: 'archive' });
    expect(detail.archive).toMatchObject({ bucket: h.archiveBucket, key: archived.key, sha256: archived.sha256, tier: 'online', legalHold: false, retainUntil: archived.retainUntil });

    const files = await engine.download(call.conversation.id, 'FCA-2026-0099', join(h.root, 'out'));
    expect(files).toEqual([expect.objectContaining({ recordingId: call.recording.id, source: 'archive', sha256: archived.sha256 })]);
    expect(createHash('sha256').update(await readFile(files[0]!.path)).digest('hex')).toBe(archived.sha256);

    // The access was audited before it happened, as any other play and download.
    const events: Array<AuditEvent> = [];
    for await (const event of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(event);
    expect(events.find((e) => e.eventId === grant.auditEventId)).toMatchObject({ action: 'play', recordingId: call.recording.id });
    expect(events.at(-1)).toMatchObject({ action: 'download', recordingId: call.recording.id });
  });

  it('without a local record, finds the original through the bucket and ignores versions stored over it later', async () => {
    const { engine, session } = h.composed;
    const call = uniqueTradingCall(h.sandbox);
    const record = h.composed.db.prepare('SELECT media_key, sidecar_key, sha256 FROM archive_objects WHERE recording_id = ?').get(call.recording.id) as {
      media_key: string;
      sidecar_key: string;
      sha256: string;
    };
    // Someone with write access adds new versions under the same keys: forged audio and a sidecar vouching for it.
    const forged = Buffer.from('RIFF-forged-audio');
    const put = await h.s3.send(new PutObjectCommand({ Bucket: h.archiveBucket, Key: record.media_key, Body: forged, ContentMD5: createHash('md5').update(forged).digest('base64') }));
    const forgedSidecar = canonicalJson({ schema: 'custody.archive.v1', recordingId: call.recording.id, media: { key: record.media_key, versionId: put.VersionId, sha256: createHash('sha256').update(forged).digest('hex') } });
    await h.s3.send(new PutObjectCommand({ Bucket: h.archiveBucket, Key: record.sidecar_key, Body: forgedSidecar, ContentMD5: createHash('md5').update(forgedSidecar).digest('base64') }));

    h.composed.db.prepare('DELETE FROM archive_objects').run();
    await dropCache(call.recording.id);
    const grant = await engine.authorizePlayback(call.recording.id, session.caseReference);
    expect(grant).toMatchObject({ source: 'archive', sha256: record.sha256 });
  });

  it('refuses an archive copy whose bytes do not match the recorded SHA-256, and caches nothing', async () => {
    const { engine, session } = h.composed;
    const call = uniqueTradingCall(h.sandbox);
    // The locked original cannot be altered; the record of its hash can be wrong (a damaged or forged index).
    const listing = await h.s3.send(new ListObjectVersionsCommand({ Bucket: h.archiveBucket, Prefix: archived.key! }));
    const original = (listing.Versions ?? []).filter((v) => v.Key === archived.key).sort((a, b) => a.LastModified!.getTime() - b.LastModified!.getTime())[0]!;
    h.composed.db
      .prepare(
        `INSERT INTO archive_objects (recording_id, conversation_id, trading_id, recording_start_ms, bucket, media_key, media_version_id, sidecar_key,
          sidecar_version_id, sha256, bytes, content_type, retain_until_ms, multipart, archived_ms, audit_event_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'x', ?, ?, 'audio/wav', ?, 0, ?, 'e')`,
      )
      .run(call.recording.id, call.conversation.id, call.tradingId, 0, h.archiveBucket, archived.key, original.VersionId, archived.key!.replace(/\.wav$/, '.json'), '0'.repeat(64), archived.bytes, Date.now() + 86_400_000, Date.now());
    await dropCache(call.recording.id);
    const error = await engine.authorizePlayback(call.recording.id, session.caseReference).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORAGE' });
    expect((error as Error).message).toMatch(/does not match the SHA-256 recorded when it was archived/);
    expect(h.composed.db.prepare('SELECT COUNT(*) AS n FROM media_cache WHERE recording_id = ?').get(call.recording.id)).toEqual({ n: 0 });
  });

  it('says plainly when Genesys deleted a recording that was never archived', async () => {
    const { engine, session } = h.composed;
    const other = h.sandbox.dataset.conversations.find(
      (c) => c.tradingId && c.id !== uniqueTradingCall(h.sandbox).conversation.id && c.recordings.length === 1 && c.recordings[0]!.fileState === 'AVAILABLE',
    )!;
    await engine.search({ tradingId: other.tradingId! }, { caseReference: null });
    h.sandbox.deleteRecording(other.id, other.recordings[0]!.id);
    await expect(engine.authorizePlayback(other.recordings[0]!.id, session.caseReference)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
