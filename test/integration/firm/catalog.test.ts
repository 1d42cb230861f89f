import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { manifestKey } from '../../../electron/services/catalog/catalog-layout';
import { CatalogRefusedError } from '../../../electron/services/catalog/catalog-sync';
import { canonicalJson } from '../../../shared/canonical-json';
import type { ArchiveRunSummary } from '../../../shared/archive';
import type { PublishSummary } from '../../../electron/services/catalog/catalog-publisher';
import { archiveWindow } from '../../helpers/archive-window';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { readEventChain } from '../../helpers/read-event-chain';
import { SANDBOX_CLIENT } from '../../sandbox/server';

const MiB = 1024 * 1024;
let a: Harness;
let b: Harness;
let cliOfA: Awaited<ReturnType<typeof shareProfileWithCli>>;

beforeAll(async () => {
  a = await startHarness({ worm: inject('worm').connection });
  // A second workstation of the firm on A's buckets: no Genesys service account, only the org's public (PKCE)
  // sign-in client, whose id is no secret, for its officer.
  b = await startHarness({
    worm: inject('worm').connection,
    sameStoreAs: a,
    serviceAccount: false,
    profile: (p) => ({ ...p, officerSignIn: { ...p.officerSignIn, clientId: SANDBOX_CLIENT.clientId } }),
  });
  // The archiver runs unattended, under the service account: nobody signed in.
  cliOfA = await shareProfileWithCli(a, { officer: null });
});
afterAll(async () => {
  await cliOfA?.dispose();
  await b?.close();
  await a?.close();
});

async function objectBytes(h: Harness, key: string, versionId: string): Promise<ArrayBuffer> {
  const object = await h.s3.send(new GetObjectCommand({ Bucket: h.archiveBucket, Key: key, VersionId: versionId }));
  const bytes = await object.Body!.transformToByteArray();
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

describe('the firm catalog: A archives and publishes, B without Genesys credentials finds and plays', () => {
  it('publishes, syncs, searches by trading ID, plays from the archive audited in B\'s log, and refuses a part that does not match its manifest', async () => {
    const window = archiveWindow(a.sandbox, { maxBytes: 16 * MiB, minRecordings: 3 });
    const traded = window.conversations.find((c) => c.tradingId !== null && c.recordings.length > 0);
    expect(traded, 'the window has a call with a trading id').toBeDefined();
    // The archiver's nightly command publishes the catalog after its run.
    const archived = await cliOfA.run(['archive', '--since', new Date(window.sinceMs).toISOString(), '--until', new Date(window.untilMs).toISOString(), '--json']);
    expect(archived.code, archived.stderr).toBe(0);
    const run = JSON.parse(archived.stdout) as ArchiveRunSummary & { catalog: PublishSummary };
    expect(run.state).toBe('done');
    const published = run.catalog;
    expect(published).toMatchObject({ seq: 1, published: true, manifestKey: manifestKey(1) });
    expect(published.auditEventId).toEqual(expect.any(String));

    // An independent reader (hyparquet, pure JS) reads the published files and counts what A's index holds.
    const manifest = JSON.parse(new TextDecoder().decode(await objectBytes(a, published.manifestKey!, (await a.s3.send(new GetObjectCommand({ Bucket: a.archiveBucket, Key: published.manifestKey! }))).VersionId!)));
    const rows: Array<Record<string, unknown>> = [];
    for (const part of manifest.parts as Array<{ key: string; versionId: string; rows: number }>) {
      const read = await parquetReadObjects({ file: await objectBytes(a, part.key, part.versionId) });
      expect(read).toHaveLength(part.rows);
      rows.push(...read);
    }
    const counts = await a.composed.catalog.repository.counts();
    expect(new Set(rows.map((r) => r.conversation_id)).size).toBe(counts.conversations);
    expect(rows.filter((r) => r.recording_id !== null).length).toBe(counts.recordings);
    expect(rows.filter((r) => r.archive_media_key !== null).length).toBe(counts.archived);
    expect(counts.archived).toBe(run.counts.archived + run.counts.alreadyArchived);
    expect(await (await a.composed.catalog.sync()).stats()).toMatchObject({ seq: 1, calls: counts.conversations, recordings: counts.recordings, archived: counts.archived });

    // B's search syncs the catalog first (it has no service account) and finds the call by its trading ID.
    expect(await b.composed.catalog.repository.counts()).toMatchObject({ conversations: 0 });
    const recording = traded!.recordings[0]!;
    const found = await b.composed.engine.search({ tradingId: traded!.tradingId! }, { caseReference: 'CASE-CAT-1' }, 'at-once');
    expect(found.matches.map((m) => m.recordingId)).toContain(recording.id);
    expect(await b.composed.catalog.repository.lastManifest()).toMatchObject({ seq: 1 });

    // B plays it from the WORM archive (not Genesys), verified against the SHA-256 A archived; the play is in B's own log.
    const item = run.items.find((i) => i.recordingId === recording.id)!;
    const grant = await b.composed.engine.authorizePlayback(recording.id, 'CASE-CAT-1');
    expect(grant).toMatchObject({ source: 'archive', integrity: 'verified', sha256: item.sha256 });
    const bLog = b.composed.profile.logId;
    const events: Array<{ eventId: string; action: string; recordingId: string | null }> = [];
    for await (const event of readEventChain(b.s3, b.bucket, bLog)) events.push(event);
    expect(events.find((e) => e.eventId === grant.auditEventId)).toMatchObject({ action: 'play', recordingId: recording.id });
    expect(bLog).not.toBe(a.composed.profile.logId);

    // A second manifest naming a new part whose bytes are not the ones it hashes is refused whole; B keeps manifest 1 and its index.
    const before = await b.composed.catalog.repository.counts();
    const first = manifest.parts[0] as { key: string; versionId: string; sha256: string; bytes: number };
    const tamperedKey = first.key.replace(/part-\d{12}-[0-9a-f]{16}/, 'part-000000000002-0123456789abcdef');
    const tampered = Buffer.concat([Buffer.from(await objectBytes(a, first.key, first.versionId)), Buffer.from('x')]);
    const retention = { ObjectLockMode: 'COMPLIANCE' as const, ObjectLockRetainUntilDate: new Date(Date.now() + 120_000) };
    const stored = await a.s3.send(new PutObjectCommand({ Bucket: a.archiveBucket, Key: tamperedKey, Body: tampered, ...retention }));
    const forged = {
      ...manifest,
      seq: 2,
      previous: { seq: 1, sha256: (await b.composed.catalog.repository.lastManifest())!.sha256 },
      parts: manifest.parts.map((p: typeof first, n: number) => (n === 0 ? { ...p, key: tamperedKey, versionId: stored.VersionId } : p)),
    };
    await a.s3.send(new PutObjectCommand({ Bucket: a.archiveBucket, Key: manifestKey(2), Body: canonicalJson(forged), ...retention }));
    const refused = (await b.composed.catalog.sync()).sync();
    await expect(refused).rejects.toBeInstanceOf(CatalogRefusedError);
    await expect(refused).rejects.toThrow(/does not match manifest 2/);
    expect(await b.composed.catalog.repository.lastManifest()).toMatchObject({ seq: 1 });
    expect(await b.composed.catalog.repository.counts()).toEqual(before);
  });
});
