import { useEffect, useState } from 'react';
import type { AuditIntegrity, AuditTrailEntry } from '../../shared/audit-views';
import type { CustodyApi } from '../../shared/ipc/client';

export type AuditAlertsState = {
  /** Accesses recorded in this session that raised alerts, newest first. */
  alerted: Array<AuditTrailEntry>;
  /** The latest integrity state pushed by main (consistency checks, verifications), if any. */
  integrity: AuditIntegrity | null;
};

/** What the audit log told this window since it opened: alerted accesses and integrity changes. */
export function useAuditAlerts(api: CustodyApi): AuditAlertsState {
  const [state, setState] = useState<AuditAlertsState>({ alerted: [], integrity: null });
  useEffect(() => {
    const unsubscribeRecorded = api.on('audit:recorded', (entry) => {
      if (entry.alerts.length > 0) setState((previous) => ({ ...previous, alerted: [entry, ...previous.alerted].slice(0, 50) }));
    });
    const unsubscribeIntegrity = api.on('audit:integrity', (integrity) => setState((previous) => ({ ...previous, integrity })));
    return () => {
      unsubscribeRecorded();
      unsubscribeIntegrity();
    };
  }, [api]);
  return state;
}
