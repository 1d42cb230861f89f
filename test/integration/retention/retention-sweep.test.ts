import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectRetentionCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { archiveKeys } from '../../../electron/services/archive/archive-keys';
import { ArchiveStore } from '../../../electron/services/archive/archive-store';
import { createArchiveRepository } from '../../../electron/db/repositories/archive-repository';
import { createHoldRepository } from '../../../electron/db/repositories/hold-repository';
import { RetentionSweep, type SweepEntry, type SweepReport } from '../../../electron/services/retention/retention-sweep';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { MemoryLogger } from '../../helpers/memory-logger';
import { SANDBOX_CLIENT, type SeedConversation } from '../../sandbox/server';

const RETENTION_MS = 2_000;
let h: Harness;
let store: ArchiveStore;
let dir: string;
let trades: Array<{ tradingId: string; conversation: SeedConversation }>;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  store = new ArchiveStore({ s3: h.s3, bucket: h.archiveBucket, mode: 'COMPLIANCE', multipartThresholdBytes: 16 << 20, partSizeBytes: 8 << 20, logger: new MemoryLogger() });
  dir = await mkdtemp(join(tmpdir(), 'custody-sweep-'));
  // Real trades (so holds can protect their conversations in Genesys), in key order.
  const seen = new Set<string>();
  trades = h.sandbox.dataset.conversations
    .filter((c) => c.tradingId && c.recordings.length > 0 && !seen.has(c.tradingId) && seen.add(c.tradingId))
    .map((c) => ({ tradingId: c.tradingId!, conversation: c }))
    .sort((a, b) => a.tradingId.localeCompare(b.tradingId));
});
afterAll(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Archives a recording of the trade whose COMPLIANCE retention ends RETENTION_MS from now. */
async function archiveShortLived(trade: { tradingId: string; conversation: SeedConversation }): Promise<{ media: string; sidecar: string }> {
  const recording = trade.conversation.recordings[0]!;
  const keys = archiveKeys({ tradingId: trade.tradingId, startMs: Date.parse(recording.startTime), conversationId: trade.conversation.id, recordingId: recording.id }, 'wav');
  const path = join(dir, randomUUID());
  const bytes = randomBytes(2048);
  await writeFile(path, bytes);
  const retainUntil = new Date(Date.now() + RETENTION_MS);
  const sha256 = 'a'.repeat(64);
  const media = await store.putFile({
    key: keys.media,
    path,
    bytes: bytes.length,
    contentType: 'audio/wav',
    metadata: { sha256, recordingId: recording.id, conversationId: trade.conversation.id, tradingId: trade.tradingId, recordingStart: recording.startTime },
    retainUntil,
    legalHold: false,
  });
  const sidecarVersionId = await store.putJson(keys.sidecar, JSON.stringify({ recordingId: recording.id }), media.retainUntil, false);
  await createArchiveRepository(h.composed.db).put({
    recordingId: recording.id,
    conversationId: trade.conversation.id,
    tradingId: trade.tradingId,
    recordingStartMs: Date.parse(recording.startTime),
    bucket: h.archiveBucket,
    mediaKey: keys.media,
    mediaVersionId: media.versionId,
    sidecarKey: keys.sidecar,
    sidecarVersionId,
    sha256,
    bytes: bytes.length,
    contentType: 'audio/wav',
    retainUntilMs: media.retainUntil.getTime(),
    multipart: false,
    archivedMs: Date.now(),
    auditEventId: 'test',
    deletedMs: null,
  });
  return keys;
}

function sweep(beforeDelete?: (entry: Readonly<SweepEntry>) => Promise<void>): RetentionSweep {
  return new RetentionSweep({
    store,
    archive: createArchiveRepository(h.composed.db),
    holds: createHoldRepository(h.composed.db),
    actors: h.composed.audit.actors,
    osAccount: 'sweeper',
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    logger: new MemoryLogger(),
    newId: randomUUID,
    reportRetentionMs: 60_000,
    ...(beforeDelete ? { beforeDelete } : {}),
  });
}

async function versionsOf(key: string): Promise<Array<string>> {
  const listing = await h.s3.send(new ListObjectVersionsCommand({ Bucket: h.archiveBucket, Prefix: key }));
  return (listing.Versions ?? []).filter((v) => v.Key === key).map((v) => v.VersionId!);
}

const expire = () => new Promise((resolve) => setTimeout(resolve, RETENTION_MS + 1_000));
const outcomesFor = (report: SweepReport, key: string) => report.entries.filter((e) => e.key === key).map((e) => e.outcome);

describe('custody retention sweep', () => {
  it('a held object cannot be deleted while its retention-expired neighbour can', async () => {
    const [heldTrade, freeTrade] = [trades[0]!, trades[1]!];
    const held = await archiveShortLived(heldTrade);
    const free = await archiveShortLived(freeTrade);
    const hold = await h.composed.archive.holds.place({ tradingId: heldTrade.tradingId, caseReference: 'FCA-2026-0400', reason: 'retention test' });
    expect(hold.objects.held).toBe(2);
    await expire();

    // The store itself: retention over, but the legal hold refuses the deletion; the neighbour goes.
    const [heldVersion] = await versionsOf(held.media);
    await expect(h.s3.send(new DeleteObjectCommand({ Bucket: h.archiveBucket, Key: held.media, VersionId: heldVersion }))).rejects.toMatchObject({ name: 'AccessDenied' });
    const retention = await h.s3.send(new GetObjectRetentionCommand({ Bucket: h.archiveBucket, Key: held.media, VersionId: heldVersion }));
    expect(retention.Retention!.RetainUntilDate!.getTime()).toBeLessThan(Date.now());

    const dry = await sweep().run({ dryRun: true });
    expect(outcomesFor(dry, held.media)).toEqual(['kept-held']);
    expect(outcomesFor(dry, free.media)).toEqual(['would-delete']);
    expect(outcomesFor(dry, free.sidecar)).toEqual(['would-delete']);
    expect(dry.reportKeys).toEqual([]);
    expect(await versionsOf(free.media)).toHaveLength(1);

    const report = await sweep().run({ dryRun: false });
    expect(outcomesFor(report, held.media)).toEqual(['kept-held']);
    expect(outcomesFor(report, held.sidecar)).toEqual(['kept-held']);
    expect(outcomesFor(report, free.media)).toEqual(['deleted']);
    expect(outcomesFor(report, free.sidecar)).toEqual(['deleted']);
    expect(await versionsOf(free.media)).toEqual([]);
    expect(await versionsOf(free.sidecar)).toEqual([]);
    expect(await versionsOf(held.media)).toHaveLength(1);
    await expect(createArchiveRepository(h.composed.db).get(freeTrade.conversation.recordings[0]!.id)).resolves.toMatchObject({ deletedMs: expect.any(Number) });
    // The plan (before) and the result (after) are locked in the bucket.
    expect(report.reportKeys).toEqual([`archive/v1/sweeps/${report.runId}/plan.json`, `archive/v1/sweeps/${report.runId}/result.json`]);
    // Unattended work: the service account (the sandbox's client), naming officer A, signed in when it ran.
    expect(report.sweptBy).toEqual({
      kind: 'service',
      name: `service account ${SANDBOX_CLIENT.clientId}`,
      oauthClientId: SANDBOX_CLIENT.clientId,
      scheduledBy: { genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' },
      osAccount: 'sweeper',
    });
    for (const key of report.reportKeys) expect(await versionsOf(key)).toHaveLength(1);
  });

  it('a hold placed while the sweep runs wins: recorded in the index before the deletion is checked', async () => {
    const [first, later] = [trades[2]!, trades[3]!];
    const a = await archiveShortLived(first);
    const b = await archiveShortLived(later);
    await expire();
    let placed = false;
    const report = await sweep(async (entry) => {
      // The sweep is about to delete the first trade's object: meanwhile an officer holds the second trade.
      if (!placed && entry.key === a.media) {
        placed = true;
        await h.composed.archive.holds.place({ tradingId: later.tradingId, caseReference: 'FCA-2026-0401', reason: 'placed during a sweep' });
      }
    }).run({ dryRun: false });
    expect(placed).toBe(true);
    expect(outcomesFor(report, a.media)).toEqual(['deleted']);
    const keptB = report.entries.find((e) => e.key === b.media)!;
    expect(keptB.outcome).toBe('kept-held');
    expect(keptB.reason).toMatch(/placed while the sweep ran/);
    expect(await versionsOf(b.media)).toHaveLength(1);
  });

  it('a hold placed between the sweep\'s check and its deletion still wins: the store refuses (S3 legal hold is the final guard)', async () => {
    const trade = trades[4]!;
    const keys = await archiveShortLived(trade);
    await expire();
    const report = await sweep(async (entry) => {
      // The check has passed; the hold lands in the instant before DeleteObject.
      if (entry.key === keys.media) await h.composed.archive.holds.place({ tradingId: trade.tradingId, caseReference: 'FCA-2026-0402', reason: 'last-instant hold' });
    }).run({ dryRun: false });
    const media = report.entries.find((e) => e.key === keys.media)!;
    expect(media.outcome).toBe('kept-held');
    expect(media.reason).toMatch(/the store refused: S3 legal hold ON/);
    expect(outcomesFor(report, keys.sidecar)).toEqual(['kept-retained']);
    expect(await versionsOf(keys.media)).toHaveLength(1);
    expect(await versionsOf(keys.sidecar)).toHaveLength(1);
  });

  it('runs from the command line: --dry-run lists, JSON report, exit 0', async () => {
    const cli = await shareProfileWithCli(h);
    try {
      const keys = await archiveShortLived(trades[5]!);
      await expire();
      const dry = await cli.run(['retention', 'sweep', '--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      const report = JSON.parse(dry.stdout) as SweepReport;
      expect(report.dryRun).toBe(true);
      expect(outcomesFor(report, keys.media)).toEqual(['would-delete']);
      const human = await cli.run(['retention', 'sweep']);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/\d+ deleted, \d+ kept under hold/);
      expect(await versionsOf(keys.media)).toEqual([]);
    } finally {
      await cli.dispose();
    }
  });
});
