import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabaseSync, type Db } from '../../../../../electron/db/connection';
import { createArchiveRepository } from '../../../../../electron/db/repositories/archive-repository';
import { createCatalogRepository } from '../../../../../electron/db/repositories/catalog-repository';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { archiveKeys } from '../../../../../electron/services/archive/archive-keys';
import { manifestKey } from '../../../../../electron/services/catalog/catalog-layout';
import { CatalogPublisher } from '../../../../../electron/services/catalog/catalog-publisher';
import { CatalogRefusedError, CatalogSync } from '../../../../../electron/services/catalog/catalog-sync';
import { canonicalJson } from '../../../../../shared/canonical-json';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { createVersionedS3 } from '../../../../fakes/versioned-s3';
import { testActors } from '../../../../helpers/audit-actors';
import { FakeClock } from '../../../../helpers/fake-clock';
import { conversationRow } from '../../../../helpers/index-rows';
import { MemoryLogger } from '../../../../helpers/memory-logger';

const DAY = 86_400_000;
const BUCKET = 'firm-archive';

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'custody-catalog-unit-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** The archiver's index: three calls over two days, one with two recordings, one archived. */
async function archiverIndex(clock: FakeClock): Promise<Db> {
  const db = openDatabaseSync(':memory:');
  const index = createIndexRepository(db);
  const day1 = Math.floor(clock.now() / DAY) * DAY - 3 * DAY + 9 * 3_600_000;
  await index.upsertConversations(
    [
      conversationRow('c-1', day1, { tradingId: 'T-100', clientAccount: 'ACC-9', participants: [{ purpose: 'customer', name: 'Ola \u202eNordmann', userId: null }] }),
      conversationRow('c-2', day1 + 3_600_000, { tradingId: 'T-200' }),
      conversationRow('c-3', day1 + DAY, { hasRecording: false }),
    ],
    clock.now(),
  );
  await index.replaceRecordings('c-1', [{ id: 'r-1', startMs: day1, endMs: day1 + 60_000, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], clock.now());
  await index.replaceRecordings(
    'c-2',
    [
      { id: 'r-2a', startMs: day1 + 3_600_000, endMs: null, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null },
      { id: 'r-2b', startMs: day1 + 3_660_000, endMs: null, media: 'audio', fileState: 'DELETED', archiveDate: null, deleteDate: null },
    ],
    clock.now(),
  );
  const keys = archiveKeys({ tradingId: 'T-100', startMs: day1, conversationId: 'c-1', recordingId: 'r-1' }, 'wav');
  await createArchiveRepository(db).put({
    recordingId: 'r-1', conversationId: 'c-1', tradingId: 'T-100', recordingStartMs: day1, bucket: BUCKET,
    mediaKey: keys.media, mediaVersionId: 'mv-1', sidecarKey: keys.sidecar, sidecarVersionId: 'sv-1',
    sha256: 'a'.repeat(64), bytes: 1234, contentType: 'audio/wav', retainUntilMs: clock.now() + 5 * 365 * DAY,
    multipart: false, archivedMs: clock.now(), auditEventId: 'ev-1', deletedMs: null,
  });
  return db;
}

function firm() {
  const clock = new FakeClock();
  const bucket = createVersionedS3();
  const audit = new FakeAuditWriter({ clock });
  const logger = new MemoryLogger();
  const publisherOf = (db: Db) =>
    new CatalogPublisher({
      s3: bucket.s3, bucket: BUCKET, mode: 'COMPLIANCE', retentionMs: DAY, catalog: createCatalogRepository(db),
      audit: async () => audit, actors: testActors(), workDir, clock, logger,
    });
  const workstation = () => {
    const db = openDatabaseSync(':memory:');
    const catalog = createCatalogRepository(db);
    return { db, catalog, index: createIndexRepository(db), archive: createArchiveRepository(db), sync: new CatalogSync({ s3: bucket.s3, bucket: BUCKET, catalog, workDir, clock, logger }) };
  };
  return { clock, bucket, audit, publisherOf, workstation };
}

describe('the shared catalog', () => {
  it('publishes a part per day under a locked manifest, audited first, and a workstation syncs the same index', async () => {
    const f = firm();
    const a = await archiverIndex(f.clock);
    const published = await f.publisherOf(a).publish();
    expect(published).toMatchObject({ seq: 1, published: true, days: 2, rows: 4 });
    expect(published.newParts.map((p) => p.key)).toEqual([expect.stringMatching(/^catalog\/v1\/recordings\/year=\d{4}\/month=\d{2}\/day=\d{2}\/part-000000000001-[0-9a-f]{16}\.parquet$/), expect.any(String)]);
    // The export event comes before the first part: it names the manifest and each day published.
    expect(f.audit.events).toHaveLength(1);
    expect(f.audit.events[0]).toMatchObject({ action: 'export', details: { kind: 'catalog', manifest: manifestKey(1) } });
    expect(f.audit.events[0]!.operator.kind).toBe('service');

    const b = f.workstation();
    expect(await b.sync.sync()).toMatchObject({ fromSeq: null, seq: 1, partsRead: 2, rowsApplied: 4 });
    expect(await b.catalog.counts()).toEqual(await createCatalogRepository(a).counts());
    expect((await b.index.search({ tradingId: 'T-100' }, 10)).map((m) => [m.conversationId, m.recordingId])).toEqual([['c-1', 'r-1']]);
    expect(await b.archive.get('r-1')).toMatchObject({ origin: 'catalog', bucket: BUCKET, sha256: 'a'.repeat(64), mediaVersionId: 'mv-1' });
    expect((await b.index.findRecording('r-1'))!.participants).toEqual([{ purpose: 'customer', name: 'Ola \\u202eNordmann', userId: null }]);
    expect((await b.index.recordingsOfConversation('c-2')).map((r) => [r.recordingId, r.fileState])).toEqual([['r-2a', 'AVAILABLE'], ['r-2b', 'DELETED']]);
    expect(await b.sync.sync()).toMatchObject({ upToDate: true, seq: 1, partsRead: 0 });
  });

  it('publishes only the days that changed, and a workstation reads only the new parts', async () => {
    const f = firm();
    const a = await archiverIndex(f.clock);
    const b = f.workstation();
    await f.publisherOf(a).publish();
    await b.sync.sync();
    expect(await f.publisherOf(a).publish()).toMatchObject({ published: false, seq: 1 });

    const c3 = (await createIndexRepository(a).search({}, 10)).find((m) => m.conversationId === 'c-3')!;
    await createIndexRepository(a).upsertConversations([conversationRow('c-3', c3.startMs, { hasRecording: false, tradingId: 'T-300' })], f.clock.now());
    const second = await f.publisherOf(a).publish();
    expect(second).toMatchObject({ seq: 2, published: true, days: 2 });
    expect(second.newParts).toHaveLength(1);
    expect(await b.sync.sync()).toMatchObject({ fromSeq: 1, seq: 2, partsRead: 1, rowsApplied: 1 });
    expect((await b.index.search({ tradingId: 'T-300' }, 10)).map((m) => m.conversationId)).toEqual(['c-3']);
  });

  it('refuses a manifest whose part does not match its SHA-256, before reading it, and keeps the previous state', async () => {
    const f = firm();
    const a = await archiverIndex(f.clock);
    const b = f.workstation();
    await f.publisherOf(a).publish();
    await b.sync.sync();
    const before = { counts: await b.catalog.counts(), manifest: await b.catalog.lastManifest(), parts: await b.catalog.currentParts() };

    await createIndexRepository(a).upsertConversations([conversationRow('c-1', (await createIndexRepository(a).findRecording('r-1'))!.startMs, { tradingId: 'T-CHANGED' })], f.clock.now());
    const second = await f.publisherOf(a).publish();
    const part = second.newParts[0]!;
    f.bucket.overwrite(part.key, Buffer.concat([f.bucket.objects.get(part.key)![0]!.body, Buffer.from('tampered')]));

    const refused = b.sync.sync();
    await expect(refused).rejects.toBeInstanceOf(CatalogRefusedError);
    await expect(refused).rejects.toThrow(/does not match manifest 2: SHA-256 [0-9a-f]{64}.*the index keeps its previous state/);
    expect({ counts: await b.catalog.counts(), manifest: await b.catalog.lastManifest(), parts: await b.catalog.currentParts() }).toEqual(before);
    expect((await b.index.search({ tradingId: 'T-100' }, 10)).map((m) => m.conversationId)).toEqual(['c-1']);
  });

  /** A firm whose workstation applied manifest 1, and a second manifest written by someone else from manifest 1's content. */
  async function forgedSecondManifest(change: (stored: Record<string, unknown> & { parts: Array<Record<string, unknown>> }, appliedSha256: string) => Record<string, unknown>) {
    const f = firm();
    const b = f.workstation();
    const first = await f.publisherOf(await archiverIndex(f.clock)).publish();
    await b.sync.sync();
    const applied = (await b.catalog.lastManifest())!;
    const stored = JSON.parse(f.bucket.objects.get(first.manifestKey!)![0]!.body.toString('utf8'));
    await f.bucket.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey(2), Body: canonicalJson({ ...change(stored, applied.sha256), seq: 2 }) }));
    return { b, applied };
  }

  it('refuses a manifest that does not chain to the one applied', async () => {
    const { b, applied } = await forgedSecondManifest((stored) => ({ ...stored, previous: { seq: 1, sha256: 'f'.repeat(64) } }));
    await expect(b.sync.sync()).rejects.toThrow(/names manifest 1 with SHA-256 f{64}, but that manifest's is [0-9a-f]{64}/);
    expect(await b.catalog.lastManifest()).toEqual(applied);
  });

  it('refuses a manifest that gives a part already applied another SHA-256 (parts are immutable)', async () => {
    const { b, applied } = await forgedSecondManifest((stored, appliedSha256) => ({
      ...stored,
      previous: { seq: 1, sha256: appliedSha256 },
      parts: stored.parts.map((p, i) => (i === 0 ? { ...p, sha256: 'e'.repeat(64) } : p)),
    }));
    await expect(b.sync.sync()).rejects.toThrow(/gives the part .* SHA-256 e{64}, but it was applied with [0-9a-f]{64}/);
    expect(await b.catalog.lastManifest()).toEqual(applied);
  });

  it('answers volumes per desk and days without calls with DuckDB over the verified parts', async () => {
    const f = firm();
    const a = await archiverIndex(f.clock);
    const later = (await createIndexRepository(a).findRecording('r-1'))!.startMs + 3 * DAY;
    await createIndexRepository(a).upsertConversations([conversationRow('c-4', later, { queueName: 'Rates', queueId: 'q-rates', hasRecording: false })], f.clock.now());
    await f.publisherOf(a).publish();
    const stats = await f.workstation().sync.stats();
    expect(stats).toMatchObject({ seq: 1, days: 3, calls: 4, recordings: 3, archived: 1 });
    expect(stats.perQueue).toEqual([
      { queue: 'FX Spot Desk', calls: 3, recordings: 3, archived: 1 },
      { queue: 'Rates', calls: 1, recordings: 0, archived: 0 },
    ]);
    const dayAfterSecond = new Date(later - DAY).toISOString().slice(0, 10);
    expect(stats.gaps).toEqual([dayAfterSecond]);
  });

  it('publishes nothing when the audit log does not take the record', async () => {
    const f = firm();
    const a = await archiverIndex(f.clock);
    f.audit.refuse();
    await expect(f.publisherOf(a).publish()).rejects.toThrow();
    expect(f.bucket.objects.size).toBe(0);
  });
});
