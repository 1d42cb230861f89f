import type { auditChannels } from '../../../../shared/ipc/channels/audit';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

/** The audit trail view: list, status, verify, each one line onto the audit trail service. */
export function auditHandlers({ auditTrail }: HostedEngine): HandlersFor<typeof auditChannels> {
  return {
    'audit:list': async (filter) => (await auditTrail()).list(filter),
    'audit:status': async () => (await auditTrail()).status(),
    'audit:verify': async ({ from, to }) => (await auditTrail()).verify({ from: from ?? null, to: to ?? null }),
  };
}
