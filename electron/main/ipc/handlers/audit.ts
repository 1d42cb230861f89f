import type { auditChannels } from '../../../../shared/ipc/channels/audit';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

/** The audit trail view: list, status, verify every log, each one line onto the firm trail or this log's monitor. */
export function auditHandlers({ audit, profile }: HostedEngine): HandlersFor<typeof auditChannels> {
  return {
    // The firm's trail: every workstation's log in the bucket, each entry naming its log, each log's integrity.
    'audit:list': async (filter) => (await audit.firmTrail()).list(filter),
    'audit:status': async () => (await audit.log()).integrity.status(),
    // Every log, as `custody audit verify --all` (the same function); each log's reading and hashing runs in the verification worker.
    'audit:verify': async ({ from, to }) =>
      (await audit.firmTrail()).verifyAll({ from: from ?? null, to: to ?? null, cosignatures: { minCosignatures: profile.audit.witness.minCosignatures } }),
  };
}
