import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createReviewJournalRepository } from '../../../electron/db/repositories/review-journal-repository';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../../../electron/services/auth/credentials';
import { SecretRedactor } from '../../../electron/services/logging/redactor';
import { readEventChain } from '../../helpers/read-event-chain';
import { composeReview } from '../../../electron/services/composition/compose-review';
import { verifyPack } from '../../../electron/services/packs/pack-verifier';
import { syncJournalOf, syncPendingReviewJournal } from '../../../electron/services/review/sync-on-start';
import { shareAtRestKeys, startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { runCli } from '../../helpers/run-cli';

let h: Harness;
let zipPack: string;
let recordingId: string;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  const call = uniqueTradingCall(h.sandbox);
  recordingId = call.recording.id;
  zipPack = join(h.root, 'review.zip');
  await h.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: zipPack, zip: true });
  // `custody review` opens the same (encrypted) index for its journal.
  forgetKeys = await shareAtRestKeys(h, cliSecrets);
});
// The harness's engine keeps its secrets under a test service name; review sessions use the same one.
const testSecrets = createKeyringSecretStore('custody-test');
const cliSecrets = createKeyringSecretStore();
let forgetKeys: (() => Promise<void>) | undefined;
afterAll(async () => {
  await cliSecrets.delete(`${h.profile}/review-journal`);
  await forgetKeys?.();
  await h?.close();
});

const review = (reviewer = 'Dana Inspector (FCA)') =>
  composeReview({ profile: h.profile, env: h.env, packPath: zipPack, reviewer, mediaUrlBase: 'media://recording/', secrets: testSecrets });

describe('a review session on a zipped pack, offline', () => {
  it('plays from the verified zip, journals before each access, and the journal reaches the WORM log at the next normal start', async () => {
    const session = await review();
    const info = session.review.info();
    expect(info).toMatchObject({ mode: 'review', operator: { name: 'Dana Inspector (FCA)' }, review: { tampered: false, caseReference: 'FCA-2026-0042' } });
    const grant = await session.review.authorizePlayback(recordingId);
    expect(grant.mediaUrl).toMatch(/^media:\/\/recording\/.+\?grant=/);
    const served = session.grants.use(new URL(grant.mediaUrl).searchParams.get('grant')!, recordingId)!;
    expect((await stat(served.path)).size).toBe(grant.bytes);
    await expect(session.review.authorizePlayback('not-in-pack')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await session.close();
    // The extracted copy is gone with the session.
    await expect(stat(served.path)).rejects.toThrow();

    const first = await syncPendingReviewJournal(h.composed);
    expect(first).toMatchObject({ written: 3, failed: 0, chainIntact: true });
    expect(await syncPendingReviewJournal(h.composed)).toBeNull();
    const reviewEvents = [];
    for await (const e of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) if (e.details.review) reviewEvents.push(e);
    expect(reviewEvents.map((e) => (e.details.review as { entry: string }).entry)).toEqual(['open', 'play', 'close']);
  });

  it('a sync cut short after the write does not write twice; an edited journal entry is reported', async () => {
    const session = await review('Second Reviewer');
    await session.review.recordView(recordingId);
    await session.close();
    const repository = createReviewJournalRepository(h.composed.db);
    const pending = (await repository.list()).filter((e) => e.syncedEventId === null);
    expect(pending.map((e) => e.action)).toEqual(['open', 'view', 'close']);
    // Simulate a crash between the WORM write and marking the entry synced.
    await syncJournalOf(h.composed);
    h.composed.db.prepare('UPDATE review_journal SET synced_event_id = NULL, synced_ms = NULL WHERE seq = ?').run(pending[1]!.seq);
    const again = await syncJournalOf(h.composed);
    expect(again).toMatchObject({ written: 0, alreadyInLog: 1, chainIntact: true });

    h.composed.db.prepare("UPDATE review_journal SET reviewer = 'Someone Else' WHERE seq = ?").run(pending[0]!.seq);
    const tampered = await syncJournalOf(h.composed);
    expect(tampered).toMatchObject({ chainIntact: false, brokenAtSeq: pending[0]!.seq });
  });

  it('custody review opens the pack headless (the keychain only for the journal key, no credential), saves a screenshot and exits 0', async () => {
    // The CLI reads the app's own keychain service: give it this journal's key and head.
    const seal = await new CredentialVault(testSecrets, h.profile, new SecretRedactor()).loadReviewJournalSeal();
    await new CredentialVault(cliSecrets, h.profile, new SecretRedactor()).saveReviewJournalSeal(seal!);
    const screenshot = join(h.root, 'review.png');
    const env = { CUSTODY_CONFIG_DIR: h.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: h.env.CUSTODY_DATA_DIR, DISPLAY: '' };
    // The firm's key, pinned as a regulator does: this keychain holds no installation key to vouch for the pack.
    const { signingKeyId } = await verifyPack(zipPack);
    const run = await runCli(['review', zipPack, '--reviewer', 'Dana Inspector (FCA)', '--trusted-key', signingKeyId!, '--screenshot', screenshot, '--json', '--profile', h.profile], {
      env,
      timeoutMs: 120_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ session: { reviewer: 'Dana Inspector (FCA)', tampered: false }, screenshot });
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
    // No Genesys or WORM credential in the CLI's keychain service: the review did not need one.
    expect(await cliSecrets.get(`${h.profile}/genesys`)).toBeNull();
    expect(await cliSecrets.get(`${h.profile}/worm`)).toBeNull();
  });

  it('without a keychain, a review refuses to open: its journal could not be keyed', async () => {
    const before = (await createReviewJournalRepository(h.composed.db).list()).length;
    const run = await runCli(['review', zipPack, '--reviewer', 'Dana Inspector (FCA)', '--headless', '--profile', h.profile], {
      env: { CUSTODY_CONFIG_DIR: h.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: h.env.CUSTODY_DATA_DIR, DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
      timeoutMs: 120_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/keychain/i);
    expect((await createReviewJournalRepository(h.composed.db).list()).length).toBe(before);
  });

  it('refuses a session without a reviewer name', async () => {
    await expect(review(' ')).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
