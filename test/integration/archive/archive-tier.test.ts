import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabaseSync, type Db } from '../../../electron/db/connection';
import { createArchiveRepository } from '../../../electron/db/repositories/archive-repository';
import { createMediaRepository } from '../../../electron/db/repositories/media-repository';
import { systemClock } from '../../../electron/services/adapters/system-clock';
import { ArchiveReader } from '../../../electron/services/archive/archive-reader';
import { ArchiveStore } from '../../../electron/services/archive/archive-store';
import { ArchiveRestorePendingError } from '../../../electron/services/archive/archive-tier';
import { MediaCache } from '../../../electron/services/cache/media-cache';
import { createWormS3Client } from '../../../electron/services/worm/s3-client';
import { startAwsFixtureServer } from '../../helpers/aws-fixture-server';
import { MemoryLogger } from '../../helpers/memory-logger';
import { testAtRestKey } from '../../helpers/sealed-files';

type Tier = 'archived' | 'archived-restore-requested-elsewhere' | 'restoring' | 'restored';

const bytes = randomBytes(48_000);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const versionId = '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo';
const key = 'archive/v1/trades/T-20261102-0036/2026-11-02/abdadae9-f4b4-4787-99dd-42fa554fb8dd/72585a1e-ef3d-4d30-a84f-f6007650eef0.wav';
const lookup = { recordingId: '72585a1e-ef3d-4d30-a84f-f6007650eef0', conversationId: 'abdadae9-f4b4-4787-99dd-42fa554fb8dd', tradingId: 'T-20261102-0036', startMs: Date.parse('2026-11-02T10:06:29Z') };

let tier: Tier = 'archived';
let server: Awaited<ReturnType<typeof startAwsFixtureServer>>;
let reader: ArchiveReader;
let db: Db;
let dir: string;

beforeAll(async () => {
  // An object in S3 Glacier Deep Archive, answered as AWS answers (radosgw has no archive tiers).
  server = await startAwsFixtureServer((request) => {
    if (request.key !== key) return null;
    const vars = {
      versionId,
      etag: createHash('md5').update(bytes).digest('hex'),
      bytes: String(bytes.length),
      sha256,
      restoreExpiry: new Date(Date.now() + 2 * 86_400_000).toUTCString(),
    };
    const headState = tier === 'archived-restore-requested-elsewhere' ? 'archived' : tier;
    if (request.method === 'HEAD') return { fixture: `glacier/head-${headState}.http`, vars };
    if (request.method === 'GET') return tier === 'restored' ? { fixture: 'glacier/get-restored.http', vars, body: bytes } : { fixture: 'glacier/get-invalid-object-state.http', vars };
    if (request.method === 'POST' && request.query.has('restore')) {
      if (tier === 'archived') {
        tier = 'restoring';
        return { fixture: 'glacier/restore-accepted.http', vars };
      }
      return { fixture: 'glacier/restore-in-progress.http', vars };
    }
    return null;
  });
  const s3 = createWormS3Client({ endpoint: server.endpoint, region: 'eu-west-2', accessKeyId: 'AKIAFIXTUREFIXTURE00', secretAccessKey: 'fixture-secret-not-real' });
  const store = new ArchiveStore({ s3, bucket: 'custody-archive', mode: 'COMPLIANCE', multipartThresholdBytes: 16 << 20, partSizeBytes: 8 << 20, logger: new MemoryLogger() });
  db = openDatabaseSync(':memory:');
  dir = await mkdtemp(join(tmpdir(), 'custody-tier-'));
  await createArchiveRepository(db).put({
    ...lookup,
    recordingStartMs: lookup.startMs,
    bucket: 'custody-archive',
    mediaKey: key,
    mediaVersionId: versionId,
    sidecarKey: key.replace(/\.wav$/, '.json'),
    sidecarVersionId: 'sidecar-version',
    sha256,
    bytes: bytes.length,
    contentType: 'audio/wav',
    retainUntilMs: Date.parse('2031-11-02T10:06:29Z'),
    multipart: false,
    archivedMs: Date.parse('2026-11-03T02:00:00Z'),
    auditEventId: 'evt',
    deletedMs: null,
  });
  const cache = new MediaCache({ dir, repository: createMediaRepository(db), clock: systemClock, key: testAtRestKey() });
  reader = new ArchiveReader({ store, archive: createArchiveRepository(db), cache, logger: new MemoryLogger(), restore: { restoreDays: 2, restoreTier: 'Bulk' } });
});
afterAll(async () => {
  await server?.close();
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('archive copies in S3 Glacier Deep Archive (recorded AWS responses)', () => {
  it('shows the copy as archived, asks for a restore once, and says when to come back', async () => {
    expect(await reader.describe(lookup)).toMatchObject({ tier: 'archived', storageClass: 'DEEP_ARCHIVE', legalHold: false, retainUntil: '2031-11-02T10:06:29.000Z', restoreExpiresAt: null });

    const error = await reader.fetchIntoCache(lookup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveRestorePendingError);
    expect(error).toMatchObject({ code: 'ARCHIVED', retryable: true, restore: 'requested', details: { location: 'archive', storageClass: 'DEEP_ARCHIVE' } });
    expect((error as Error).message).toMatch(/WORM archive copy is in S3 Glacier Deep Archive\. A Bulk restore was requested \(readable for 2 day\(s\)/);
    const restores = server.requests.filter((r) => r.method === 'POST');
    expect(restores).toHaveLength(1);
    expect(restores[0]!.query.get('versionId')).toBe(versionId);
    expect(restores[0]!.body).toMatch(/<Days>2<\/Days>/);
    expect(restores[0]!.body).toMatch(/<Tier>Bulk<\/Tier>/);
    // Nothing was read or cached while the object is offline.
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
    expect(db.prepare('SELECT COUNT(*) AS n FROM media_cache').get()).toEqual({ n: 0 });
  });

  it('while the restore runs, says so without asking again', async () => {
    expect(await reader.describe(lookup)).toMatchObject({ tier: 'restoring' });
    const error = await reader.fetchIntoCache(lookup).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ARCHIVED', restore: 'in-progress' });
    expect((error as Error).message).toMatch(/is being restored\. Try again later/);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('once restored, reads the copy, verifies its SHA-256 and caches it as coming from the archive', async () => {
    tier = 'restored';
    const copy = await reader.describe(lookup);
    expect(copy).toMatchObject({ tier: 'restored', storageClass: 'DEEP_ARCHIVE' });
    expect(Date.parse(copy!.restoreExpiresAt!)).toBeGreaterThan(Date.now());
    const media = await reader.fetchIntoCache(lookup);
    expect(media).toMatchObject({ source: 'archive', sha256, bytes: bytes.length });
    const cached: Array<Buffer> = [];
    for await (const part of media!.content.read(0, media!.bytes - 1)) cached.push(part);
    expect(Buffer.compare(Buffer.concat(cached), bytes)).toBe(0);
  });

  it('treats RestoreAlreadyInProgress (another reader asked first) as a restore under way', async () => {
    db.prepare('DELETE FROM media_cache').run();
    tier = 'archived-restore-requested-elsewhere';
    const error = await reader.fetchIntoCache(lookup).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ARCHIVED', restore: 'in-progress' });
  });
});
