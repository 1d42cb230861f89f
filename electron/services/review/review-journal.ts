import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { canonicalJson } from '../../../shared/canonical-json';
import { caseReferenceSchema, type AuditEvent } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { JournalAction, JournalEntry, ReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import type { AuditWriter } from '../custody-engine';
import { describeCause } from '../errors';
import type { Clock } from '../ports';

const genesis = '0'.repeat(64);

/** The fields a journal entry's hash covers (everything but the hash and the sync state). */
function hashOf(entry: Omit<JournalEntry, 'hash' | 'syncedEventId' | 'syncedMs'>): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}

export type JournalContext = {
  sessionId: string;
  reviewer: string;
  osAccount: string;
  hostname: string;
  packPath: string;
  packId: string | null;
  caseReference: string | null;
};

/**
 * The review workstation's local journal: each access is appended (hash-chained, in SQLite with a
 * synchronous commit) BEFORE it happens, as the WORM log would be written online.
 */
export class ReviewJournal {
  constructor(private readonly deps: { repository: ReviewJournalRepository; clock: Clock }) {}

  async record(
    context: JournalContext,
    action: JournalAction,
    subject: { conversationId?: string | null; recordingId?: string | null; details?: Record<string, unknown> } = {},
  ): Promise<JournalEntry> {
    return this.deps.repository.append((previous) => {
      const unhashed = {
        seq: (previous?.seq ?? 0) + 1,
        ...context,
        time: new Date(this.deps.clock.now()).toISOString(),
        action,
        conversationId: subject.conversationId ?? null,
        recordingId: subject.recordingId ?? null,
        details: subject.details ?? {},
        prevHash: previous?.hash ?? genesis,
      };
      return { ...unhashed, hash: hashOf(unhashed) };
    });
  }
}

export type SyncOutcome = 'written' | 'already-in-log' | 'failed' | 'not-attempted';

export type ReconciliationReport = {
  entries: number;
  pendingBefore: number;
  written: number;
  alreadyInLog: number;
  failed: number;
  /** The local chain recomputed from the first entry: false when an entry was edited or removed. */
  chainIntact: boolean;
  brokenAtSeq: number | null;
  items: Array<{ seq: number; action: JournalAction; time: string; reviewer: string; recordingId: string | null; outcome: SyncOutcome; auditEventId: string | null; error?: string }>;
};

/**
 * Writes the journal's unsynced entries to the central WORM audit log (a play as 'play', every
 * other entry as 'preview' with details.review saying what it was) and reports how the journal and
 * the log reconcile. Entries already in the log (a sync cut short after the write) are recognised
 * by their journal hash and not written twice.
 */
export async function syncReviewJournal(deps: {
  repository: ReviewJournalRepository;
  audit: AuditWriter;
  /** The events of this installation's log, to recognise entries written by an earlier, interrupted sync. */
  loggedEvents: () => AsyncIterable<AuditEvent>;
  clock: Clock;
  logger: Logger;
}): Promise<ReconciliationReport> {
  const entries = await deps.repository.list();
  const report: ReconciliationReport = {
    entries: entries.length,
    pendingBefore: entries.filter((e) => e.syncedEventId === null).length,
    written: 0,
    alreadyInLog: 0,
    failed: 0,
    chainIntact: true,
    brokenAtSeq: null,
    items: [],
  };
  let previous = genesis;
  for (const entry of entries) {
    const { hash, syncedEventId: _s, syncedMs: _m, ...unhashed } = entry;
    if (entry.prevHash !== previous || hashOf(unhashed) !== hash) {
      report.chainIntact = false;
      report.brokenAtSeq = entry.seq;
      break;
    }
    previous = hash;
  }
  const pending = entries.filter((e) => e.syncedEventId === null);
  if (pending.length === 0) return report;
  const inLog = new Map<string, string>();
  for await (const event of deps.loggedEvents()) {
    const review = event.details.review as { journalHash?: unknown } | undefined;
    if (typeof review?.journalHash === 'string') inLog.set(review.journalHash, event.eventId);
  }
  let stop: string | null = null;
  for (const entry of pending) {
    const item = { seq: entry.seq, action: entry.action, time: entry.time, reviewer: entry.reviewer, recordingId: entry.recordingId };
    if (stop) {
      report.items.push({ ...item, outcome: 'not-attempted', auditEventId: null, error: stop });
      continue;
    }
    const existing = inLog.get(entry.hash);
    if (existing) {
      await deps.repository.markSynced(entry.seq, existing, deps.clock.now());
      report.alreadyInLog += 1;
      report.items.push({ ...item, outcome: 'already-in-log', auditEventId: existing });
      continue;
    }
    try {
      const caseReference = caseReferenceSchema.safeParse(entry.caseReference);
      const event = await deps.audit.append({
        action: entry.action === 'play' ? 'play' : 'preview',
        conversationId: entry.conversationId,
        recordingId: entry.recordingId,
        caseReference: caseReference.success ? caseReference.data : null,
        details: {
          review: {
            entry: entry.action,
            journalSeq: entry.seq,
            journalHash: entry.hash,
            journalChainIntact: report.chainIntact,
            sessionId: entry.sessionId,
            reviewer: entry.reviewer,
            osAccount: entry.osAccount,
            hostname: entry.hostname,
            localTime: entry.time,
            packId: entry.packId,
            pack: basename(entry.packPath),
            ...entry.details,
          },
        },
      });
      await deps.repository.markSynced(entry.seq, event.eventId, deps.clock.now());
      report.written += 1;
      report.items.push({ ...item, outcome: 'written', auditEventId: event.eventId });
    } catch (error) {
      // Order matters in a chained log: stop at the first failure and leave the rest for the next sync.
      stop = describeCause(error);
      report.failed += 1;
      report.items.push({ ...item, outcome: 'failed', auditEventId: null, error: stop });
      deps.logger.warn('review journal sync stopped', { seq: entry.seq, cause: stop });
    }
  }
  return report;
}
