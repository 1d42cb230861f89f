import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createComplianceRepository } from '../../../../../electron/db/repositories/compliance-repository';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createJobsRepository } from '../../../../../electron/db/repositories/jobs-repository';
import { createReviewJournalRepository } from '../../../../../electron/db/repositories/review-journal-repository';
import { AlertRules } from '../../../../../electron/services/audit/alert-rules';
import { AuditActor } from '../../../../../electron/services/audit/audit-actor';
import type { AuditMirror } from '../../../../../electron/services/audit/audit-mirror';
import { auditSettingsSchema } from '../../../../../electron/services/audit/audit-settings';
import { WormAuditWriter } from '../../../../../electron/services/audit/audit-writer';
import type { Checkpointer } from '../../../../../electron/services/audit/checkpointer';
import { BulkJobs } from '../../../../../electron/services/bulk/bulk-jobs';
import { EventHub } from '../../../../../electron/services/events';
import { PackBuilder } from '../../../../../electron/services/packs/pack-builder';
import { PackService } from '../../../../../electron/services/packs/pack-service';
import { PostureService } from '../../../../../electron/services/posture/posture-service';
import { partialPathFor } from '../../../../../electron/services/storage/durable-file';
import { officerSchema, type AuditEvent, type Operator } from '../../../../../shared/domain';
import { TEST_SERVICE_CLIENT_ID, testActors } from '../../../../helpers/audit-actors';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { testTempDir } from '../../../../helpers/temp-dir';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { AGENT_C, FakeOfficerSession, OFFICER_A, OFFICER_B } from '../../../../fakes/officer-session';

const notReached = async (): Promise<never> => {
  throw new Error('not reached: the action should have been refused first');
};

/** The production writer over a chain that keeps what it is given; alerts are the real rules. */
function writerOver(participants: Array<{ name: string | null; userId: string | null }> = []) {
  const appended: Array<{ operator: Operator; details: Record<string, unknown> }> = [];
  const clock = new FakeClock();
  const writer = new WormAuditWriter({
    chain: {
      append: async (input, operator) => {
        appended.push({ operator, details: input.details ?? {} });
        return { eventId: `e-${appended.length}`, operator, action: input.action, details: input.details ?? {} } as AuditEvent;
      },
    },
    mirror: { recordWritten: async () => undefined, countOperatorAccesses: async () => 0 } as unknown as AuditMirror,
    checkpointer: { nudge: () => undefined } as unknown as Checkpointer,
    alerts: new AlertRules({
      settings: auditSettingsSchema.parse({}).alerts,
      countRecent: async () => 0,
      participantsOf: async () => participants,
    }),
    osAccount: 'shared-desk',
    workstation: { hostname: 'ws-1', addresses: [] },
    clock,
    logger: new MemoryLogger(),
    events: new EventHub(),
  });
  return { writer, appended };
}

describe('the audit actor', () => {
  it('is the officer signed in when the event is written, on the OS account of the process', async () => {
    const session = new FakeOfficerSession(OFFICER_A);
    const actors = testActors(session);
    const { writer, appended } = writerOver();
    await writer.append({ action: 'search' }, await actors.officer('search'));
    session.signIn(OFFICER_B);
    await writer.append({ action: 'play', recordingId: 'r-1' }, await actors.officer('play'));
    expect(appended.map((a) => a.operator)).toEqual([
      { kind: 'officer', genesysUserId: OFFICER_A.genesysUserId, name: 'Olivia Adler', email: OFFICER_A.email, osAccount: 'shared-desk' },
      { kind: 'officer', genesysUserId: OFFICER_B.genesysUserId, name: 'Oscar Brandt', email: OFFICER_B.email, osAccount: 'shared-desk' },
    ]);
  });

  it('refuses with nobody signed in, or without the action\'s Genesys permission, naming it', async () => {
    const session = new FakeOfficerSession(null);
    const actors = testActors(session);
    await expect(actors.officer('search')).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    session.signIn(AGENT_C);
    await expect(actors.officer('play')).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: 'Carla Costa may not play: missing Genesys permission recording:recording:view.' });
    await expect(actors.officer('posture')).resolves.toBeInstanceOf(AuditActor);
  });

  it('for unattended work is the service account, naming the officer who scheduled it', async () => {
    const session = new FakeOfficerSession(OFFICER_B);
    const actors = testActors(session);
    const { writer, appended } = writerOver([{ name: 'Oscar Brandt', userId: OFFICER_B.genesysUserId }]);
    await writer.append({ action: 'export', details: { kind: 'archive' } }, await actors.service());
    await writer.append({ action: 'export', details: { kind: 'archive' } }, await actors.service({ scheduledBy: OFFICER_A }));
    session.signOut();
    await writer.append({ action: 'export', details: { kind: 'archive' } }, await actors.service());
    const service = { kind: 'service', name: `service account ${TEST_SERVICE_CLIENT_ID}`, oauthClientId: TEST_SERVICE_CLIENT_ID, osAccount: 'shared-desk' };
    expect(appended.map((a) => a.operator)).toEqual([
      { ...service, scheduledBy: officerSchema.parse(OFFICER_B) },
      { ...service, scheduledBy: officerSchema.parse(OFFICER_A) },
      service,
    ]);
    // The service account is nobody's call participant, even when the officer who scheduled it is.
    expect(appended.every((a) => a.details.alerts === undefined)).toBe(true);
  });

  it('raises the participant alert when a trader signs in and plays her own call', async () => {
    const trader = { ...OFFICER_A, genesysUserId: 'a6e47000-0000-4000-8000-0000000000d1', name: 'Dana Trader', email: 'dana@desk.example' };
    const { writer, appended } = writerOver([{ name: 'Dana Trader', userId: trader.genesysUserId }]);
    await writer.append({ action: 'play', recordingId: 'r-1' }, await testActors(new FakeOfficerSession(trader)).officer('play'));
    await writer.append({ action: 'play', recordingId: 'r-1' }, await testActors(new FakeOfficerSession(OFFICER_A)).officer('play'));
    expect(appended.map((a) => a.details.alerts)).toEqual([[{ rule: 'participant-playback', message: 'Dana Trader is a participant of this call (Dana Trader)' }], undefined]);
  });
});

describe('officer actions refused before anything is written', () => {
  it('an evidence pack: no audit event, no packs folder, no partial bag, nothing removed', async () => {
    const root = await testTempDir('custody-refused-pack-');
    const session = new FakeOfficerSession(null);
    const audit = new FakeAuditWriter();
    const clock = new FakeClock();
    const builder = new PackBuilder({
      engine: { search: notReached, conversationRecordings: notReached, mediaForAuditedExport: notReached },
      findRecording: notReached,
      audit: async () => audit,
      actors: testActors(session),
      auditLog: notReached,
      signingKey: notReached,
      clock,
      logger: new MemoryLogger(),
      events: new EventHub(),
    });
    const packs = new PackService({
      builder,
      actors: testActors(session),
      approvals: { requireApproval: notReached },
      repository: createReviewJournalRepository(openDatabaseSync(':memory:')),
      packsDir: join(root, 'packs'),
      clock,
    });
    await expect(packs.buildSelected(['r-1'], 'CASE-7', false)).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    // A folder with what a dead build left, which a build that runs removes: a refused one touches nothing.
    const out = join(root, 'out');
    await mkdir(out);
    const deadPartial = `.pack${partialPathFor(join(out, 'pack')).split('.pack')[1]!.replace(`.${process.pid}.`, '.4194302.')}`;
    await writeFile(join(out, deadPartial), 'left by a dead build');
    session.signIn(AGENT_C);
    await expect(builder.build({ selection: { kind: 'recordings', recordingIds: ['r-1'] }, caseReference: 'CASE-7', outPath: join(out, 'pack') })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'Carla Costa may not export: missing Genesys permission recording:recording:view, recording:recording:download.',
    });
    expect(audit.events).toEqual([]);
    expect((await readdir(root)).sort()).toEqual(['out']);
    expect(await readdir(out)).toEqual([deadPartial]);
    session.signIn(OFFICER_A);
    await expect(builder.build({ selection: { kind: 'recordings', recordingIds: ['r-1'] }, caseReference: 'CASE-7', outPath: join(out, 'pack') })).rejects.toThrow(/not reached/);
    // Signed in, the build goes on: the dead build's partial is removed before the selection is resolved.
    expect(await readdir(out)).toEqual([]);
  });

  it('a bulk retrieval: no audit event, no job row, no output folder', async () => {
    const root = await testTempDir('custody-refused-bulk-');
    const db = openDatabaseSync(':memory:');
    const jobs = createJobsRepository(db);
    const audit = new FakeAuditWriter();
    const nobody = new FakeOfficerSession(null);
    const bulk = new BulkJobs({
      jobs,
      index: createIndexRepository(db),
      audit: async () => audit,
      actors: testActors(nobody),
      officer: nobody,
      approvals: { requireApproval: notReached },
      genesys: notReached,
      http: notReached,
      clock: new FakeClock(),
      random: () => 0,
      logger: new MemoryLogger(),
      events: new EventHub(),
      exportsDir: join(root, 'exports'),
    });
    const request = { selection: { kind: 'queue' as const, queue: 'FX', from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() }, caseReference: 'CASE-7', outDir: join(root, 'out') };
    await expect(bulk.create(request)).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    expect(audit.events).toEqual([]);
    expect(await jobs.jobs(10)).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it('a posture check: no audit event, no report kept', async () => {
    const compliance = createComplianceRepository(openDatabaseSync(':memory:'));
    const audit = new FakeAuditWriter();
    const posture = new PostureService({
      profile: 'unit',
      s3: notReached,
      provider: 's3-compatible',
      auditBucket: 'audit',
      archiveBucket: 'archive',
      compliance: null,
      genesysEndpoint: null,
      genesys: notReached,
      repository: compliance,
      audit: async () => audit,
      actors: testActors(new FakeOfficerSession(null)),
      clock: new FakeClock(),
      logger: new MemoryLogger(),
      newId: () => 'report-1',
    });
    await expect(posture.run()).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED', message: expect.stringContaining('custody signin') });
    expect(audit.events).toEqual([]);
    expect(await compliance.latestReport()).toBeNull();
  });
});
