import type { Logger } from '../../../shared/logger';
import type { ApprovalService } from '../approvals/approval-service';
import type { AuditWriter } from '../audit/audit-writer';
import { BulkJobs } from '../bulk/bulk-jobs';
import type { EventHub } from '../events';
import type { Clock, HttpClient, Random } from '../ports';
import type { ProfileRepositories } from './compose-base';
import type { GenesysConnection } from './compose-genesys';

/** Bulk retrieval jobs of a profile; a job Genesys blocked on credentials reconnects the Genesys domain before it resumes. */
export function composeJobs(deps: {
  repositories: Pick<ProfileRepositories, 'index' | 'jobs'>;
  audit: () => Promise<AuditWriter>;
  approvals: ApprovalService;
  genesys: Pick<GenesysConnection, 'services' | 'reconnect'>;
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
    genesys: deps.genesys.services,
    reconnect: deps.genesys.reconnect,
    http: deps.http,
    clock: deps.clock,
    random: deps.random,
    logger: deps.logger.child('jobs'),
    events: deps.events,
    exportsDir: deps.exportsDir,
  });
}
