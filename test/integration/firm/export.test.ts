import { GetObjectCommand, GetObjectRetentionCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { archiveSidecarSchema } from '../../../shared/archive';
import { archiveKeys } from '../../../electron/services/archive/archive-keys';
import type { ExportRunSummary } from '../../../electron/services/archive/export-ingest';
import { parseExportKey } from '../../../electron/services/archive/export-layout';
import { archiveWindow, type ArchiveWindow } from '../../helpers/archive-window';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { createBucketWriter } from '../../helpers/worm';
import { call, failure, loggedInClient } from '../sandbox/sdk';

const MiB = 1024 * 1024;
const INTEGRATION_ID = '5e3c0a11-0000-4000-8000-0000000e4901';
let h: Harness;
let window: ArchiveWindow;
let summary: ExportRunSummary;
const failed: Array<string> = [];
const dropped: Array<string> = [];
const corrupt: Array<string> = [];

beforeAll(async () => {
  const worm = inject('worm');
  // Custody waits up to 5 s for late objects: the dropped recording is given up on after that.
  h = await startHarness({ worm: worm.connection, profile: (p) => ({ ...p, archive: { ...p.archive!, exportDeliveryWaitSeconds: 5, exportJobTimeoutSeconds: 60 } }) });
  window = archiveWindow(h.sandbox, { maxBytes: 30 * MiB, minRecordings: 6 });
  const recordings = window.conversations.flatMap((c) => c.recordings);
  failed.push(recordings[0]!.id);
  dropped.push(recordings[1]!.id);
  corrupt.push(recordings[2]!.id);
  // Genesys writes with its integration's own S3 user, allowed only to put objects into the archive bucket.
  const genesysRole = await createBucketWriter({ runDir: worm.runDir, owner: h.s3, bucket: h.archiveBucket, connection: worm.connection });
  h.sandbox.setRecordingExport({
    integrationId: INTEGRATION_ID,
    s3: genesysRole,
    bucket: h.archiveBucket,
    lagMs: 800,
    failRecordingIds: failed,
    dropRecordingIds: dropped,
    corruptRecordingIds: corrupt,
  });
  h.sandbox.resetStats();
  const ingest = await h.composed.archive.exportIngest({ integrationId: INTEGRATION_ID });
  summary = await ingest.run({ sinceMs: window.sinceMs, untilMs: window.untilMs });
}, 240_000);
afterAll(async () => h?.close());

describe('custody archive --via export (Genesys recording bulk job into the archive bucket)', () => {
  it('runs the job to FULFILLED, archives what landed in Genesys’s layout, and reports what it did not deliver', () => {
    const recordings = window.conversations.flatMap((c) => c.recordings);
    expect(summary.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary.jobState).toBe('FULFILLED');
    expect(summary.counts).toEqual({ requested: recordings.length, archived: recordings.length - 3, notDelivered: 2, refused: 1, skipped: 0 });
    const byId = new Map(summary.items.map((i) => [i.recordingId, i]));
    expect(byId.get(failed[0]!)).toMatchObject({ outcome: 'not-delivered', reason: expect.stringMatching(/reported it failed/) });
    expect(byId.get(dropped[0]!)).toMatchObject({ outcome: 'not-delivered', reason: expect.stringMatching(/not delivered in time/) });
    expect(byId.get(corrupt[0]!)).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/SHA-256 is [0-9a-f]{64}, its metadata says/) });
    // The exported ones came through this machine once, read to verify; nothing of them went up from it.
    const archivedBytes = summary.items.filter((i) => i.outcome === 'archived').reduce((sum, i) => sum + i.bytes!, 0);
    expect(summary.bytesVerified).toBeGreaterThanOrEqual(archivedBytes);
    expect(summary.auditEventIds.length).toBeGreaterThanOrEqual(1);
  });

  it('archives the undelivered and the refused through the API, so nothing is lost', async () => {
    expect(summary.api).not.toBeNull();
    expect(summary.api!.state).toBe('done');
    expect(summary.state).toBe('done');
    const viaApi = summary.api!.items.filter((i) => i.outcome === 'archived').map((i) => i.recordingId).sort();
    expect(viaApi).toEqual([...failed, ...dropped, ...corrupt].sort());
    for (const recording of window.conversations.flatMap((c) => c.recordings)) {
      const record = await h.composed.repositories.archive.get(recording.id);
      expect(record, recording.id).not.toBeNull();
      const exported = parseExportKey(record!.mediaKey, h.sandbox.dataset.organization.id);
      if ([...failed, ...dropped, ...corrupt].includes(recording.id)) expect(record!.mediaKey).toMatch(/^archive\/v1\//);
      else expect(exported).toMatchObject({ recordingId: recording.id, conversationId: recording.conversationId, kind: 'media' });
    }
  });

  it('locks each exported object and its metadata for the MiFID II period, and writes Custody’s sidecar pointing at it', async () => {
    const exportedItem = summary.items.find((i) => i.outcome === 'archived')!;
    const record = (await h.composed.repositories.archive.get(exportedItem.recordingId))!;
    const recording = h.sandbox.dataset.recordings.find((r) => r.id === exportedItem.recordingId)!;
    const fiveYears = new Date(recording.startTime);
    fiveYears.setUTCFullYear(fiveYears.getUTCFullYear() + 5);
    for (const key of [record.mediaKey, record.mediaKey.replace(/\.wav$/, '_metadata.json')]) {
      const listing = await h.s3.send(new ListObjectVersionsCommand({ Bucket: h.archiveBucket, Prefix: key }));
      const version = listing.Versions!.find((v) => v.Key === key)!;
      const retention = await h.s3.send(new GetObjectRetentionCommand({ Bucket: h.archiveBucket, Key: key, VersionId: version.VersionId }));
      expect(retention.Retention?.Mode).toBe('COMPLIANCE');
      expect(retention.Retention!.RetainUntilDate!.getTime()).toBeGreaterThanOrEqual(fiveYears.getTime());
    }
    const conversation = window.conversations.find((c) => c.id === recording.conversationId)!;
    const sidecarKey = archiveKeys({ tradingId: conversation.tradingId, startMs: Date.parse(recording.startTime), conversationId: conversation.id, recordingId: recording.id }, 'wav').sidecar;
    expect(record.sidecarKey).toBe(sidecarKey);
    const object = await h.s3.send(new GetObjectCommand({ Bucket: h.archiveBucket, Key: sidecarKey, VersionId: record.sidecarVersionId }));
    const sidecar = archiveSidecarSchema.parse(JSON.parse(await object.Body!.transformToString()));
    expect(sidecar.media).toMatchObject({ key: record.mediaKey, versionId: record.mediaVersionId, sha256: record.sha256, bytes: recording.sizeBytes });
    expect(sidecar.source.api).toMatch(new RegExp(`recording export job ${summary.jobId}`));
    expect(sidecar.auditEventId).toBe(summary.auditEventIds[0]);
  });

  it('plays an exported recording back from the archive, its bytes checked against the SHA-256 recorded', async () => {
    const exportedItem = summary.items.find((i) => i.outcome === 'archived')!;
    const reader = (await h.composed.archive.reader())!;
    const lookup = { recordingId: exportedItem.recordingId, conversationId: exportedItem.conversationId, tradingId: exportedItem.tradingId, startMs: 0 };
    expect(await reader.locate(lookup)).toMatchObject({ mediaKey: exportedItem.key, sha256: exportedItem.sha256 });
    const cached = await reader.fetchIntoCache(lookup);
    expect(cached).toMatchObject({ sha256: exportedItem.sha256, bytes: exportedItem.bytes });
  });

  it('asked Genesys for one job, started it once and read its failures', () => {
    const stats = h.sandbox.stats();
    expect(stats.byEndpoint['POST /api/v2/recording/jobs']).toBe(1);
    expect(stats.byEndpoint['PUT /api/v2/recording/jobs/{jobId}']).toBe(1);
    expect(stats.byEndpoint['GET /api/v2/recording/jobs/{jobId}/failedrecordings']).toBe(1);
  });
});

describe('the sandbox’s recording jobs, through the official SDK', () => {
  it('refuses other actions and unknown integrations, runs PENDING -> READY, allows two active jobs per org, and cancels', async () => {
    const recording = new platformClient.RecordingApi(await loggedInClient(h.sandbox));
    const query = { actionDate: new Date().toISOString(), conversationQuery: { interval: `${new Date(window.sinceMs).toISOString()}/${new Date(window.untilMs).toISOString()}` } };
    expect((await failure(recording.postRecordingJobs({ ...query, action: 'DELETE', integrationId: INTEGRATION_ID }))).status).toBe(400);
    expect((await failure(recording.postRecordingJobs({ ...query, action: 'EXPORT', integrationId: 'not-ours' }))).status).toBe(400);
    const first = await call<{ id: string; state: string }>(recording.postRecordingJobs({ ...query, action: 'EXPORT', integrationId: INTEGRATION_ID }));
    expect(first).toMatchObject({ status: 202, body: { state: 'PENDING' } });
    const second = await call<{ id: string }>(recording.postRecordingJobs({ ...query, action: 'EXPORT', integrationId: INTEGRATION_ID }));
    expect((await failure(recording.postRecordingJobs({ ...query, action: 'EXPORT', integrationId: INTEGRATION_ID }))).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const ready = await call<{ state: string; totalRecordings: number }>(recording.getRecordingJob(first.body.id));
    expect(ready.body).toMatchObject({ state: 'READY', totalRecordings: window.conversations.flatMap((c) => c.recordings).length });
    for (const id of [first.body.id, second.body.id]) {
      expect((await call<{ state: string }>(recording.putRecordingJob(id, { state: 'CANCELLED' }))).body.state).toBe('CANCELLED');
    }
    expect((await failure(recording.putRecordingJob(first.body.id, { state: 'PROCESSING' }))).status).toBe(400);
  });
});
