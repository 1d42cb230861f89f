import { createHash } from 'node:crypto';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, GetObjectRetentionCommand, HeadObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readEventChain } from '../../helpers/read-event-chain';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { composeEngine } from '../../../electron/services/composition/compose-engine';
import { profilePaths, updateProfile } from '../../../electron/services/config/profile';
import { archiveSidecarSchema, type ArchiveRunSummary } from '../../../shared/archive';
import type { AuditEvent } from '../../../shared/domain';
import { archiveWindow, type ArchiveWindow } from '../../helpers/archive-window';
import { SANDBOX_CLIENT } from '../../sandbox/server';
import { startHarness, type Harness } from '../../helpers/engine-harness';

const MiB = 1024 * 1024;
let h: Harness;

beforeAll(async () => {
  // Recordings over 5 MiB go up in parts of 5 MiB, so the window below has a multipart upload.
  h = await startHarness({
    worm: inject('worm').connection,
    profile: (p) => ({ ...p, archive: { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, restoreDays: 2, restoreTier: 'Standard', genesysProtectionCap: 1000, transferTimeoutSeconds: 60 } }),
  });
});
afterAll(async () => h?.close());

async function versionsUnder(prefix: string): Promise<Array<{ key: string; versionId: string }>> {
  const listing = await h.s3.send(new ListObjectVersionsCommand({ Bucket: h.archiveBucket, Prefix: prefix }));
  return (listing.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId! }));
}

async function body(key: string, versionId: string): Promise<Buffer> {
  const object = await h.s3.send(new GetObjectCommand({ Bucket: h.archiveBucket, Key: key, VersionId: versionId }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

function addYears(iso: string, years: number): number {
  const d = new Date(iso);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.getTime();
}

describe('custody archive (the nightly WORM copy)', () => {
  let window: ArchiveWindow;
  let first: ArchiveRunSummary;

  it('copies a window into the archive: keyed by trade, date and conversation, untagged kept, SHA-256 and metadata stored, COMPLIANCE-locked from the start, audited first', async () => {
    window = archiveWindow(h.sandbox, { maxBytes: 40 * MiB, multipartOver: 5 * MiB, untagged: true, minRecordings: 3 });
    const expected = window.conversations.flatMap((c) => c.recordings.map((r) => ({ conversation: c, recording: r })));
    const job = await h.composed.archive.job();
    first = await job.run({ sinceMs: window.sinceMs, untilMs: window.untilMs });

    expect(first.state).toBe('done');
    expect(first.stopped).toBeNull();
    expect(first.counts).toMatchObject({ considered: expected.length, archived: expected.length, failed: 0 });
    expect(first.counts.untagged).toBeGreaterThanOrEqual(1);
    expect(first.items.filter((i) => i.multipart).length).toBeGreaterThanOrEqual(1);

    for (const { conversation, recording } of expected) {
      const item = first.items.find((i) => i.recordingId === recording.id)!;
      const date = recording.startTime.slice(0, 10);
      const stem = conversation.tradingId === null ? `archive/v1/untagged/${date}` : `archive/v1/trades/${encodeURIComponent(conversation.tradingId)}/${date}`;
      expect(item.key).toBe(`${stem}/${conversation.id}/${recording.id}.wav`);
      const versions = await versionsUnder(`${stem}/${conversation.id}/${recording.id}`);
      expect(versions.map((v) => v.key).sort()).toEqual([`${stem}/${conversation.id}/${recording.id}.json`, item.key].sort());

      const media = versions.find((v) => v.key === item.key)!;
      const bytes = await body(media.key, media.versionId);
      expect(bytes.length).toBe(recording.sizeBytes);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      expect(item.sha256).toBe(sha256);
      const head = await h.s3.send(new HeadObjectCommand({ Bucket: h.archiveBucket, Key: media.key, VersionId: media.versionId }));
      expect(head.Metadata).toMatchObject({ 'custody-sha256': sha256, 'custody-recording-id': recording.id, 'custody-conversation-id': conversation.id });

      // COMPLIANCE retention from the recording's start: exactly 5 years (the multipart one too, applied after completion).
      const retention = await h.s3.send(new GetObjectRetentionCommand({ Bucket: h.archiveBucket, Key: media.key, VersionId: media.versionId }));
      expect(retention.Retention?.Mode).toBe('COMPLIANCE');
      expect(retention.Retention!.RetainUntilDate!.getTime()).toBe(addYears(recording.startTime, 5));
      await expect(h.s3.send(new DeleteObjectCommand({ Bucket: h.archiveBucket, Key: media.key, VersionId: media.versionId }))).rejects.toMatchObject({ name: 'AccessDenied' });

      const sidecarVersion = versions.find((v) => v.key.endsWith('.json'))!;
      const sidecar = archiveSidecarSchema.parse(JSON.parse((await body(sidecarVersion.key, sidecarVersion.versionId)).toString('utf8')));
      expect(sidecar).toMatchObject({
        recordingId: recording.id,
        conversationId: conversation.id,
        tradingId: conversation.tradingId,
        clientAccount: conversation.clientAccount,
        media: { key: item.key, versionId: media.versionId, sha256, bytes: recording.sizeBytes, contentType: 'audio/wav', multipart: recording.sizeBytes > 5 * MiB },
        retention: { mode: 'COMPLIANCE', requiredUntil: new Date(addYears(recording.startTime, 5)).toISOString() },
        // Unattended: the service account (the sandbox's client), naming officer A, signed in when it started.
        archivedBy: {
          operator: {
            kind: 'service',
            oauthClientId: SANDBOX_CLIENT.clientId,
            scheduledBy: { genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' },
          },
        },
        source: { system: 'genesys-cloud', api: h.sandbox.url },
      });
      expect(sidecar.conversation.participants.length).toBeGreaterThan(0);
      expect(first.auditEventIds).toContain(sidecar.auditEventId);
    }

    // The audit log holds the 'export' event naming every recording, written before they were read.
    const events: Array<AuditEvent> = [];
    for await (const event of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(event);
    const exports = events.filter((e) => e.action === 'export');
    expect(exports.map((e) => e.eventId)).toEqual(first.auditEventIds);
    const listed = exports.flatMap((e) => (e.details as { items: Array<{ recordingId: string }> }).items.map((i) => i.recordingId));
    expect(listed.sort()).toEqual(expected.map((e) => e.recording.id).sort());
    expect(exports[0]!.details).toMatchObject({ kind: 'archive', runId: first.runId, bucket: h.archiveBucket });
    expect(h.sandbox.stats().requests.media).toBeGreaterThanOrEqual(expected.length);
  });

  it('re-running stores nothing twice, even after the local record is lost; a longer jurisdiction period extends the retention', async () => {
    const job = await h.composed.archive.job();
    const again = await job.run({ sinceMs: window.sinceMs, untilMs: window.untilMs });
    expect(again.counts.considered).toBe(0);

    // Lose the local record (a run killed after uploading, or a new workstation): the bucket is the record.
    h.composed.db.prepare('DELETE FROM archive_objects').run();
    const resumed = await job.run({ sinceMs: window.sinceMs, untilMs: window.untilMs });
    expect(resumed.state).toBe('done');
    expect(resumed.counts.alreadyArchived).toBe(first.counts.archived);
    expect(resumed.counts.archived).toBe(0);
    const all = await versionsUnder('archive/v1/');
    expect(all.length).toBe(2 * first.counts.archived);
    expect(new Set(all.map((v) => v.key)).size).toBe(all.length);

    // The competent authority asks for 7 years: the next pass extends what is stored (never shortens).
    h.composed.db.prepare('DELETE FROM archive_objects').run();
    await updateProfile(profilePaths(h.profile, h.env).profileFile, (p) => ({ ...p, compliance: { jurisdiction: 'UK (FCA)', regions: ['eu-west-2'], retentionYears: 7, tradingQueues: [] } }));
    const seven = await composeEngine({ profile: h.profile, env: h.env, secrets: createKeyringSecretStore('custody-test'), mediaUrlBase: 'media://recording/' });
    const extended = await (await seven.archive.job()).run({ sinceMs: window.sinceMs, untilMs: window.untilMs });
    await seven.close();
    expect(extended.counts.alreadyArchived).toBe(first.counts.archived);
    for (const item of extended.items) {
      const recording = h.sandbox.dataset.recordings.find((r) => r.id === item.recordingId)!;
      expect(Date.parse(item.retainUntil!)).toBe(addYears(recording.startTime, 7));
    }
    expect((await versionsUnder('archive/v1/')).length).toBe(2 * first.counts.archived);
  });

  it('refuses a bucket without Object Lock, naming it, and stores nothing', async () => {
    const plain = `plain-archive-${Date.now().toString(36)}`;
    await h.s3.send(new CreateBucketCommand({ Bucket: plain }));
    await updateProfile(profilePaths(h.profile, h.env).profileFile, (p) => ({ ...p, worm: { ...p.worm!, archiveBucket: plain } }));
    const unlocked = await composeEngine({ profile: h.profile, env: h.env, secrets: createKeyringSecretStore('custody-test'), mediaUrlBase: 'media://recording/' });
    try {
      const error = await (await unlocked.archive.job()).run({ sinceMs: window.sinceMs, untilMs: window.untilMs }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STORAGE' });
      expect((error as Error).message).toMatch(new RegExp(`The archive bucket "${plain}" has no Object Lock, so nothing stored there would be WORM; nothing was archived`));
      const listing = await h.s3.send(new ListObjectVersionsCommand({ Bucket: plain }));
      expect(listing.Versions ?? []).toEqual([]);
    } finally {
      await unlocked.close();
    }
  });
});
