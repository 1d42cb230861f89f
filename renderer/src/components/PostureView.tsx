import { useEffect, useId, useState } from 'react';
import { postureTargets, type PostureCheck, type PostureReport, type PostureTarget } from '../../../shared/posture';
import { useCustodyApi } from '../api';
import { logIfUnexpected, toUiError, type UiError } from '../errors';
import { formatLocalTime, formatUtcTime } from '../format';
import { ErrorAlert } from './ErrorAlert';

const targetTitles: Record<PostureTarget, string> = {
  'archive-bucket': 'Archive bucket',
  'audit-bucket': 'Audit bucket',
  genesys: 'Genesys Cloud',
  trades: 'Trades',
  unattended: 'Unattended jobs',
};

/** The MiFID II posture report: each check pass, fail or unknown, with the evidence it was decided on. */
export function PostureView() {
  const api = useCustodyApi();
  const titleId = useId();
  const [report, setReport] = useState<PostureReport | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  useEffect(() => {
    let current = true;
    async function load() {
      try {
        const latest = await api.postureLatest({});
        if (current) setReport(latest.report);
      } catch (caught) {
        if (current) setError(toUiError(caught));
        await logIfUnexpected(api, 'posture', caught);
      } finally {
        if (current) setLoaded(true);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [api]);

  async function run() {
    setRunning(true);
    setError(null);
    try {
      setReport(await api.postureRun({}));
    } catch (caught) {
      setError(toUiError(caught));
      await logIfUnexpected(api, 'posture', caught);
    } finally {
      setRunning(false);
    }
  }

  return (
    <main className="section-view section-view--single" data-testid="posture-view" aria-labelledby={titleId}>
      <section className="panel section-view__main">
        <div className="panel__header">
          <h2 className="panel__title" id={titleId}>
            MiFID II posture
          </h2>
          <button type="button" className="button button--primary" data-testid="posture-run" disabled={running} onClick={run}>
            {running ? 'Checking…' : report ? 'Check again' : 'Run posture check'}
          </button>
        </div>
        {error ? (
          <div className="section-view__alert">
            <ErrorAlert error={error} testId="posture-error" />
          </div>
        ) : null}
        {!loaded ? (
          <p className="empty-state">Loading…</p>
        ) : !report ? (
          <p className="empty-state" data-testid="posture-empty">
            No posture check has been run on this workstation. It reads the archive and audit buckets' configuration and Genesys's retention settings; the check itself is written to the audit log.
          </p>
        ) : (
          <PostureReportView report={report} />
        )}
      </section>
    </main>
  );
}

function PostureReportView({ report }: { report: PostureReport }) {
  return (
    <div className="posture">
      <div className="posture__summary" data-testid="posture-summary">
        <span className="posture__count posture__count--pass">{report.counts.pass} pass</span>
        <span className="posture__count posture__count--fail">{report.counts.fail} fail</span>
        <span className="posture__count posture__count--unknown">{report.counts.unknown} unknown</span>
        <span className="muted">
          checked <time dateTime={report.checkedAt} title={formatUtcTime(report.checkedAt)}>{formatLocalTime(report.checkedAt)}</time>
          {' · '}
          {report.jurisdiction ?? 'no jurisdiction configured'} · {report.provider === 'aws' ? 'AWS S3' : 'S3-compatible store'} · audited as{' '}
          <span className="mono">{report.auditEventId}</span>
        </span>
      </div>
      {postureTargets.map((target) => {
        const checks = report.checks.filter((c) => c.target === target);
        if (checks.length === 0) return null;
        return (
          <section key={target} className="posture__group" data-testid={`posture-group-${target}`}>
            <h3 className="section-title">
              {targetTitles[target]} <span className="posture__subject">{checks[0]!.subject}</span>
            </h3>
            <ul className="posture__checks">
              {checks.map((check) => (
                <CheckRow key={check.id} check={check} />
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

function CheckRow({ check }: { check: PostureCheck }) {
  return (
    <li className={`posture-check posture-check--${check.status}`} data-testid="posture-check" data-check-id={check.id} data-status={check.status}>
      <span className={`posture-pill posture-pill--${check.status}`}>{check.status}</span>
      <div className="posture-check__body">
        <p className="posture-check__title">{check.title}</p>
        <p className="posture-check__summary">{check.summary}</p>
        <details className="posture-check__evidence">
          <summary>Evidence</summary>
          <pre className="mono" data-testid="posture-evidence">
            {JSON.stringify(check.evidence, null, 2)}
          </pre>
        </details>
      </div>
    </li>
  );
}
