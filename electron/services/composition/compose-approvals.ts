import type { Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import { ApprovalService } from '../approvals/approval-service';
import { ApprovalStore } from '../approvals/approval-store';
import type { OfficerSession } from '../auth/officer';
import type { Profile } from '../config/profile';
import type { Clock } from '../ports';
import type { AuditDomain } from './compose-audit';
import { lazy } from './lazy';

/** Four-eyes approvals of a profile: requests and approvals in its audit bucket, with its audit log's retention. */
export function composeApprovals(deps: {
  profile: Pick<Profile, 'approvals'>;
  audit: Pick<AuditDomain, 'log' | 'writer'>;
  officer: OfficerSession;
  workstation: Workstation;
  clock: Clock;
  logger: Logger;
}): ApprovalService {
  const logger = deps.logger.child('approvals');
  return new ApprovalService({
    store: lazy(async () => {
      const { s3, bucket, retention } = await deps.audit.log();
      return new ApprovalStore({ s3, bucket, retention, logger });
    }),
    audit: deps.audit.writer,
    officer: deps.officer,
    workstation: deps.workstation,
    settings: deps.profile.approvals,
    clock: deps.clock,
    logger,
  });
}
