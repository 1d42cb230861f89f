import { createHash } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../../electron/db/migrate';
import { migrations } from '../../../../../electron/db/migrations';
import { createReviewJournalRepository } from '../../../../../electron/db/repositories/review-journal-repository';
import type { ReviewJournalSeal } from '../../../../../electron/services/auth/credentials';
import { checkJournal, ReviewJournal, syncReviewJournal, type JournalSealStore } from '../../../../../electron/services/review/review-journal';
import { canonicalJson } from '../../../../../shared/canonical-json';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { officerActor } from '../../../../helpers/audit-actors';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';

const context = { sessionId: 's-1', reviewer: 'Dana Inspector (FCA)', osAccount: 'dana', hostname: 'review-pc', packPath: '/packs/p', packId: 'p-1', caseReference: 'FCA-2026-0042' };

/** The keychain's part (the real one is exercised by the integration tests). */
function sealStore(): JournalSealStore & { seal: ReviewJournalSeal | null } {
  const store = {
    seal: null as ReviewJournalSeal | null,
    loadReviewJournalSeal: async () => store.seal,
    saveReviewJournalSeal: async (seal: ReviewJournalSeal) => {
      store.seal = seal;
    },
  };
  return store;
}

/** A journal written by a Custody from before migration 0070: plain SHA-256 chain, no key. */
function legacyDatabase(): Database.Database {
  const db = new Database(':memory:');
  migrate(db, migrations.filter((m) => m.version <= 60));
  let prevHash = '0'.repeat(64);
  for (const [seq, action] of [[1, 'open'], [2, 'close']] as const) {
    const entry = { seq, ...context, time: new Date(Date.now() + seq).toISOString(), action, conversationId: null, recordingId: null, details: {}, prevHash };
    const hash = createHash('sha256').update(canonicalJson(entry)).digest('hex');
    db.prepare(
      `INSERT INTO review_journal (seq, session_id, time, reviewer, os_account, hostname, pack_path, pack_id, case_reference, action, conversation_id, recording_id, details_json, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, '{}', ?, ?)`,
    ).run(seq, context.sessionId, entry.time, context.reviewer, context.osAccount, context.hostname, context.packPath, context.packId, context.caseReference, action, prevHash, hash);
    prevHash = hash;
  }
  migrate(db);
  return db;
}

async function keyedJournal() {
  const db = legacyDatabase();
  const repository = createReviewJournalRepository(db);
  const seals = sealStore();
  const journal = await ReviewJournal.open({ repository, clock: new FakeClock(), seals });
  await journal.record(context, 'open');
  await journal.record(context, 'play', { conversationId: 'c-1', recordingId: 'r-1' });
  return { db, repository, seals, journal };
}

describe('the keyed review journal', () => {
  it('seals a journal from before the key on first use and chains keyed entries after it', async () => {
    const { repository, seals } = await keyedJournal();
    const entries = await repository.list();
    expect(entries.map((e) => e.keyed)).toEqual([false, false, true, true]);
    expect(seals.seal).toMatchObject({ legacyThrough: 2, headSeq: 4, headHash: entries[3]!.hash });
    expect(checkJournal(entries, seals.seal)).toMatchObject({ alterations: [], brokenAtSeq: null, legacyEntries: 2 });
  });

  it('detects deleted last entries, and then refuses to journal until the alteration is reported', async () => {
    const { db, repository, seals, journal } = await keyedJournal();
    db.prepare('DELETE FROM review_journal WHERE seq = 4').run();
    expect(checkJournal(await repository.list(), seals.seal)).toMatchObject({ brokenAtSeq: 4, alterations: [expect.stringMatching(/ends at entry 3 .* entries 4 to 4 were deleted/)] });
    await expect(journal.record(context, 'close')).rejects.toThrow(/altered/);
    await expect(ReviewJournal.open({ repository, clock: new FakeClock(), seals })).rejects.toThrow(/altered/);
    expect((await repository.list()).length).toBe(3);
  });

  it('detects a keyed entry rewritten as an unkeyed one, and an edited entry, without the key', async () => {
    const { db, repository, seals } = await keyedJournal();
    const third = (await repository.list())[2]!;
    const { hash: _h, syncedEventId: _s, syncedMs: _m, rejectedReason: _r, keyed: _k, ...legacy } = third;
    db.prepare('UPDATE review_journal SET keyed = 0, hash = ? WHERE seq = 3').run(createHash('sha256').update(canonicalJson(legacy)).digest('hex'));
    expect(checkJournal(await repository.list(), seals.seal)).toMatchObject({ brokenAtSeq: 3, alterations: [expect.stringMatching(/entry 3 was rewritten without the journal key/)] });

    const other = await keyedJournal();
    other.db.prepare("UPDATE review_journal SET recording_id = 'r-2' WHERE seq = 4").run();
    const check = checkJournal(await other.repository.list(), other.seals.seal);
    expect(check).toMatchObject({ brokenAtSeq: 4, alterations: [expect.stringMatching(/entry 4 was edited or forged/)] });
    expect([...check.authentic]).toEqual([1, 2, 3]);
  });

  it('a missing key and head with keyed entries is an alteration, never a fresh start', async () => {
    const { repository, seals } = await keyedJournal();
    seals.seal = null;
    expect(checkJournal(await repository.list(), null).alterations).toEqual([expect.stringMatching(/missing from the keychain/)]);
    await expect(ReviewJournal.open({ repository, clock: new FakeClock(), seals })).rejects.toThrow(/missing from the keychain/);
  });
});

describe("a regulator's seeks and transcript reads", () => {
  it('are journaled in a journal from before they existed, and reach the WORM log as seek and transcript events', async () => {
    const { repository, seals, journal } = await keyedJournal();
    await journal.record(context, 'seek', { conversationId: 'c-1', recordingId: 'r-1', details: { positionMs: 61_500, playJournalSeq: 4 } });
    await journal.record(context, 'transcript', { conversationId: 'c-1', recordingId: 'r-1', details: { phrases: 12 } });
    const entries = await repository.list();
    expect(entries.map((e) => e.action)).toEqual(['open', 'close', 'open', 'play', 'seek', 'transcript']);
    expect(checkJournal(entries, seals.seal).alterations).toEqual([]);

    const audit = new FakeAuditWriter();
    const report = await syncReviewJournal({
      repository,
      seals,
      audit,
      actor: await officerActor(),
      loggedEvents: async function* () {},
      clock: new FakeClock(),
      logger: new MemoryLogger(),
    });
    expect(report).toMatchObject({ written: 6, rejected: 0, chainIntact: true });
    expect(audit.events.map((e) => e.action)).toEqual(['preview', 'preview', 'preview', 'play', 'seek', 'transcript']);
    // Where the audit trail reads an officer's seek position, with the journal entry it came from.
    expect(audit.events[4]).toMatchObject({ recordingId: 'r-1', details: { positionMs: 61_500, review: { entry: 'seek', journalSeq: 5, playJournalSeq: 4, reviewer: context.reviewer } } });
    expect(audit.events[5]).toMatchObject({ details: { review: { entry: 'transcript', phrases: 12 } } });
  });
});
