import { useId } from 'react';
import type { AuditTrailEntry, AuditTrailPage } from '../../../shared/audit-views';
import type { Operator } from '../../../shared/domain';
import { describeOperator, operatorHeadline } from '../../../shared/operator-label';
import { formatLocalTime, formatUtcTime } from '../format';

const alertLabels: Readonly<Record<AuditTrailEntry['alerts'][number]['rule'], string>> = {
  'outside-business-hours': 'Out of hours',
  'workstation-network': 'Network',
  'unusual-volume': 'Volume',
  'participant-playback': 'Participant',
  'witnessed-log-inconsistent': 'Witness',
};

type AuditEventsTableProps = {
  page: AuditTrailPage | null;
};

/** Who accessed what, when, from where and why: newest first, alerted accesses marked. */
export function AuditEventsTable({ page }: AuditEventsTableProps) {
  const titleId = useId();
  return (
    <section className="panel results-panel" aria-labelledby={titleId}>
      <div className="panel__header">
        <h2 className="panel__title" id={titleId}>
          Audit trail
        </h2>
        {page ? (
          <p className="panel__meta" role="status" data-testid="audit-summary">
            {page.entries.length === page.total ? `${page.total} ${page.total === 1 ? 'access' : 'accesses'}` : `newest ${page.entries.length} of ${page.total} accesses`}
            {page.logs && page.logs.length > 1 ? (
              <span className="muted"> · {page.logs.length} workstations' logs</span>
            ) : (
              <>
                <span className="muted"> · log </span>
                <span className="mono muted">{page.logId}</span>
              </>
            )}
          </p>
        ) : null}
      </div>
      {!page ? (
        <p className="empty-state">Loading the audit trail…</p>
      ) : page.entries.length === 0 ? (
        <p className="empty-state empty-state--none" data-testid="audit-empty">
          No recorded access matches.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="results-table audit-table" data-testid="audit-table" aria-labelledby={titleId}>
            <thead>
              <tr>
                <th scope="col">Time (local)</th>
                <th scope="col">Operator</th>
                <th scope="col">Workstation</th>
                <th scope="col">Action</th>
                <th scope="col">Alerts</th>
                <th scope="col">Trading ID / recording</th>
                <th scope="col">Case</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {page.entries.map((entry) => (
                <tr
                  key={`${entry.logId}:${entry.seq}`}
                  data-testid="audit-row"
                  data-seq={entry.seq}
                  data-log={entry.logId}
                  data-action={entry.action}
                  className={entry.alerts.length > 0 ? 'row--finding' : undefined}
                >
                  <td className="nowrap">
                    <time dateTime={entry.time} title={formatUtcTime(entry.time)}>
                      {formatLocalTime(entry.time)}
                    </time>
                  </td>
                  <td
                    data-testid="audit-operator"
                    title={`${describeOperator(entry.operator)} (${entry.operator.osAccount}) on ${entry.workstation.hostname} ${entry.workstation.addresses.join(', ')}`}
                  >
                    {operatorHeadline(entry.operator)}
                    {operatorDetail(entry.operator) ? <span className="audit-table__second muted">{operatorDetail(entry.operator)}</span> : null}
                  </td>
                  <td data-testid="audit-workstation" title={`log ${entry.logId}${entry.logId === page.logId ? ' (this workstation)' : ''}`}>
                    {entry.workstation.hostname}
                    <span className="audit-table__second muted">
                      {[entry.workstation.addresses[0], `log ${entry.logId.slice(0, 8)}`].filter(Boolean).join(' · ')}
                    </span>
                  </td>
                  <td>
                    <span className={`badge badge--action badge--action-${entry.action}`}>{entry.action}</span>
                  </td>
                  <td className="audit-table__alerts">
                    {entry.alerts.map((alert) => (
                      <span key={alert.rule} className="badge badge--alert" title={alert.message} data-testid="audit-alert" data-rule={alert.rule}>
                        {alertLabels[alert.rule]}
                      </span>
                    ))}
                  </td>
                  <td className="mono audit-table__ids" title={[entry.recordingId, entry.conversationId].filter(Boolean).join(' / ') || undefined}>
                    {entry.tradingId ?? <span className="muted">—</span>}
                    {entry.recordingId ?? entry.conversationId ? <span className="audit-table__second mono muted">{entry.recordingId ?? entry.conversationId}</span> : null}
                  </td>
                  <td className="mono">{entry.caseReference ?? <span className="muted">—</span>}</td>
                  <td title={entry.summary ?? undefined}>{entry.summary ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Under the name: an officer's email, or whom unattended work was scheduled by. */
function operatorDetail(operator: Operator): string | null {
  if (operator.kind === 'service') return operator.scheduledBy ? `scheduled by ${operator.scheduledBy.name}` : null;
  return operator.email ?? null;
}
