import { useEffect, useId, useState } from 'react';
import type { JobFailure, JobSummary } from '../../../shared/jobs';
import { useCustodyApi } from '../api';
import { logIfUnexpected, toUiError, type UiError } from '../errors';
import { ErrorAlert } from './ErrorAlert';
import { JobCard } from './JobCard';

type JobsPanelProps = {
  /** The job just started from a search, shown first and marked. */
  highlightJobId: string | null;
  /** Refetch when the section becomes visible. */
  active: boolean;
};

type Entry = { job: JobSummary; failures?: ReadonlyArray<JobFailure> };

/** Every bulk job of this profile, newest first, updated live from `jobs:progress`. */
export function JobsPanel({ highlightJobId, active }: JobsPanelProps) {
  const api = useCustodyApi();
  const titleId = useId();
  const [entries, setEntries] = useState<ReadonlyArray<Entry> | null>(null);
  const [error, setError] = useState<UiError | null>(null);

  useEffect(() => {
    if (!active) return;
    let current = true;
    async function load() {
      try {
        const { jobs } = await api.jobsList({});
        if (!current) return;
        setEntries((previous) => jobs.map((job) => ({ job, failures: previous?.find((e) => e.job.id === job.id)?.failures })));
        setError(null);
      } catch (caught) {
        if (current) setError(toUiError(caught));
        await logIfUnexpected(api, 'jobs', caught);
      }
    }
    void load();
    // Jobs run by another process (the custody CLI) push no events here: refresh while visible.
    const timer = window.setInterval(() => void load(), 3_000);
    return () => {
      current = false;
      window.clearInterval(timer);
    };
  }, [api, active, highlightJobId]);

  useEffect(
    () =>
      api.on('jobs:progress', (progress) => {
        const { failures, ...job } = progress;
        setEntries((previous) => upsert(previous ?? [], { job, failures }));
      }),
    [api],
  );

  function onChange(job: JobSummary) {
    setEntries((previous) => upsert(previous ?? [], { job }));
  }

  return (
    <section className="panel jobs-panel" aria-labelledby={titleId} data-testid="jobs-panel">
      <div className="panel__header">
        <h2 className="panel__title" id={titleId}>
          Retrieval jobs
        </h2>
        <p className="panel__meta">Every download is audited before its file is written; files are verified by SHA-256.</p>
      </div>
      {error ? (
        <div className="jobs-panel__error">
          <ErrorAlert error={error} testId="jobs-error" />
        </div>
      ) : null}
      {entries === null ? null : entries.length === 0 ? (
        <p className="empty-state" data-testid="jobs-empty">
          No retrieval jobs yet. Search for recordings, then choose “Retrieve all”, or run <span className="mono">custody retrieve</span>.
        </p>
      ) : (
        <div className="jobs-list">
          {entries.map((entry) => (
            <JobCard key={entry.job.id} job={entry.job} failures={entry.failures} highlighted={entry.job.id === highlightJobId} onChange={onChange} />
          ))}
        </div>
      )}
    </section>
  );
}

/** Replaces the job's entry (keeping known failures) or adds it first; newest jobs stay on top. */
function upsert(entries: ReadonlyArray<Entry>, next: Entry): ReadonlyArray<Entry> {
  const index = entries.findIndex((e) => e.job.id === next.job.id);
  if (index < 0) return [next, ...entries];
  const merged = { job: next.job, failures: next.failures ?? entries[index]!.failures };
  return entries.map((e, i) => (i === index ? merged : e));
}
