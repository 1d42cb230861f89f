import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { caseReferenceSchema, type Officer, type SearchQuery } from '../../../shared/domain';
import {
  inputProblemSchema,
  jobSelectionSchema,
  type InputProblem,
  type JobApi,
  type JobDetail,
  type JobFailure,
  type JobProgress,
  type JobRunAs,
  type JobSelection,
  type JobSummary,
} from '../../../shared/jobs';
import type { Logger } from '../../../shared/logger';
import type { IndexQuery, IndexRepository, JobSourceRow } from '../../db/repositories/index-repository';
import type { JobItemRecord, JobRecord, JobsRepository, NewJobItem } from '../../db/repositories/jobs-repository';
import { processAlive } from '../audit/lock-file';
import type { ApprovalService } from '../approvals/approval-service';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { officerOf, type OfficerSession } from '../auth/officer';
import type { GenesysClient } from '../genesys/genesys-client';
import type { IndexSync } from '../index/index-sync';
import { AppError, describeCause, SignInRequiredError, StorageError, ValidationError } from '../errors';
import type { EventHub } from '../events';
import type { Clock, HttpClient, Random } from '../ports';
import { JobRun, resumeHint, type JobTuning, type LiveStats, type RunOutcome } from './job-runner';
import { writeManifest } from './output-layout';
import type { TradingIdRow } from './trading-ids-input';

const DAY_MS = 86_400_000;
/** A runner whose heartbeat is older than this is taken for dead. */
const STALE_RUNNER_MS = 15_000;
const FAILURES_IN_PROGRESS = 20;

export type JobSelectionRequest =
  | {
      kind: 'trading-ids';
      source: string;
      rows: ReadonlyArray<TradingIdRow>;
      /** Rows already rejected while reading the input (malformed, duplicate). */
      problems: ReadonlyArray<InputProblem>;
      from?: string;
      to?: string;
    }
  | { kind: 'queue'; queue: string; from: string; to: string }
  | { kind: 'search'; query: SearchQuery };

export type CreateJobRequest = {
  selection: JobSelectionRequest;
  caseReference: string | null;
  /** Default: <exports dir>/<job id>. */
  outDir?: string;
  concurrency?: number;
  api?: JobApi;
  /** Run under the service account, scheduled by the signed-in officer, instead of with her own token. */
  unattended?: boolean;
};

/** What a job needs from Genesys: the index sync that resolves its selection, and the patient client. */
export type JobGenesys = { sync: IndexSync; bulk: GenesysClient };

export type BulkJobsDeps = {
  jobs: JobsRepository;
  index: IndexRepository;
  audit: () => Promise<AuditWriter>;
  /** Four-eyes before a bulk retrieval, where the profile asks for it (approvals/). */
  approvals: Pick<ApprovalService, 'requireApproval'>;
  /** Who each audit event names: the officer signed in (allowed to download), or for an unattended job the service account. */
  actors: Pick<AuditActors, 'officer' | 'service'>;
  /** Genesys as the job calls it: its officer's connection (her token only), or the service account's. */
  genesys: (runAs: JobRunAs) => Promise<JobGenesys>;
  /** Who starts a job, and whose sign-in an officer's job waits for. */
  officer: OfficerSession;
  /** Forgets the Genesys connection so the next use reads the credentials again (after a blocked job). */
  reconnect?: () => void;
  http: HttpClient;
  clock: Clock;
  random: Random;
  logger: Logger;
  events: EventHub;
  /** Where jobs started from the UI write: <exportsDir>/<job id>. */
  exportsDir: string;
  newId?: () => string;
  tuning?: Partial<JobTuning>;
  /** How far back a trading-ID job looks when given no range. */
  tradingIdWindowDays?: number;
};

type ActiveRun = { run: JobRun; done: Promise<RunOutcome> };


/**
 * Bulk retrieval jobs: creates them from trading IDs, a queue and date range, or a search; runs,
 * pauses, resumes and cancels them, from this process or another (the CLI and the app share the
 * database); and reports their progress as `jobs:progress` events. A job remembers the officer who
 * started it and runs with her token only: when her sign-in is lost (or another officer is signed in)
 * it pauses, naming her, and resumes when she signs in again. An unattended job runs under the
 * service account and names her as the one who scheduled it.
 */
export class BulkJobs {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly live = new Map<string, LiveStats>();
  private closing = false;

  constructor(private readonly deps: BulkJobsDeps) {}

  /**
   * Resolves the selection against the local index (synced first for the window), audits that
   * lookup, and stores the job with one item per recording. Nothing is downloaded yet.
   */
  async create(request: CreateJobRequest): Promise<{ job: JobSummary; problems: Array<InputProblem> }> {
    const { clock, index } = this.deps;
    // Refused before the lookup is audited, the index synced or the job stored.
    const actor = await this.deps.actors.officer('download');
    const caseReference = requireCase(request.caseReference);
    await this.deps.approvals.requireApproval('export', { caseReference });
    const concurrency = request.concurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new ValidationError('concurrency must be a whole number from 1 to 64.');
    const now = clock.now();
    const id = (this.deps.newId ?? randomUUID)();
    const { selection, window } = this.describe(request.selection, now);
    const current = await this.deps.officer.current();
    if (!current) throw new SignInRequiredError();
    const runAs: JobRunAs = request.unattended ? { kind: 'service', scheduledBy: officerOf(current) } : { kind: 'officer', officer: officerOf(current) };
    const audit = await this.deps.audit();
    await audit.append({ action: 'search', caseReference, details: { jobId: id, purpose: 'bulk retrieval', selection } }, actor);
    const { sync } = await this.deps.genesys(runAs);
    await sync.sync(window.fromMs, window.toMs);

    const problems: Array<InputProblem> = [];
    const rows: Array<JobSourceRow> = [];
    if (request.selection.kind === 'trading-ids') {
      problems.push(...request.selection.problems);
      const range = `between ${new Date(window.fromMs).toISOString()} and ${new Date(window.toMs).toISOString()}`;
      for (const row of request.selection.rows) {
        const found = await index.selectForJob({ tradingId: row.tradingId, fromMs: window.fromMs, toMs: window.toMs });
        if (found.length === 0) problems.push({ line: row.line, value: row.tradingId, problem: `unknown trading ID: no call carries it ${range}` });
        else if (!found.some(hasAudio)) problems.push({ line: row.line, value: row.tradingId, problem: 'its calls have no recording' });
        rows.push(...found);
      }
      problems.sort((a, b) => a.line - b.line);
    } else {
      rows.push(...(await index.selectForJob(this.indexQuery(request.selection, window))));
    }
    const items = toItems(rows);
    if (items.length === 0) {
      throw new AppError('NOT_FOUND', `Nothing to retrieve: no recorded call matches ${describeSelection(selection)}.`, {
        details: { problems },
      });
    }
    const outDir = resolve(request.outDir ?? join(this.deps.exportsDir, id));
    try {
      await mkdir(outDir, { recursive: true, mode: 0o755 });
    } catch (error) {
      throw new StorageError(`Cannot create the output folder ${outDir}: ${describeCause(error)}`, error);
    }
    await this.deps.jobs.createJob(
      {
        id,
        createdMs: now,
        state: 'paused',
        message: 'Created; not started yet.',
        caseReference,
        selectionJson: JSON.stringify(selection),
        inputReportJson: JSON.stringify(problems.map((p) => inputProblemSchema.parse(p))),
        outDir,
        concurrency,
        api: request.api ?? 'auto',
        officer: officerOf(current),
        unattended: runAs.kind === 'service',
      },
      items,
    );
    this.deps.logger.info('bulk job created', { jobId: id, items: items.length, problems: problems.length, kind: selection.kind, runAs: runAs.kind });
    return { job: await this.summary(id), problems };
  }

  /**
   * Claims the job for this process and runs it to its end (done, failures, paused, blocked or
   * cancelled). An officer's job whose officer is not the one signed in is paused at once, waiting for her.
   */
  async run(jobId: string): Promise<RunOutcome> {
    return (await this.begin(jobId)).done;
  }

  /** Claims the job and runs it in the background; errors in claiming are thrown here. */
  async runInBackground(jobId: string): Promise<JobSummary> {
    const { done } = await this.begin(jobId);
    void (async () => {
      try {
        await done;
      } catch (error) {
        this.deps.logger.error('bulk job run failed', { jobId, error: describeCause(error) });
      }
    })();
    return this.summary(jobId);
  }

  async startFromSearch(query: SearchQuery, caseReference: string | null): Promise<JobSummary> {
    const { job } = await this.create({ selection: { kind: 'search', query }, caseReference });
    return this.runInBackground(job.id);
  }

  async pause(jobId: string): Promise<JobSummary> {
    return this.stop(jobId, 'paused', 'Paused by the officer.');
  }

  async cancel(jobId: string): Promise<JobSummary> {
    return this.stop(jobId, 'cancelled', 'Cancelled by the officer; files already retrieved stay in the output folder.');
  }

  async list(limit = 50): Promise<Array<JobSummary>> {
    return Promise.all((await this.deps.jobs.jobs(limit)).map((job) => this.summaryOf(job)));
  }

  async summary(jobId: string): Promise<JobSummary> {
    return this.summaryOf(await this.requireJob(jobId));
  }

  async detail(jobId: string, failureLimit = 500): Promise<JobDetail> {
    const job = await this.requireJob(jobId);
    return {
      ...(await this.summaryOf(job)),
      failures: (await this.deps.jobs.failures(job.id, failureLimit)).map(toFailure),
      inputReport: inputProblemSchema.array().parse(JSON.parse(job.inputReportJson)),
    };
  }

  /** A job id from a full id or a unique prefix (at least 6 characters). */
  async resolveId(idOrPrefix: string): Promise<string> {
    const value = idOrPrefix.trim().toLowerCase();
    if (await this.deps.jobs.job(value)) return value;
    const found = value.length >= 6 ? await this.deps.jobs.jobIdsByPrefix(value) : [];
    if (found.length === 1) return found[0]!;
    throw new AppError('NOT_FOUND', found.length > 1 ? `"${idOrPrefix}" matches several jobs; give more of the id.` : `No job ${idOrPrefix}.`);
  }

  /**
   * Resumes here the jobs paused for their officer's sign-in: now, if she is signed in already (she
   * signed in elsewhere, e.g. with "custody signin"), and whenever she signs in (the app does this; a
   * CLI process resumes with "custody jobs resume"). Returns the unsubscribe.
   */
  resumeOnSignIn(): () => void {
    void (async () => {
      const officer = await this.deps.officer.current().catch(() => null);
      if (officer) await this.resumeAwaiting(officer.genesysUserId);
    })();
    return this.deps.officer.onChange((officer) => {
      if (officer) void this.resumeAwaiting(officer.genesysUserId);
    });
  }

  /** Never throws: a job that cannot be resumed now is logged and waits for the next sign-in or resume. */
  private async resumeAwaiting(officerId: string): Promise<void> {
    try {
      for (const jobId of this.closing ? [] : await this.deps.jobs.awaitingSignIn(officerId)) {
        if (this.runs.has(jobId)) continue;
        try {
          await this.runInBackground(jobId);
          this.deps.logger.info('bulk job resumed after its officer signed in', { jobId });
        } catch (error) {
          this.deps.logger.warn('could not resume a bulk job after sign-in', { jobId, error: describeCause(error) });
        }
      }
    } catch (error) {
      this.deps.logger.warn('could not look for jobs waiting for a sign-in', { error: describeCause(error) });
    }
  }

  /** The app is closing: no job starts in this process any more. */
  refuseNewRuns(): void {
    this.closing = true;
  }

  /**
   * Pauses every job running in this process (the app is closing); they stay resumable. At an item
   * boundary, recordings being delivered are finished first; otherwise they are aborted and retried on resume.
   */
  async stopAll(message: string, options: { atItemBoundary?: boolean } = {}): Promise<void> {
    const active = [...this.runs.values()];
    for (const { run } of active) run.requestStop('paused', message, options);
    await Promise.allSettled(active.map((a) => a.done));
  }

  /** Claims the job and starts its run; `done` (wrapped: an async function would wait for it) ends with the run. */
  private async begin(jobId: string): Promise<{ done: Promise<RunOutcome> }> {
    const { jobs, clock } = this.deps;
    if (this.closing) throw new AppError('CANCELLED', `Custody is closing; job ${jobId} was not started. Resume it after the next start.`);
    const job = await this.requireJob(jobId);
    if (this.runs.has(job.id)) throw new AppError('VALIDATION', `Job ${job.id} is already running.`);
    if (job.state === 'cancelled') throw new AppError('VALIDATION', `Job ${job.id} was cancelled; start a new one instead.`);
    const runner = { id: randomUUID(), pid: process.pid };
    const claimed = await jobs.claim(job.id, runner, clock.now(), (j) => this.isRunnerLive(j));
    if (claimed.runnerId !== runner.id) {
      throw new AppError('VALIDATION', `Job ${job.id} is running in another Custody process (pid ${claimed.runnerPid}); pause it there first.`);
    }
    let runAs: JobRunAs;
    try {
      const decided = await this.runAsOf(claimed);
      if ('waitFor' in decided) {
        // Not her sign-in: the job waits for its officer, nothing runs under anyone else's token.
        await jobs.setState(job.id, 'paused', decided.message, clock.now(), { awaitingSignIn: true });
        const stored = (await jobs.job(job.id)) ?? claimed;
        await jobs.release(job.id, runner.id);
        await this.publish(stored, { ratePerMinute: null, etaSeconds: null });
        return { done: Promise.resolve({ state: 'paused', message: decided.message }) };
      }
      runAs = decided.runAs;
    } catch (error) {
      await jobs.release(job.id, runner.id);
      throw error;
    }
    if (job.state === 'blocked') this.deps.reconnect?.();
    const run = new JobRun(
      {
        jobs,
        audit: this.deps.audit,
        actors: this.deps.actors,
        genesys: async () => ({ client: (await this.deps.genesys(runAs)).bulk }),
        http: this.deps.http,
        clock,
        random: this.deps.random,
        logger: this.deps.logger,
        onProgress: (stored, live) => this.publish(stored, live),
        onFinish: (stored) => this.finish(stored),
        runner,
        runAs,
        ...(this.deps.tuning ? { tuning: this.deps.tuning } : {}),
      },
      claimed,
    );
    const done = (async () => {
      try {
        return await run.run();
      } finally {
        this.runs.delete(job.id);
        this.live.delete(job.id);
      }
    })();
    this.runs.set(job.id, { run, done });
    return { done };
  }

  /**
   * Whom the job runs for: the service account for an unattended job; its officer while she is the
   * one signed in; otherwise it waits for her. A job from before sign-in is taken over by the officer
   * who resumes it.
   */
  private async runAsOf(job: JobRecord): Promise<{ runAs: JobRunAs } | { waitFor: Officer; message: string }> {
    const current = await this.deps.officer.current();
    let officer = job.officer;
    if (!officer) {
      if (!current) throw new SignInRequiredError();
      officer = officerOf(current);
      await this.deps.jobs.adoptOfficer(job.id, officer);
    }
    if (job.unattended) return { runAs: { kind: 'service', scheduledBy: officer } };
    if (current?.genesysUserId === officer.genesysUserId || job.state === 'done') return { runAs: { kind: 'officer', officer } };
    const someoneElse = current ? ` ${current.name} is signed in, and this job runs only under ${officer.name}'s own sign-in.` : '';
    return { waitFor: officer, message: `paused: ${officer.name} must sign in again.${someoneElse} ${resumeHint(officer, job.id)}` };
  }

  private async stop(jobId: string, state: 'paused' | 'cancelled', message: string): Promise<JobSummary> {
    const { jobs, clock } = this.deps;
    const job = await this.requireJob(jobId);
    const active = this.runs.get(job.id);
    if (active) {
      active.run.requestStop(state, message);
      await active.done;
      return this.summary(job.id);
    }
    if (job.state === 'done' || job.state === 'cancelled' || (job.state === 'done-with-failures' && state === 'paused')) {
      throw new AppError('VALIDATION', `Job ${job.id} has already ended (${job.state}).`);
    }
    // Pausing a job that is not running changes nothing (a blocked job keeps its reason).
    if (state === 'paused' && job.state !== 'running') return this.summary(job.id);
    // Only if nobody changed it meanwhile: a runner in another process may just have finished it.
    if (!(await jobs.setStateIf(job.id, job.state, state, message, clock.now()))) return this.summary(job.id);
    // A runner in another process notices within a heartbeat; wait for it to let go.
    for (let waited = 0; waited < 10_000; waited += 200) {
      const current = await jobs.job(job.id);
      if (!current || !current.runnerId || !this.isRunnerLive(current)) break;
      await clock.sleep(200);
    }
    return this.summary(job.id);
  }

  private async publish(job: JobRecord, live: LiveStats): Promise<void> {
    this.live.set(job.id, live);
    const summary = await this.summaryOf((await this.deps.jobs.job(job.id)) ?? job);
    const failures = (await this.deps.jobs.failures(job.id, FAILURES_IN_PROGRESS)).map(toFailure);
    const progress: JobProgress = { ...summary, failures };
    this.deps.events.publish({ kind: 'job.progress', progress });
  }

  private async finish(job: JobRecord): Promise<void> {
    const { jobs } = this.deps;
    try {
      const summary = await this.summaryOf(job);
      await writeManifest(
        job.outDir,
        {
          id: job.id,
          caseReference: job.caseReference,
          selection: summary.selection,
          state: job.state,
          createdAt: summary.createdAt,
          finishedAt: summary.finishedAt,
          counts: summary.counts,
          inputProblems: inputProblemSchema.array().parse(JSON.parse(job.inputReportJson)),
        },
        await jobs.items(job.id),
      );
    } catch (error) {
      this.deps.logger.error('could not write the job manifest', { jobId: job.id, error: describeCause(error) });
      const note = `The manifest could not be written (${describeCause(error)}); resume the job to write it.`;
      await jobs.setState(job.id, job.state === 'done' ? 'paused' : job.state, [job.message, note].filter(Boolean).join(' '), this.deps.clock.now());
    }
  }

  private async summaryOf(job: JobRecord): Promise<JobSummary> {
    const counts = await this.deps.jobs.counts(job.id);
    const interrupted = job.state === 'running' && !this.isRunnerLive(job);
    const live = this.runs.has(job.id) ? this.live.get(job.id) : undefined;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const { bytes, ...itemCounts } = counts;
    return {
      id: job.id,
      state: interrupted ? 'interrupted' : job.state,
      message: interrupted
        ? 'The process running this job stopped (closed, killed or crashed). Resume it: nothing retrieved is lost or fetched twice.'
        : job.message,
      caseReference: job.caseReference,
      selection: jobSelectionSchema.parse(JSON.parse(job.selectionJson)),
      outDir: job.outDir,
      api: job.api,
      concurrency: job.concurrency,
      createdAt: new Date(job.createdMs).toISOString(),
      updatedAt: new Date(job.updatedMs).toISOString(),
      finishedAt: iso(job.finishedMs),
      counts: itemCounts,
      bytes,
      ratePerMinute: live?.ratePerMinute ?? null,
      etaSeconds: live?.etaSeconds ?? null,
      inputProblems: (JSON.parse(job.inputReportJson) as Array<unknown>).length,
      runAs: runAsOfRecord(job),
      awaitingSignIn: job.awaitingSignIn,
    };
  }

  /** A runner is alive while its process exists and its heartbeat is fresh. */
  private isRunnerLive(job: JobRecord): boolean {
    if (job.runnerId === null || job.runnerPid === null) return false;
    if (job.runnerPid === process.pid) return [...this.runs.values()].some((a) => a.run.jobId === job.id);
    if (job.runnerHeartbeatMs === null || this.deps.clock.now() - job.runnerHeartbeatMs > STALE_RUNNER_MS) return false;
    return processAlive(job.runnerPid);
  }

  private async requireJob(jobId: string): Promise<JobRecord> {
    const job = await this.deps.jobs.job(jobId);
    if (!job) throw new AppError('NOT_FOUND', `No job ${jobId}.`);
    return job;
  }

  private describe(selection: JobSelectionRequest, now: number): { selection: JobSelection; window: { fromMs: number; toMs: number } } {
    const range = (from: string | undefined, to: string | undefined, defaultDays: number) => {
      const fromMs = from ? Date.parse(from) : now - defaultDays * DAY_MS;
      const toMs = to ? Math.min(Date.parse(to), now) : now;
      if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) throw new ValidationError('"from" must be an instant before "to" (and before now).');
      return { fromMs, toMs };
    };
    if (selection.kind === 'trading-ids') {
      const window = range(selection.from, selection.to, this.deps.tradingIdWindowDays ?? 90);
      return {
        selection: {
          kind: 'trading-ids',
          source: selection.source,
          tradingIds: selection.rows.length,
          from: new Date(window.fromMs).toISOString(),
          to: new Date(window.toMs).toISOString(),
        },
        window,
      };
    }
    if (selection.kind === 'queue') {
      const window = range(selection.from, selection.to, 0);
      return { selection: { kind: 'queue', queue: selection.queue, from: selection.from, to: selection.to }, window };
    }
    return { selection: { kind: 'search', query: selection.query }, window: range(selection.query.from, selection.query.to, 30) };
  }

  private indexQuery(selection: Exclude<JobSelectionRequest, { kind: 'trading-ids' }>, window: { fromMs: number; toMs: number }): IndexQuery {
    if (selection.kind === 'queue') return { queue: selection.queue, fromMs: window.fromMs, toMs: window.toMs };
    const q = selection.query;
    return {
      ...(q.tradingId !== undefined ? { tradingId: q.tradingId } : {}),
      ...(q.clientAccount !== undefined ? { clientAccount: q.clientAccount } : {}),
      ...(q.agent !== undefined ? { agent: q.agent } : {}),
      ...(q.queue !== undefined ? { queue: q.queue } : {}),
      ...(q.from !== undefined ? { fromMs: window.fromMs } : {}),
      ...(q.to !== undefined ? { toMs: window.toMs } : {}),
      ...(q.text !== undefined ? { text: q.text } : {}),
    };
  }
}

function runAsOfRecord(job: JobRecord): JobRunAs | null {
  if (!job.officer) return null;
  return job.unattended ? { kind: 'service', scheduledBy: job.officer } : { kind: 'officer', officer: job.officer };
}

function requireCase(caseReference: string | null): string {
  const parsed = caseReferenceSchema.safeParse(caseReference ?? '');
  if (!parsed.success) {
    throw new AppError('CASE_REFERENCE_REQUIRED', 'A case reference is required before recordings are retrieved: it is written to the audit log with every download.');
  }
  return parsed.data;
}

function hasAudio(row: JobSourceRow): boolean {
  return row.hasRecording && (!row.recordingsListed || row.recordingId !== null);
}

/** One item per recording the index knows; one placeholder per conversation whose recordings it has not listed. */
function toItems(rows: ReadonlyArray<JobSourceRow>): Array<NewJobItem> {
  const items = new Map<string, NewJobItem>();
  for (const row of rows) {
    if (!hasAudio(row)) continue;
    const recordingId = row.recordingsListed ? row.recordingId! : '';
    items.set(`${row.conversationId}/${recordingId}`, {
      conversationId: row.conversationId,
      recordingId,
      tradingId: row.tradingId,
      clientAccount: row.clientAccount,
      startMs: row.startMs,
    });
  }
  return [...items.values()];
}

function toFailure(item: JobItemRecord): JobFailure {
  return {
    conversationId: item.conversationId,
    recordingId: item.recordingId || null,
    tradingId: item.tradingId,
    state: item.state === 'archived' ? 'archived' : 'failed',
    reason: item.reason ?? 'unknown',
  };
}

/** Whose token a job runs with, in words. */
export function describeRunAs(runAs: JobRunAs | null): string {
  if (!runAs) return 'not recorded (a job from before sign-in; the next officer who resumes it takes it over)';
  if (runAs.kind === 'service') return `the service account, unattended (scheduled by ${runAs.scheduledBy.name}, ${runAs.scheduledBy.email})`;
  return `${runAs.officer.name} (${runAs.officer.email}), with that officer's own Genesys sign-in`;
}

export function describeSelection(selection: JobSelection): string {
  switch (selection.kind) {
    case 'trading-ids':
      return `${selection.tradingIds} trading IDs from ${selection.source}`;
    case 'queue':
      return `queue "${selection.queue}" from ${selection.from} to ${selection.to}`;
    case 'search': {
      const q = selection.query;
      const parts = [
        q.tradingId && `trading ID ${q.tradingId}`,
        q.clientAccount && `client account ${q.clientAccount}`,
        q.agent && `agent ${q.agent}`,
        q.queue && `queue ${q.queue}`,
        q.from && `from ${q.from}`,
        q.to && `to ${q.to}`,
        q.text && `words "${q.text}"`,
      ].filter(Boolean);
      return `the search ${parts.join(', ')}`;
    }
  }
}
