import { GetObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { auditEventsPrefix } from '../../electron/services/audit/layout';
import type { AuditEvent } from '../../shared/domain';
import { startHarness, uniqueTradingCall } from '../helpers/engine-harness';
import { startTestWorm } from '../helpers/worm';
import { SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { expect, openApp, test } from './fixtures';

test('an officer finds a trade by its ID, gives a case reference, plays it, and the play is in the WORM log', async ({ page, harness }) => {
  const call = uniqueTradingCall(harness.sandbox);
  const mediaRequests: Array<{ status: number; range: string | null }> = [];
  page.on('response', (response) => {
    if (response.url().includes('/media/recording/')) mediaRequests.push({ status: response.status(), range: response.request().headers().range ?? null });
  });
  await openApp(page, harness);

  await page.getByTestId('search-trading-id').fill(call.tradingId);
  await page.getByTestId('search-submit').click();
  const row = page.getByTestId('result-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(call.tradingId);
  await row.click();

  await page.getByTestId('recording-view').getByTestId('play-button').click();
  const dialog = page.getByTestId('case-reference-dialog');
  await expect(dialog).toBeVisible();
  await page.getByTestId('case-reference-input').fill('FCA-2026-0042');
  await page.getByTestId('case-reference-submit').click();
  await expect(dialog).toBeHidden();

  const audit = page.getByTestId('audit-event-id');
  await expect(audit).toBeVisible();
  const auditEventId = (await audit.getAttribute('data-audit-event-id'))!;
  await expect(page.getByTestId('header-case-reference')).toContainText('FCA-2026-0042');

  // It really plays: time advances, and the waveform is drawn from main's peaks.
  const audio = page.getByTestId('playback-audio');
  await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(1.5);
  await expect(page.getByTestId('waveform').locator('canvas').first()).toBeAttached();

  // Seeking: a click far into the waveform moves playback there, served by a ranged (206) request.
  const box = (await page.getByTestId('waveform').boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.8, box.y + box.height / 2);
  await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime)).toBeGreaterThan((call.recording.durationMs / 1000) * 0.6);
  expect(mediaRequests.some((r) => r.status === 206)).toBe(true);

  await page.screenshot({ path: test.info().outputPath('playback.png') });

  // The audit object is in the bucket, with the operator, the recording and the case reference.
  const listing = await harness.s3.send(new ListObjectVersionsCommand({ Bucket: harness.bucket, Prefix: auditEventsPrefix(harness.composed.profile.logId) }));
  const events: Array<AuditEvent> = [];
  for (const version of listing.Versions ?? []) {
    const object = await harness.s3.send(new GetObjectCommand({ Bucket: harness.bucket, Key: version.Key!, VersionId: version.VersionId! }));
    events.push(JSON.parse(await object.Body!.transformToString()) as AuditEvent);
  }
  const play = events.find((e) => e.eventId === auditEventId);
  expect(play).toMatchObject({
    action: 'play',
    recordingId: call.recording.id,
    conversationId: call.conversation.id,
    tradingId: call.tradingId,
    caseReference: 'FCA-2026-0042',
    operator: { kind: 'officer', genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' },
  });
  expect(events.filter((e) => e.action === 'search').length).toBeGreaterThanOrEqual(1);
});

test('nothing plays when the WORM store is down: the refusal is shown and no media is requested', async ({ page }) => {
  const worm = await startTestWorm();
  const harness = await startHarness({ worm: worm.connection, mediaUrlBase: `${SHELL_ORIGIN}/media/recording/` });
  try {
    const call = uniqueTradingCall(harness.sandbox);
    const mediaRequests: Array<string> = [];
    page.on('request', (request) => {
      if (request.url().includes('/media/')) mediaRequests.push(request.url());
    });
    await openApp(page, harness);
    await page.getByTestId('search-trading-id').fill(call.tradingId);
    await page.getByTestId('search-submit').click();
    await page.getByTestId('result-row').click();

    await worm.stop();
    await page.getByTestId('recording-view').getByTestId('play-button').click();
    await page.getByTestId('case-reference-input').fill('FCA-2026-0042');
    await page.getByTestId('case-reference-submit').click();

    const refusal = page.getByTestId('playback-refused');
    await expect(refusal).toBeVisible();
    await expect(refusal).toContainText('Nothing was played');
    await expect(page.getByTestId('playback-audio')).toHaveCount(0);
    await expect(page.getByTestId('audit-event-id')).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath('refused.png') });
    expect(mediaRequests).toEqual([]);
    expect(harness.sandbox.stats().requests.media).toBe(0);
  } finally {
    await harness.close();
    await worm.stop().catch(() => undefined);
  }
});
