import type { Officer } from '../../../shared/domain';
import type { JobApi, JobCounts, JobItemState, JobState } from '../../../shared/jobs';
import type { Db } from '../connection';

export type JobRecord = {
  id: string;
  createdMs: number;
  updatedMs: number;
  finishedMs: number | null;
  state: JobState;
  message: string | null;
  caseReference: string;
  selectionJson: string;
  inputReportJson: string;
  outDir: string;
  concurrency: number;
  api: JobApi;
  runnerId: string | null;
  runnerPid: number | null;
  runnerHeartbeatMs: number | null;
  /** The officer who started the job (for an unattended job: who scheduled it); null for jobs from before sign-in. */
  officer: Officer | null;
  /** Runs under the service account instead of the officer's token. */
  unattended: boolean;
  /** Paused until its officer signs in again. */
  awaitingSignIn: boolean;
};

/** What a new job states; who started it and how it runs are given by BulkJobs (older callers give neither). */
export type NewJob = Omit<JobRecord, 'updatedMs' | 'finishedMs' | 'runnerId' | 'runnerPid' | 'runnerHeartbeatMs' | 'officer' | 'unattended' | 'awaitingSignIn'> &
  Partial<Pick<JobRecord, 'officer' | 'unattended'>>;

/** One recording of a job; `recordingId` '' stands for every recording of a conversation not listed yet. */
export type JobItemKey = { conversationId: string; recordingId: string };

export type JobItemRecord = JobItemKey & {
  tradingId: string | null;
  clientAccount: string | null;
  startMs: number | null;
  state: JobItemState;
  reason: string | null;
  attempts: number;
  path: string | null;
  bytes: number | null;
  sha256: string | null;
  contentType: string | null;
  auditEventId: string | null;
  source: string | null;
  doneMs: number | null;
  updatedMs: number;
};

export type NewJobItem = JobItemKey & { tradingId: string | null; clientAccount: string | null; startMs: number | null };

export type ItemPatch = Partial<Pick<JobItemRecord, 'state' | 'reason' | 'attempts' | 'path' | 'bytes' | 'sha256' | 'contentType' | 'auditEventId' | 'source' | 'doneMs'>>;

type JobSqlRow = {
  id: string;
  created_ms: number;
  updated_ms: number;
  finished_ms: number | null;
  state: JobState;
  message: string | null;
  case_reference: string;
  selection_json: string;
  input_report_json: string;
  out_dir: string;
  concurrency: number;
  api: JobApi;
  runner_id: string | null;
  runner_pid: number | null;
  runner_heartbeat_ms: number | null;
  officer_id: string | null;
  officer_name: string | null;
  officer_email: string | null;
  unattended: number;
  awaiting_signin: number;
};

type ItemSqlRow = {
  conversation_id: string;
  recording_id: string;
  trading_id: string | null;
  client_account: string | null;
  start_ms: number | null;
  state: JobItemState;
  reason: string | null;
  attempts: number;
  path: string | null;
  bytes: number | null;
  sha256: string | null;
  content_type: string | null;
  audit_event_id: string | null;
  source: string | null;
  done_ms: number | null;
  updated_ms: number;
};

const toJob = (row: JobSqlRow): JobRecord => ({
  id: row.id,
  createdMs: row.created_ms,
  updatedMs: row.updated_ms,
  finishedMs: row.finished_ms,
  state: row.state,
  message: row.message,
  caseReference: row.case_reference,
  selectionJson: row.selection_json,
  inputReportJson: row.input_report_json,
  outDir: row.out_dir,
  concurrency: row.concurrency,
  api: row.api,
  runnerId: row.runner_id,
  runnerPid: row.runner_pid,
  runnerHeartbeatMs: row.runner_heartbeat_ms,
  officer: row.officer_id === null ? null : { genesysUserId: row.officer_id, name: row.officer_name ?? '', email: row.officer_email ?? '' },
  unattended: row.unattended === 1,
  awaitingSignIn: row.awaiting_signin === 1,
});

const toItem = (row: ItemSqlRow): JobItemRecord => ({
  conversationId: row.conversation_id,
  recordingId: row.recording_id,
  tradingId: row.trading_id,
  clientAccount: row.client_account,
  startMs: row.start_ms,
  state: row.state,
  reason: row.reason,
  attempts: row.attempts,
  path: row.path,
  bytes: row.bytes,
  sha256: row.sha256,
  contentType: row.content_type,
  auditEventId: row.audit_event_id,
  source: row.source,
  doneMs: row.done_ms,
  updatedMs: row.updated_ms,
});

const patchColumns: Record<keyof ItemPatch, string> = {
  state: 'state',
  reason: 'reason',
  attempts: 'attempts',
  path: 'path',
  bytes: 'bytes',
  sha256: 'sha256',
  contentType: 'content_type',
  auditEventId: 'audit_event_id',
  source: 'source',
  doneMs: 'done_ms',
};

/**
 * Bulk jobs and their items. Every state change is one statement (or one transaction), so a job
 * killed at any moment is found on disk exactly as far as it got.
 */
export function createJobsRepository(db: Db) {
  const insertJob = db.prepare(`
    INSERT INTO bulk_jobs (id, created_ms, updated_ms, state, message, case_reference, selection_json, input_report_json, out_dir, concurrency, api,
      officer_id, officer_name, officer_email, unattended)
    VALUES (@id, @createdMs, @createdMs, @state, @message, @caseReference, @selectionJson, @inputReportJson, @outDir, @concurrency, @api,
      @officerId, @officerName, @officerEmail, @unattended)`);
  const insertItem = db.prepare(`
    INSERT INTO bulk_job_items (job_id, conversation_id, recording_id, trading_id, client_account, start_ms, state, updated_ms)
    VALUES (@jobId, @conversationId, @recordingId, @tradingId, @clientAccount, @startMs, 'pending', @nowMs)
    ON CONFLICT (job_id, conversation_id, recording_id) DO NOTHING`);
  const selectJob = db.prepare('SELECT * FROM bulk_jobs WHERE id = ?');
  const selectJobsByPrefix = db.prepare("SELECT id FROM bulk_jobs WHERE id LIKE ? || '%' ORDER BY created_ms DESC LIMIT 2");
  const selectJobs = db.prepare('SELECT * FROM bulk_jobs ORDER BY created_ms DESC LIMIT ?');
  const countItems = db.prepare(
    "SELECT state, count(*) AS n, coalesce(sum(CASE WHEN state = 'done' THEN bytes END), 0) AS bytes FROM bulk_job_items WHERE job_id = ? GROUP BY state",
  );
  // Any state change ends a wait for sign-in, unless it is one.
  const updateState = db.prepare(
    'UPDATE bulk_jobs SET state = @state, message = @message, updated_ms = @nowMs, finished_ms = @finishedMs, awaiting_signin = @awaitingSignIn WHERE id = @id',
  );
  const updateStateIf = db.prepare(
    'UPDATE bulk_jobs SET state = @state, message = @message, updated_ms = @nowMs, finished_ms = @finishedMs, awaiting_signin = 0 WHERE id = @id AND state = @expected',
  );
  const updateOfficer = db.prepare(
    'UPDATE bulk_jobs SET officer_id = @genesysUserId, officer_name = @name, officer_email = @email WHERE id = @id AND officer_id IS NULL',
  );
  const selectAwaitingSignIn = db.prepare(
    "SELECT id FROM bulk_jobs WHERE awaiting_signin = 1 AND officer_id = ? AND state = 'paused' ORDER BY created_ms",
  );
  const setRunner = db.prepare(
    'UPDATE bulk_jobs SET runner_id = @runnerId, runner_pid = @pid, runner_heartbeat_ms = @nowMs WHERE id = @id',
  );
  const beat = db.prepare('UPDATE bulk_jobs SET runner_heartbeat_ms = @nowMs WHERE id = @id AND runner_id = @runnerId');
  const clearRunner = db.prepare(
    'UPDATE bulk_jobs SET runner_id = NULL, runner_pid = NULL, runner_heartbeat_ms = NULL WHERE id = @id AND runner_id = @runnerId',
  );
  const selectItems = db.prepare('SELECT * FROM bulk_job_items WHERE job_id = ? ORDER BY start_ms, conversation_id, recording_id');
  const selectItemsIn = db.prepare(
    'SELECT * FROM bulk_job_items WHERE job_id = ? AND state IN (SELECT value FROM json_each(?)) ORDER BY start_ms, conversation_id, recording_id',
  );
  const selectItem = db.prepare('SELECT * FROM bulk_job_items WHERE job_id = ? AND conversation_id = ? AND recording_id = ?');
  const selectItemsOfConversation = db.prepare('SELECT * FROM bulk_job_items WHERE job_id = ? AND conversation_id = ? ORDER BY recording_id');
  const selectFailures = db.prepare(
    "SELECT * FROM bulk_job_items WHERE job_id = ? AND state IN ('failed', 'archived') ORDER BY updated_ms DESC, conversation_id LIMIT ?",
  );
  const deleteItem = db.prepare('DELETE FROM bulk_job_items WHERE job_id = ? AND conversation_id = ? AND recording_id = ?');
  const patchStatements = new Map<string, ReturnType<Db['prepare']>>();
  const resetItems = db.prepare(
    'UPDATE bulk_job_items SET state = \'pending\', reason = NULL, updated_ms = @nowMs WHERE job_id = @jobId AND state IN (SELECT value FROM json_each(@states))',
  );

  return {
    async createJob(job: NewJob, items: ReadonlyArray<NewJobItem>): Promise<void> {
      const { officer, unattended, ...fields } = job;
      db.transaction(() => {
        insertJob.run({
          ...fields,
          officerId: officer?.genesysUserId ?? null,
          officerName: officer?.name ?? null,
          officerEmail: officer?.email ?? null,
          unattended: unattended ? 1 : 0,
        });
        for (const item of items) insertItem.run({ ...item, jobId: job.id, nowMs: job.createdMs });
      })();
    },

    async job(id: string): Promise<JobRecord | null> {
      const row = selectJob.get(id) as JobSqlRow | undefined;
      return row ? toJob(row) : null;
    },

    /** Ids starting with `prefix`: at most two, enough to tell unique from ambiguous. */
    async jobIdsByPrefix(prefix: string): Promise<Array<string>> {
      return (selectJobsByPrefix.all(prefix.replace(/[%_]/g, '')) as Array<{ id: string }>).map((r) => r.id);
    },

    async jobs(limit: number): Promise<Array<JobRecord>> {
      return (selectJobs.all(limit) as Array<JobSqlRow>).map(toJob);
    },

    async counts(jobId: string): Promise<JobCounts & { bytes: number }> {
      const counts: JobCounts & { bytes: number } = { total: 0, pending: 0, fetching: 0, done: 0, failed: 0, archived: 0, bytes: 0 };
      for (const row of countItems.all(jobId) as Array<{ state: JobItemState; n: number; bytes: number }>) {
        counts[row.state] = row.n;
        counts.total += row.n;
        counts.bytes += row.bytes;
      }
      return counts;
    },

    /** `awaitingSignIn`: a pause until the job's officer signs in again (cleared by the next state change). */
    async setState(id: string, state: JobState, message: string | null, nowMs: number, options: { awaitingSignIn?: boolean } = {}): Promise<void> {
      const final = state === 'done' || state === 'done-with-failures' || state === 'cancelled';
      updateState.run({ id, state, message, nowMs, finishedMs: final ? nowMs : null, awaitingSignIn: options.awaitingSignIn && state === 'paused' ? 1 : 0 });
    },

    /** Records `officer` as the job's officer if it has none (a job from before sign-in, taken over by who resumes it). */
    async adoptOfficer(id: string, officer: Officer): Promise<void> {
      updateOfficer.run({ id, genesysUserId: officer.genesysUserId, name: officer.name, email: officer.email });
    },

    /** Jobs paused until `officerId` signs in again, oldest first. */
    async awaitingSignIn(officerId: string): Promise<Array<string>> {
      return (selectAwaitingSignIn.all(officerId) as Array<{ id: string }>).map((r) => r.id);
    },

    /** Changes the state only if it still is `expected` (another process may have changed it). */
    async setStateIf(id: string, expected: JobState, state: JobState, message: string | null, nowMs: number): Promise<boolean> {
      const final = state === 'done' || state === 'done-with-failures' || state === 'cancelled';
      return updateStateIf.run({ id, expected, state, message, nowMs, finishedMs: final ? nowMs : null }).changes === 1;
    },

    /**
     * Takes the job for one runner. Refused while another runner holds it and `isLive` says that
     * runner is still alive (its process exists and its heartbeat is fresh).
     */
    async claim(id: string, runner: { id: string; pid: number }, nowMs: number, isLive: (job: JobRecord) => boolean): Promise<JobRecord> {
      return db.transaction(() => {
        const row = selectJob.get(id) as JobSqlRow | undefined;
        if (!row) throw new Error(`no job ${id}`);
        const job = toJob(row);
        if (job.runnerId !== null && job.runnerId !== runner.id && isLive(job)) return job;
        setRunner.run({ id, runnerId: runner.id, pid: runner.pid, nowMs });
        return { ...job, runnerId: runner.id, runnerPid: runner.pid, runnerHeartbeatMs: nowMs };
      }).immediate();
    },

    /** Refreshes the runner's heartbeat; returns the job as stored (its state may have been changed elsewhere). */
    async heartbeat(id: string, runnerId: string, nowMs: number): Promise<JobRecord | null> {
      beat.run({ id, runnerId, nowMs });
      const row = selectJob.get(id) as JobSqlRow | undefined;
      return row ? toJob(row) : null;
    },

    async release(id: string, runnerId: string): Promise<void> {
      clearRunner.run({ id, runnerId });
    },

    async items(jobId: string, states?: ReadonlyArray<JobItemState>): Promise<Array<JobItemRecord>> {
      const rows = states ? selectItemsIn.all(jobId, JSON.stringify(states)) : selectItems.all(jobId);
      return (rows as Array<ItemSqlRow>).map(toItem);
    },

    async item(jobId: string, key: JobItemKey): Promise<JobItemRecord | null> {
      const row = selectItem.get(jobId, key.conversationId, key.recordingId) as ItemSqlRow | undefined;
      return row ? toItem(row) : null;
    },

    async itemsOfConversation(jobId: string, conversationId: string): Promise<Array<JobItemRecord>> {
      return (selectItemsOfConversation.all(jobId, conversationId) as Array<ItemSqlRow>).map(toItem);
    },

    /** Adds items that are not there yet (existing ones are left as they are). */
    async addItems(jobId: string, items: ReadonlyArray<NewJobItem>, nowMs: number): Promise<void> {
      db.transaction(() => {
        for (const item of items) insertItem.run({ ...item, jobId, nowMs });
      })();
    },

    async failures(jobId: string, limit: number): Promise<Array<JobItemRecord>> {
      return (selectFailures.all(jobId, limit) as Array<ItemSqlRow>).map(toItem);
    },

    async updateItem(jobId: string, key: JobItemKey, patch: ItemPatch, nowMs: number): Promise<void> {
      const entries = Object.entries(patch) as Array<[keyof ItemPatch, unknown]>;
      const sets = entries.map(([name]) => `${patchColumns[name]} = @${name}`);
      const sql = `UPDATE bulk_job_items SET ${[...sets, 'updated_ms = @nowMs'].join(', ')} WHERE job_id = @jobId AND conversation_id = @conversationId AND recording_id = @recordingId`;
      let statement = patchStatements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        patchStatements.set(sql, statement);
      }
      statement.run({ ...Object.fromEntries(entries), nowMs, jobId, conversationId: key.conversationId, recordingId: key.recordingId });
    },

    /**
     * Replaces a conversation's placeholder item by one item per recording now known (existing
     * items are kept as they are). One transaction: a crash leaves either the placeholder or all.
     */
    async expandConversation(jobId: string, placeholder: NewJobItem, recordingIds: ReadonlyArray<string>, nowMs: number): Promise<void> {
      db.transaction(() => {
        for (const recordingId of recordingIds) insertItem.run({ ...placeholder, recordingId, jobId, nowMs });
        deleteItem.run(jobId, placeholder.conversationId, '');
      })();
    },

    /** Puts items in the given states back to pending, for a resumed run. */
    async resetItems(jobId: string, states: ReadonlyArray<JobItemState>, nowMs: number): Promise<number> {
      return resetItems.run({ jobId, states: JSON.stringify(states), nowMs }).changes;
    },
  };
}

export type JobsRepository = ReturnType<typeof createJobsRepository>;
