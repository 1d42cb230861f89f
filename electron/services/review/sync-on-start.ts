import type { Logger } from '../../../shared/logger';
import type { ReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import { readAuditLog } from '../audit/audit-log';
import type { AuditWriter } from '../audit/audit-writer';
import type { PackAuditStore } from '../packs/pack-builder';
import type { Clock } from '../ports';
import { journalNeedsSync, syncReviewJournal, type JournalSealStore, type ReconciliationReport } from './review-journal';

/** What writing the review journal to the WORM log uses: the journal, its key in the keychain, and the audit log. */
export type JournalSyncDeps = {
  repositories: { reviewJournal: ReviewJournalRepository };
  vault: JournalSealStore;
  audit: { writer: () => Promise<AuditWriter>; store: () => Promise<PackAuditStore> };
  clock: Clock;
  logger: Logger;
};

/** Writes the profile's unsynced review journal to its WORM audit log (`custody review sync-journal`). */
export async function syncJournalOf(deps: JournalSyncDeps): Promise<ReconciliationReport> {
  const audit = await deps.audit.writer();
  const store = await deps.audit.store();
  return syncReviewJournal({
    repository: deps.repositories.reviewJournal,
    seals: deps.vault,
    audit,
    loggedEvents: () => readAuditLog(store.s3, store.bucket, store.logId),
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
