import type { JobDisplayState, JobSelection, JobSummary } from '../../shared/jobs';
import { formatBytes, formatClock } from '../../shared/quantities';
import { describeQuery } from './format';

export function describeSelection(selection: JobSelection): string {
  switch (selection.kind) {
    case 'trading-ids':
      return `${selection.tradingIds} trading IDs (${selection.source})`;
    case 'queue':
      return `Queue ${selection.queue}, ${selection.from.slice(0, 10)} to ${selection.to.slice(0, 10)}`;
    case 'search':
      return `Search: ${describeQuery(selection.query)}`;
  }
}

export const stateLabels: Record<JobDisplayState, string> = {
  running: 'Running',
  paused: 'Paused',
  blocked: 'Blocked',
  interrupted: 'Interrupted',
  cancelled: 'Cancelled',
  done: 'Done',
  'done-with-failures': 'Done with failures',
};

/** Which buttons a job offers in its state. */
export function jobActions(state: JobDisplayState): { pause: boolean; resume: boolean; cancel: boolean } {
  return {
    pause: state === 'running',
    resume: state === 'paused' || state === 'blocked' || state === 'interrupted' || state === 'done-with-failures',
    cancel: state === 'running' || state === 'paused' || state === 'blocked' || state === 'interrupted',
  };
}

/** `1,234 of 5,000 retrieved · 2,950/min · ETA 1:42 · 150 MB` */
export function progressText(job: JobSummary): string {
  const parts = [`${job.counts.done.toLocaleString('en-GB')} of ${job.counts.total.toLocaleString('en-GB')} retrieved`];
  if (job.state === 'running') {
    parts.push(job.ratePerMinute === null ? 'starting' : `${Math.round(job.ratePerMinute).toLocaleString('en-GB')}/min`);
    if (job.etaSeconds !== null) parts.push(`ETA ${formatClock(job.etaSeconds)}`);
  }
  parts.push(formatBytes(job.bytes));
  return parts.join(' · ');
}

/** Share of items settled (retrieved, failed or archived), 0..1. */
export function settledRatio(job: JobSummary): number {
  const settled = job.counts.done + job.counts.failed + job.counts.archived;
  return job.counts.total === 0 ? 0 : settled / job.counts.total;
}
