import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createArchiveRepository } from '../../../../../electron/db/repositories/archive-repository';
import { createHoldRepository } from '../../../../../electron/db/repositories/hold-repository';
import { archiveKeys } from '../../../../../electron/services/archive/archive-keys';
import { RetentionSweep } from '../../../../../electron/services/retention/retention-sweep';
import { InMemoryArchiveStore } from '../../../../fakes/archive-store';
import { testActors } from '../../../../helpers/audit-actors';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';

const ORG = '0a1b2c3d-0000-4000-8000-00000000a001';
const DAY_MS = 86_400_000;

/** An archive bucket holding Genesys's export of two recordings (one recorded by the archive, one not) and strays. */
async function setUp() {
  const clock = new FakeClock();
  const store = new InMemoryArchiveStore('archive-bucket', 'COMPLIANCE', () => clock.now());
  const db = openDatabaseSync(':memory:');
  const archive = createArchiveRepository(db);
  const folder = (conversationId: string) => `${ORG}/year=2026/month=01/day=02/hour=03/conversation_id=${conversationId}/`;
  const until = new Date(clock.now() + DAY_MS);
  const put = (key: string) => store.putJson(key, '{}', until, false);
  const recorded = { media: `${folder('c-1')}r-1.wav`, metadata: `${folder('c-1')}r-1_metadata.json` };
  const mediaVersionId = await put(recorded.media);
  await put(recorded.metadata);
  const sidecar = archiveKeys({ tradingId: 'T-1', startMs: Date.UTC(2026, 0, 2, 3), conversationId: 'c-1', recordingId: 'r-1' }, 'wav').sidecar;
  const sidecarVersionId = await put(sidecar);
  await archive.put({
    recordingId: 'r-1',
    conversationId: 'c-1',
    tradingId: 'T-1',
    recordingStartMs: Date.UTC(2026, 0, 2, 3),
    bucket: store.bucket,
    mediaKey: recorded.media,
    mediaVersionId,
    sidecarKey: sidecar,
    sidecarVersionId,
    sha256: 'a'.repeat(64),
    bytes: 2,
    contentType: 'audio/wav',
    retainUntilMs: until.getTime(),
    multipart: false,
    archivedMs: clock.now(),
    auditEventId: 'e-1',
    deletedMs: null,
  });
  // Exported but never recorded (refused at ingest, say): still the archive's media, swept on its own retention.
  const unrecorded = { media: `${folder('c-2')}r-2.wav`, metadata: `${folder('c-2')}r-2_metadata.json` };
  await put(unrecorded.media);
  await put(unrecorded.metadata);
  // Not the export layout, or not an org's folder: never the sweep's.
  const strays = [`${ORG}/notes.txt`, `${ORG}/year=2026/month=02/day=30/hour=03/conversation_id=c-3/r-3.wav`, 'catalog/v1/manifests/000000000001.json', 'athena results/x/y.wav'];
  for (const key of strays) await put(key);
  const sweep = new RetentionSweep({
    store: store.asArchiveStore(),
    archive,
    holds: createHoldRepository(db),
    actors: testActors(),
    osAccount: 'sweeper',
    clock,
    logger: new MemoryLogger(),
    newId: () => 'run-1',
    reportRetentionMs: DAY_MS,
  });
  return { clock, store, archive, sweep, recorded, unrecorded, sidecar, strays };
}

describe('retention sweep over Genesys-exported media', () => {
  it('asks the store nothing about a recorded export not yet due, nor about its metadata', async () => {
    const { store, sweep } = await setUp();
    const report = await sweep.run({ dryRun: true });
    expect(report.byLayout['genesys-export']).toMatchObject({ scanned: 4, retained: 4 });
    expect(report.byLayout.custody).toMatchObject({ scanned: 1, retained: 1 });
    expect(report.entries).toEqual([]);
    // Only the export that no archive row records is looked up: its two objects.
    expect(store.calls.filter((call) => call === 'head')).toHaveLength(2);
  });

  it('deletes exported media past retention with what goes with it, the record marked deleted, and never a stray', async () => {
    const { clock, store, archive, sweep, recorded, unrecorded, sidecar, strays } = await setUp();
    await clock.advance(DAY_MS + 1_000);
    const report = await sweep.run({ dryRun: false });
    const outcomes = Object.fromEntries(report.entries.map((e) => [e.key, [e.layout, e.kind, e.outcome]]));
    expect(outcomes).toEqual({
      [recorded.media]: ['genesys-export', 'media', 'deleted'],
      [recorded.metadata]: ['genesys-export', 'metadata', 'deleted'],
      [sidecar]: ['custody', 'sidecar', 'deleted'],
      [unrecorded.media]: ['genesys-export', 'media', 'deleted'],
      [unrecorded.metadata]: ['genesys-export', 'metadata', 'deleted'],
    });
    expect(report.byLayout['genesys-export'].counts.deleted).toBe(4);
    expect(report.byLayout.custody.counts.deleted).toBe(1);
    expect((await archive.get('r-1'))!.deletedMs).toBe(clock.now());
    expect(store.versions.map((v) => v.key).filter((key) => !key.startsWith('archive/v1/sweeps/')).sort()).toEqual([...strays].sort());
  });

  it('keeps an exported recording\'s metadata and sidecar while the store still retains the recording', async () => {
    const { clock, store, sweep, unrecorded } = await setUp();
    await clock.advance(DAY_MS + 1_000);
    // The recording's retention was extended (a longer jurisdiction period); its metadata's was not.
    const media = store.versions.find((v) => v.key === unrecorded.media)!;
    await store.ensureRetention(media.key, media.versionId, new Date(clock.now() + DAY_MS));
    const report = await sweep.run({ dryRun: false });
    expect(report.entries.find((e) => e.key === unrecorded.media)).toBeUndefined();
    expect(report.entries.find((e) => e.key === unrecorded.metadata)).toMatchObject({ outcome: 'kept-retained', reason: 'its recording is still retained, so its metadata is too' });
    expect(store.versions.some((v) => v.key === unrecorded.metadata)).toBe(true);
  });
});
