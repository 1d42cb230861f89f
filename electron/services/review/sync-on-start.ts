import { createReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import { readAuditLog } from '../audit/audit-log';
import type { ComposedEngine } from '../composition';
import { journalNeedsSync, syncReviewJournal, type ReconciliationReport } from './review-journal';

/** Writes the profile's unsynced review journal to its WORM audit log (`custody review sync-journal`). */
export async function syncJournalOf(composed: ComposedEngine): Promise<ReconciliationReport> {
  const audit = await composed.audit();
  const store = await composed.auditStore();
  return syncReviewJournal({
    repository: createReviewJournalRepository(composed.db),
    seals: composed.vault,
    audit,
    loggedEvents: () => readAuditLog(store.s3, store.bucket, store.logId),
    clock: { now: () => Date.now(), sleep: async () => undefined },
    logger: composed.logger.child('review-sync'),
  });
}

/**
 * At a normal start: when review sessions journaled accesses while offline, or the journal was
 * altered, write that to the WORM log now. Resolves null when there is nothing to write; never
 * throws (the next start tries again).
 */
export async function syncPendingReviewJournal(composed: ComposedEngine): Promise<ReconciliationReport | null> {
  try {
    if (!(await journalNeedsSync(createReviewJournalRepository(composed.db), composed.vault))) return null;
    const report = await syncJournalOf(composed);
    composed.logger.info('review journal written to the WORM log at start', { written: report.written, alreadyInLog: report.alreadyInLog, rejected: report.rejected, failed: report.failed, chainIntact: report.chainIntact });
    return report;
  } catch (error) {
    composed.logger.warn('review journal could not be written to the WORM log at start; it stays pending', { cause: (error as Error).message });
    return null;
  }
}
