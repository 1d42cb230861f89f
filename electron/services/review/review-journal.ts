import { createHmac, randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { canonicalJson } from '../../../shared/canonical-json';
import { caseReferenceSchema, conversationIdSchema, recordingIdSchema, type AuditEvent } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { JournalAction, JournalEntry, JournalSyncState, ReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import { sha256Hex } from '../../crypto/sha256';
import type { CredentialVault, ReviewJournalSeal } from '../auth/credentials';
import type { AuditActor } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { AppError, describeCause } from '../errors';
import type { Clock } from '../ports';

const genesis = '0'.repeat(64);

type UnhashedEntry = Omit<JournalEntry, 'hash' | JournalSyncState>;

/** Where the journal's key and head live: the OS keychain, out of reach of an edit to the SQLite file. */
export type JournalSealStore = Pick<CredentialVault, 'loadReviewJournalSeal' | 'saveReviewJournalSeal'>;

/**
 * The hash an entry must carry: HMAC-SHA256 under the journal key over everything but the hash and
 * the sync state; entries from before the key (migration 0070) carry a plain SHA-256 without the
 * `keyed` field. Null when a keyed entry cannot be checked (no key).
 */
function hashOf(entry: UnhashedEntry, key: Buffer | null): string | null {
  if (entry.keyed) return key ? createHmac('sha256', key).update(canonicalJson(entry)).digest('hex') : null;
  const { keyed: _keyed, ...legacy } = entry;
  return sha256Hex(canonicalJson(legacy));
}

function unhashed(entry: JournalEntry): UnhashedEntry {
  const { hash: _h, syncedEventId: _s, syncedMs: _m, rejectedReason: _r, ...rest } = entry;
  return rest;
}

/** The seal made the first time the journal is keyed: a new key, and the unkeyed entries so far sealed under the head. */
function firstSeal(entries: ReadonlyArray<JournalEntry>): ReviewJournalSeal {
  const firstKeyed = entries.findIndex((e) => e.keyed);
  const legacy = firstKeyed === -1 ? entries : entries.slice(0, firstKeyed);
  const last = entries.at(-1);
  return {
    key: randomBytes(32).toString('base64'),
    headSeq: last?.seq ?? 0,
    headHash: last?.hash ?? genesis,
    legacyThrough: legacy.at(-1)?.seq ?? 0,
  };
}

/** What is wrong with the journal's newest entries against the keychain's head, or null. */
function headProblem(seal: ReviewJournalSeal, hashAtHead: string | null, lastSeq: number): string | null {
  if (seal.headSeq === 0) return null;
  if (hashAtHead === null) {
    return lastSeq < seal.headSeq
      ? `the journal ends at entry ${lastSeq} but its keyed head in the keychain records entry ${seal.headSeq}: entries ${lastSeq + 1} to ${seal.headSeq} were deleted`
      : `entry ${seal.headSeq}, recorded by the keyed head in the keychain, was deleted`;
  }
  return hashAtHead === seal.headHash ? null : `entry ${seal.headSeq} is not the one the keyed head in the keychain records: it was replaced`;
}

export type JournalCheck = {
  /** Every problem found, first one first; empty when the journal is intact. */
  alterations: Array<string>;
  brokenAtSeq: number | null;
  /** Seqs of the entries whose own hash verifies (they say what happened, even when the chain around them is broken). */
  authentic: Set<number>;
  legacyEntries: number;
};

/**
 * Recomputes the journal's chain from the first entry under the key, and checks its newest entries
 * against the keyed head: an entry edited, inserted or removed, or the last ones deleted, is found.
 */
export function checkJournal(entries: ReadonlyArray<JournalEntry>, seal: ReviewJournalSeal | null): JournalCheck {
  const key = seal ? Buffer.from(seal.key, 'base64') : null;
  const check: JournalCheck = { alterations: [], brokenAtSeq: null, authentic: new Set(), legacyEntries: 0 };
  const broken = (seq: number, problem: string) => {
    check.alterations.push(problem);
    check.brokenAtSeq ??= seq;
  };
  if (!seal && entries.some((e) => e.keyed)) broken(entries.find((e) => e.keyed)!.seq, 'the journal key and head are missing from the keychain: keyed entries cannot be verified');
  let previous = genesis;
  let keyedSeen = false;
  let chainBroken = false;
  for (const entry of entries) {
    const legacyAllowed = !entry.keyed && !keyedSeen && entry.seq <= (seal?.legacyThrough ?? Number.MAX_SAFE_INTEGER);
    if (!entry.keyed) check.legacyEntries += 1;
    keyedSeen ||= entry.keyed;
    const ownHashOk = (entry.keyed || legacyAllowed) && hashOf(unhashed(entry), key) === entry.hash;
    if (ownHashOk) check.authentic.add(entry.seq);
    if (!chainBroken && seal) {
      if (!ownHashOk) {
        chainBroken = true;
        broken(entry.seq, entry.keyed || legacyAllowed ? `entry ${entry.seq} was edited or forged: its hash does not verify` : `entry ${entry.seq} was rewritten without the journal key`);
      } else if (entry.prevHash !== previous) {
        chainBroken = true;
        broken(entry.seq, `entry ${entry.seq} does not follow the entry before it: an entry was removed or inserted`);
      }
    }
    previous = entry.hash;
  }
  if (seal) {
    const lastSeq = entries.at(-1)?.seq ?? 0;
    const problem = headProblem(seal, entries.find((e) => e.seq === seal.headSeq)?.hash ?? null, lastSeq);
    if (problem) broken(Math.min(seal.headSeq, lastSeq + 1), problem);
  }
  return check;
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

type JournalDeps = { repository: ReviewJournalRepository; clock: Clock; seals: JournalSealStore };

/**
 * The review workstation's local journal: each access is appended (chained with HMAC-SHA256 under a
 * key from the OS keychain, in SQLite with a synchronous commit) BEFORE it happens, as the WORM log
 * would be written online. The keychain also holds the journal's head, so that deleting its last
 * entries is detected; a journal altered since the last append takes no new entry until
 * `review sync-journal` has reported it to the WORM log.
 */
export class ReviewJournal {
  private constructor(
    private readonly deps: JournalDeps,
    private seal: ReviewJournalSeal,
  ) {}

  static async open(deps: JournalDeps): Promise<ReviewJournal> {
    let seal = await deps.seals.loadReviewJournalSeal();
    if (!seal) {
      const entries = await deps.repository.list();
      if (entries.some((e) => e.keyed)) throw alteredError('the journal key and head are missing from the keychain');
      seal = firstSeal(entries);
      await deps.seals.saveReviewJournalSeal(seal);
    }
    const journal = new ReviewJournal(deps, seal);
    await journal.assertHeadIntact();
    return journal;
  }

  async record(
    context: JournalContext,
    action: JournalAction,
    subject: { conversationId?: string | null; recordingId?: string | null; details?: Record<string, unknown> } = {},
  ): Promise<JournalEntry> {
    await this.assertHeadIntact();
    const key = Buffer.from(this.seal.key, 'base64');
    const entry = await this.deps.repository.append((previous) => {
      const fields: UnhashedEntry = {
        seq: (previous?.seq ?? 0) + 1,
        ...context,
        time: new Date(this.deps.clock.now()).toISOString(),
        action,
        conversationId: subject.conversationId ?? null,
        recordingId: subject.recordingId ?? null,
        details: subject.details ?? {},
        prevHash: previous?.hash ?? genesis,
        keyed: true,
      };
      return { ...fields, hash: hashOf(fields, key)! };
    });
    // The access waits for the head too: an entry the head does not cover could be deleted unnoticed.
    this.seal = { ...this.seal, headSeq: entry.seq, headHash: entry.hash };
    await this.deps.seals.saveReviewJournalSeal(this.seal);
    return entry;
  }

  private async assertHeadIntact(): Promise<void> {
    const last = (await this.deps.repository.last())?.seq ?? 0;
    const problem = headProblem(this.seal, this.seal.headSeq === 0 ? null : await this.deps.repository.hashAt(this.seal.headSeq), last);
    if (problem) throw alteredError(problem);
  }
}

function alteredError(problem: string): AppError {
  return new AppError('VALIDATION', `The local review journal was altered (${problem}). Run "custody review sync-journal" to report it to the WORM audit log before reviewing.`);
}

export type SyncOutcome = 'written' | 'already-in-log' | 'rejected' | 'failed' | 'not-attempted';

export type ReconciliationReport = {
  entries: number;
  pendingBefore: number;
  written: number;
  alreadyInLog: number;
  /** Entries the WORM log got a rejection record for instead (a bad ID, a hash that does not verify). */
  rejected: number;
  failed: number;
  /** The local chain recomputed from the first entry and checked against the keychain's head: false when an entry was edited, removed or the last ones deleted. */
  chainIntact: boolean;
  brokenAtSeq: number | null;
  alterations: Array<string>;
  /** The WORM event recording the alteration (written once per alteration). */
  alterationEventId: string | null;
  /** Entries written before the journal was keyed (checked with their plain SHA-256 chain). */
  legacyEntries: number;
  items: Array<{ seq: number; action: JournalAction; time: string; reviewer: string; recordingId: string | null; outcome: SyncOutcome; auditEventId: string | null; error?: string }>;
};

/** Why the WORM log cannot take this entry as it is, or null. Pack-supplied IDs follow the IPC contract's rules. */
function entryProblem(entry: JournalEntry, check: JournalCheck): string | null {
  if (!check.authentic.has(entry.seq)) return 'its hash does not verify: the entry was altered or forged';
  if (!conversationIdSchema.nullable().safeParse(entry.conversationId).success) return 'its conversationId is not a conversation id';
  if (!recordingIdSchema.nullable().safeParse(entry.recordingId).success) return 'its recordingId is not a recording id';
  return null;
}

/**
 * Writes the journal's unsynced entries to the central WORM audit log (a play, seek or transcript
 * read as that action, every other entry as 'preview'; details.review says what it was) and reports how the journal and
 * the log reconcile. Entries already in the log (a sync cut short after the write) are recognised
 * by their journal hash and not written twice. An entry the log cannot take as it is gets a
 * rejection record instead and never holds back the entries after it. An altered journal is
 * written to the log once, then the head is sealed again over what remains.
 */
export async function syncReviewJournal(deps: {
  repository: ReviewJournalRepository;
  seals: JournalSealStore;
  audit: AuditWriter;
  /** Who writes the journal to the log: the service account (the reviewer is named in each entry). */
  actor: AuditActor;
  /** The events of this installation's log, to recognise entries written by an earlier, interrupted sync. */
  loggedEvents: () => AsyncIterable<AuditEvent>;
  clock: Clock;
  logger: Logger;
}): Promise<ReconciliationReport> {
  const entries = await deps.repository.list();
  let seal = await deps.seals.loadReviewJournalSeal();
  if (!seal && !entries.some((e) => e.keyed)) {
    seal = firstSeal(entries);
    await deps.seals.saveReviewJournalSeal(seal);
  }
  const check = checkJournal(entries, seal);
  const chainIntact = check.alterations.length === 0;
  const report: ReconciliationReport = {
    entries: entries.length,
    pendingBefore: entries.filter((e) => e.syncedEventId === null).length,
    written: 0,
    alreadyInLog: 0,
    rejected: 0,
    failed: 0,
    chainIntact,
    brokenAtSeq: check.brokenAtSeq,
    alterations: check.alterations,
    alterationEventId: null,
    legacyEntries: check.legacyEntries,
    items: [],
  };
  const last = entries.at(-1);
  // A head behind an intact journal (a crash between an entry's commit and its head) catches up.
  if (chainIntact && seal && last && last.seq > seal.headSeq) await deps.seals.saveReviewJournalSeal({ ...seal, headSeq: last.seq, headHash: last.hash });
  const pending = entries.filter((e) => e.syncedEventId === null);
  if (pending.length === 0 && chainIntact) return report;
  const inLog = new Map<string, string>();
  for await (const event of deps.loggedEvents()) {
    const review = event.details.review as { journalHash?: unknown } | undefined;
    if (typeof review?.journalHash === 'string') inLog.set(review.journalHash, event.eventId);
  }
  let stop: string | null = null;
  const failed = (error: unknown, seq: number | null) => {
    // Order matters in a chained log: stop at the first failure of the log itself and leave the rest for the next sync.
    stop = describeCause(error);
    report.failed += 1;
    deps.logger.warn('review journal sync stopped', { seq, cause: stop });
  };

  if (!chainIntact) {
    const alterationHash = sha256Hex(canonicalJson({ alterations: check.alterations, brokenAtSeq: check.brokenAtSeq }));
    try {
      report.alterationEventId =
        inLog.get(alterationHash) ??
        (
          await deps.audit.append({
            action: 'preview',
            details: { review: { entry: 'journal-altered', journalHash: alterationHash, alterations: check.alterations, brokenAtSeq: check.brokenAtSeq, journalEntries: entries.length } },
          }, deps.actor)
        ).eventId;
      // Reported: seal the head again over what remains, so the next review can journal (and a further deletion is caught).
      const resealed = seal ?? firstSeal(entries);
      await deps.seals.saveReviewJournalSeal({ ...resealed, headSeq: last?.seq ?? 0, headHash: last?.hash ?? genesis });
    } catch (error) {
      failed(error, null);
    }
  }

  for (const entry of pending) {
    // What an entry that does not verify says about itself is not shown (it may be anything, terminal escapes included).
    const item = check.authentic.has(entry.seq)
      ? { seq: entry.seq, action: entry.action, time: entry.time, reviewer: entry.reviewer, recordingId: entry.recordingId }
      : { seq: entry.seq, action: entry.action, time: '?', reviewer: '?', recordingId: null };
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
    let problem = entryProblem(entry, check);
    try {
      if (problem === null) {
        try {
          const event = await deps.audit.append(auditEventOf(entry, chainIntact), deps.actor);
          await deps.repository.markSynced(entry.seq, event.eventId, deps.clock.now());
          report.written += 1;
          report.items.push({ ...item, outcome: 'written', auditEventId: event.eventId });
          continue;
        } catch (error) {
          if (!(error instanceof AppError && error.code === 'VALIDATION')) throw error;
          problem = `the WORM log refused it: ${error.message}`;
        }
      }
      // Only what the journal itself vouches for: none of the entry's own fields, which are what failed.
      const rejection = await deps.audit.append({
        action: 'preview',
        details: { review: { entry: entry.action, rejected: problem, journalSeq: entry.seq, journalHash: entry.hash, journalChainIntact: chainIntact } },
      }, deps.actor);
      await deps.repository.markSynced(entry.seq, rejection.eventId, deps.clock.now(), problem);
      report.rejected += 1;
      report.items.push({ ...item, recordingId: null, outcome: 'rejected', auditEventId: rejection.eventId, error: problem });
      deps.logger.warn('review journal entry rejected', { seq: entry.seq, problem });
    } catch (error) {
      failed(error, entry.seq);
      report.items.push({ ...item, outcome: 'failed', auditEventId: null, error: stop! });
    }
  }
  return report;
}

/** The WORM action of a journal entry: the officer's own action where there is one. */
const auditActionOf: Record<JournalAction, 'play' | 'seek' | 'transcript' | 'preview'> = {
  open: 'preview',
  view: 'preview',
  play: 'play',
  seek: 'seek',
  transcript: 'transcript',
  tamper: 'preview',
  close: 'preview',
};

function auditEventOf(entry: JournalEntry, chainIntact: boolean) {
  const caseReference = caseReferenceSchema.safeParse(entry.caseReference);
  return {
    action: auditActionOf[entry.action],
    conversationId: entry.conversationId,
    recordingId: entry.recordingId,
    caseReference: caseReference.success ? caseReference.data : null,
    details: {
      // Where the trail looks for an officer's seek position, so a reviewer's reads the same.
      ...(entry.action === 'seek' ? { positionMs: entry.details.positionMs } : {}),
      review: {
        entry: entry.action,
        journalSeq: entry.seq,
        journalHash: entry.hash,
        journalChainIntact: chainIntact,
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
  };
}

/** Whether a normal start has something to write: entries not yet in the log, or a head the journal no longer matches. */
export async function journalNeedsSync(repository: ReviewJournalRepository, seals: JournalSealStore): Promise<boolean> {
  const entries = await repository.list();
  if (entries.some((e) => e.syncedEventId === null)) return true;
  const seal = await seals.loadReviewJournalSeal();
  if (!seal) return entries.some((e) => e.keyed);
  return headProblem(seal, entries.find((e) => e.seq === seal.headSeq)?.hash ?? null, entries.at(-1)?.seq ?? 0) !== null;
}
