import { uniqueTradingCall } from '../helpers/engine-harness';
import { expect, openApp, test } from './fixtures';

test('a recording Genesys has deleted plays from the WORM archive, and the app says so', async ({ page, harness }) => {
  const call = uniqueTradingCall(harness.sandbox);
  const start = Date.parse(call.conversation.startTime);
  const run = await (await harness.composed.archive.job()).run({ sinceMs: start, untilMs: start + 1 });
  expect(run.counts.archived).toBe(1);
  harness.sandbox.deleteRecording(call.conversation.id, call.recording.id);

  await openApp(page, harness);
  await page.getByTestId('search-trading-id').fill(call.tradingId);
  await page.getByTestId('search-submit').click();
  await page.getByTestId('result-row').click();
  const view = page.getByTestId('recording-view');
  await expect(view.getByTestId('archive-copy')).toContainText('legal hold off · readable now');

  await view.getByTestId('play-button').click();
  await page.getByTestId('case-reference-input').fill('FCA-2026-0099');
  await page.getByTestId('case-reference-submit').click();
  await expect(page.getByTestId('playback-source')).toContainText('Played from the WORM archive copy');
  await expect(page.getByTestId('recording-sha256')).toHaveText(run.items[0]!.sha256!);
  const audio = page.getByTestId('playback-audio');
  await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(1);
  expect(harness.sandbox.stats().requests.media).toBe(1); // the archive run's download only
  await page.getByTestId('playback-source').scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('archive-playback.png') });
});
