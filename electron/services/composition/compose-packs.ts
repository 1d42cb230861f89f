import type { Logger } from '../../../shared/logger';
import type { ApprovalService } from '../approvals/approval-service';
import type { EventHub } from '../events';
import { PackBuilder, type PackBuilderDeps } from '../packs/pack-builder';
import { PackService } from '../packs/pack-service';
import type { Clock } from '../ports';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';

/** Evidence packs: built from the engine's audited exports, proved against the audit domain's log and signed with its key. */
export function composePacks(
  deps: {
    engine: PackBuilderDeps['engine'];
    knownMediaSha256: PackBuilderDeps['knownMediaSha256'];
    repositories: Pick<ProfileRepositories, 'index' | 'reviewJournal' | 'annotations'>;
    audit: Pick<AuditDomain, 'writer' | 'log' | 'signingKey' | 'actors'>;
    approvals: ApprovalService;
    packsDir: string;
    clock: Clock;
    logger: Logger;
    events: EventHub;
    transcriptOf?: PackBuilderDeps['transcriptOf'];
  },
): PackService {
  const { audit, clock } = deps;
  return new PackService({
    builder: new PackBuilder({
      engine: deps.engine,
      findRecording: (recordingId) => deps.repositories.index.findRecording(recordingId),
      annotationsOf: (recordingId) => deps.repositories.annotations.ofRecording(recordingId),
      knownMediaSha256: deps.knownMediaSha256,
      audit: audit.writer,
      actors: audit.actors,
      auditLog: audit.log,
      signingKey: audit.signingKey,
      clock,
      logger: deps.logger.child('packs'),
      events: deps.events,
      ...(deps.transcriptOf ? { transcriptOf: deps.transcriptOf } : {}),
    }),
    actors: audit.actors,
    repository: deps.repositories.reviewJournal,
    packsDir: deps.packsDir,
    clock,
    approvals: deps.approvals,
  });
}
