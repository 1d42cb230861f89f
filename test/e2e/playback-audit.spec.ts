import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { hostReview } from '../../electron/main/review-host';
import { composeReview } from '../../electron/services/composition/compose-review';
import { bridgeHost, SHELL_MAX_RANGE_BYTES, SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { uniqueTradingCall } from '../helpers/engine-harness';
import { expect, test } from './fixtures';
import { auditEvent, auditEvents, mediaState, playUnderCase, positionS, recordedSeek } from './playback-helpers';

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));


test('End, Home, arrow keys and clicks record the position playback actually moved to', async ({ page, harness }) => {
  const playEventId = await playUnderCase(page, harness, 'CASE-SEEK');
  const audio = page.getByTestId('playback-audio');
  await expect.poll(async () => (await mediaState(audio)).currentTime, { timeout: 20_000 }).toBeGreaterThan(1);
  const waveform = page.getByTestId('waveform');
  await waveform.focus();

  // End: the real end of the media, held there (it used to be recorded as the end and replayed from 0:00).
  const end = await recordedSeek(page, harness, () => page.keyboard.press('End'));
  let media = await mediaState(audio);
  expect(media.duration).toBeGreaterThan(10);
  expect(positionS(end)).toBeCloseTo(media.duration, 2);
  expect(positionS(end)).toBeCloseTo(media.currentTime, 2);
  expect(end.event.details).toMatchObject({ playAuditEventId: playEventId });
  await page.waitForTimeout(1000);
  media = await mediaState(audio);
  expect(media.currentTime).toBeCloseTo(positionS(end), 2);

  // Home: the start.
  const home = await recordedSeek(page, harness, () => page.keyboard.press('Home'));
  media = await mediaState(audio);
  expect(positionS(home)).toBe(0);
  expect(media.currentTime).toBe(0);

  // Arrow keys while playing: recorded where playback landed, and only then played on from there.
  await page.getByTestId('play-button').click();
  await expect.poll(async () => (await mediaState(audio)).currentTime).toBeGreaterThan(1);
  const right = await recordedSeek(page, harness, async () => {
    await waveform.focus();
    await page.keyboard.press('ArrowRight');
  });
  expect(positionS(right)).toBeGreaterThan(5);
  expect(right.media.currentTime).toBeGreaterThanOrEqual(positionS(right) - 0.01);
  expect(right.media.currentTime).toBeLessThan(positionS(right) + 2);
  await expect.poll(async () => (await mediaState(audio)).paused).toBe(false);

  // Paused, the position recorded is exactly where the media element is.
  await page.getByTestId('play-button').click();
  await expect.poll(async () => (await mediaState(audio)).paused).toBe(true);
  await waveform.focus();
  const left = await recordedSeek(page, harness, () => page.keyboard.press('ArrowLeft'));
  expect(positionS(left)).toBeCloseTo((await mediaState(audio)).currentTime, 2);

  const box = (await waveform.boundingBox())!;
  const click = await recordedSeek(page, harness, () => page.mouse.click(box.x + box.width * 0.7, box.y + box.height / 2));
  media = await mediaState(audio);
  expect(positionS(click)).toBeCloseTo(media.currentTime, 2);
  expect(positionS(click) / media.duration).toBeCloseTo(0.7, 1);

  // Played to the end, Play starts again at 0:00: that too is a recorded seek.
  await waveform.focus();
  await recordedSeek(page, harness, () => page.keyboard.press('End'));
  const replay = await recordedSeek(page, harness, () => page.getByTestId('play-button').click());
  expect(positionS(replay)).toBe(0);
  await expect.poll(async () => (await mediaState(audio)).currentTime).toBeGreaterThan(0.5);
});

test('a grant stops working when the case changes: the old media URL gets 403, and a new play is audited under the new case', async ({ page, harness }) => {
  const call = uniqueTradingCall(harness.sandbox);
  const firstPlay = await playUnderCase(page, harness, 'CASE-A');
  const audio = page.getByTestId('playback-audio');
  await expect.poll(async () => (await mediaState(audio)).currentTime, { timeout: 20_000 }).toBeGreaterThan(1);
  const oldUrl = (await audio.getAttribute('src'))!;
  expect((await auditEvent(harness, firstPlay)).caseReference).toBe('CASE-A');

  await page.evaluate(async () => {
    const ipc = (window as unknown as { custodyIpc: { invoke(c: string, r: unknown): Promise<unknown> } }).custodyIpc;
    await ipc.invoke('session:setCaseReference', { caseReference: 'CASE-B' });
  });
  await expect(page.getByTestId('playback-ended')).toContainText('case reference changed');
  await expect(page.getByTestId('playback-audio')).toHaveCount(0);
  await expect(page.getByTestId('header-case-reference')).toContainText('CASE-B');
  const eventsBefore = (await auditEvents(harness)).length;

  // 20 loads of the old URL by a media element, as the player would: every one refused.
  const statuses: Array<number> = [];
  page.on('response', (response) => {
    if (response.url() === oldUrl) statuses.push(response.status());
  });
  await page.evaluate(async (url) => {
    for (let i = 0; i < 20; i += 1) {
      const media = new Audio();
      const settled = new Promise((resolve) => {
        media.onerror = resolve;
        media.oncanplay = resolve;
      });
      media.src = url;
      await settled;
    }
  }, oldUrl);
  await expect.poll(() => statuses.length).toBe(20);
  expect(new Set(statuses)).toEqual(new Set([403]));
  expect(await page.evaluate(async (url) => (await fetch(url)).status, oldUrl)).toBe(403);
  expect((await auditEvents(harness)).length).toBe(eventsBefore);

  // A new play is a new audited grant, under CASE-B.
  await page.getByTestId('recording-view').getByTestId('play-button').click();
  const receipt = page.getByTestId('audit-event-id');
  await expect(receipt).toBeVisible();
  const secondPlay = (await receipt.getAttribute('data-audit-event-id'))!;
  expect(secondPlay).not.toBe(firstPlay);
  expect(await auditEvent(harness, secondPlay)).toMatchObject({ action: 'play', caseReference: 'CASE-B', recordingId: call.recording.id });
  const newAudio = page.getByTestId('playback-audio');
  await expect.poll(async () => (await mediaState(newAudio)).currentTime, { timeout: 20_000 }).toBeGreaterThan(1);
  expect(await newAudio.getAttribute('src')).not.toBe(oldUrl);
});

test('review plays with our own controls: no native controls, no download attribute, no context menu, no download', async ({ page, harness }) => {
  const call = uniqueTradingCall(harness.sandbox);
  const packPath = join(harness.root, 'review-no-download');
  await harness.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: packPath });
  const review = await composeReview({ profile: harness.profile, env: harness.env, secrets: harness.secrets, packPath, reviewer: 'Dana Inspector (FCA)', mediaUrlBase: `${SHELL_ORIGIN}/media/recording/` });
  try {
    const bridge = await bridgeHost(page.context(), (ipc, emit) =>
      hostReview(review, { ipc, emit, trustedOrigin: SHELL_ORIGIN, rendererDir, validateResponses: true, maxOpenRangeBytes: SHELL_MAX_RANGE_BYTES }),
    );
    const downloads: Array<string> = [];
    page.on('download', (download) => downloads.push(download.url()));
    await page.goto(bridge.appUrl);
    await page.getByTestId('review-row').first().click();
    await page.getByTestId('review-play').click();
    const audio = page.getByTestId('playback-audio');
    await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(1);

    expect(await audio.evaluate((a) => (a as HTMLAudioElement).controls)).toBe(false);
    expect(await audio.getAttribute('controlsList')).toContain('nodownload');
    expect(await page.locator('[download], a[href*="/media/"], audio[controls], video').count()).toBe(0);
    for (const target of [audio, page.getByTestId('review-player')]) {
      const prevented = await target.evaluate((el) => {
        const event = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
        el.dispatchEvent(event);
        return event.defaultPrevented;
      });
      expect(prevented).toBe(true);
    }

    // Our controls work (the app's player; its seeks are checked in packs.spec.ts).
    await page.getByTestId('play-button').click();
    await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).paused)).toBe(true);

    // What a reviewer can do to save the audio: right-click the player, Save (Ctrl+S). None starts a download.
    await page.getByTestId('review-player').click({ button: 'right' });
    await page.getByTestId('play-button').click({ button: 'right' });
    await page.keyboard.press('Control+s');
    await page.waitForTimeout(1000);
    expect(downloads).toEqual([]);
  } finally {
    await review.close();
  }
});
