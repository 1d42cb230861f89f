import { useId, useState } from 'react';
import type { JobDetail, JobFailure, JobSummary } from '../../../shared/jobs';
import { useCustodyApi } from '../api';
import { attempts, logIfUnexpected, toUiError, type UiError } from '../errors';
import { formatLocalTime } from '../format';
import { describeSelection, jobActions, progressText, settledRatio, stateLabels } from '../job-format';
import { ErrorAlert } from './ErrorAlert';

type JobCardProps = {
  job: JobSummary;
  /** The latest failures pushed with progress; the full list is loaded when opened. */
  failures: ReadonlyArray<JobFailure> | undefined;
  highlighted: boolean;
  onChange(job: JobSummary): void;
};

/** One bulk job: live progress bar, numbers, failures with reasons, and pause, resume, cancel. */
export function JobCard({ job, failures, highlighted, onChange }: JobCardProps) {
  const api = useCustodyApi();
  const titleId = useId();
  const [busy, setBusy] = useState<'pause' | 'resume' | 'cancel' | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [detail, setDetail] = useState<JobDetail | null>(null);
  const actions = jobActions(job.state);
  const notRetrieved = job.counts.failed + job.counts.archived;
  const shownFailures = detail?.failures ?? failures ?? [];
  const percent = Math.round(settledRatio(job) * 1000) / 10;
  const doneShare = job.counts.total === 0 ? 0 : (job.counts.done / job.counts.total) * 100;
  const failedShare = job.counts.total === 0 ? 0 : (notRetrieved / job.counts.total) * 100;

  async function act(action: 'pause' | 'resume' | 'cancel') {
    setBusy(action);
    setError(null);
    try {
      const request = { jobId: job.id };
      onChange(action === 'pause' ? await api.jobsPause(request) : action === 'resume' ? await api.jobsResume(request) : await api.jobsCancel(request));
    } catch (caught) {
      setError(toUiError(caught));
      await logIfUnexpected(api, 'jobs', caught);
    } finally {
      setBusy(null);
    }
  }

  /** Every failure and the rows of the trading-ID list that were not used, loaded when first opened. */
  async function loadDetail(open: boolean) {
    if (!open || detail) return;
    try {
      setDetail(await api.jobsGet({ jobId: job.id }));
    } catch (caught) {
      setError(toUiError(caught));
    }
  }

  return (
    <article
      className={`job-card job-card--${job.state}${highlighted ? ' job-card--highlighted' : ''}`}
      aria-labelledby={titleId}
      data-testid="job-card"
      data-job-id={job.id}
      data-state={job.state}
    >
      <header className="job-card__header">
        <h3 className="job-card__title" id={titleId}>
          {describeSelection(job.selection)}
        </h3>
        <span className={`badge badge--job badge--job-${job.state}`} data-testid="job-state">
          {stateLabels[job.state]}
        </span>
      </header>
      <div
        className="job-progress"
        role="progressbar"
        aria-label="Recordings settled"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${job.counts.done} of ${job.counts.total} retrieved`}
        data-testid="job-progress"
      >
        <div className="job-progress__done" style={{ width: `${doneShare}%` }} />
        <div className="job-progress__failed" style={{ width: `${failedShare}%` }} />
      </div>
      <p className="job-card__numbers" data-testid="job-numbers">
        {progressText(job)}
        {notRetrieved > 0 ? (
          <span className="job-card__failed">
            {' '}
            · {job.counts.failed} failed{job.counts.archived > 0 ? `, ${job.counts.archived} archived` : ''}
          </span>
        ) : null}
      </p>
      {job.message ? (
        <p className={`job-card__message${job.state === 'blocked' || job.state === 'paused' ? ' job-card__message--attention' : ''}`} data-testid="job-message">
          {job.message}
        </p>
      ) : null}
      {notRetrieved > 0 ? (
        <details className="job-failures" onToggle={(e) => void loadDetail(e.currentTarget.open)}>
          <summary>Not retrieved ({notRetrieved})</summary>
          <ul className="job-failures__list" data-testid="job-failures">
            {shownFailures.map((f) => (
              <li key={`${f.conversationId}/${f.recordingId ?? ''}`}>
                <span className={`badge badge--job-${f.state === 'archived' ? 'paused' : 'blocked'}`}>{f.state}</span>{' '}
                <span className="mono">{f.tradingId ?? 'no trading ID'}</span> <span className="muted mono">{f.recordingId ?? f.conversationId}</span>
                <span className="job-failures__reason">{f.reason}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {job.inputProblems > 0 ? (
        <details className="job-failures" onToggle={(e) => void loadDetail(e.currentTarget.open)}>
          <summary>Rows of the trading-ID list not used ({job.inputProblems})</summary>
          <ul className="job-failures__list" data-testid="job-input-report">
            {(detail?.inputReport ?? []).map((p) => (
              <li key={p.line}>
                <span className="mono">line {p.line}</span> <span className="mono">{p.value}</span>
                <span className="job-failures__reason">{p.problem}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <dl className="job-card__facts">
        <div>
          <dt>Case</dt>
          <dd className="mono">{job.caseReference}</dd>
        </div>
        <div>
          <dt>Output folder</dt>
          <dd className="mono job-card__folder" data-testid="job-out-dir">
            {job.outDir}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatLocalTime(job.createdAt)}</dd>
        </div>
      </dl>
      {error ? <ErrorAlert error={error} attempt={attempts.download} testId="job-error" /> : null}
      {actions.pause || actions.resume || actions.cancel ? (
        <div className="job-card__actions">
          {actions.pause ? (
            <button type="button" className="button" disabled={busy !== null} onClick={() => void act('pause')} data-testid="job-pause">
              {busy === 'pause' ? 'Pausing…' : 'Pause'}
            </button>
          ) : null}
          {actions.resume ? (
            <button type="button" className="button button--primary" disabled={busy !== null} onClick={() => void act('resume')} data-testid="job-resume">
              {busy === 'resume' ? 'Resuming…' : job.state === 'done-with-failures' ? 'Retry failed' : 'Resume'}
            </button>
          ) : null}
          {actions.cancel ? (
            <button type="button" className="button" disabled={busy !== null} onClick={() => void act('cancel')} data-testid="job-cancel">
              {busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
            </button>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}
