import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../shared/logger';
import { AnnotationService } from '../annotations/annotation-service';
import type { OfficerSession } from '../auth/officer';
import type { MediaCache } from '../cache/media-cache';
import type { Clock } from '../ports';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';

/** Officers' annotations: stored in the profile index after their 'annotate' events are in the WORM log. */
export function composeAnnotations(deps: {
  repositories: Pick<ProfileRepositories, 'annotations' | 'index'>;
  cache: MediaCache;
  audit: Pick<AuditDomain, 'writer'>;
  officer: OfficerSession;
  clock: Clock;
  logger: Logger;
}): AnnotationService {
  return new AnnotationService({
    annotations: deps.repositories.annotations,
    index: deps.repositories.index,
    cachedDurationMs: async (recordingId) => {
      const media = await deps.cache.get(recordingId);
      return media ? ((await deps.cache.analysis(media)).wav?.durationMs ?? null) : null;
    },
    audit: deps.audit.writer,
    officer: deps.officer,
    clock: deps.clock,
    logger: deps.logger.child('annotations'),
    newId: randomUUID,
  });
}
