import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../../electron/crypto/sha256';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createArchiveRepository } from '../../../../../electron/db/repositories/archive-repository';
import { createHoldRepository } from '../../../../../electron/db/repositories/hold-repository';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { ExportIngest } from '../../../../../electron/services/archive/export-ingest';
import type { GenesysClient } from '../../../../../electron/services/genesys/genesys-client';
import type { RecordingJob } from '../../../../../electron/services/genesys/models';
import type { IndexSync } from '../../../../../electron/services/index/index-sync';
import type { ArchiveRunSummary } from '../../../../../shared/archive';
import { archiveSidecarSchema } from '../../../../../shared/archive';
import { testActors } from '../../../../helpers/audit-actors';
import { advanceUntilSettled, FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { testTempDir } from '../../../../helpers/temp-dir';
import { InMemoryArchiveStore } from '../../../../fakes/archive-store';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { indexCalls } from '../../../../fakes/indexed-calls';

const DAY_MS = 86_400_000;
const ORG = 'a1b2c3d4-0000-4000-8000-00000000000f';
const YEAR_MS = 365 * DAY_MS;

type Delivery = 'deliver' | 'fail' | 'drop' | 'rewrite' | 'wrong-hash';

/**
 * The export route on a workstation: real SQLite in memory, an in-memory Object Lock bucket into which
 * a scripted "Genesys" writes its export layout when the job is started, and the audit log.
 */
async function setUp(plan: Record<string, Delivery>, options: { jobEnds?: 'FULFILLED' | 'FAILED'; held?: string } = {}) {
  const root = await testTempDir('custody-export-ingest-');
  const clock = new FakeClock();
  const startMs = clock.now() - 3 * DAY_MS;
  const ids = Object.keys(plan);
  const db = openDatabaseSync(':memory:');
  const index = createIndexRepository(db);
  const archive = createArchiveRepository(db);
  const holds = createHoldRepository(db);
  await indexCalls(index, ids.map((id, i) => ({ conversationId: `c-${id}`, recordingId: id, tradingId: `T-${id}`, startMs: startMs + i * 60_000 })), clock.now());
  if (options.held) {
    await holds.insert({ id: 'hold-1', tradingId: `T-${options.held}`, caseReference: 'CASE-1', reason: 'dispute', placedBy: { name: 'Olivia', osAccount: 'jdoe' }, placedMs: clock.now(), placeEventId: 'e-0' });
  }
  const store = new InMemoryArchiveStore('archive-bucket', 'COMPLIANCE', () => clock.now());
  const calls: Array<string> = [];
  const audit = new FakeAuditWriter({ clock, onAppend: () => calls.push('audit') });
  let state = 'PENDING';
  const deliver = async () => {
    for (const [i, id] of ids.entries()) {
      const how = plan[id]!;
      if (how === 'fail' || how === 'drop') continue;
      const at = new Date(startMs + i * 60_000);
      const folder = `${ORG}/year=${at.getUTCFullYear()}/month=${String(at.getUTCMonth() + 1).padStart(2, '0')}/day=${String(at.getUTCDate()).padStart(2, '0')}/hour=${String(at.getUTCHours()).padStart(2, '0')}/conversation_id=c-${id}/`;
      const audio = `RIFF audio of ${id}`;
      const metadata = { conversationId: `c-${id}`, recordingId: id, organizationId: ORG, startTime: at.toISOString(), fileSizeBytes: audio.length, sha256: sha256Hex(how === 'wrong-hash' ? 'other' : audio) };
      const defaultRetention = new Date(clock.now() + DAY_MS);
      await store.putJson(`${folder}${id}.wav`, audio, defaultRetention, false);
      await store.putJson(`${folder}${id}_metadata.json`, JSON.stringify(metadata), defaultRetention, false);
      if (how === 'rewrite') await store.putJson(`${folder}${id}.wav`, `RIFF altered ${id}`, defaultRetention, false);
    }
  };
  const job = (): RecordingJob => ({ id: 'job-1', state });
  const client = {
    organization: async () => ({ id: ORG }),
    createExportJob: async () => {
      calls.push('create');
      return job();
    },
    recordingJob: async () => {
      if (state === 'PENDING') state = 'READY';
      return job();
    },
    executeRecordingJob: async () => {
      calls.push('execute');
      state = 'PROCESSING';
      await deliver();
      state = options.jobEnds ?? 'FULFILLED';
      return job();
    },
    failedRecordings: async () => ids.filter((id) => plan[id] === 'fail').map((id) => ({ conversationId: `c-${id}`, recordingId: id })),
  } as unknown as GenesysClient;
  const sync = { sync: async () => ({}), syncRecordings: async () => undefined } as unknown as IndexSync;
  const handedToApi: Array<Array<string>> = [];
  const ingest = new ExportIngest({
    store: store.asArchiveStore(),
    archive,
    holds,
    genesys: async () => ({ sync, client }),
    audit: async () => audit,
    actors: testActors(),
    apiArchive: async () => ({
      run: async ({ sinceMs, untilMs }: { sinceMs?: number; untilMs?: number }) => {
        handedToApi.push((await archive.candidates(sinceMs!, untilMs!)).map((c) => c.recordingId).sort());
        return { state: 'done', counts: { archived: 0 }, bytes: 0 } as unknown as ArchiveRunSummary;
      },
    }),
    clock,
    logger: new MemoryLogger(),
    retentionYears: 5,
    integrationId: 'integration-1',
    lockFile: join(root, 'archive.lock'),
    newId: () => 'run-1',
    jobTimeoutMs: 60_000,
    deliveryWaitMs: 10_000,
  });
  const run = () => advanceUntilSettled(clock, ingest.run({ sinceMs: startMs - DAY_MS, untilMs: clock.now() }), 500);
  return { run, store, archive, holds, audit, calls, handedToApi, startMs };
}

describe('ExportIngest', () => {
  it('audits the whole request before the job exists, then locks, indexes and sidecars what Genesys delivered', async () => {
    const t = await setUp({ r1: 'deliver', r2: 'deliver' });
    const summary = await t.run();
    expect(t.calls.slice(0, 2)).toEqual(['audit', 'create']);
    expect(t.audit.events[0]!.details).toMatchObject({ kind: 'archive', via: 'genesys-export', items: [{ recordingId: 'r1' }, { recordingId: 'r2' }] });
    expect(summary).toMatchObject({ jobId: 'job-1', jobState: 'FULFILLED', state: 'done', counts: { requested: 2, archived: 2, notDelivered: 0, refused: 0 }, api: null });
    const record = (await t.archive.get('r1'))!;
    expect(record.mediaKey).toMatch(new RegExp(`^${ORG}/year=\\d{4}/month=\\d{2}/day=\\d{2}/hour=\\d{2}/conversation_id=c-r1/r1\\.wav$`));
    const media = t.store.version(record.mediaKey, record.mediaVersionId);
    expect(media.retainUntil.getTime()).toBeGreaterThan(t.startMs + 4 * YEAR_MS);
    const metadata = t.store.versions.find((v) => v.key === record.mediaKey.replace('.wav', '_metadata.json'))!;
    expect(metadata.retainUntil.getTime()).toBe(media.retainUntil.getTime());
    const sidecar = archiveSidecarSchema.parse(JSON.parse(t.store.version(record.sidecarKey, record.sidecarVersionId).body.toString()));
    expect(sidecar.media).toMatchObject({ key: record.mediaKey, sha256: sha256Hex('RIFF audio of r1') });
    expect(record.sidecarKey).toMatch(/^archive\/v1\/trades\/T-r1\//);
  });

  it('puts a legal hold on the export, its metadata and the sidecar when a hold covers the trade', async () => {
    const t = await setUp({ r1: 'deliver', r2: 'deliver' }, { held: 'r2' });
    await t.run();
    const held = (await t.archive.get('r2'))!;
    expect(t.store.versions.filter((v) => v.key.includes('conversation_id=c-r2/') || v.key === held.sidecarKey).map((v) => v.legalHold)).toEqual([true, true, true]);
    expect(t.store.versions.filter((v) => v.key.includes('conversation_id=c-r1/')).map((v) => v.legalHold)).toEqual([false, false]);
    expect(await t.holds.objects('hold-1')).toHaveLength(3);
  });

  it('refuses what was re-written or does not match its metadata, reports what never came, and hands exactly those to the API', async () => {
    const t = await setUp({ ok: 'deliver', failed: 'fail', dropped: 'drop', rewritten: 'rewrite', wrong: 'wrong-hash' });
    const summary = await t.run();
    const outcome = Object.fromEntries(summary.items.map((i) => [i.recordingId, [i.outcome, i.reason]]));
    expect(outcome.ok).toEqual(['archived', null]);
    expect(outcome.failed![0]).toBe('not-delivered');
    expect(outcome.dropped).toEqual(['not-delivered', expect.stringMatching(/not delivered in time/)]);
    expect(outcome.rewritten).toEqual(['refused', expect.stringMatching(/2 versions/)]);
    expect(outcome.wrong).toEqual(['refused', expect.stringMatching(/SHA-256/)]);
    expect(t.handedToApi).toEqual([['dropped', 'failed', 'rewritten', 'wrong']]);
    expect(await t.archive.get('wrong')).toBeNull();
  });

  it('loses nothing when the job fails: what landed is kept, the rest goes through the API', async () => {
    const t = await setUp({ a: 'deliver', b: 'drop' }, { jobEnds: 'FAILED' });
    const summary = await t.run();
    expect(summary.jobState).toBe('FAILED');
    expect(summary.counts).toMatchObject({ archived: 1, notDelivered: 1 });
    expect(t.handedToApi).toEqual([['b']]);
  });

  it('creates no job when the audit log cannot record the request', async () => {
    const t = await setUp({ a: 'deliver' });
    t.audit.refuse();
    await expect(t.run()).rejects.toThrow();
    expect(t.calls).not.toContain('create');
    expect(await t.archive.get('a')).toBeNull();
  });
});
