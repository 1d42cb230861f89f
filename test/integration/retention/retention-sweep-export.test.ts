import { GetObjectCommand, GetObjectLegalHoldCommand, ListObjectVersionsCommand, PutObjectRetentionCommand } from '@aws-sdk/client-s3';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ArchivedObject } from '../../../electron/db/repositories/archive-repository';
import type { ExportRunSummary } from '../../../electron/services/archive/export-ingest';
import { exportMetadataKeyOf } from '../../../electron/services/archive/export-layout';
import type { SweepReport } from '../../../electron/services/retention/retention-sweep';
import { archiveWindow } from '../../helpers/archive-window';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { createBucketWriter } from '../../helpers/worm';
import type { SeedConversation, SeedRecording } from '../../sandbox/server';

const MiB = 1024 * 1024;
const INTEGRATION_ID = '5e3c0a11-0000-4000-8000-0000000e4902';
/** How long from "now" the chosen recordings' retention is cut to: radosgw judges it by its own clock. */
const RETENTION_LEFT_MS = 3_000;
let h: Harness;
let ingest: ExportRunSummary;
/** Exported by Genesys and archived where it landed: one free, one under a hold; and one archived through the API. */
let exportedFree: ArchivedObject;
let exportedHeld: ArchivedObject;
let viaApi: ArchivedObject;

const metadataKeyOf = (record: ArchivedObject): string => exportMetadataKeyOf(record.mediaKey)!;

async function versionsOf(key: string): Promise<Array<string>> {
  const listing = await h.s3.send(new ListObjectVersionsCommand({ Bucket: h.archiveBucket, Prefix: key }));
  return (listing.Versions ?? []).filter((v) => v.Key === key).map((v) => v.VersionId!);
}

/** Time passing, as an administrator with s3:BypassGovernanceRetention can fake it: the record's objects expire soon. */
async function expireSoon(record: ArchivedObject, keys: ReadonlyArray<string>): Promise<void> {
  const until = new Date(Date.now() + RETENTION_LEFT_MS);
  for (const key of keys) {
    for (const versionId of await versionsOf(key)) {
      await h.s3.send(
        new PutObjectRetentionCommand({ Bucket: h.archiveBucket, Key: key, VersionId: versionId, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until }, BypassGovernanceRetention: true }),
      );
    }
  }
  await h.composed.repositories.archive.updateRetention(record.recordingId, until.getTime());
}

beforeAll(async () => {
  const worm = inject('worm');
  // GOVERNANCE (audit and archive) only so that the test can shorten a recording's retention to seconds.
  h = await startHarness({
    worm: worm.connection,
    auditMode: 'GOVERNANCE',
    archiveMode: 'GOVERNANCE',
    profile: (p) => ({ ...p, archive: { ...p.archive!, exportDeliveryWaitSeconds: 5, exportJobTimeoutSeconds: 60 } }),
  });
  const window = archiveWindow(h.sandbox, { maxBytes: 20 * MiB, minRecordings: 4 });
  const traded = window.conversations.find((c) => c.tradingId !== null && c.recordings.length > 0)!;
  expect(traded, 'the window has a call with a trading id').toBeDefined();
  const others = window.conversations.filter((c) => c.tradingId !== traded.tradingId).flatMap((c: SeedConversation) => c.recordings);
  expect(others.length, 'the window has two calls of other trades').toBeGreaterThanOrEqual(2);
  const [apiRecording, freeRecording] = others as [SeedRecording, SeedRecording];
  // Genesys fails one recording: the API archive takes it, so both routes are in the bucket.
  const genesysRole = await createBucketWriter({ runDir: worm.runDir, owner: h.s3, bucket: h.archiveBucket, connection: worm.connection });
  h.sandbox.setRecordingExport({ integrationId: INTEGRATION_ID, s3: genesysRole, bucket: h.archiveBucket, lagMs: 500, failRecordingIds: [apiRecording.id] });
  ingest = await (await h.composed.archive.exportIngest({ integrationId: INTEGRATION_ID })).run({ sinceMs: window.sinceMs, untilMs: window.untilMs });
  expect(ingest.state).toBe('done');
  const archive = h.composed.repositories.archive;
  exportedFree = (await archive.get(freeRecording.id))!;
  exportedHeld = (await archive.get(traded.recordings[0]!.id))!;
  viaApi = (await archive.get(apiRecording.id))!;
  expect(exportedFree.mediaKey).toMatch(/\/conversation_id=/);
  expect(exportedHeld.mediaKey).toMatch(/\/conversation_id=/);
  expect(viaApi.mediaKey).toMatch(/^archive\/v1\//);

  await h.composed.archive.holds.place({ tradingId: traded.tradingId!, caseReference: 'FCA-2026-0410', reason: 'sweep of exported media' });
  // The hold, placed after the export, locks Genesys's metadata too, not only the recording and Custody's sidecar.
  for (const key of [exportedHeld.mediaKey, metadataKeyOf(exportedHeld), exportedHeld.sidecarKey]) {
    const [versionId] = await versionsOf(key);
    const legalHold = await h.s3.send(new GetObjectLegalHoldCommand({ Bucket: h.archiveBucket, Key: key, VersionId: versionId }));
    expect(legalHold.LegalHold?.Status, key).toBe('ON');
  }
  await expireSoon(exportedFree, [exportedFree.mediaKey, metadataKeyOf(exportedFree), exportedFree.sidecarKey]);
  await expireSoon(exportedHeld, [exportedHeld.mediaKey, metadataKeyOf(exportedHeld), exportedHeld.sidecarKey]);
  await expireSoon(viaApi, [viaApi.mediaKey, viaApi.sidecarKey]);
  await new Promise((resolve) => setTimeout(resolve, RETENTION_LEFT_MS + 1_000));
}, 300_000);
afterAll(async () => h?.close());

const entry = (report: SweepReport, key: string) => report.entries.filter((e) => e.key === key).map((e) => ({ layout: e.layout, kind: e.kind, outcome: e.outcome }));

describe('custody retention sweep over media Genesys exported', () => {
  it('sweeps an exported recording past retention with its metadata and sidecar, keeps a held one, and counts both layouts', async () => {
    const exportedCount = ingest.counts.archived;
    const sweep = await h.composed.archive.retention();

    const dry = await sweep.run({ dryRun: true });
    expect(entry(dry, exportedFree.mediaKey)).toEqual([{ layout: 'genesys-export', kind: 'media', outcome: 'would-delete' }]);
    expect(entry(dry, metadataKeyOf(exportedFree))).toEqual([{ layout: 'genesys-export', kind: 'metadata', outcome: 'would-delete' }]);
    expect(entry(dry, exportedFree.sidecarKey)).toEqual([{ layout: 'custody', kind: 'sidecar', outcome: 'would-delete' }]);
    expect(entry(dry, exportedHeld.mediaKey)).toEqual([{ layout: 'genesys-export', kind: 'media', outcome: 'kept-held' }]);
    expect(entry(dry, metadataKeyOf(exportedHeld))).toEqual([{ layout: 'genesys-export', kind: 'metadata', outcome: 'kept-held' }]);
    expect(entry(dry, viaApi.mediaKey)).toEqual([{ layout: 'custody', kind: 'media', outcome: 'would-delete' }]);
    // Every exported recording and its metadata is accounted for; those not due are retained without a HEAD each.
    expect(dry.byLayout['genesys-export']).toMatchObject({ scanned: 2 * exportedCount, retained: 2 * (exportedCount - 2) });
    expect(dry.byLayout['genesys-export'].counts).toMatchObject({ 'would-delete': 2, 'kept-held': 2, deleted: 0 });
    expect(dry.byLayout.custody.counts).toMatchObject({ 'would-delete': 3, 'kept-held': 1 });
    expect(dry.scanned).toBe(dry.byLayout.custody.scanned + dry.byLayout['genesys-export'].scanned);
    expect(dry.reportKeys).toEqual([]);
    expect(await versionsOf(exportedFree.mediaKey)).toHaveLength(1);

    const report = await sweep.run({ dryRun: false });
    for (const key of [exportedFree.mediaKey, metadataKeyOf(exportedFree), exportedFree.sidecarKey, viaApi.mediaKey, viaApi.sidecarKey]) {
      expect(entry(report, key).map((e) => e.outcome), key).toEqual(['deleted']);
      expect(await versionsOf(key), key).toEqual([]);
    }
    for (const key of [exportedHeld.mediaKey, metadataKeyOf(exportedHeld), exportedHeld.sidecarKey]) {
      expect(entry(report, key).map((e) => e.outcome), key).toEqual(['kept-held']);
      expect(await versionsOf(key), key).toHaveLength(1);
    }
    expect(report.byLayout['genesys-export'].counts).toMatchObject({ deleted: 2, 'kept-held': 2, failed: 0 });
    expect(report.byLayout.custody.counts).toMatchObject({ deleted: 3, 'kept-held': 1, failed: 0 });
    // Audited as every sweep is: the plan before, the result after, locked in the bucket, naming the exported keys.
    expect(report.reportKeys).toEqual([`archive/v1/sweeps/${report.runId}/plan.json`, `archive/v1/sweeps/${report.runId}/result.json`]);
    const plan = await h.s3.send(new GetObjectCommand({ Bucket: h.archiveBucket, Key: report.reportKeys[0]! }));
    expect(await plan.Body!.transformToString()).toContain(exportedFree.mediaKey);
  });

  it('leaves the index and the published catalog saying what the archive still holds', async () => {
    const archive = h.composed.repositories.archive;
    expect((await archive.get(exportedFree.recordingId))!.deletedMs).toEqual(expect.any(Number));
    expect((await archive.get(viaApi.recordingId))!.deletedMs).toEqual(expect.any(Number));
    expect((await archive.get(exportedHeld.recordingId))!.deletedMs).toBeNull();
    const reader = (await h.composed.archive.reader())!;
    const lookup = (record: ArchivedObject) => ({ recordingId: record.recordingId, conversationId: record.conversationId, tradingId: record.tradingId, startMs: record.recordingStartMs });
    expect(await reader.locate(lookup(exportedFree))).toBeNull();
    expect(await reader.locate(lookup(exportedHeld))).toMatchObject({ mediaKey: exportedHeld.mediaKey });

    // A second sweep finds nothing more to do.
    const again = await (await h.composed.archive.retention()).run({ dryRun: false });
    expect(again.counts).toMatchObject({ 'would-delete': 0, deleted: 0, failed: 0 });

    const published = await (await h.composed.catalog.publisher()).publish();
    expect(published.published).toBe(true);
    const manifest = await h.s3.send(new GetObjectCommand({ Bucket: h.archiveBucket, Key: published.manifestKey! }));
    const rows: Array<Record<string, unknown>> = [];
    for (const part of (JSON.parse(await manifest.Body!.transformToString()) as { parts: Array<{ key: string; versionId: string }> }).parts) {
      const object = await h.s3.send(new GetObjectCommand({ Bucket: h.archiveBucket, Key: part.key, VersionId: part.versionId }));
      const bytes = await object.Body!.transformToByteArray();
      rows.push(...(await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })));
    }
    const rowOf = (record: ArchivedObject) => rows.find((r) => r.recording_id === record.recordingId)!;
    expect(rowOf(exportedFree).archive_deleted_ms).not.toBeNull();
    expect(rowOf(viaApi).archive_deleted_ms).not.toBeNull();
    expect(rowOf(exportedHeld).archive_deleted_ms).toBeNull();
    expect(rowOf(exportedHeld).archive_media_key).toBe(exportedHeld.mediaKey);
  });
});
