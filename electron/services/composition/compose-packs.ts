import type { Logger } from '../../../shared/logger';
import type { Db } from '../../db/connection';
import type { IndexRepository } from '../../db/repositories/index-repository';
import { createReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import type { EventHub } from '../events';
import { PackBuilder, type PackBuilderDeps } from '../packs/pack-builder';
import { PackService } from '../packs/pack-service';
import type { Clock } from '../ports';
import type { AuditDomain } from './compose-audit';
import type { Identity } from './compose-base';

/** Evidence packs: built from the engine's audited exports, proved against the audit domain's log and signed with its key. */
export function composePacks(
  deps: Identity & {
    engine: PackBuilderDeps['engine'];
    index: IndexRepository;
    audit: Pick<AuditDomain, 'writer' | 'store' | 'trail' | 'signingKey'>;
    db: Db;
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
      findRecording: (recordingId) => deps.index.findRecording(recordingId),
      audit: audit.writer,
      auditStore: audit.store,
      checkpointNow: async () => (await audit.trail()).checkpointNow(),
      signingKey: audit.signingKey,
      operator: deps.operator,
      workstation: deps.workstation,
      clock,
      logger: deps.logger.child('packs'),
      events: deps.events,
    }),
    repository: createReviewJournalRepository(deps.db),
    packsDir: deps.packsDir,
    clock,
  });
}
