import { useId } from 'react';
import { describeLogVerification, type AuditLogSummary, type AuditStatus, type AuditTrailEntry, type FirmVerification } from '../../../shared/audit-views';
import { useCustodyApi } from '../api';
import type { UiError } from '../errors';
import { formatLocalTime, formatUtcTime } from '../format';
import { useHealth } from '../use-health';
import { ErrorAlert } from './ErrorAlert';

type AuditStatusPanelProps = {
  status: AuditStatus | null;
  /** The last "Verify now": every log in the bucket, one result each. */
  verification: FirmVerification | null;
  verifying: boolean;
  error: UiError | null;
  alerted: ReadonlyArray<AuditTrailEntry>;
  /** Every workstation's log the trail reads, each with its own integrity. */
  logs: ReadonlyArray<AuditLogSummary> | null;
  onVerify(): void;
};

/** Whether the log can be trusted: verified up to which signed tree head, or the first thing found wrong. */
export function AuditStatusPanel({ status, verification, verifying, error, alerted, logs, onVerify }: AuditStatusPanelProps) {
  const titleId = useId();
  const integrity = status?.integrity ?? null;
  // A log that cannot be read now is not "verified": its last verification is history until the store answers again.
  const worm = useHealth(useCustodyApi())?.worm ?? null;
  const storeDown = worm?.state === 'unreachable';
  return (
    <section className="panel audit-status" aria-labelledby={titleId} data-testid="audit-status">
      <div className="panel__header">
        <h2 className="panel__title" id={titleId}>
          Verification
        </h2>
      </div>
      <div className="audit-status__body">
        {!status ? (
          <p className="muted">Loading…</p>
        ) : (
          <div
            className={`verdict verdict--${storeDown && integrity!.state === 'ok' ? 'unknown' : integrity!.state}`}
            data-testid="audit-integrity"
            data-state={integrity!.state}
            data-store={storeDown ? 'unreachable' : undefined}
            role="status"
          >
            <p className="verdict__title">
              {integrity!.state === 'failed'
                ? 'Integrity check failed'
                : storeDown
                  ? 'The WORM store is unreachable: the log cannot be verified now'
                  : integrity!.state === 'ok' && status.verifiedHead
                    ? `Verified up to tree size ${status.verifiedHead.treeSize}`
                    : 'Not verified yet'}
            </p>
            {storeDown && integrity!.state !== 'failed' ? (
              <p className="verdict__detail" data-testid="audit-store-unreachable">
                {status.verifiedHead ? (
                  <>
                    Last verified up to tree size {status.verifiedHead.treeSize} at{' '}
                    <time dateTime={status.verifiedHead.time} title={formatUtcTime(status.verifiedHead.time)}>
                      {formatLocalTime(status.verifiedHead.time)}
                    </time>
                    .{' '}
                  </>
                ) : (
                  'Never verified on this workstation. '
                )}
                The store did not answer at {worm.checkedAt ? formatLocalTime(worm.checkedAt) : 'the last check'}; nothing can be recorded or verified until it
                does.
              </p>
            ) : null}
            {integrity!.state === 'failed' ? (
              <p className="verdict__detail" data-testid="audit-first-bad">
                {integrity!.firstBad?.seq !== null && integrity!.firstBad?.seq !== undefined
                  ? `First bad event: ${integrity!.firstBad.seq}. `
                  : integrity!.firstBad?.treeSize !== null && integrity!.firstBad?.treeSize !== undefined
                    ? `First bad checkpoint: tree size ${integrity!.firstBad.treeSize}. `
                    : ''}
                {integrity!.message}
              </p>
            ) : storeDown ? null : status.verifiedHead ? (
              <p className="verdict__detail">
                at <time dateTime={status.verifiedHead.time} title={formatUtcTime(status.verifiedHead.time)}>{formatLocalTime(status.verifiedHead.time)}</time>
                <span className="muted"> · {integrity!.message}</span>
              </p>
            ) : (
              <p className="verdict__detail muted">{integrity!.message}</p>
            )}
          </div>
        )}

        <button type="button" className="button button--primary" data-testid="audit-verify" disabled={verifying || !status} onClick={onVerify}>
          {verifying ? 'Verifying every log from the bucket…' : 'Verify now'}
        </button>
        <p className="field__hint audit-status__hint">
          Recomputes every workstation's hash chain, Merkle tree and signed checkpoints from the WORM bucket alone.
        </p>
        {error ? <ErrorAlert error={error} testId="audit-error" /> : null}

        {verification ? (
          <div className="receipt" data-testid="audit-verification" data-ok={verification.ok}>
            <p>
              {verification.ok
                ? `Every log intact: ${verification.logs.length} verified`
                : `Not intact: ${verification.logs.filter((log) => log.report?.ok !== true).length} of ${verification.logs.length} logs failed or could not be verified`}{' '}
              in bucket <span className="mono">{verification.bucket}</span>.
            </p>
            <ul className="audit-verification__logs" data-testid="audit-verification-logs">
              {verification.logs.map((log) => (
                <li key={log.logId} data-testid="audit-verification-log" data-log={log.logId} data-ok={log.report?.ok === true}>
                  <p>
                    <strong>{log.workstation ?? 'no event read yet'}</strong> <span className="mono muted">{log.logId}</span>
                    {log.own ? ' (this workstation)' : ''}:{' '}
                    <span data-testid="audit-verification-result">{describeLogVerification(log)}</span>
                    {log.report ? (
                      <span className="muted">
                        {' '}
                        · {log.report.events.read} events read, {log.report.checkpoints.valid} of {log.report.checkpoints.total} checkpoints verified
                        {log.report.uncheckpointed > 0 ? `, ${log.report.uncheckpointed} newer events not yet checkpointed` : ''}
                      </span>
                    ) : null}
                  </p>
                  {log.report && log.report.problems.length > 0 ? (
                    <ul className="audit-problems" data-testid="audit-problems">
                      {log.report.problems.slice(0, 8).map((problem, i) => (
                        <li key={i}>
                          <strong>{problem.kind}</strong> {problem.message}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  {log.report?.warnings.map((warning) => (
                    <p key={warning} className="muted">
                      {warning}
                    </p>
                  ))}
                </li>
              ))}
            </ul>
          </div>
        ) : null}

        {status ? (
          <dl className="meta audit-status__facts">
            <div className="meta__row">
              <dt>Log</dt>
              <dd className="mono">{status.logId}</dd>
            </div>
            <div className="meta__row">
              <dt>Bucket</dt>
              <dd className="mono">{status.bucket ?? '—'}</dd>
            </div>
            <div className="meta__row">
              <dt>Events here</dt>
              <dd data-testid="audit-tree-size">{status.localTreeSize}</dd>
            </div>
            <div className="meta__row">
              <dt>Checkpoint</dt>
              <dd data-testid="audit-last-checkpoint">
                {status.lastCheckpoint ? (
                  <>
                    tree size {status.lastCheckpoint.treeSize} <span className="muted">{formatLocalTime(status.lastCheckpoint.time)}</span>
                  </>
                ) : (
                  <span className="muted">none yet</span>
                )}
              </dd>
            </div>
            <div className="meta__row">
              <dt>Signing key</dt>
              <dd className="mono" title={status.keyId ?? undefined}>
                {status.keyId ? `${status.keyId.slice(0, 16)}…` : <span className="muted">not published yet</span>}
              </dd>
            </div>
          </dl>
        ) : null}

        {logs && logs.length > 0 ? (
          <div className="audit-status__logs">
            <h3 className="section-title">Every workstation's log</h3>
            <ul className="audit-problems" data-testid="audit-logs">
              {logs.map((log) => (
                <li key={log.logId} data-testid="audit-log" data-log={log.logId} data-state={log.integrity.state} title={`log ${log.logId}: ${log.integrity.message}`}>
                  <strong>{log.workstation ?? 'no event read yet'}</strong> <span className="mono muted">{log.logId.slice(0, 8)}</span>
                  {log.own ? ' (this workstation)' : ''} · {log.events} {log.events === 1 ? 'event' : 'events'} · {logIntegrity(log)}
                </li>
              ))}
            </ul>
          </div>
        ) : null}

        <div className="audit-status__alerts">
          <h3 className="section-title">Alerts this session</h3>
          {alerted.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <ul className="audit-problems" data-testid="audit-session-alerts">
              {alerted.map((entry) =>
                entry.alerts.map((alert) => (
                  <li key={`${entry.seq}-${alert.rule}`}>
                    <strong>{entry.action}</strong> {formatLocalTime(entry.time)} — {alert.message}
                  </li>
                )),
              )}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}

/** One log's integrity in a few words: the first thing found wrong, or how far it was verified. */
function logIntegrity(log: AuditLogSummary): string {
  if (log.integrity.state === 'failed') {
    const at = log.integrity.firstBad?.seq ?? null;
    return at !== null ? `integrity FAILED at event ${at}` : 'integrity FAILED';
  }
  return log.verifiedHead ? `verified up to tree size ${log.verifiedHead.treeSize}` : 'not verified yet';
}
