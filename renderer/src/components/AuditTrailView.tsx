import { useEffect, useState } from 'react';
import type { AuditStatus, AuditTrailEntry, AuditTrailFilter, AuditTrailPage, FirmVerification } from '../../../shared/audit-views';
import { useCustodyApi } from '../api';
import { logIfUnexpected, toUiError, type UiError } from '../errors';
import { AuditEventsTable } from './AuditEventsTable';
import { AuditFilterPanel } from './AuditFilterPanel';
import { AuditStatusPanel } from './AuditStatusPanel';

type AuditTrailViewProps = {
  /** Shown: load and follow new accesses; hidden: stay quiet. */
  active: boolean;
  alerted: ReadonlyArray<AuditTrailEntry>;
  /** Changes when main pushes a new integrity state. */
  integrityVersion: unknown;
};

/** The audit trail section: filter like `custody audit show`, the accesses, and the log's verification status. */
export function AuditTrailView({ active, alerted, integrityVersion }: AuditTrailViewProps) {
  const api = useCustodyApi();
  const [filter, setFilter] = useState<AuditTrailFilter>({});
  const [page, setPage] = useState<AuditTrailPage | null>(null);
  const [status, setStatus] = useState<AuditStatus | null>(null);
  const [verification, setVerification] = useState<FirmVerification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  /** Bumped when main records a new access, or after a verification: the page (and each log's integrity) is read again. */
  const [recorded, setRecorded] = useState(0);

  useEffect(() => {
    if (!active) return undefined;
    let current = true;
    async function load() {
      try {
        const [loaded, loadedStatus] = await Promise.all([api.auditList(filter), api.auditStatus({})]);
        if (!current) return;
        setPage(loaded);
        setStatus(loadedStatus);
        setError(null);
      } catch (caught) {
        if (current) setError(toUiError(caught));
        await logIfUnexpected(api, 'audit-trail', caught);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [active, api, filter, integrityVersion, recorded]);

  useEffect(() => (active ? api.on('audit:recorded', () => setRecorded((n) => n + 1)) : undefined), [active, api]);

  async function verify() {
    setVerifying(true);
    try {
      setVerification(await api.auditVerify({}));
      setStatus(await api.auditStatus({}));
      setRecorded((n) => n + 1);
      setError(null);
    } catch (caught) {
      setError(toUiError(caught));
      await logIfUnexpected(api, 'audit-verify', caught);
    } finally {
      setVerifying(false);
    }
  }

  return (
    <main className="workspace audit-workspace" hidden={!active} data-testid="audit-view">
      <AuditFilterPanel busy={active && page === null && error === null} onFilter={setFilter} />
      <AuditEventsTable page={page} />
      <AuditStatusPanel
        status={status}
        verification={verification}
        verifying={verifying}
        error={error}
        alerted={alerted}
        logs={page?.logs ?? null}
        onVerify={() => void verify()}
      />
    </main>
  );
}
