import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../electron/crypto/sha256';
import { openDatabaseSync } from '../../../../electron/db/connection';
import { createArchiveRepository } from '../../../../electron/db/repositories/archive-repository';
import { createIndexRepository } from '../../../../electron/db/repositories/index-repository';
import { createMediaRepository } from '../../../../electron/db/repositories/media-repository';
import { archiveKeys } from '../../../../electron/services/archive/archive-keys';
import { ArchiveReader } from '../../../../electron/services/archive/archive-reader';
import { MediaCache } from '../../../../electron/services/cache/media-cache';
import { CustodyEngine } from '../../../../electron/services/custody-engine';
import { EventHub, type DomainEvent } from '../../../../electron/services/events';
import { PlaybackGrants } from '../../../../electron/services/playback/playback-grants';
import { advanceUntilSettled, FakeClock } from '../../../helpers/fake-clock';
import { MemoryLogger } from '../../../helpers/memory-logger';
import { testTempDir } from '../../../helpers/temp-dir';
import { makeWav } from '../../../helpers/wav';
import { NO_APPROVALS_NEEDED } from '../../../fakes/approval-store';
import { InMemoryArchiveStore } from '../../../fakes/archive-store';
import { FakeAuditWriter } from '../../../fakes/audit-writer';
import { FakeGenesysOrg } from '../../../fakes/genesys-org';
import { indexCalls } from '../../../fakes/indexed-calls';
import { testAtRestKey } from '../../../helpers/sealed-files';
import { officerActor, testActors } from '../../../helpers/audit-actors';
import { AGENT_C, FakeOfficerSession, OFFICER_A, OFFICER_B } from '../../../fakes/officer-session';

const wav = makeWav({ frames: 8_000, left: (i) => Math.sin(i / 10), right: () => 0 });
const DAY_MS = 86_400_000;

/** The engine on real SQLite (in memory), a real media cache and grants; the audit log and Genesys are fakes at the ports. */
async function setUp() {
  const root = await testTempDir('custody-engine-');
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const db = openDatabaseSync(':memory:');
  const index = createIndexRepository(db);
  const media = createMediaRepository(db);
  const cache = new MediaCache({ dir: join(root, 'media'), repository: media, clock, key: testAtRestKey() });
  const org = new FakeGenesysOrg().add({ id: 'r-1', conversationId: 'c-1', audio: wav }, { id: 'r-2', conversationId: 'c-1', audio: wav });
  await indexCalls(
    index,
    [
      { conversationId: 'c-1', recordingId: 'r-1', tradingId: 'T-1', startMs: clock.now() - DAY_MS },
      { conversationId: 'c-1', recordingId: 'r-2', tradingId: 'T-1', startMs: clock.now() - DAY_MS },
    ],
    clock.now(),
  );
  /** What Genesys had been asked for when each audit record was acknowledged. */
  const seenAtAudit: Array<{ action: string; mediaRequests: number }> = [];
  const audit = new FakeAuditWriter({ clock, onAppend: (e) => seenAtAudit.push({ action: e.action, mediaRequests: org.mediaRequests.length }) });
  /** Officer A is signed in unless a test signs her out or another officer in. */
  const officer = new FakeOfficerSession();
  const events: Array<DomainEvent> = [];
  const hub = new EventHub();
  hub.subscribe((e) => events.push(e));
  const genesys = await org.connection({ clock, random: () => 0, logger, index, cache });
  const store = new InMemoryArchiveStore('archive-bucket', 'COMPLIANCE', () => clock.now());
  const archive = createArchiveRepository(db);
  const reader = new ArchiveReader({ store: store.asArchiveStore(), archive, cache, logger, restore: { restoreDays: 1, restoreTier: 'Standard' } });
  /** A WORM copy of r-1 as the archive job leaves it: the locked object and this workstation's record of it. */
  const archiveR1 = async () => {
    const startMs = clock.now() - DAY_MS;
    const keys = archiveKeys({ tradingId: 'T-1', startMs, conversationId: 'c-1', recordingId: 'r-1' }, 'wav');
    const staged = join(root, 'r-1.staged');
    await writeFile(staged, wav);
    const retainUntil = new Date(startMs + 5 * 365 * DAY_MS);
    const metadata = { sha256: sha256Hex(wav), recordingId: 'r-1', conversationId: 'c-1', tradingId: 'T-1', recordingStart: new Date(startMs).toISOString() };
    const stored = await store.putFile({ key: keys.media, path: staged, bytes: wav.length, contentType: 'audio/wav', metadata, retainUntil, legalHold: false });
    await archive.put({
      ...metadata,
      recordingStartMs: startMs,
      bucket: store.bucket,
      mediaKey: keys.media,
      mediaVersionId: stored.versionId,
      sidecarKey: keys.sidecar,
      sidecarVersionId: 'v-sidecar',
      bytes: wav.length,
      contentType: 'audio/wav',
      retainUntilMs: retainUntil.getTime(),
      multipart: false,
      archivedMs: clock.now(),
      auditEventId: 'e-archive',
      deletedMs: null,
    });
    return store.version(keys.media, stored.versionId);
  };
  return { root, clock, org, audit, officer, engine: new CustodyEngine({ ...engineDeps(), events: hub }), seenAtAudit, events, index, media, archiveR1 };

  function engineDeps() {
    return {
      index,
      media,
      cache,
      grants: new PlaybackGrants(clock),
      audit: async () => audit,
      actors: testActors(officer),
      genesys: genesys.services,
      archive: async () => reader,
      clock,
      logger,
      mediaUrlBase: 'media://recording/',
      approvals: NO_APPROVALS_NEEDED,
    };
  }
}

describe('CustodyEngine: every access is done by the officer signed in at that moment', () => {
  it('names the signed-in officer on each event, from the session at the time it is written', async () => {
    const { root, engine, audit, officer } = await setUp();
    await engine.search({ tradingId: 'T-1' }, { caseReference: 'CASE-7' });
    officer.signIn(OFFICER_B);
    const grant = await engine.authorizePlayback('r-1', 'CASE-7');
    await engine.recordSeek('r-1', 500, 'CASE-7');
    officer.signIn(OFFICER_A);
    await engine.download('c-1', 'CASE-7', join(root, 'out'));
    const who = audit.events.map((e) => [e.action, e.operator.genesysUserId, e.operator.name]);
    expect(who).toEqual([
      ['search', OFFICER_A.genesysUserId, 'Olivia Adler'],
      ['play', OFFICER_B.genesysUserId, 'Oscar Brandt'],
      ['seek', OFFICER_B.genesysUserId, 'Oscar Brandt'],
      ['download', OFFICER_A.genesysUserId, 'Olivia Adler'],
      ['download', OFFICER_A.genesysUserId, 'Olivia Adler'],
    ]);
    expect(audit.of('play')[0]!.operator).toEqual({ kind: 'officer', genesysUserId: OFFICER_B.genesysUserId, name: 'Oscar Brandt', email: OFFICER_B.email, osAccount: 'officer' });
    expect(grant.auditEventId).toBe(audit.of('play')[0]!.eventId);
  });

  it('refuses search, preview, play, seek and download without a signed-in officer: nothing recorded, asked of Genesys or written', async () => {
    const { root, engine, audit, officer, org } = await setUp();
    await engine.authorizePlayback('r-1', 'CASE-7');
    const before = { events: audit.events.length, requests: org.requests.length };
    officer.signOut();
    const out = join(root, 'out');
    const refusals = [
      engine.search({ tradingId: 'T-1' }, { caseReference: 'CASE-7' }),
      engine.recording('r-2', { caseReference: 'CASE-7' }),
      engine.authorizePlayback('r-2', 'CASE-7'),
      engine.recordSeek('r-1', 250, 'CASE-7'),
      engine.download('c-1', 'CASE-7', out),
    ];
    for (const refusal of refusals) await expect(refusal).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED', message: expect.stringMatching(/No officer is signed in.*custody signin/) });
    expect(audit.events).toHaveLength(before.events);
    expect(audit.refused).toBe(0);
    expect(org.requests).toHaveLength(before.requests);
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses an officer without the Genesys permission, naming it, before anything is recorded', async () => {
    const { root, engine, audit, officer, org } = await setUp();
    officer.signIn(AGENT_C);
    await expect(engine.authorizePlayback('r-1', 'CASE-7')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'Carla Costa may not play: missing Genesys permission recording:recording:view.',
    });
    await expect(engine.search({ tradingId: 'T-1' }, { caseReference: null })).rejects.toThrow(/missing Genesys permission recording:recording:view/);
    // Allowed to listen but not to download.
    officer.signIn({ ...OFFICER_B, permissions: ['recording:recording:view'] });
    await expect(engine.download('c-1', 'CASE-7', join(root, 'out'))).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'Oscar Brandt may not download: missing Genesys permission recording:recording:download.',
    });
    expect(audit.events).toEqual([]);
    expect(org.requests).toEqual([]);
    await expect(readdir(join(root, 'out'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('CustodyEngine: every access is audited before it happens', () => {
  it('downloads a conversation only after each recording\'s download is acknowledged, and writes exactly the verified bytes', async () => {
    const { root, engine, audit, seenAtAudit, org } = await setUp();
    const out = join(root, 'out');
    const files = await engine.download('c-1', 'CASE-7', out);
    expect(files.map((f) => f.recordingId)).toEqual(['r-1', 'r-2']);
    expect(audit.of('download').map((e) => [e.recordingId, e.caseReference, e.tradingId])).toEqual([
      ['r-1', 'CASE-7', 'T-1'],
      ['r-2', 'CASE-7', 'T-1'],
    ]);
    // Each audit record came before the bytes it covers were requested.
    expect(seenAtAudit).toEqual([
      { action: 'download', mediaRequests: 0 },
      { action: 'download', mediaRequests: 1 },
    ]);
    expect(org.mediaRequests).toEqual(['/r-1', '/r-2']);
    for (const file of files) {
      expect(sha256Hex(await readFile(file.path))).toBe(sha256Hex(wav));
      expect(file.auditEventId).toBe(audit.events.find((e) => e.recordingId === file.recordingId)!.eventId);
    }
    expect((await readdir(out)).sort()).toEqual(['r-1.wav', 'r-2.wav']);
  });

  it('writes and downloads nothing when the audit log refuses the record', async () => {
    const { root, engine, audit, org } = await setUp();
    audit.refuse();
    const out = join(root, 'out');
    await expect(engine.download('c-1', 'CASE-7', out)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(org.mediaRequests).toEqual([]);
    expect(org.calls(/recordings/)).toEqual([]);
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stops a download between recordings when the log fails after the first: the second is neither fetched nor written', async () => {
    const { root, engine, audit, org } = await setUp();
    audit.refuse('store went away', 1);
    const out = join(root, 'out');
    await expect(engine.download('c-1', 'CASE-7', out)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(org.mediaRequests).toEqual(['/r-1']);
    expect(await readdir(out)).toEqual(['r-1.wav']);
  });

  it('refuses a play or a download without a case reference before anything is recorded or fetched', async () => {
    const { root, engine, audit, org } = await setUp();
    await expect(engine.authorizePlayback('r-1', null)).rejects.toMatchObject({ code: 'CASE_REFERENCE_REQUIRED' });
    await expect(engine.download('c-1', ' ', join(root, 'out'))).rejects.toMatchObject({ code: 'CASE_REFERENCE_REQUIRED' });
    expect(audit.events).toEqual([]);
    expect(org.mediaRequests).toEqual([]);
  });

  it('issues a play grant only after the play is acknowledged; a refused record leaves no grant and fetches nothing', async () => {
    const { engine, audit, org } = await setUp();
    audit.refuse();
    await expect(engine.authorizePlayback('r-1', 'CASE-7', 1_500)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(org.mediaRequests).toEqual([]);
    await expect(engine.waveform('r-1', 100)).rejects.toThrow(/only for an audited playback/);
    audit.acknowledge();
    const grant = await engine.authorizePlayback('r-1', 'CASE-7', 1_500);
    const [play] = audit.of('play');
    expect(play).toMatchObject({ recordingId: 'r-1', conversationId: 'c-1', caseReference: 'CASE-7', details: { startOffsetMs: 1_500 } });
    expect(grant).toMatchObject({ auditEventId: play!.eventId, sha256: sha256Hex(wav), durationMs: 1_000, source: 'genesys' });
    expect(grant.mediaUrl).toMatch(/^media:\/\/recording\/r-1\?grant=/);
  });

  it('records a seek only inside a live play under the same case, naming the play it belongs to', async () => {
    const { engine, audit } = await setUp();
    await expect(engine.recordSeek('r-1', 10, 'CASE-7')).rejects.toThrow(/press Play/);
    const grant = await engine.authorizePlayback('r-1', 'CASE-7');
    await expect(engine.recordSeek('r-1', 10, 'CASE-8')).rejects.toThrow(/press Play/);
    const seek = await engine.recordSeek('r-1', 750, 'CASE-7');
    expect(audit.of('seek')).toEqual([expect.objectContaining({ eventId: seek.auditEventId, details: { positionMs: 750, playAuditEventId: grant.auditEventId } })]);
    engine.endPlayback('r-1');
    await expect(engine.recordSeek('r-1', 800, 'CASE-7')).rejects.toThrow(/press Play/);
    expect(audit.of('seek')).toHaveLength(1);
  });

  it('ends plays under another case when the case changes, and says so', async () => {
    const { engine, events } = await setUp();
    await engine.authorizePlayback('r-1', 'CASE-7');
    engine.endPlaysOutsideCase('CASE-8');
    expect(events).toContainEqual({ kind: 'playback.ended', recordingId: 'r-1', reason: 'case-changed' });
    await expect(engine.waveform('r-1', 10)).rejects.toThrow(/only for an audited playback/);
  });

  it('audits viewing a recording\'s details as a preview before showing them', async () => {
    const { engine, audit } = await setUp();
    audit.refuse();
    await expect(engine.recording('r-1', { caseReference: 'CASE-7' })).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    audit.acknowledge();
    const detail = await engine.recording('r-1', { caseReference: 'CASE-7' });
    expect(detail).toMatchObject({ recordingId: 'r-1', tradingId: 'T-1', cached: null, archive: null });
    expect(audit.of('preview')).toHaveLength(1);
  });

  it('audits a search before asking Genesys, and answers from the index, saying so, when Genesys is down', async () => {
    const { engine, audit, org, clock, index } = await setUp();
    audit.refuse();
    await expect(engine.search({ tradingId: 'T-1' }, { caseReference: null })).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(org.requests).toEqual([]);
    audit.acknowledge();
    const live = await engine.search({ tradingId: 'T-1' }, { caseReference: 'CASE-7' });
    expect(live.index.source).toBe('live');
    expect(live.matches.map((m) => m.recordingId)).toEqual(['r-1', 'r-2']);
    expect(live.auditEventId).toBe(audit.of('search')[0]!.eventId);
    // A window the index has not covered must come from Genesys, which answers 503.
    org.fail(/routing\/queues|users/, { status: 503 }, 10);
    const from = new Date(clock.now() - 400 * 86_400_000).toISOString();
    // The search gives up after the interactive policy's retries, which wait on the clock.
    const offline = await advanceUntilSettled(clock, engine.search({ tradingId: 'T-1', from }, { caseReference: 'CASE-7' }));
    expect(offline.index).toMatchObject({ source: 'offline', warning: expect.stringMatching(/results come from the local index/) });
    expect(offline.matches.map((m) => m.recordingId)).toEqual(['r-1', 'r-2']);
    expect(audit.of('search')).toHaveLength(2);
    expect(await index.lastSuccessfulSync()).not.toBeNull();
  });

  it('gives media for an export only under an export event', async () => {
    const { engine, audit } = await setUp();
    const play = await audit.append({ action: 'play', recordingId: 'r-1' }, await officerActor());
    await expect(engine.mediaForAuditedExport('r-1', play)).rejects.toMatchObject({ code: 'INTERNAL' });
    const exportEvent = await audit.append({ action: 'export', details: {} }, await officerActor());
    const media = await engine.mediaForAuditedExport('r-1', exportEvent);
    expect(media.sha256).toBe(sha256Hex(wav));
  });

  it('plays a recording Genesys no longer has from its WORM copy, audited first, and marks it deleted in Genesys', async () => {
    const { engine, audit, org, archiveR1, index, media, root } = await setUp();
    await archiveR1();
    org.recordings.delete('r-1');
    const grant = await engine.authorizePlayback('r-1', 'CASE-7');
    expect(grant).toMatchObject({ source: 'archive', sha256: sha256Hex(wav), auditEventId: audit.of('play')[0]!.eventId });
    expect((await index.findRecording('r-1'))?.fileState).toBe('DELETED');
    // Once the index knows, the archive answers (the cached copy gone) without asking Genesys again.
    await media.remove('r-1');
    const asked = org.calls(/r-1/).length;
    expect(asked).toBe(1);
    expect((await engine.download('c-1', 'CASE-7', join(root, 'out'))).map((f) => f.source)).toEqual(['archive', 'genesys']);
    expect(org.calls(/r-1/)).toHaveLength(asked);
  });

  it('refuses a WORM copy whose bytes are not the ones archived, after recording the attempt', async () => {
    const { engine, audit, org, archiveR1 } = await setUp();
    const copy = await archiveR1();
    copy.body = Buffer.from(copy.body).fill(0, 44);
    org.recordings.delete('r-1');
    await expect(engine.authorizePlayback('r-1', 'CASE-7')).rejects.toThrow(/does not match the SHA-256 recorded when it was archived/);
    expect(audit.of('play')).toHaveLength(1);
    await expect(engine.waveform('r-1', 10)).rejects.toThrow(/only for an audited playback/);
  });
});
