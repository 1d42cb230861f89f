import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createJobsRepository } from '../../../../../electron/db/repositories/jobs-repository';
import { createMediaRepository } from '../../../../../electron/db/repositories/media-repository';
import { MediaCache } from '../../../../../electron/services/cache/media-cache';
import { composeJobs } from '../../../../../electron/services/composition/compose-jobs';
import { EventHub } from '../../../../../electron/services/events';
import type { JobProgress } from '../../../../../shared/jobs';
import { advanceUntilSettled, FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { testAtRestKey } from '../../../../helpers/sealed-files';
import { testTempDir } from '../../../../helpers/temp-dir';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { FakeGenesysOrg } from '../../../../fakes/genesys-org';
import { indexCalls } from '../../../../fakes/indexed-calls';
import { IssuingOfficerSession } from '../../../../fakes/issuing-officer-session';
import { OFFICER_A, OFFICER_B } from '../../../../fakes/officer-session';
import { TEST_SERVICE_CLIENT_ID, testActors } from '../../../../helpers/audit-actors';

const DAY_MS = 86_400_000;
const calls = Array.from({ length: 8 }, (_, n) => ({ conversationId: `c-${n}`, recordingId: `r-${n}`, tradingId: `T-${n}` }));
const allRecordings = calls.map((c) => c.recordingId).sort();

/**
 * Bulk jobs as the profile composes them (compose-jobs over the Genesys connections), on real SQLite
 * and real output folders; Genesys is a fake org behind the official SDK, the officer's sign-in a fake
 * session issuing tokens, the audit log a fake writer.
 */
async function setUp(options: { onAppend?: (downloadEvents: number) => void } = {}) {
  const root = await testTempDir('custody-officer-jobs-');
  const clock = new FakeClock();
  const db = openDatabaseSync(':memory:');
  const index = createIndexRepository(db);
  const jobsRepository = createJobsRepository(db);
  await indexCalls(index, calls.map((c) => ({ ...c, startMs: clock.now() - DAY_MS })), clock.now());
  const org = new FakeGenesysOrg().add(...calls.map((c) => ({ id: c.recordingId, conversationId: c.conversationId, audio: new TextEncoder().encode(`RIFF ${c.recordingId}`) })));
  const session = new IssuingOfficerSession();
  session.signIn(OFFICER_A);
  const logger = new MemoryLogger();
  const cache = new MediaCache({ dir: join(root, 'media'), repository: createMediaRepository(db), clock, key: testAtRestKey() });
  const genesys = await org.connection({ clock, random: () => 0, logger, index, cache, officer: session });
  let downloads = 0;
  const audit = new FakeAuditWriter({ clock, onAppend: (e) => e.action === 'download' && options.onAppend?.(++downloads) });
  const events = new EventHub();
  const progress: Array<JobProgress> = [];
  events.subscribe((e) => e.kind === 'job.progress' && progress.push(e.progress));
  const jobs = composeJobs({
    repositories: { index, jobs: jobsRepository },
    audit: async () => audit,
    // The profile asks for no four-eyes approval before a retrieval.
    approvals: { requireApproval: async () => null },
    actors: testActors(session),
    genesys,
    officer: session,
    exportsDir: join(root, 'exports'),
    http: org.media,
    // Whole milliseconds, as the system clock gives them (the governor's paced sleeps move the fake clock by fractions).
    clock: { now: () => Math.floor(clock.now()), sleep: (ms, signal) => clock.sleep(ms, signal) },
    random: () => 0,
    logger,
    events,
  });
  const create = (extra: { unattended?: boolean } = {}) =>
    jobs.create({
      selection: { kind: 'queue', queue: 'FX Spot Desk', from: new Date(clock.now() - 2 * DAY_MS).toISOString(), to: new Date(clock.now()).toISOString() },
      caseReference: 'FCA-2026-0042',
      concurrency: 2,
      api: 'per-conversation',
      ...extra,
    });
  const filesIn = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.wav')).length;
  /** Waits (the fake clock moving) until the job's progress says it reached `state`. */
  const reaches = (jobId: string, state: string) =>
    advanceUntilSettled(
      clock,
      new Promise<void>((resolve) => {
        const check = () => progress.some((p) => p.id === jobId && p.state === state) && resolve();
        events.subscribe(check);
        check();
      }),
      50,
    );
  return { clock, org, session, audit, jobs, jobsRepository, progress, create, filesIn, reaches, tokens: () => new Set(org.requests.map((r) => r.token)) };
}

describe('bulk jobs and the officer who started them', () => {
  it("pause when her sign-in is lost mid-job, naming her and losing nothing, then resume when she signs in again and complete with no gap and no duplicate, all under her own token", async () => {
    const t = await setUp({
      // After the first batch is recorded, Genesys revokes her sign-in: her token draws a 401, and the refresh fails.
      onAppend: (downloads) => {
        if (downloads !== 1) return;
        t.org.revoke(t.session.tokenOf(OFFICER_A));
        t.session.revoked = true;
      },
    });
    const stopResuming = t.jobs.resumeOnSignIn();
    const { job } = await t.create();
    expect(job.runAs).toEqual({ kind: 'officer', officer: { genesysUserId: OFFICER_A.genesysUserId, name: 'Olivia Adler', email: OFFICER_A.email } });

    const outcome = await advanceUntilSettled(t.clock, t.jobs.run(job.id), 50);
    expect(outcome.state).toBe('paused');
    expect(outcome.message).toMatch(/^paused: Olivia Adler must sign in again/);
    const paused = await t.jobs.detail(job.id);
    expect(paused).toMatchObject({ state: 'paused', awaitingSignIn: true, message: outcome.message });
    expect(paused.counts.failed).toBe(0);
    expect(paused.counts.done).toBeGreaterThan(0);
    expect(paused.counts.done + paused.counts.pending).toBe(calls.length);
    // Progress told the app too, with the same reason.
    expect(t.progress.at(-1)).toMatchObject({ id: job.id, state: 'paused', awaitingSignIn: true, message: outcome.message });

    t.session.signIn(OFFICER_A);
    await t.reaches(job.id, 'done');
    const done = await t.jobs.detail(job.id);
    expect(done).toMatchObject({ state: 'done', awaitingSignIn: false, counts: { done: calls.length, failed: 0, pending: 0 } });
    expect(await t.filesIn(done.outDir)).toBe(calls.length);
    // Each recording recorded once before it was written, none twice, none missing.
    expect(t.audit.recordingsNamed('download').sort()).toEqual(allRecordings);
    // Every Genesys call went out under her tokens (her first, then the one of her new sign-in); none under the service client.
    expect([...t.tokens()].every((token) => token?.startsWith(`officer-token-${OFFICER_A.genesysUserId}-`))).toBe(true);
    expect(t.tokens().size).toBe(2);
    expect(t.org.logins).toBe(0);
    stopResuming();
  });

  it('waits for its own officer: with another officer signed in it pauses naming her and calls nothing under his token', async () => {
    const t = await setUp();
    const { job } = await t.create();
    t.session.signIn(OFFICER_B);
    const before = t.org.requests.length;

    const outcome = await advanceUntilSettled(t.clock, t.jobs.run(job.id), 50);
    expect(outcome).toMatchObject({ state: 'paused', message: expect.stringMatching(/^paused: Olivia Adler must sign in again\. Oscar Brandt is signed in/) });
    expect(t.org.requests.length).toBe(before);
    expect(await t.jobs.detail(job.id)).toMatchObject({ state: 'paused', awaitingSignIn: true, counts: { pending: calls.length, done: 0 } });
    expect(t.audit.of('download')).toEqual([]);

    // Her sign-in is what it waits for: she signed in elsewhere (the CLI), and the app, starting, resumes it.
    t.session.signIn(OFFICER_A);
    const stopResuming = t.jobs.resumeOnSignIn();
    await t.reaches(job.id, 'done');
    expect(t.audit.recordingsNamed('download').sort()).toEqual(allRecordings);
    stopResuming();
  });

  it('runs an unattended job under the service account, naming the officer who scheduled it, whoever is signed in later', async () => {
    const t = await setUp();
    const { job } = await t.create({ unattended: true });
    expect(job.runAs).toEqual({ kind: 'service', scheduledBy: { genesysUserId: OFFICER_A.genesysUserId, name: 'Olivia Adler', email: OFFICER_A.email } });
    t.session.signOut();

    // Started in the background: the call returns while the job runs.
    expect((await t.jobs.runInBackground(job.id)).state).toBe('running');
    await t.reaches(job.id, 'done');
    expect(t.audit.recordingsNamed('download').sort()).toEqual(allRecordings);
    expect(t.tokens()).toEqual(new Set(['token-1']));
    // Its batches' events say so: the service account's client, scheduled by Olivia (signed out meanwhile).
    const who = new Set(t.audit.of('download').map((e) => JSON.stringify(e.operator)));
    expect([...who].map((o) => JSON.parse(o) as unknown)).toEqual([
      expect.objectContaining({ kind: 'service', oauthClientId: TEST_SERVICE_CLIENT_ID, scheduledBy: { genesysUserId: OFFICER_A.genesysUserId, name: 'Olivia Adler', email: OFFICER_A.email } }),
    ]);
  });

  it("blocks an officer's job that Genesys refuses her (403), naming her roles rather than the service credentials", async () => {
    const t = await setUp();
    const { job } = await t.create();
    t.org.fail(/^GET \/api\/v2\/conversations\/[^/]+\/recordings$/, { status: 403, body: { message: 'missing recording:recording:view' } }, 100);
    const outcome = await advanceUntilSettled(t.clock, t.jobs.run(job.id), 50);
    expect(outcome.state).toBe('blocked');
    expect(outcome.message).toMatch(/Olivia Adler lacks a permission\..*once Olivia Adler's Genesys roles allow it, resume it\./);
    expect((await t.jobs.detail(job.id)).counts).toMatchObject({ failed: 0, pending: calls.length });
  });

  it('refuses to create a job with nobody signed in, writing nothing', async () => {
    const t = await setUp();
    t.session.signOut();
    await expect(t.create()).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    expect(await t.jobs.list()).toEqual([]);
    expect(t.audit.events).toEqual([]);
  });

  it('gives a job from before sign-in to the officer who resumes it', async () => {
    const t = await setUp();
    const outDir = await testTempDir('custody-legacy-job-');
    await t.jobsRepository.createJob(
      { id: 'legacy-job', createdMs: t.clock.now(), state: 'paused', message: null, caseReference: 'FCA-2026-0042', selectionJson: JSON.stringify({ kind: 'queue', queue: 'FX Spot Desk', from: new Date(0).toISOString(), to: new Date(1).toISOString() }), inputReportJson: '[]', outDir, concurrency: 2, api: 'per-conversation' },
      calls.slice(0, 2).map((c) => ({ ...c, clientAccount: null, startMs: t.clock.now() - DAY_MS })),
    );
    expect((await t.jobs.summary('legacy-job')).runAs).toBeNull();
    t.session.signIn(OFFICER_B);
    expect((await advanceUntilSettled(t.clock, t.jobs.run('legacy-job'), 50)).state).toBe('done');
    expect((await t.jobs.summary('legacy-job')).runAs).toEqual({ kind: 'officer', officer: { genesysUserId: OFFICER_B.genesysUserId, name: 'Oscar Brandt', email: OFFICER_B.email } });
    expect(t.tokens()).toEqual(new Set([t.session.tokenOf(OFFICER_B)]));
  });
});
