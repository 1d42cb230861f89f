import type { Logger } from '../../../shared/logger';
import type { ApprovalService } from '../approvals/approval-service';
import type { EventHub } from '../events';
import { PackBuilder, type PackBuilderDeps } from '../packs/pack-builder';
import { PackService } from '../packs/pack-service';
import type { Clock } from '../ports';
import type { AuditDomain } from './compose-audit';
import type { Identity, ProfileRepositories } from './compose-base';

/** Evidence packs: built from the engine's audited exports, proved against the audit domain's log and signed with its key. */
export function composePacks(
  deps: Identity & {
    engine: PackBuilderDeps['engine'];
    knownMediaSha256: PackBuilderDeps['knownMediaSha256'];
    repositories: Pick<ProfileRepositories, 'index' | 'reviewJournal'>;
    audit: Pick<AuditDomain, 'writer' | 'log' | 'signingKey'>;
    approvals: ApprovalService;
    packsDir: string;
    clock: Clock;
    logger: Logger;
    events: EventHub;
  },
): PackService {
  const { audit, clock } = deps;
  return new PackService({
    builder: new PackBuilder({
      engine: deps.engine,
      findRecording: (recordingId) => deps.repositories.index.findRecording(recordingId),
      knownMediaSha256: deps.knownMediaSha256,
      audit: audit.writer,
      auditLog: audit.log,
      signingKey: audit.signingKey,
      operator: deps.operator,
      workstation: deps.workstation,
      clock,
      logger: deps.logger.child('packs'),
      events: deps.events,
    }),
    repository: deps.repositories.reviewJournal,
    packsDir: deps.packsDir,
    clock,
    approvals: deps.approvals,
  });
}
