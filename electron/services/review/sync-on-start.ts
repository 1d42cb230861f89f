import type { Logger } from '../../../shared/logger';
import type { ReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditModule } from '../audit/audit-module';
import type { Clock } from '../ports';
import { journalNeedsSync, syncReviewJournal, type JournalSealStore, type ReconciliationReport } from './review-journal';

/** What writing the review journal to the WORM log uses: the journal, its key in the keychain, and the audit log. */
export type JournalSyncDeps = {
  repositories: { reviewJournal: ReviewJournalRepository };
  vault: JournalSealStore;
  audit: { log: () => Promise<Pick<AuditModule, 'writer' | 'mirror'>>; actors: Pick<AuditActors, 'service'> };
  clock: Clock;
  logger: Logger;
};

/** Writes the profile's unsynced review journal to its WORM audit log (`custody review sync-journal`). */
export async function syncJournalOf(deps: JournalSyncDeps): Promise<ReconciliationReport> {
  const { writer, mirror } = await deps.audit.log();
  return syncReviewJournal({
    repository: deps.repositories.reviewJournal,
    seals: deps.vault,
    audit: writer,
    // Bookkeeping of what a regulator did on site, not an officer's access: the service account writes it.
    actor: await deps.audit.actors.service(),
    // Entries an earlier, interrupted sync already wrote: from the mirror (caught up), not a scan of the bucket.
    loggedEvents: () => mirror.eventsWithDetail('review.journalHash'),
    clock: deps.clock,
    logger: deps.logger.child('review-sync'),
  });
}

/**
 * At a normal start: when review sessions journaled accesses while offline, or the journal was
 * altered, write that to the WORM log now. Resolves null when there is nothing to write; never
 * throws (the next start tries again).
 */
export async function syncPendingReviewJournal(deps: JournalSyncDeps): Promise<ReconciliationReport | null> {
  try {
    if (!(await journalNeedsSync(deps.repositories.reviewJournal, deps.vault))) return null;
    const report = await syncJournalOf(deps);
    deps.logger.info('review journal written to the WORM log at start', { written: report.written, alreadyInLog: report.alreadyInLog, rejected: report.rejected, failed: report.failed, chainIntact: report.chainIntact });
    return report;
  } catch (error) {
    deps.logger.warn('review journal could not be written to the WORM log at start; it stays pending', { cause: (error as Error).message });
    return null;
  }
}
