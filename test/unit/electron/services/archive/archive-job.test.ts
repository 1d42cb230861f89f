import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../../electron/crypto/sha256';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createArchiveRepository } from '../../../../../electron/db/repositories/archive-repository';
import { createHoldRepository } from '../../../../../electron/db/repositories/hold-repository';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createMediaRepository } from '../../../../../electron/db/repositories/media-repository';
import { ArchiveJob } from '../../../../../electron/services/archive/archive-job';
import { MediaCache } from '../../../../../electron/services/cache/media-cache';
import { archiveSidecarSchema } from '../../../../../shared/archive';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { testTempDir } from '../../../../helpers/temp-dir';
import { InMemoryArchiveStore } from '../../../../fakes/archive-store';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { FakeGenesysOrg, type FakeRecording } from '../../../../fakes/genesys-org';
import { indexCalls } from '../../../../fakes/indexed-calls';
import { testAtRestKey } from '../../../../helpers/sealed-files';
import { TEST_SERVICE_CLIENT_ID, testActors } from '../../../../helpers/audit-actors';
import { FakeOfficerSession, OFFICER_B } from '../../../../fakes/officer-session';

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
const audioOf = (id: string) => new TextEncoder().encode(`RIFF call audio ${id}`);

/**
 * The archive job on a workstation: real SQLite (in memory) and staging folder, an in-memory Object
 * Lock bucket, the fake Genesys org and audit log. `workstation()` gives another one (its own
 * database) over the same bucket, org and log.
 */
async function setUp(recordings: ReadonlyArray<Omit<FakeRecording, 'audio' | 'conversationId'> & { tradingId?: string | null }>) {
  const root = await testTempDir('custody-archive-job-');
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const startMs = clock.now() - 3 * DAY_MS;
  const org = new FakeGenesysOrg().add(...recordings.map((r) => ({ ...r, conversationId: `c-${r.id}`, audio: audioOf(r.id), startTime: new Date(startMs).toISOString() })));
  const store = new InMemoryArchiveStore('archive-bucket', 'COMPLIANCE', () => clock.now());
  /** What Genesys had delivered when each audit record was acknowledged. */
  const readAtAudit: Array<Array<string>> = [];
  const audit = new FakeAuditWriter({ clock, onAppend: () => readAtAudit.push([...org.mediaRequests]) });
  let workstations = 0;
  const workstation = async (options: { onItem?: (done: number) => void; auditBatchSize?: number } = {}) => {
    workstations += 1;
    const db = openDatabaseSync(':memory:');
    const index = createIndexRepository(db);
    const archive = createArchiveRepository(db);
    const holds = createHoldRepository(db);
    await indexCalls(index, recordings.map((r) => ({ conversationId: `c-${r.id}`, recordingId: r.id, tradingId: r.tradingId === undefined ? 'T-1' : r.tradingId, startMs, fileState: r.fileState ?? 'AVAILABLE' })), clock.now());
    const genesys = await org.connection({ clock, random: () => 0, logger, index, cache: new MediaCache({ dir: join(root, `cache-${workstations}`), repository: createMediaRepository(db), clock, key: testAtRestKey() }) });
    let runs = 0;
    const job = new ArchiveJob({
      store: store.asArchiveStore(),
      archive,
      holds,
      genesys: genesys.archive,
      audit: async () => audit,
      clock,
      logger,
      // Oscar is signed in when the run starts: the service account runs it, naming him as who scheduled it.
      actors: testActors(new FakeOfficerSession(OFFICER_B)),
      retentionYears: 5,
      stagingDir: join(root, `staging-${workstations}`),
      lockFile: join(root, `archive-${workstations}.lock`),
      sourceApi: 'http://genesys.fake',
      newId: () => `run-${workstations}-${(runs += 1)}`,
      auditBatchSize: options.auditBatchSize ?? 50,
      onItem: (_result, done) => options.onItem?.(done),
    });
    return { job, archive, holds, db, stagingDir: join(root, `staging-${workstations}`) };
  };
  const media = () => store.versions.filter((v) => v.contentType !== 'application/json');
  const sidecars = () => store.versions.filter((v) => v.contentType === 'application/json');
  return { clock, org, store, audit, readAtAudit, workstation, media, sidecars, startMs };
}

/** The store goes down once, after the first item of the run it is set on. */
function downAfterFirstItem(store: InMemoryArchiveStore): (done: number) => void {
  let down = false;
  return (done) => {
    if (down || done !== 1) return;
    down = true;
    store.down();
  };
}

const three = [{ id: 'r-1' }, { id: 'r-2' }, { id: 'r-3', tradingId: null }];

describe('ArchiveJob', () => {
  it('audits the batch (every recording named) before reading any of it, then stores each locked for five years with its sidecar', async () => {
    const { workstation, audit, readAtAudit, media, sidecars, startMs, org } = await setUp(three);
    const { job, archive, stagingDir } = await workstation();
    const summary = await job.run();
    expect(summary).toMatchObject({ state: 'done', stopped: null, counts: { considered: 3, archived: 3, alreadyArchived: 0, failed: 0, untagged: 1 } });
    const [event] = audit.of('export');
    expect(audit.events).toHaveLength(1);
    expect(readAtAudit).toEqual([[]]);
    expect(event!.details).toMatchObject({ kind: 'archive', bucket: 'archive-bucket', items: expect.arrayContaining([expect.objectContaining({ recordingId: 'r-3', tradingId: null })]) });
    expect((event!.details.items as Array<unknown>)).toHaveLength(3);
    expect(summary.auditEventIds).toEqual([event!.eventId]);
    expect(org.mediaRequests.sort()).toEqual(['/r-1', '/r-2', '/r-3']);
    expect(media()).toHaveLength(3);
    for (const version of media()) {
      expect(version.retainUntil.getTime()).toBeGreaterThanOrEqual(startMs + 5 * 365 * DAY_MS);
      expect(version.retainUntil.getTime()).toBeLessThan(startMs + 5 * YEAR_MS + 2 * DAY_MS);
      expect(version.metadata.sha256).toBe(sha256Hex(version.body));
    }
    for (const version of sidecars()) {
      const sidecar = archiveSidecarSchema.parse(JSON.parse(version.body.toString('utf8')));
      expect(sidecar).toMatchObject({ auditEventId: event!.eventId, media: { sha256: sha256Hex(audioOf(sidecar.recordingId)) }, archivedBy: { operator: event!.operator } });
    }
    expect(event!.operator).toEqual({
      kind: 'service',
      name: `service account ${TEST_SERVICE_CLIENT_ID}`,
      oauthClientId: TEST_SERVICE_CLIENT_ID,
      scheduledBy: { genesysUserId: OFFICER_B.genesysUserId, name: 'Oscar Brandt', email: OFFICER_B.email },
      osAccount: 'officer',
    });
    expect((await archive.get('r-1'))?.auditEventId).toBe(event!.eventId);
    expect(await readdir(stagingDir)).toEqual([]);
  });

  it('stores nothing twice: a rerun has nothing left to do, and another workstation that lacks the records reuses what the bucket holds', async () => {
    const { workstation, store, clock } = await setUp(three);
    await (await workstation()).job.run();
    const stored = store.versions.length;
    const again = await (await workstation()).job.run();
    expect(again.counts).toMatchObject({ archived: 0, alreadyArchived: 3, failed: 0 });
    expect(store.versions.length).toBe(stored);
    const first = await workstation();
    await first.job.run();
    const rerun = await first.job.run({ sinceMs: clock.now() - 30 * DAY_MS });
    expect(rerun.counts).toMatchObject({ considered: 0, archived: 0 });
    expect(store.versions.length).toBe(stored);
  });

  it('finishes what a failed run left: the media stored before the failure is reused, only the sidecar is written', async () => {
    const { workstation, store, media, sidecars } = await setUp([{ id: 'r-1' }]);
    const { job } = await workstation();
    const putJson = store.putJson.bind(store);
    store.putJson = async () => {
      throw new Error('sidecar upload refused');
    };
    const failed = await job.run();
    expect(failed.counts).toMatchObject({ failed: 1 });
    expect(media()).toHaveLength(1);
    expect(sidecars()).toHaveLength(0);
    store.putJson = putJson;
    const next = await job.run();
    expect(next.counts).toMatchObject({ considered: 1, alreadyArchived: 1, failed: 0 });
    expect(media()).toHaveLength(1);
    expect(sidecars()).toHaveLength(1);
  });

  it('stops the run when the WORM store becomes unavailable, reads nothing more from Genesys, and the next run over the window resumes', async () => {
    const { workstation, store, org, media, clock } = await setUp(three);
    const { job } = await workstation({ onItem: downAfterFirstItem(store) });
    const window = { sinceMs: clock.now() - 7 * DAY_MS, untilMs: clock.now() };
    const stopped = await job.run(window);
    expect(stopped.state).toBe('done-with-failures');
    expect(stopped.stopped).toMatch(/^The WORM store is unavailable/);
    expect(stopped.counts).toMatchObject({ considered: 3, archived: 1, failed: 2 });
    expect(org.mediaRequests).toHaveLength(2);
    expect(media()).toHaveLength(1);
    store.up();
    const resumed = await job.run(window);
    expect(resumed.counts).toMatchObject({ considered: 2, archived: 2, failed: 0 });
    expect(media()).toHaveLength(3);
  });

  it('a nightly run after a stopped one still archives what the stopped run never reached', async () => {
    const { workstation, store, media } = await setUp(three);
    const { job } = await workstation({ onItem: downAfterFirstItem(store) });
    await job.run();
    store.up();
    await job.run();
    expect(media()).toHaveLength(3);
  });

  it('refuses to start on a store that is down or not locked, and records the failed run', async () => {
    const { workstation, store, org } = await setUp(three);
    const { job, db } = await workstation();
    store.down();
    await expect(job.run()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(org.mediaRequests).toEqual([]);
    expect(db.prepare('SELECT state FROM archive_runs').all()).toEqual([{ state: 'failed' }]);
  });

  it('reads no batch the audit log did not record, and says why it stopped', async () => {
    const { workstation, audit, org, media } = await setUp(three);
    audit.refuse('bucket unreachable', 1);
    const { job } = await workstation({ auditBatchSize: 2 });
    const summary = await job.run();
    expect(summary.stopped).toMatch(/audit log could not record the next batch, so it was not read: .*bucket unreachable/);
    expect(summary.counts).toMatchObject({ archived: 2, failed: 1 });
    expect(org.mediaRequests).toHaveLength(2);
    expect(media()).toHaveLength(2);
  });

  it('reports a recording Genesys deleted without retrying it, and retries one Genesys archived at the next run', async () => {
    const { workstation, org, clock } = await setUp([{ id: 'r-1', fileState: 'ARCHIVED' }, { id: 'r-2', fileState: 'DELETED' }, { id: 'r-3' }]);
    org.recordings.delete('r-3');
    const { job, archive } = await workstation();
    const first = await job.run();
    expect(first.items.map((i) => [i.recordingId, i.outcome, i.reason])).toEqual([
      ['r-1', 'failed', expect.stringMatching(/archived in Genesys.*retried by the next run/)],
      ['r-2', 'failed', 'deleted in Genesys before it was archived'],
      ['r-3', 'failed', 'deleted in Genesys before it was archived'],
    ]);
    expect(org.calls(/r-2/)).toEqual([]);
    org.recordings.get('r-1')!.fileState = 'AVAILABLE';
    // A window far from the recordings: only what is pending is tried again.
    const second = await job.run({ sinceMs: clock.now() + 60 * DAY_MS, untilMs: clock.now() + 61 * DAY_MS });
    expect(second.items.map((i) => [i.recordingId, i.outcome])).toEqual([['r-1', 'archived']]);
    expect(await archive.get('r-1')).not.toBeNull();
  });

  it('puts a legal hold on the copies of a trade under an open hold, and records them as the hold\'s', async () => {
    const { workstation, store, clock } = await setUp([{ id: 'r-1' }]);
    const { job, holds } = await workstation();
    await holds.insert({ id: 'hold-0001', tradingId: 'T-1', caseReference: 'CASE-1', reason: 'inquiry', placedBy: { name: 'A', osAccount: 'a' }, placedMs: clock.now(), placeEventId: 'e-0' });
    await job.run();
    expect(store.versions.map((v) => v.legalHold)).toEqual([true, true]);
    expect((await holds.objects('hold-0001')).map((o) => o.status)).toEqual(['held', 'held']);
  });
});
