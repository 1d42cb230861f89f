import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../../electron/crypto/sha256';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createJobsRepository, type JobRecord, type NewJobItem } from '../../../../../electron/db/repositories/jobs-repository';
import { JobRun, type LiveStats } from '../../../../../electron/services/bulk/job-runner';
import { PARTIAL_DIR } from '../../../../../electron/services/bulk/output-layout';
import type { JobApi } from '../../../../../shared/jobs';
import { advanceUntilSettled, FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { testTempDir } from '../../../../helpers/temp-dir';
import { FakeAuditWriter, recordingsNamedBy } from '../../../../fakes/audit-writer';
import { FakeGenesysOrg, type FakeRecording } from '../../../../fakes/genesys-org';
import { testActors } from '../../../../helpers/audit-actors';

const bytesOf = (id: string) => new TextEncoder().encode(`RIFF audio of ${id}`);

/** One job over real SQLite (in memory) and a real output folder, with the audit log and Genesys faked at their ports. */
async function setUp(recordings: ReadonlyArray<Omit<FakeRecording, 'audio'>>, options: { api?: JobApi; concurrency?: number; items?: ReadonlyArray<NewJobItem> } = {}) {
  const outDir = await testTempDir('custody-job-run-');
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const jobs = createJobsRepository(openDatabaseSync(':memory:'));
  const org = new FakeGenesysOrg().add(...recordings.map((r) => ({ ...r, audio: bytesOf(r.id) })));
  /** What had been downloaded when each audit record was acknowledged. */
  const downloadedAtAudit: Array<{ named: Array<string>; media: Array<string> }> = [];
  const audit = new FakeAuditWriter({ clock, onAppend: (e) => downloadedAtAudit.push({ named: recordingsNamedBy(e), media: [...org.mediaRequests] }) });
  const { client } = org.client({ clock, random: () => 0, logger, backoff: { baseMs: 10, capMs: 10, maxAttempts: 2 } });
  const items = options.items ?? recordings.map((r) => ({ conversationId: r.conversationId, recordingId: r.id, tradingId: 'T-1', clientAccount: null, startMs: clock.now() - 86_400_000 }));
  await jobs.createJob(
    {
      id: 'job-1',
      createdMs: clock.now(),
      state: 'paused',
      message: 'Created; not started yet.',
      caseReference: 'CASE-3',
      selectionJson: '{}',
      inputReportJson: '[]',
      outDir,
      concurrency: options.concurrency ?? 2,
      api: options.api ?? 'per-conversation',
    },
    items,
  );
  const progress: Array<{ job: JobRecord; live: LiveStats }> = [];
  const finished: Array<JobRecord> = [];
  let runs = 0;
  /** A run as BulkJobs starts one: the job claimed by a new runner. */
  const newRun = async (hooks: { onAudit?: (run: JobRun) => void } = {}) => {
    runs += 1;
    const runner = { id: `runner-${runs}`, pid: process.pid };
    const claimed = await jobs.claim('job-1', runner, clock.now(), () => false);
    const run: JobRun = new JobRun(
      {
        jobs,
        audit: async () => ({
          append: async (input, actor) => {
            const event = await audit.append(input, actor);
            hooks.onAudit?.(run);
            return event;
          },
        }),
        actors: testActors(),
        genesys: async () => ({ client }),
        http: org.media,
        clock,
        random: () => 0,
        logger,
        onProgress: async (job, live) => {
          progress.push({ job, live });
        },
        onFinish: async (job) => {
          finished.push(job);
        },
        runner,
        tuning: { transcodeRetryMs: 50, batchPollMs: 50 },
      },
      claimed,
    );
    return run;
  };
  const run = async (hooks: { onAudit?: (run: JobRun) => void } = {}) => advanceUntilSettled(clock, (await newRun(hooks)).run(), 25);
  const files = async () => {
    const out: Record<string, string> = {};
    const walk = async (dir: string, prefix: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name === PARTIAL_DIR) continue;
        if (entry.isDirectory()) await walk(join(dir, entry.name), `${prefix}${entry.name}/`);
        else out[`${prefix}${entry.name}`] = new TextDecoder().decode(await readFile(join(dir, entry.name)));
      }
    };
    await walk(outDir, '');
    return out;
  };
  const partials = async () => readdir(join(outDir, PARTIAL_DIR)).catch(() => []);
  return { outDir, clock, jobs, org, audit, downloadedAtAudit, progress, finished, run, newRun, files, partials };
}

const desk = [
  { id: 'r-1', conversationId: 'c-1' },
  { id: 'r-2', conversationId: 'c-1' },
  { id: 'r-3', conversationId: 'c-2' },
];

describe('JobRun', () => {
  it('audits each recording before its bytes are requested, then writes it verified under its name', async () => {
    const { run, audit, downloadedAtAudit, files, jobs, partials } = await setUp(desk);
    expect(await run()).toEqual({ state: 'done', message: null });
    expect(audit.recordingsNamed('download').sort()).toEqual(['r-1', 'r-2', 'r-3']);
    for (const { named, media } of downloadedAtAudit) for (const id of named) expect(media).not.toContain(`/${id}`);
    expect(audit.events.every((e) => e.caseReference === 'CASE-3' && e.details.jobId === 'job-1')).toBe(true);
    const written = await files();
    expect(Object.keys(written)).toHaveLength(3);
    expect(Object.values(written).sort()).toEqual(['RIFF audio of r-1', 'RIFF audio of r-2', 'RIFF audio of r-3']);
    const items = await jobs.items('job-1');
    expect(items.every((i) => i.state === 'done' && i.auditEventId !== null && i.sha256 === sha256Hex(bytesOf(i.recordingId)))).toBe(true);
    expect(await partials()).toEqual([]);
  });

  it('pauses when the audit log refuses, having fetched and written only what it had recorded, and resumes to completion without duplicates', async () => {
    const { run, audit, org, files, jobs, partials } = await setUp(desk, { concurrency: 1 });
    audit.refuse('store unreachable', 1);
    const first = await run();
    expect(first.state).toBe('paused');
    expect(first.message).toMatch(/WORM audit log is unavailable.*Nothing was written/);
    const audited = new Set(audit.recordingsNamed('download'));
    expect(audited.size).toBeGreaterThan(0);
    expect(audited.size).toBeLessThan(3);
    for (const request of org.mediaRequests) expect(audited).toContain(request.slice(1));
    const written = Object.keys(await files());
    expect(written).toHaveLength(org.mediaRequests.length);
    expect(await jobs.counts('job-1')).toMatchObject({ done: written.length, pending: 3 - written.length, fetching: 0 });
    audit.acknowledge();
    expect((await run()).state).toBe('done');
    expect(Object.keys(await files())).toHaveLength(3);
    expect(org.mediaRequests.sort()).toEqual(['/r-1', '/r-2', '/r-3']);
    expect(new Set(audit.recordingsNamed('download'))).toEqual(new Set(['r-1', 'r-2', 'r-3']));
    expect(await partials()).toEqual([]);
  });

  it('stops at an item boundary: what was audited is delivered, nothing new starts, and a later run does the rest', async () => {
    const { run, audit, files, jobs, org } = await setUp(desk, { concurrency: 1 });
    const first = await run({ onAudit: (r) => r.requestStop('paused', 'Custody is closing.', { atItemBoundary: true }) });
    expect(first).toEqual({ state: 'paused', message: 'Custody is closing.' });
    const audited = new Set(audit.recordingsNamed('download'));
    expect(audited.size).toBeLessThan(3);
    expect(org.mediaRequests.map((r) => r.slice(1)).sort()).toEqual([...audited].sort());
    expect(Object.keys(await files())).toHaveLength(audited.size);
    expect(await jobs.counts('job-1')).toMatchObject({ done: audited.size, pending: 3 - audited.size, fetching: 0 });
    expect((await run()).state).toBe('done');
    expect(Object.keys(await files())).toHaveLength(3);
    expect(new Set(audit.recordingsNamed('download'))).toEqual(new Set(['r-1', 'r-2', 'r-3']));
  });

  it('after a crash adopts a file already in place, fetches again one that was not, and clears the leftovers', async () => {
    const { run, jobs, org, audit, files, partials, outDir, clock } = await setUp(desk);
    await run();
    const [adopted, lost] = await jobs.items('job-1');
    // As a run killed after the rename (file in place) and one killed mid-download (file gone) leave them.
    await jobs.updateItem('job-1', adopted!, { state: 'fetching' }, clock.now());
    await jobs.updateItem('job-1', lost!, { state: 'fetching', path: 'T-1/gone.wav' }, clock.now());
    await mkdir(join(outDir, PARTIAL_DIR), { recursive: true });
    await writeFile(join(outDir, PARTIAL_DIR, 'job-1.r-x.deadbeef.part'), 'half a file');
    org.mediaRequests.length = 0;
    expect((await run()).state).toBe('done');
    expect(org.mediaRequests).toEqual([`/${lost!.recordingId}`]);
    expect(audit.recordingsNamed('download').filter((id) => id === adopted!.recordingId)).toHaveLength(1);
    expect(audit.recordingsNamed('download').filter((id) => id === lost!.recordingId)).toHaveLength(2);
    expect(Object.keys(await files())).toHaveLength(3);
    expect(await partials()).toEqual([]);
  });

  it('counts done, failed and archived recordings apart and ends done-with-failures, reporting the counts last', async () => {
    const { run, jobs, progress, finished } = await setUp([
      { id: 'r-1', conversationId: 'c-1' },
      { id: 'r-2', conversationId: 'c-1', fileState: 'ARCHIVED' },
      { id: 'r-3', conversationId: 'c-2', fileState: 'DELETED' },
      { id: 'r-4', conversationId: 'c-3' },
    ]);
    const outcome = await run();
    expect(outcome).toEqual({ state: 'done-with-failures', message: '1 failed, 1 archived in Genesys (restore needed).' });
    expect(await jobs.counts('job-1')).toMatchObject({ total: 4, done: 2, failed: 1, archived: 1, pending: 0, fetching: 0 });
    expect((await jobs.items('job-1')).map((i) => [i.recordingId, i.state, i.reason])).toEqual(
      expect.arrayContaining([
        ['r-2', 'archived', 'Archived in Genesys: restore it there, then resume the job.'],
        ['r-3', 'failed', 'Deleted in Genesys.'],
      ]),
    );
    expect(finished.map((j) => j.state)).toEqual(['done-with-failures']);
    expect(progress.at(-1)).toMatchObject({ job: { state: 'done-with-failures' }, live: { ratePerMinute: null, etaSeconds: null } });
  });

  it('lists a conversation whose recordings the index had not listed, and waits while Genesys transcodes', async () => {
    const { run, jobs, files, org } = await setUp([{ id: 'r-1', conversationId: 'c-1', transcodingPolls: 2 }, { id: 'r-2', conversationId: 'c-1' }], {
      items: [{ conversationId: 'c-1', recordingId: '', tradingId: 'T-1', clientAccount: null, startMs: new FakeClock().now() }],
    });
    expect((await run()).state).toBe('done');
    expect((await jobs.items('job-1')).map((i) => i.recordingId).sort()).toEqual(['r-1', 'r-2']);
    expect(Object.keys(await files())).toHaveLength(2);
    // Listed once for the placeholder, then polled until r-1 had its link.
    expect(org.calls(/c-1\/recordings$/)).toHaveLength(3);
  });

  it('asks for a fresh link when one expired, and audits the recording once for the run', async () => {
    const { run, org, audit } = await setUp(desk.slice(0, 1));
    org.fail(/^MEDIA \/r-1$/, { status: 403 });
    expect((await run()).state).toBe('done');
    expect(org.mediaRequests).toEqual(['/r-1', '/r-1']);
    expect(org.calls(/recordings$/)).toHaveLength(2);
    expect(audit.recordingsNamed('download')).toEqual(['r-1']);
  });

  it('uses the batch download API when told to, and audits each recording of the batch before writing it', async () => {
    const { run, org, audit, jobs, downloadedAtAudit } = await setUp(desk, { api: 'batch' });
    expect((await run()).state).toBe('done');
    expect(org.calls(/batchrequests$/)).toHaveLength(1);
    expect(org.calls(/conversations/)).toEqual([]);
    expect((await jobs.items('job-1')).every((i) => i.source === 'batch')).toBe(true);
    for (const { named, media } of downloadedAtAudit) for (const id of named) expect(media).not.toContain(`/${id}`);
    expect(audit.recordingsNamed('download').sort()).toEqual(['r-1', 'r-2', 'r-3']);
  });

  it('is blocked, not failed, when Genesys refuses the credentials; nothing is audited or written', async () => {
    const { run, org, audit, files, jobs } = await setUp(desk);
    org.loginRefused = true;
    const outcome = await run();
    expect(outcome.state).toBe('blocked');
    expect(outcome.message).toMatch(/Genesys access is blocked.*resume it/);
    expect(audit.events).toEqual([]);
    expect(await files()).toEqual({});
    expect(await jobs.counts('job-1')).toMatchObject({ pending: 3, failed: 0 });
  });

  it('pauses after three recordings in a row cannot be written, before any of them is audited, and tries them again on resume', async () => {
    const recordings = [...desk, { id: 'r-4', conversationId: 'c-3' }];
    const { run, outDir, audit, org, jobs, files } = await setUp(recordings, { concurrency: 1 });
    // A file where the trade's folder must go: the disk refuses every recording of the trade.
    await writeFile(join(outDir, 'T-1'), 'not a folder');
    const outcome = await run();
    expect(outcome.state).toBe('paused');
    expect(outcome.message).toMatch(/cannot be written.*resume the job: recordings that failed are tried again/);
    expect(await jobs.counts('job-1')).toMatchObject({ failed: 3, pending: 1, done: 0 });
    expect(audit.events).toEqual([]);
    expect(org.mediaRequests).toEqual([]);
    await rm(join(outDir, 'T-1'));
    expect((await run()).state).toBe('done');
    expect(Object.keys(await files())).toHaveLength(4);
    expect(audit.recordingsNamed('download').sort()).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
  });

  it('notices a pause made by another process through its heartbeat', async () => {
    const { newRun, jobs, clock, org } = await setUp(desk, { concurrency: 1 });
    let open!: () => void;
    org.loginGate = new Promise((resolve) => (open = resolve));
    const run = await newRun();
    const outcome = run.run();
    await clock.advance(10);
    expect(await jobs.setStateIf('job-1', 'running', 'paused', 'Paused by the officer.', clock.now())).toBe(true);
    await clock.advance(1_000);
    open();
    expect(await advanceUntilSettled(clock, outcome, 25)).toEqual({ state: 'paused', message: 'Paused by the officer.' });
  });
});
