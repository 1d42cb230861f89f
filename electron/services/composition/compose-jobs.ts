import type { Logger } from '../../../shared/logger';
import type { ApprovalService } from '../approvals/approval-service';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import type { OfficerSession } from '../auth/officer';
import { BulkJobs } from '../bulk/bulk-jobs';
import type { EventHub } from '../events';
import type { Clock, HttpClient, Random } from '../ports';
import type { ProfileRepositories } from './compose-base';
import type { GenesysConnection } from './compose-genesys';

/**
 * Bulk retrieval jobs of a profile. An officer's job calls Genesys through her own connection (her
 * token, her rate budget); an unattended one through the service account's. A job Genesys blocked on
 * the service credentials reconnects the service connection before it resumes.
 */
export function composeJobs(deps: {
  repositories: Pick<ProfileRepositories, 'index' | 'jobs'>;
  audit: () => Promise<AuditWriter>;
  approvals: Pick<ApprovalService, 'requireApproval'>;
  actors: AuditActors;
  genesys: Pick<GenesysConnection, 'services' | 'forOfficer' | 'reconnect'>;
  officer: OfficerSession;
  exportsDir: string;
  http: HttpClient;
  clock: Clock;
  random: Random;
  logger: Logger;
  events: EventHub;
}): BulkJobs {
  return new BulkJobs({
    jobs: deps.repositories.jobs,
    index: deps.repositories.index,
    audit: deps.audit,
    approvals: deps.approvals,
    actors: deps.actors,
    genesys: async (runAs) => (runAs.kind === 'service' ? deps.genesys.services() : (await deps.genesys.forOfficer(runAs.officer)).services),
    officer: deps.officer,
    reconnect: deps.genesys.reconnect,
    http: deps.http,
    clock: deps.clock,
    random: deps.random,
    logger: deps.logger.child('jobs'),
    events: deps.events,
    exportsDir: deps.exportsDir,
  });
}
