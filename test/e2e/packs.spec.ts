import { cp, open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { syncJournalOf } from '../../electron/services/review/sync-on-start';
import { createReviewJournalRepository } from '../../electron/db/repositories/review-journal-repository';
import { hostReview } from '../../electron/main/review-host';
import { createKeyringSecretStore } from '../../electron/services/auth/adapters/keyring-secret-store';
import { readEventChain } from '../helpers/read-event-chain';
import { composeReview, type ComposedReview } from '../../electron/services/composition/compose-review';
import { bridgeHost, SHELL_MAX_RANGE_BYTES, SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { shareAtRestKeys, uniqueTradingCall, type Harness } from '../helpers/engine-harness';
import { verifyPack } from '../../electron/services/packs/pack-verifier';
import { expect, openApp, test } from './fixtures';
import type { Page } from '@playwright/test';
import type { SecretStore } from '../../electron/services/ports';

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

async function buildPack(harness: Harness, name: string): Promise<{ path: string; recordingId: string }> {
  const call = uniqueTradingCall(harness.sandbox);
  const path = join(harness.root, name);
  await harness.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: path });
  return { path, recordingId: call.recording.id };
}

/** `secrets`: the keychain the review finds trusted keys in; the harness's own holds the pack's signing key. */
async function openReview(page: Page, harness: Harness, packPath: string, reviewer: string, secrets: SecretStore = harness.secrets): Promise<ComposedReview> {
  const composed = await composeReview({ profile: harness.profile, env: harness.env, secrets, packPath, reviewer, mediaUrlBase: `${SHELL_ORIGIN}/media/recording/` });
  const bridge = await bridgeHost(page.context(), (ipc, emit) =>
    hostReview(composed, { ipc, emit, trustedOrigin: SHELL_ORIGIN, rendererDir, validateResponses: true, maxOpenRangeBytes: SHELL_MAX_RANGE_BYTES }),
  );
  await page.goto(bridge.appUrl);
  await page.getByTestId('review-workspace').waitFor();
  return composed;
}

test("a regulator reviews a pack on the app's player: watermark, two-channel waveform, speed, a journaled seek; the journal reaches the WORM log", async ({ page, harness }) => {
  const pack = await buildPack(harness, 'review-pack');
  const requests: Array<string> = [];
  page.on('request', (request) => requests.push(request.url()));
  const review = await openReview(page, harness, pack.path, 'Dana Inspector (FCA)');
  try {
    await expect(page.getByTestId('review-verification')).toHaveAttribute('data-verified', 'true');
    const watermark = page.getByTestId('watermark');
    await expect(watermark).toBeAttached();
    await expect(watermark.locator('.watermark__tile').first()).toContainText('Dana Inspector (FCA)');
    await expect(page.getByTestId('header-operator')).toContainText('Dana Inspector (FCA)');

    await page.getByTestId('review-row').first().click();
    await expect(page.getByTestId('review-trail').locator('tbody tr')).not.toHaveCount(0);
    await page.getByTestId('review-play').click();
    const audio = page.getByTestId('playback-audio');
    const currentTime = () => audio.evaluate((a) => (a as HTMLAudioElement).currentTime);
    await expect.poll(currentTime, { timeout: 20_000 }).toBeGreaterThan(1.5);
    // The app's player: the pack's stereo WAV as two lanes, agent and client.
    await expect(page.getByTestId('waveform')).toHaveAttribute('data-channels', '2');

    // Speed: twice as fast, pitch kept.
    await page.getByTestId('speed-select').selectOption('2');
    expect(await audio.evaluate((a) => [(a as HTMLAudioElement).playbackRate, (a as HTMLAudioElement).preservesPitch])).toEqual([2, true]);
    const [before, wallBefore] = [await currentTime(), Date.now()];
    await page.waitForTimeout(1_000);
    expect((await currentTime()) - before).toBeGreaterThan(((Date.now() - wallBefore) / 1000) * 1.5);

    // A seek is journaled before playback goes on from there, at the position actually reached.
    await page.getByTestId('play-button').click();
    await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).paused)).toBe(true);
    const from = await currentTime();
    await page.getByTestId('waveform').press('ArrowRight');
    const seekReceipt = page.getByTestId('review-seek-journal');
    await expect(seekReceipt).toBeVisible();
    const journaledMs = Number(await seekReceipt.getAttribute('data-position-ms'));
    expect(journaledMs).toBeCloseTo((from + 5) * 1000, -2);
    expect(Math.round((await currentTime()) * 1000)).toBe(journaledMs);
    const seekSeq = Number(await seekReceipt.getAttribute('data-journal-seq'));
    const seekEntry = (await createReviewJournalRepository(harness.composed.db).list()).find((e) => e.seq === seekSeq);
    expect(seekEntry).toMatchObject({ action: 'seek', recordingId: pack.recordingId, details: { positionMs: journaledMs } });
    await page.getByTestId('review-recording').screenshot({ path: 'test-results/screenshots/review-player.png' });

    // Read-only and offline: search and export are refused; the page reached nothing but the app itself.
    const refused = await page.evaluate(async () => {
      const ipc = (window as unknown as { custodyIpc: { invoke(c: string, r: unknown): Promise<{ ok: boolean; error?: { message: string } }> } }).custodyIpc;
      return [await ipc.invoke('packs:build', { recordingIds: ['x'] }), await ipc.invoke('recordings:search', { tradingId: 'T-1' })];
    });
    expect(refused.map((r) => r.ok)).toEqual([false, false]);
    expect(refused[0]!.error!.message).toMatch(/cannot export/);
    expect(requests.every((url) => url.startsWith(SHELL_ORIGIN))).toBe(true);
  } finally {
    await review.close();
  }

  const journal = await createReviewJournalRepository(harness.composed.db).list();
  expect(journal.map((e) => e.action)).toEqual(['open', 'view', 'play', 'seek', 'close']);
  expect(journal.every((e) => e.reviewer === 'Dana Inspector (FCA)' && e.syncedEventId === null)).toBe(true);

  const report = await syncJournalOf(harness.composed);
  expect(report).toMatchObject({ entries: 5, written: 5, failed: 0, chainIntact: true });
  const again = await syncJournalOf(harness.composed);
  expect(again).toMatchObject({ pendingBefore: 0, written: 0 });
  const logged = [];
  for await (const event of readEventChain(harness.s3, harness.bucket, harness.composed.profile.logId)) {
    if (event.details.review) logged.push(event);
  }
  expect(logged.map((e) => [e.action, (e.details.review as { entry: string }).entry])).toEqual([
    ['preview', 'open'],
    ['preview', 'view'],
    ['play', 'play'],
    ['seek', 'seek'],
    ['preview', 'close'],
  ]);
  expect(logged[2]).toMatchObject({ recordingId: pack.recordingId, caseReference: 'FCA-2026-0042', details: { review: { reviewer: 'Dana Inspector (FCA)' } } });
});

test('a tampered pack is shown as tampered when the review opens, and the tampering is journaled', async ({ page, harness }) => {
  const pack = await buildPack(harness, 'pack-to-tamper');
  const tampered = join(harness.root, 'tampered-pack');
  await cp(pack.path, tampered, { recursive: true });
  const handle = await open(join(tampered, 'data/index.csv'), 'r+');
  await handle.write(Buffer.from('X'), 0, 1, 3);
  await handle.close();
  const review = await openReview(page, harness, tampered, 'Dana Inspector (FCA)');
  try {
    const banner = page.getByTestId('review-verification');
    await expect(banner).toHaveAttribute('data-verified', 'false');
    await expect(banner).toContainText('FAILED VERIFICATION');
    await expect(page.getByTestId('review-problems')).toContainText('data/index.csv');
    await expect(page.getByTestId('watermark')).toBeAttached();
    await page.screenshot({ path: test.info().outputPath('review-tampered.png') });
  } finally {
    await review.close();
  }
  const journal = await createReviewJournalRepository(harness.composed.db).list();
  expect(journal.map((e) => e.action)).toEqual(['open', 'tamper', 'close']);
  expect(JSON.stringify(journal[1]!.details)).toContain('data/index.csv');
});

test('a pack signed by a key not trusted here is shown as UNTRUSTED in red, never as verified', async ({ page, harness }) => {
  const pack = await buildPack(harness, 'untrusted-pack');
  // A machine whose keychain holds neither the installation's key nor the firm's bucket credentials, and no
  // --trusted-key; only its own index's at-rest keys (the review journal lives in that index).
  const stranger = createKeyringSecretStore('custody-test-stranger');
  const forgetAtRestKeys = await shareAtRestKeys(harness, stranger);
  const review = await openReview(page, harness, pack.path, 'Dana Inspector (FCA)', stranger);
  try {
    const banner = page.getByTestId('review-verification');
    await expect(banner).toHaveAttribute('data-trust', 'untrusted');
    await expect(banner).toHaveAttribute('data-verified', 'false');
    await expect(banner).toContainText('UNTRUSTED');
    await expect(banner).not.toContainText('Pack verified');
    const title = banner.locator('.review-banner__title');
    const danger = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--danger)';
      document.body.append(probe);
      const color = getComputedStyle(probe).color;
      probe.remove();
      return color;
    });
    await expect(title).toHaveCSS('color', danger);
    await page.screenshot({ path: test.info().outputPath('review-untrusted.png') });
  } finally {
    await review.close();
    await forgetAtRestKeys();
  }
  const journal = await createReviewJournalRepository(harness.composed.db).list();
  expect(journal[0]).toMatchObject({ action: 'open', details: { verified: false, keyTrust: 'untrusted' } });
});

test("the pack's index.html plays offline in Chromium with the network disabled, and its proofs verify", async ({ page, harness }) => {
  const pack = await buildPack(harness, 'offline-pack');
  await page.context().setOffline(true);
  const requests: Array<string> = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(join(pack.path, 'index.html')).href);
  const status = page.locator('#proof-status');
  await expect(status).toHaveAttribute('data-verified', 'true');
  await expect(page.locator('#events tbody tr')).not.toHaveCount(0);
  await page.locator(`#recordings tr[data-recording-id="${pack.recordingId}"]`).click();
  const audio = page.getByTestId('viewer-audio');
  await audio.evaluate((a) => (a as HTMLAudioElement).play());
  await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(1.5);
  await page.screenshot({ path: test.info().outputPath('offline-viewer.png') });
  expect(requests.every((url) => url.startsWith('file://'))).toBe(true);
});

test("a trade's reconstruction opens offline in Chromium: calls and execution on one axis, in UTC and the desk's zone, a call played from the timeline", async ({ page, harness }) => {
  const call = uniqueTradingCall(harness.sandbox);
  // The call's trade as a blotter carries it: the trader by Genesys user id, executed as the call ends.
  await harness.composed.repositories.trades.upsertTrades(
    [
      {
        tradeId: call.tradingId,
        executedAt: new Date(Date.parse(call.conversation.endTime) - 10_000).toISOString(),
        trader: call.conversation.agentId,
        clientAccount: call.conversation.client.account,
        instrument: null,
        side: null,
        quantity: null,
        price: null,
        channel: 'voice',
        source: { format: 'csv', fileName: 'blotter.csv', fileSha256: 'b'.repeat(64), line: 2, raw: { trade_id: call.tradingId } },
      },
    ],
    Date.now(),
  );
  await harness.composed.engine.search({ tradingId: call.tradingId }, { caseReference: 'FCA-2026-0042' });
  const path = join(harness.root, 'reconstruction');
  await harness.composed.trades.reconstruction.reconstruct({ tradeId: call.tradingId, caseReference: 'FCA-2026-0042', outPath: path, zip: false });
  await page.context().setOffline(true);
  const requests: Array<string> = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(join(path, 'index.html')).href);
  await expect(page.locator('#timeline')).toBeVisible();
  await expect(page.locator('#desk-zone-heading')).toHaveText('Start (Europe/London)');
  await expect(page.getByTestId('timeline-execution')).toBeVisible();
  const row = page.locator(`#timeline-calls tr[data-conversation-id="${call.conversation.id}"]`);
  await expect(row).toHaveAttribute('data-linked', 'true');
  await page.locator(`[data-testid="timeline-call"][data-conversation-id="${call.conversation.id}"]`).click();
  const audio = row.getByTestId('timeline-audio');
  await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(1.5);
  await page.screenshot({ path: test.info().outputPath('reconstruction-timeline.png'), fullPage: true });
  expect(requests.every((url) => url.startsWith('file://'))).toBe(true);
});

test('an officer selects a recording in the results and prepares an evidence pack', async ({ page, harness }) => {
  const call = uniqueTradingCall(harness.sandbox);
  await openApp(page, harness);
  await page.getByTestId('search-trading-id').fill(call.tradingId);
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('result-row')).toHaveCount(1);
  await page.getByTestId('select-for-pack').check();
  await expect(page.getByTestId('pack-bar')).toContainText('1 recording selected');
  await page.getByTestId('prepare-pack').click();
  await page.getByTestId('case-reference-input').fill('FCA-2026-0042');
  await page.getByTestId('case-reference-submit').click();
  const result = page.getByTestId('pack-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(result).toContainText('written and verified');
  await page.screenshot({ path: test.info().outputPath('prepare-pack.png') });
  const path = (await result.getAttribute('data-pack-path'))!;
  expect(await verifyPack(path)).toMatchObject({ ok: true, recordings: 1, caseReference: 'FCA-2026-0042' });
});
